package dev.nve.dataplane.conntrack;

import dev.nve.dataplane.table.LinePrefetcher;
import dev.nve.dataplane.table.LinePrefetchers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The lookups of a batch of packets in passes, so that the cache misses of a large table
 * overlap instead of queueing: the home line offsets first, then every line prefetched
 * ({@link LinePrefetcher}: the lookups that follow overlap the misses; paired A/B with 1M
 * flows ~0.95, docs/BENCHMARKS.md) or, without a prefetcher, touched by a loop of nothing but
 * loads (the fewer instructions between two missing loads, the more of them the core keeps in
 * flight; touching in the caller's parse loop instead was measured 2x slower), a home-line
 * lookup each ({@link ConntrackTable#lookupHome}), and for those that go
 * {@link ConntrackTable#FURTHER} (listed by an unconditional store and a conditional count,
 * which C2 compiles as a branch; at this table's load few lookups go on, and the count as
 * arithmetic measured no better) the next line loaded the same way and the probe finished.
 * Changes no table. One per worker (scratch arrays of the batch capacity; nothing allocated
 * per batch).
 */
public final class ConntrackBatchLookup
{
    private final int[] further;
    /** Null: lines are touched with loads. */
    private final LinePrefetcher prefetcher;
    /** The offsets of the lines to load: a heap array for the touches, native longs for the prefetcher (the other is null). */
    private final long[] lineOffsets;
    private final MemorySegment prefetchOffsets;

    /** Lookups with the class path's prefetcher ({@link LinePrefetchers#platform()}), if any. */
    public ConntrackBatchLookup(final int batchCapacity)
    {
        this(batchCapacity, LinePrefetchers.platform());
    }

    /** @param prefetcher null to touch the lines with loads */
    public ConntrackBatchLookup(final int batchCapacity, final LinePrefetcher prefetcher)
    {
        this.further = new int[batchCapacity];
        this.prefetcher = prefetcher;
        this.lineOffsets = prefetcher == null ? new long[batchCapacity] : null;
        this.prefetchOffsets = prefetcher == null ? null : Arena.ofAuto().allocate(8L * batchCapacity, 64);
    }

    /**
     * Sets {@code found[i]} ({@link ConntrackTable#lookup} results) for the {@code count} packets
     * {@code i} listed in {@code packets}, whose keys are {@code keys[i]} and times
     * {@code nowNanos[i]}.
     *
     * @return a sum of the touched words, only so that the JIT keeps the loads
     */
    public long lookUp(final ConntrackTable table, final ConntrackKey[] keys, final int[] packets, final int count, final long[] nowNanos,
        final long[] found)
    {
        for (int n = 0; n < count; n++)
        {
            setLine(n, table.homeLine(keys[packets[n]].hash));
        }
        long touched = load(table, count);
        int furtherCount = 0;
        for (int n = 0; n < count; n++)
        {
            final int i = packets[n];
            final long result = table.lookupHome(keys[i], nowNanos[i]);
            found[i] = result;
            further[furtherCount] = i;
            furtherCount += result == ConntrackTable.FURTHER ? 1 : 0;
        }
        if (furtherCount > 0)
        {
            for (int n = 0; n < furtherCount; n++)
            {
                setLine(n, table.nextLine(table.homeLine(keys[further[n]].hash)));
            }
            touched += load(table, furtherCount);
            for (int n = 0; n < furtherCount; n++)
            {
                final int i = further[n];
                found[i] = table.lookup(keys[i], nowNanos[i]);
            }
        }
        return touched;
    }

    private void setLine(final int n, final long offset)
    {
        if (prefetcher == null)
        {
            lineOffsets[n] = offset;
        }
        else
        {
            prefetchOffsets.setAtIndex(ValueLayout.JAVA_LONG, n, offset);
        }
    }

    /** Starts loading the first {@code count} lines set: prefetched, or touched with loads without a prefetcher. */
    private long load(final ConntrackTable table, final int count)
    {
        if (prefetcher == null)
        {
            return table.touchLines(lineOffsets, count);
        }
        table.prefetchLines(prefetcher, prefetchOffsets.address(), count);
        return 0;
    }
}
