package dev.nve.dataplane.pcap;

import dev.nve.dataplane.wire.Bytes;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a whole capture file into heap records, for replay and tests (not the packet path).
 * <p>
 * Classic pcap: microsecond ({@code 0xA1B2C3D4}) and nanosecond ({@code 0xA1B23C4D}) magic,
 * either byte order; the byte order of every field is the one the magic reveals.
 * <p>
 * pcapng: any number of sections, each in its own byte order (from the Section Header Block's
 * byte-order magic); Interface Description Blocks give each interface its link type, snap
 * length and timestamp unit ({@code if_tsresol}, power of 10 or 2, and {@code if_tsoffset});
 * Enhanced, Simple and Obsolete Packet Blocks become records; every other block is skipped.
 * <p>
 * Timestamps are converted to nanoseconds exactly when the unit is a nanosecond or coarser, and
 * rounded down otherwise. A record longer than {@link #MAX_CAPTURED_LENGTH} or than the bytes
 * left in the file is an error (a {@link PcapFormatException}), never silently cut; an
 * original length larger than the captured length is normal (snap length, fuzzer output).
 */
public final class PcapReader
{
    /**
     * Largest captured length accepted: libpcap's MAXIMUM_SNAPLEN, also the snap length
     * {@link PcapWriter} writes, so that everything written here reads back. A larger value is
     * taken as a corrupt header rather than a 2 GiB allocation.
     */
    public static final int MAX_CAPTURED_LENGTH = 262_144;

    /** Classic pcap magic with microsecond timestamps, as a native-order u32. */
    public static final int PCAP_MAGIC_MICROS = 0xA1B2_C3D4;
    /** Classic pcap magic with nanosecond timestamps, as a native-order u32. */
    public static final int PCAP_MAGIC_NANOS = 0xA1B2_3C4D;

    static final int PCAPNG_SECTION_HEADER = 0x0A0D_0D0A;
    static final int PCAPNG_INTERFACE_DESCRIPTION = 0x0000_0001;
    static final int PCAPNG_OBSOLETE_PACKET = 0x0000_0002;
    static final int PCAPNG_SIMPLE_PACKET = 0x0000_0003;
    static final int PCAPNG_ENHANCED_PACKET = 0x0000_0006;
    static final int PCAPNG_BYTE_ORDER_MAGIC = 0x1A2B_3C4D;

    static final int OPTION_END = 0;
    static final int OPTION_IF_TSRESOL = 9;
    static final int OPTION_IF_TSOFFSET = 14;

    private static final int PCAP_FILE_HEADER_LENGTH = 24;
    private static final int PCAP_LINKTYPE_OFFSET = 20;
    private static final int PCAP_RECORD_HEADER_LENGTH = 16;
    /** The upper bits of the classic header's link type field carry FCS information. */
    private static final int PCAP_LINKTYPE_MASK = 0x03FF_FFFF;

    private static final int BLOCK_HEADER_LENGTH = 8;
    private static final int BLOCK_TRAILER_LENGTH = 4;
    private static final int MIN_BLOCK_LENGTH = BLOCK_HEADER_LENGTH + BLOCK_TRAILER_LENGTH;
    private static final int SECTION_HEADER_MIN_LENGTH = 28;
    private static final int INTERFACE_DESCRIPTION_MIN_LENGTH = 20;
    private static final int SIMPLE_PACKET_MIN_LENGTH = 16;
    /** Enhanced and Obsolete Packet Blocks share the layout up to the packet data. */
    private static final int PACKET_BLOCK_MIN_LENGTH = 32;
    private static final int PACKET_BLOCK_DATA_OFFSET = 28;

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int DEFAULT_TSRESOL = 6;

    private final Path file;
    private final MemorySegment data;
    private final long size;
    private final List<PcapRecord> records = new ArrayList<>();
    private final List<Interface> interfaces = new ArrayList<>();

    /** Byte order of the current pcapng section or of the classic file, named once here. */
    private ValueLayout.OfInt fileU32 = Bytes.U32_LE;
    private ValueLayout.OfShort fileU16 = Bytes.U16_LE;

    private PcapReader(final Path file, final MemorySegment data)
    {
        this.file = file;
        this.data = data;
        this.size = data.byteSize();
    }

    /**
     * Reads every record of {@code file}.
     *
     * @throws PcapFormatException if the file is empty, has an unknown magic or is corrupt or truncated.
     */
    public static PcapFile read(final Path file) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            Arena arena = Arena.ofConfined())
        {
            final long size = channel.size();
            if (size == 0)
            {
                throw new PcapFormatException(file, 0, "empty file, expected a pcap or pcapng header");
            }
            final MemorySegment data = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            final PcapReader reader = new PcapReader(file, data);
            reader.readAll();
            return new PcapFile(file, reader.records);
        }
    }

    private void readAll() throws PcapFormatException
    {
        if (size < 4)
        {
            throw error(0, "file of " + size + " bytes is too short for a pcap or pcapng magic number");
        }
        final int magicLe = data.get(Bytes.U32_LE, 0);
        if (magicLe == PCAPNG_SECTION_HEADER)
        {
            readPcapng();
        }
        else if (magicLe == PCAP_MAGIC_MICROS || magicLe == PCAP_MAGIC_NANOS)
        {
            fileU32 = Bytes.U32_LE;
            fileU16 = Bytes.U16_LE;
            readClassic(magicLe == PCAP_MAGIC_NANOS);
        }
        else if (Integer.reverseBytes(magicLe) == PCAP_MAGIC_MICROS || Integer.reverseBytes(magicLe) == PCAP_MAGIC_NANOS)
        {
            fileU32 = Bytes.U32_BE;
            fileU16 = Bytes.U16_BE;
            readClassic(Integer.reverseBytes(magicLe) == PCAP_MAGIC_NANOS);
        }
        else
        {
            throw error(0, String.format(
                "unknown magic number %08x (file bytes), not pcap (a1b2c3d4, a1b23c4d, either order) or pcapng (0a0d0d0a)",
                data.get(Bytes.U32_BE, 0)));
        }
    }

    private void readClassic(final boolean nanosecond) throws PcapFormatException
    {
        if (size < PCAP_FILE_HEADER_LENGTH)
        {
            throw error(0, "truncated pcap file header: " + size + " of " + PCAP_FILE_HEADER_LENGTH + " bytes");
        }
        final int linkType = data.get(fileU32, PCAP_LINKTYPE_OFFSET) & PCAP_LINKTYPE_MASK;
        final long fractionUnit = nanosecond ? 1 : 1000;

        long offset = PCAP_FILE_HEADER_LENGTH;
        while (offset < size)
        {
            final long remaining = size - offset;
            if (remaining < PCAP_RECORD_HEADER_LENGTH)
            {
                throw error(offset, "truncated record header: " + remaining + " of " + PCAP_RECORD_HEADER_LENGTH + " bytes");
            }
            final long seconds = Integer.toUnsignedLong(data.get(fileU32, offset));
            final long fraction = Integer.toUnsignedLong(data.get(fileU32, offset + 4));
            final long capturedLength = Integer.toUnsignedLong(data.get(fileU32, offset + 8));
            final long originalLength = Integer.toUnsignedLong(data.get(fileU32, offset + 12));
            checkCapturedLength(offset, capturedLength, remaining - PCAP_RECORD_HEADER_LENGTH, "file");
            records.add(new PcapRecord(
                seconds * NANOS_PER_SECOND + fraction * fractionUnit,
                originalLength(offset, originalLength),
                linkType,
                copy(offset + PCAP_RECORD_HEADER_LENGTH, (int)capturedLength)));
            offset += PCAP_RECORD_HEADER_LENGTH + capturedLength;
        }
    }

    private void readPcapng() throws PcapFormatException
    {
        long offset = 0;
        while (offset < size)
        {
            final long remaining = size - offset;
            if (remaining < MIN_BLOCK_LENGTH)
            {
                throw error(offset, "truncated block header: " + remaining + " bytes left, a block needs at least " + MIN_BLOCK_LENGTH);
            }
            // The Section Header Block type reads the same in both orders; it sets the order for the rest.
            final int type = data.get(fileU32, offset);
            if (type == PCAPNG_SECTION_HEADER)
            {
                if (remaining < SECTION_HEADER_MIN_LENGTH)
                {
                    throw error(offset, "truncated section header block: " + remaining + " of at least "
                        + SECTION_HEADER_MIN_LENGTH + " bytes");
                }
                startSection(offset);
            }
            final long blockLength = Integer.toUnsignedLong(data.get(fileU32, offset + 4));
            if (blockLength < MIN_BLOCK_LENGTH || (blockLength & 3) != 0)
            {
                throw error(offset, "invalid block length " + blockLength + " (block type " + hex(type) + ")");
            }
            if (blockLength > remaining)
            {
                throw error(offset, "truncated block: block type " + hex(type) + " has length " + blockLength
                    + " but only " + remaining + " bytes remain");
            }
            final long trailerLength = Integer.toUnsignedLong(data.get(fileU32, offset + blockLength - BLOCK_TRAILER_LENGTH));
            if (trailerLength != blockLength)
            {
                throw error(offset, "block trailer length " + trailerLength + " differs from header length " + blockLength);
            }

            switch (type)
            {
                case PCAPNG_SECTION_HEADER ->
                {
                    if (blockLength < SECTION_HEADER_MIN_LENGTH)
                    {
                        throw error(offset, "section header block length " + blockLength + " < " + SECTION_HEADER_MIN_LENGTH);
                    }
                }
                case PCAPNG_INTERFACE_DESCRIPTION -> readInterfaceDescription(offset, blockLength);
                case PCAPNG_ENHANCED_PACKET -> readPacketBlock(offset, blockLength, true);
                case PCAPNG_OBSOLETE_PACKET -> readPacketBlock(offset, blockLength, false);
                case PCAPNG_SIMPLE_PACKET -> readSimplePacket(offset, blockLength);
                default ->
                {
                    // Statistics, name resolution, custom, decryption secrets...: not frames.
                }
            }
            offset += blockLength;
        }
    }

    private void startSection(final long offset) throws PcapFormatException
    {
        final int byteOrderMagicLe = data.get(Bytes.U32_LE, offset + 8);
        if (byteOrderMagicLe == PCAPNG_BYTE_ORDER_MAGIC)
        {
            fileU32 = Bytes.U32_LE;
            fileU16 = Bytes.U16_LE;
        }
        else if (Integer.reverseBytes(byteOrderMagicLe) == PCAPNG_BYTE_ORDER_MAGIC)
        {
            fileU32 = Bytes.U32_BE;
            fileU16 = Bytes.U16_BE;
        }
        else
        {
            throw error(offset, String.format(
                "section header byte-order magic %08x (file bytes) is not 1a2b3c4d in either order",
                data.get(Bytes.U32_BE, offset + 8)));
        }
        final int major = data.get(fileU16, offset + 12) & 0xFFFF;
        if (major != 1)
        {
            throw error(offset, "unsupported pcapng major version " + major);
        }
        interfaces.clear();
    }

    private void readInterfaceDescription(final long offset, final long blockLength) throws PcapFormatException
    {
        if (blockLength < INTERFACE_DESCRIPTION_MIN_LENGTH)
        {
            throw error(offset, "interface description block length " + blockLength + " < " + INTERFACE_DESCRIPTION_MIN_LENGTH);
        }
        final int linkType = data.get(fileU16, offset + 8) & 0xFFFF;
        final long snapLength = Integer.toUnsignedLong(data.get(fileU32, offset + 12));
        int tsresol = DEFAULT_TSRESOL;
        long tsoffsetSeconds = 0;

        final long end = offset + blockLength - BLOCK_TRAILER_LENGTH;
        long option = offset + 16;
        while (option + 4 <= end)
        {
            final int code = data.get(fileU16, option) & 0xFFFF;
            final int length = data.get(fileU16, option + 2) & 0xFFFF;
            if (code == OPTION_END)
            {
                break;
            }
            final long value = option + 4;
            if (value + length > end)
            {
                throw error(offset, "interface option " + code + " of length " + length + " runs past the end of the block");
            }
            if (code == OPTION_IF_TSRESOL && length >= 1)
            {
                tsresol = data.get(Bytes.U8, value) & 0xFF;
            }
            else if (code == OPTION_IF_TSOFFSET && length >= 8)
            {
                // A 64-bit value in section byte order: high half first in big-endian sections.
                final long first = Integer.toUnsignedLong(data.get(fileU32, value));
                final long second = Integer.toUnsignedLong(data.get(fileU32, value + 4));
                tsoffsetSeconds = fileU32 == Bytes.U32_LE ? (second << 32) | first : (first << 32) | second;
            }
            option = value + ((length + 3) & ~3);
        }

        final boolean binary = (tsresol & 0x80) != 0;
        final int exponent = tsresol & 0x7F;
        final long offsetNanos;
        try
        {
            offsetNanos = Math.multiplyExact(tsoffsetSeconds, NANOS_PER_SECOND);
        }
        catch (final ArithmeticException ex)
        {
            throw error(offset, "if_tsoffset " + tsoffsetSeconds + " s is out of range");
        }
        interfaces.add(new Interface(linkType, snapLength, binary, exponent, offsetNanos));
    }

    private void readPacketBlock(final long offset, final long blockLength, final boolean enhanced) throws PcapFormatException
    {
        final String name = enhanced ? "enhanced packet block" : "obsolete packet block";
        if (blockLength < PACKET_BLOCK_MIN_LENGTH)
        {
            throw error(offset, name + " length " + blockLength + " < " + PACKET_BLOCK_MIN_LENGTH);
        }
        final int interfaceId = enhanced ?
            data.get(fileU32, offset + 8) :
            data.get(fileU16, offset + 8) & 0xFFFF;
        final Interface iface = iface(offset, interfaceId);
        final long timestampHigh = Integer.toUnsignedLong(data.get(fileU32, offset + 12));
        final long timestampLow = Integer.toUnsignedLong(data.get(fileU32, offset + 16));
        final long capturedLength = Integer.toUnsignedLong(data.get(fileU32, offset + 20));
        final long originalLength = Integer.toUnsignedLong(data.get(fileU32, offset + 24));
        checkCapturedLength(offset, capturedLength, blockLength - PACKET_BLOCK_MIN_LENGTH, name);
        records.add(new PcapRecord(
            iface.toNanos(this, offset, (timestampHigh << 32) | timestampLow),
            originalLength(offset, originalLength),
            iface.linkType,
            copy(offset + PACKET_BLOCK_DATA_OFFSET, (int)capturedLength)));
    }

    /**
     * A Simple Packet Block has no captured length and no timestamp: the captured length is the
     * original length cut by interface 0's snap length (when non-zero) and by the block body.
     */
    private void readSimplePacket(final long offset, final long blockLength) throws PcapFormatException
    {
        if (blockLength < SIMPLE_PACKET_MIN_LENGTH)
        {
            throw error(offset, "simple packet block length " + blockLength + " < " + SIMPLE_PACKET_MIN_LENGTH);
        }
        final Interface iface = iface(offset, 0);
        final long originalLength = Integer.toUnsignedLong(data.get(fileU32, offset + 8));
        long capturedLength = Math.min(originalLength, blockLength - SIMPLE_PACKET_MIN_LENGTH);
        if (iface.snapLength != 0)
        {
            capturedLength = Math.min(capturedLength, iface.snapLength);
        }
        checkCapturedLength(offset, capturedLength, blockLength - SIMPLE_PACKET_MIN_LENGTH, "simple packet block");
        records.add(new PcapRecord(0, originalLength(offset, originalLength), iface.linkType, copy(offset + 12, (int)capturedLength)));
    }

    private Interface iface(final long offset, final int interfaceId) throws PcapFormatException
    {
        if (interfaceId < 0 || interfaceId >= interfaces.size())
        {
            throw error(offset, "packet refers to interface " + Integer.toUnsignedString(interfaceId) + " but the section defines "
                + interfaces.size());
        }
        return interfaces.get(interfaceId);
    }

    private void checkCapturedLength(final long offset, final long capturedLength, final long available, final String container)
        throws PcapFormatException
    {
        if (capturedLength > MAX_CAPTURED_LENGTH)
        {
            throw error(offset, "captured length " + capturedLength + " exceeds the limit of " + MAX_CAPTURED_LENGTH + " bytes");
        }
        if (capturedLength > available)
        {
            throw error(offset, "truncated record: captured length " + capturedLength + " but the " + container + " has only "
                + available + " bytes left");
        }
    }

    private int originalLength(final long offset, final long originalLength) throws PcapFormatException
    {
        if (originalLength > Integer.MAX_VALUE)
        {
            throw error(offset, "original length " + originalLength + " is out of range");
        }
        return (int)originalLength;
    }

    private byte[] copy(final long offset, final int length)
    {
        final byte[] bytes = new byte[length];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, offset, bytes, 0, length);
        return bytes;
    }

    private PcapFormatException error(final long offset, final String problem)
    {
        return new PcapFormatException(file, offset, problem);
    }

    private static String hex(final int value)
    {
        return String.format("0x%08x", value);
    }

    /**
     * What a pcapng Interface Description Block says about the packets that name it.
     *
     * @param binary   true when the timestamp unit is 2^-exponent s, false for 10^-exponent s.
     * @param exponent the unit exponent from {@code if_tsresol} (default 6: microseconds).
     */
    private record Interface(int linkType, long snapLength, boolean binary, int exponent, long offsetNanos)
    {
        /** Converts a raw unsigned 64-bit timestamp to nanoseconds, rounding down below 1 ns. */
        long toNanos(final PcapReader reader, final long blockOffset, final long timestamp) throws PcapFormatException
        {
            final long nanos = binary ? binaryToNanos(timestamp) : decimalToNanos(timestamp);
            if (nanos < 0)
            {
                throw reader.error(blockOffset, "timestamp " + Long.toUnsignedString(timestamp) + " in units of "
                    + (binary ? "2^-" : "10^-") + exponent + " s does not fit in 64-bit nanoseconds");
            }
            final long result = nanos + offsetNanos;
            if (((nanos ^ result) & (offsetNanos ^ result)) < 0)
            {
                throw reader.error(blockOffset, "timestamp plus if_tsoffset does not fit in 64-bit nanoseconds");
            }
            return result;
        }

        /** Returns -1 on overflow. */
        private long decimalToNanos(final long timestamp)
        {
            if (exponent <= 9)
            {
                long factor = 1;
                for (int i = exponent; i < 9; i++)
                {
                    factor *= 10;
                }
                if (timestamp < 0 || Math.multiplyHigh(timestamp, factor) != 0 || timestamp * factor < 0)
                {
                    return -1;
                }
                return timestamp * factor;
            }
            // floor(floor(t / 10) / 10) == floor(t / 100): repeated division is exact flooring.
            long value = timestamp;
            for (int i = 9; i < exponent && value != 0; i++)
            {
                value = Long.divideUnsigned(value, 10);
            }
            return value;
        }

        /** floor(timestamp * 10^9 / 2^exponent) over 128 bits; returns -1 on overflow. */
        private long binaryToNanos(final long timestamp)
        {
            final long high = Math.unsignedMultiplyHigh(timestamp, NANOS_PER_SECOND);
            final long low = timestamp * NANOS_PER_SECOND;
            final long resultHigh;
            final long resultLow;
            if (exponent == 0)
            {
                resultHigh = high;
                resultLow = low;
            }
            else if (exponent < 64)
            {
                resultHigh = high >>> exponent;
                resultLow = (low >>> exponent) | (high << (64 - exponent));
            }
            else
            {
                resultHigh = 0;
                resultLow = high >>> (exponent - 64);
            }
            return resultHigh != 0 || resultLow < 0 ? -1 : resultLow;
        }
    }
}
