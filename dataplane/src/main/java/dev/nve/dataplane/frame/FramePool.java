package dev.nve.dataplane.frame;

/**
 * Free list of frames of one {@link FrameMemory}, used by one worker thread only (no locks).
 * Frames are handed out as the offset where their data starts ({@code dataStart}); any
 * address inside a frame gives it back. {@link #inUse()} is the frame-accounting check: every
 * frame is either free here or owned by exactly one holder (a port ring, a batch, a queue).
 */
public final class FramePool
{
    private final FrameMemory memory;
    private final int first;
    private final int[] free;
    private final boolean[] isFree;
    private int freeCount;

    /** A pool over all frames of {@code memory}. */
    public FramePool(final FrameMemory memory)
    {
        this(memory, 0, memory.frameCount());
    }

    /** A pool over frames {@code [first, first + count)} of {@code memory}. */
    public FramePool(final FrameMemory memory, final int first, final int count)
    {
        if (first < 0 || count < 0 || first + count > memory.frameCount())
        {
            throw new IllegalArgumentException("frames [" + first + ", " + (first + count) + ") outside memory of " + memory.frameCount());
        }
        this.memory = memory;
        this.first = first;
        this.free = new int[count];
        this.isFree = new boolean[memory.frameCount()];
        for (int i = 0; i < count; i++)
        {
            free[i] = first + count - 1 - i;
            isFree[first + count - 1 - i] = true;
        }
        this.freeCount = count;
    }

    public FrameMemory memory()
    {
        return memory;
    }

    /** Takes a frame; returns its data start offset, or -1 when none is free. */
    public long allocate()
    {
        if (freeCount == 0)
        {
            return -1;
        }
        final int index = free[--freeCount];
        isFree[index] = false;
        return memory.dataStart(index);
    }

    /**
     * Returns the frame containing {@code address}. A frame released twice, or one this pool
     * does not own, is a bug in the caller; it is refused (returns false) rather than
     * corrupting the free list.
     */
    public boolean release(final long address)
    {
        final int index = memory.frameIndex(address);
        if (index < first || index >= first + free.length || isFree[index] || freeCount == free.length)
        {
            return false;
        }
        isFree[index] = true;
        free[freeCount++] = index;
        return true;
    }

    /** True when the frame containing {@code address} is on this pool's free list. */
    public boolean isFree(final long address)
    {
        final int index = memory.frameIndex(address);
        return index >= 0 && index < isFree.length && isFree[index];
    }

    public int available()
    {
        return freeCount;
    }

    public int capacity()
    {
        return free.length;
    }

    /** Frames handed out and not yet returned. */
    public int inUse()
    {
        return free.length - freeCount;
    }
}
