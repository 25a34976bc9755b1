package dev.nve.dataplane.pcap;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static dev.nve.dataplane.wire.Bytes.U16_LE;
import static dev.nve.dataplane.wire.Bytes.U32_LE;

/**
 * Writes Ethernet frames as classic pcap with nanosecond timestamps (magic {@code 0xA1B23C4D}),
 * little-endian, so that replay output keeps the exact timestamps of the input and every tool
 * (tcpdump, tshark, capinfos) reads it.
 * <p>
 * Records are assembled in one preallocated direct buffer and written to the file channel when
 * it fills, so {@link #write(long, MemorySegment, long, int)} allocates nothing. A frame longer
 * than {@link #SNAP_LENGTH} is written cut to the snap length with its full original length,
 * as a capture tool would. Not thread-safe: one writer belongs to one port or thread.
 */
public final class PcapWriter implements AutoCloseable
{
    /** Written as the file header's snap length; also the reader's captured-length limit. */
    public static final int SNAP_LENGTH = PcapReader.MAX_CAPTURED_LENGTH;

    private static final int FILE_HEADER_LENGTH = 24;
    private static final int RECORD_HEADER_LENGTH = 16;
    private static final int VERSION_MAJOR = 2;
    private static final int VERSION_MINOR = 4;
    private static final int BUFFER_CAPACITY = 1 << 20;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long MAX_SECONDS = 0xFFFF_FFFFL;

    private final Path path;
    private final FileChannel channel;
    private final ByteBuffer buffer;
    private final MemorySegment bufferSegment;
    private int position;
    private int recordsWritten;
    private boolean closed;

    private PcapWriter(final Path path, final FileChannel channel)
    {
        this.path = path;
        this.channel = channel;
        this.buffer = ByteBuffer.allocateDirect(BUFFER_CAPACITY);
        this.bufferSegment = MemorySegment.ofBuffer(buffer);
    }

    /** Creates (or truncates) {@code path} and writes the pcap file header. */
    public static PcapWriter create(final Path path) throws IOException
    {
        final FileChannel channel = FileChannel.open(
            path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        final PcapWriter writer = new PcapWriter(path, channel);
        writer.writeFileHeader();
        return writer;
    }

    private void writeFileHeader()
    {
        bufferSegment.set(U32_LE, 0, PcapReader.PCAP_MAGIC_NANOS);
        bufferSegment.set(U16_LE, 4, (short)VERSION_MAJOR);
        bufferSegment.set(U16_LE, 6, (short)VERSION_MINOR);
        bufferSegment.set(U32_LE, 8, 0); // thiszone: timestamps are UTC
        bufferSegment.set(U32_LE, 12, 0); // sigfigs
        bufferSegment.set(U32_LE, 16, SNAP_LENGTH);
        bufferSegment.set(U32_LE, 20, PcapRecord.LINKTYPE_ETHERNET);
        position = FILE_HEADER_LENGTH;
    }

    /**
     * Appends one frame of {@code length} bytes at {@code offset} in {@code segment}.
     *
     * @param timestampNanos nanoseconds since the Unix epoch, up to 2106 (pcap's unsigned 32-bit seconds).
     */
    public void write(final long timestampNanos, final MemorySegment segment, final long offset, final int length)
        throws IOException
    {
        final int capturedLength = prepare(timestampNanos, length);
        MemorySegment.copy(segment, offset, bufferSegment, position + RECORD_HEADER_LENGTH, capturedLength);
        position += RECORD_HEADER_LENGTH + capturedLength;
        recordsWritten++;
    }

    /** Appends one frame held in a heap array. */
    public void write(final long timestampNanos, final byte[] frame) throws IOException
    {
        final int capturedLength = prepare(timestampNanos, frame.length);
        MemorySegment.copy(frame, 0, bufferSegment, ValueLayout.JAVA_BYTE, position + RECORD_HEADER_LENGTH, capturedLength);
        position += RECORD_HEADER_LENGTH + capturedLength;
        recordsWritten++;
    }

    /** Checks the arguments, makes room and writes the record header; returns the captured length. */
    private int prepare(final long timestampNanos, final int length) throws IOException
    {
        if (closed)
        {
            throw new IllegalStateException("pcap writer is closed: " + path);
        }
        if (length < 0)
        {
            throw new IllegalArgumentException("negative frame length " + length);
        }
        final long seconds = Math.floorDiv(timestampNanos, NANOS_PER_SECOND);
        if (seconds < 0 || seconds > MAX_SECONDS)
        {
            throw new IllegalArgumentException("timestamp " + timestampNanos + " ns is outside pcap's 1970..2106 range");
        }
        final int capturedLength = Math.min(length, SNAP_LENGTH);
        if (position + RECORD_HEADER_LENGTH + capturedLength > BUFFER_CAPACITY)
        {
            flush();
        }
        bufferSegment.set(U32_LE, position, (int)seconds);
        bufferSegment.set(U32_LE, position + 4, (int)Math.floorMod(timestampNanos, NANOS_PER_SECOND));
        bufferSegment.set(U32_LE, position + 8, capturedLength);
        bufferSegment.set(U32_LE, position + 12, length);
        return capturedLength;
    }

    /** Writes buffered records to the file. */
    public void flush() throws IOException
    {
        buffer.clear().limit(position);
        while (buffer.hasRemaining())
        {
            channel.write(buffer);
        }
        position = 0;
    }

    public int recordsWritten()
    {
        return recordsWritten;
    }

    public Path path()
    {
        return path;
    }

    /** Flushes and closes the file; closing twice does nothing. */
    @Override
    public void close() throws IOException
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            flush();
        }
        finally
        {
            channel.close();
        }
    }
}
