package dev.nve.dataplane.port;

import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.pcap.PcapRecord;
import dev.nve.dataplane.pcap.PcapWriter;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Objects;

/**
 * A port that receives the records of a capture and writes what it transmits to a pcap file,
 * so that a pipeline runs on recorded traffic exactly as on a NIC queue.
 * <p>
 * Receive copies each record into a frame from the pool, like a NIC writing into UMEM. Records
 * that are not Ethernet, or longer than a frame can hold, are skipped and counted, never cut:
 * a truncated frame would be processed as a different packet. Transmit writes each frame (if
 * there is a writer) and returns it to the pool. Neither path allocates per frame.
 * The writer belongs to the caller, who closes it.
 */
public final class PcapPort implements Port
{
    private final int id;
    private final String name;
    private final FramePool pool;
    private final MemorySegment segment;
    private final int maxFrameLength;
    private final List<PcapRecord> input;
    private final PcapWriter output;

    private int next;
    private long rxFrames;
    private long txFrames;
    private long rxOversize;
    private long rxSkippedLinkType;
    private long txErrors;
    private IOException firstTxError;

    /**
     * @param input  records to receive, in order; the list is read, not copied, and must not change.
     * @param output where transmitted frames go, or null to discard them.
     */
    public PcapPort(final int id, final String name, final FramePool pool, final List<PcapRecord> input, final PcapWriter output)
    {
        this.id = id;
        this.name = Objects.requireNonNull(name, "name");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.segment = pool.memory().segment();
        this.maxFrameLength = pool.memory().maxFrameLength();
        this.input = Objects.requireNonNull(input, "input");
        this.output = output;
    }

    @Override
    public int id()
    {
        return id;
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public int receive(final PacketBatch batch)
    {
        int received = 0;
        final int size = input.size();
        while (next < size && !batch.isFull())
        {
            final PcapRecord record = input.get(next);
            if (record.linkType() != PcapRecord.LINKTYPE_ETHERNET)
            {
                rxSkippedLinkType++;
                next++;
                continue;
            }
            final byte[] data = record.data();
            if (data.length > maxFrameLength)
            {
                rxOversize++;
                next++;
                continue;
            }
            final long address = pool.allocate();
            if (address < 0)
            {
                break; // pool exhausted: the record stays pending until frames come back
            }
            MemorySegment.copy(data, 0, segment, ValueLayout.JAVA_BYTE, address, data.length);
            batch.add(address, data.length, id, record.timestampNanos());
            next++;
            received++;
        }
        rxFrames += received;
        return received;
    }

    /**
     * Writes and releases each frame. A failed write still releases the frame; it is counted in
     * {@link #txErrors()}, the first failure is kept in {@link #firstTxError()}, and the frame
     * is not included in the returned count.
     */
    @Override
    public int transmit(final PacketBatch batch, final int[] indices, final int count)
    {
        final MemorySegment frames = batch.segment();
        int sent = 0;
        for (int k = 0; k < count; k++)
        {
            final int i = indices[k];
            final long address = batch.address[i];
            boolean ok = true;
            if (output != null)
            {
                try
                {
                    output.write(batch.timestampNanos[i], frames, address, batch.length[i]);
                }
                catch (final IOException ex)
                {
                    ok = false;
                    txErrors++;
                    if (firstTxError == null)
                    {
                        firstTxError = ex;
                    }
                }
            }
            pool.release(address);
            if (ok)
            {
                sent++;
            }
        }
        txFrames += sent;
        return sent;
    }

    /** True while input records remain that have been neither received nor skipped. */
    public boolean hasPendingInput()
    {
        return next < input.size();
    }

    public long rxFrames()
    {
        return rxFrames;
    }

    public long txFrames()
    {
        return txFrames;
    }

    /** Records longer than {@code FrameMemory.maxFrameLength()}, skipped. */
    public long rxOversize()
    {
        return rxOversize;
    }

    /** Records whose link type is not Ethernet, skipped. */
    public long rxSkippedLinkType()
    {
        return rxSkippedLinkType;
    }

    /** Frames whose write to the pcap file failed (released, not sent). */
    public long txErrors()
    {
        return txErrors;
    }

    /** The first write failure, or null. */
    public IOException firstTxError()
    {
        return firstTxError;
    }

    @Override
    public String toString()
    {
        return "PcapPort{id=" + id + ", name=" + name + ", rx=" + rxFrames + ", tx=" + txFrames + ", rxOversize=" + rxOversize
            + ", rxSkippedLinkType=" + rxSkippedLinkType + ", txErrors=" + txErrors + "}";
    }
}
