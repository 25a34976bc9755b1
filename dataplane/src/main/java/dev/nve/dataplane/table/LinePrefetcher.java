package dev.nve.dataplane.table;

/**
 * Starts loading cache lines without waiting for them: a CPU prefetch instruction, which Java
 * cannot emit. A table that touches a batch's lines with loads ahead of its lookups makes the
 * core wait for every line before it retires anything after the touches; a prefetch retires at
 * once, so the lookups of the first lines overlap the misses of the others. dataplane has no
 * native code: the implementation comes from the class path ({@link LinePrefetchers#platform()},
 * xdp-loader's native one), and without one the tables touch their lines with loads.
 */
public interface LinePrefetcher
{
    /**
     * Prefetches {@code baseAddress + offset} for the {@code count} offsets stored as native
     * longs at {@code offsetsAddress}. Does not wait for the lines (only, once many misses are in
     * flight, for a free miss buffer); a prefetch never faults, so an offset out of range costs a
     * useless load at most (callers pass offsets in range). Packet path: allocates
     * nothing, throws nothing.
     */
    void prefetch(long baseAddress, long offsetsAddress, int count);
}
