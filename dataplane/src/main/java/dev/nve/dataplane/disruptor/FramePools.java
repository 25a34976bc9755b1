package dev.nve.dataplane.disruptor;

import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;

/**
 * Thread-confined frame pools for the two threads of a {@link DisruptorPipeline}.
 *
 * <p>{@link FramePool} is single-threaded. The Disruptor mode gives each thread a pool over
 * <em>every</em> frame of the memory (so it accepts a release of any frame) in which only the
 * frames that thread owns are free; the frame range of a pool is then no partition, the free
 * lists are. A frame is at every moment free in at most one pool, or held by exactly one
 * holder (a port ring, a batch in the ring buffer, the return queue). {@link #carve} builds the
 * handler's pool by moving frames out of the receive pool, which is any full-range pool: a
 * plain {@code new FramePool(memory)} or the AF_XDP UMEM's pool.
 */
public final class FramePools
{
    private FramePools()
    {
    }

    /** A pool that covers every frame of {@code memory} and has none free. */
    public static FramePool emptyOver(final FrameMemory memory)
    {
        final FramePool pool = new FramePool(memory);
        while (pool.allocate() >= 0)
        {
            // every frame is now "held elsewhere" from this pool's point of view
        }
        return pool;
    }

    /**
     * A new full-range pool holding {@code frames} frames taken from {@code source}, which must
     * cover every frame of its memory (a frame returned from the new pool's thread can be any
     * frame). Setup only: call before either pool is used by its thread.
     */
    public static FramePool carve(final FramePool source, final int frames)
    {
        if (source.capacity() != source.memory().frameCount())
        {
            throw new IllegalArgumentException("the receive pool must cover every frame of its memory (" + source.capacity() + " of "
                + source.memory().frameCount() + ")");
        }
        if (frames < 0 || frames > source.available())
        {
            throw new IllegalArgumentException("cannot carve " + frames + " frames out of a pool with " + source.available() + " free");
        }
        final FramePool pool = emptyOver(source.memory());
        move(source, pool, frames);
        return pool;
    }

    /** Moves up to {@code count} free frames from {@code from} to {@code to}; returns how many moved. */
    public static int move(final FramePool from, final FramePool to, final int count)
    {
        int moved = 0;
        while (moved < count)
        {
            final long address = from.allocate();
            if (address < 0)
            {
                break;
            }
            if (!to.release(address))
            {
                from.release(address);
                break;
            }
            moved++;
        }
        return moved;
    }
}
