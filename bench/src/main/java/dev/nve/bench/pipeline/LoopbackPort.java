package dev.nve.bench.pipeline;

import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.port.Port;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An endless in-memory port for pipeline benchmarks: receive takes frames from its pool and
 * hands them out as if they had just arrived (descriptor only, like an AF_XDP RX ring entry);
 * transmit gives each frame straight back to its pool (like a completed send). No bytes are
 * copied per frame: before the run {@link #stamp} writes the same pre-built frame at the data
 * start of every frame of the memory. The VXLAN stages never write below a frame's data start
 * (decap only moves the descriptor; encap writes the outer headers into the headroom), so the
 * stamped bytes stay valid for every reuse; {@link #verifyStamped} checks that after a run.
 *
 * <p>Transmitted frames can be held in a FIFO of {@code recycleDelay} frames before they go
 * back to the pool, so that the frames in circulation are as many as an AF_XDP fill ring
 * keeps (about a thousand) rather than the same 64 hot frames again and again; 0 frees at once.
 *
 * <p>A port with a frame length of 0 is a sink (receives nothing). Not thread-safe: one
 * thread receives, one thread transmits, and in the Disruptor mode those are two objects over
 * the two threads' pools.
 */
public final class LoopbackPort implements Port
{
    private final int id;
    private final String name;
    private final FramePool pool;
    private final int frameLength;
    private final long[] delayed;
    private final int delay;
    private long delayedHead;
    private long delayedTail;
    private long rxFrames;
    private long txFrames;
    private long rxPoolEmpty;

    /**
     * @param frameLength  length of the stamped frame this port receives, 0 for a sink.
     * @param recycleDelay transmitted frames held before they return to the pool (0: at once).
     */
    public LoopbackPort(final int id, final String name, final FramePool pool, final int frameLength, final int recycleDelay)
    {
        this.id = id;
        this.name = name;
        this.pool = pool;
        this.frameLength = frameLength;
        this.delay = recycleDelay;
        this.delayed = new long[recycleDelay <= 1 ? 1 : Integer.highestOneBit(recycleDelay - 1) << 1];
    }

    /** Writes {@code frame} at the data start of every frame of {@code memory}. */
    public static void stamp(final FrameMemory memory, final byte[] frame)
    {
        final MemorySegment segment = memory.segment();
        for (int i = 0; i < memory.frameCount(); i++)
        {
            MemorySegment.copy(frame, 0, segment, ValueLayout.JAVA_BYTE, memory.dataStart(i), frame.length);
        }
    }

    /** Checks every frame still holds {@code frame} at its data start; returns the first bad frame index or -1. */
    public static int verifyStamped(final FrameMemory memory, final byte[] frame)
    {
        final MemorySegment segment = memory.segment();
        final MemorySegment expected = MemorySegment.ofArray(frame);
        for (int i = 0; i < memory.frameCount(); i++)
        {
            if (segment.asSlice(memory.dataStart(i), frame.length).mismatch(expected) != -1)
            {
                return i;
            }
        }
        return -1;
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
        if (frameLength == 0)
        {
            return 0;
        }
        final int room = batch.capacity() - batch.count();
        int n = 0;
        while (n < room)
        {
            final long address = pool.allocate();
            if (address < 0)
            {
                rxPoolEmpty++;
                break;
            }
            batch.add(address, frameLength, id, 0L);
            n++;
        }
        rxFrames += n;
        return n;
    }

    @Override
    public int transmit(final PacketBatch batch, final int[] indices, final int count)
    {
        final long[] address = batch.address;
        if (delay == 0)
        {
            for (int k = 0; k < count; k++)
            {
                pool.release(address[indices[k]]);
            }
        }
        else
        {
            final int mask = delayed.length - 1;
            for (int k = 0; k < count; k++)
            {
                if (delayedTail - delayedHead == delay)
                {
                    pool.release(delayed[(int)(delayedHead++) & mask]);
                }
                delayed[(int)(delayedTail++) & mask] = address[indices[k]];
            }
        }
        txFrames += count;
        return count;
    }

    @Override
    public FrameMemory memory()
    {
        return pool.memory();
    }

    /** Frames held in the recycle FIFO (not in the pool). */
    public int delayedFrames()
    {
        return (int)(delayedTail - delayedHead);
    }

    public long rxFrames()
    {
        return rxFrames;
    }

    public long txFrames()
    {
        return txFrames;
    }

    /** Receive calls that found the pool empty (in the Disruptor mode: frames still in flight). */
    public long rxPoolEmpty()
    {
        return rxPoolEmpty;
    }
}
