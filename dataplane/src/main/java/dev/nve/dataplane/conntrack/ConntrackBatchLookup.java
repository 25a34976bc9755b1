package dev.nve.dataplane.conntrack;

/**
 * The lookups of a batch of packets in passes, so that the cache misses of a large table
 * overlap instead of queueing: the home line offsets first, then a loop of nothing but loads
 * touching them (the fewer instructions between two missing loads, the more of them the core
 * keeps in flight; touching in the caller's parse loop instead was measured 2x slower), a
 * home-line lookup each ({@link ConntrackTable#lookupHome}), and for those that go
 * {@link ConntrackTable#FURTHER} (listed without a branch on the random outcome) the next line
 * touched the same way and the probe finished. Changes no table. One per worker (scratch
 * arrays of the batch capacity; nothing allocated per batch).
 */
public final class ConntrackBatchLookup
{
    private final long[] lineOffsets;
    private final int[] further;

    public ConntrackBatchLookup(final int batchCapacity)
    {
        this.lineOffsets = new long[batchCapacity];
        this.further = new int[batchCapacity];
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
            lineOffsets[n] = table.homeLine(keys[packets[n]].hash);
        }
        long touched = table.touchLines(lineOffsets, count);
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
                lineOffsets[n] = table.nextLine(table.homeLine(keys[further[n]].hash));
            }
            touched += table.touchLines(lineOffsets, furtherCount);
            for (int n = 0; n < furtherCount; n++)
            {
                final int i = further[n];
                found[i] = table.lookup(keys[i], nowNanos[i]);
            }
        }
        return touched;
    }
}
