package dev.nve.dataplane.table;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A {@link LinePrefetcher} for tests: prefetches nothing (a prefetch changes no result), records
 * the offsets it is given since the last {@link #clear()}, and counts calls whose base differs
 * from the previous call's.
 */
public final class RecordingLinePrefetcher implements LinePrefetcher
{
    private final long[] offsets;
    private int recorded;
    private long base;
    private int calls;
    private int otherBases;

    public RecordingLinePrefetcher(final int capacity)
    {
        this.offsets = new long[capacity];
    }

    public void clear()
    {
        recorded = 0;
    }

    @Override
    public void prefetch(final long baseAddress, final long offsetsAddress, final int count)
    {
        otherBases += calls > 0 && baseAddress != base ? 1 : 0;
        base = baseAddress;
        calls++;
        final MemorySegment given = MemorySegment.ofAddress(offsetsAddress).reinterpret(8L * count);
        for (int n = 0; n < count; n++)
        {
            offsets[recorded++] = given.getAtIndex(ValueLayout.JAVA_LONG, n);
        }
    }

    /** The {@code n}-th offset recorded since {@link #clear()}. */
    public long offset(final int n)
    {
        return offsets[n];
    }

    public int recorded()
    {
        return recorded;
    }

    public int calls()
    {
        return calls;
    }

    public int otherBases()
    {
        return otherBases;
    }
}
