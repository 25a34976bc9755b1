package dev.nve.dataplane.table;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Off-heap memory for the large tables a worker probes at random (conntrack), backed by huge
 * pages where the platform can: with 4 KiB pages every line a batch prefetches from a 96 MB
 * table first needs a page walk, and those walks, not the lines, then limit how many misses
 * are in flight (docs/BENCHMARKS.md). dataplane has no native code: the implementation comes
 * from the class path ({@link TableMemories}, xdp-loader's transparent huge pages), and
 * without one tables get {@code Arena.allocate}'s memory. Set-up path only.
 */
public interface TableMemory
{
    /** Bytes of a huge page (x86-64): tables smaller than one get ordinary memory. */
    long HUGE_PAGE = 2L << 20;

    /**
     * Zeroed memory of exactly {@code bytes}, starting on a {@link #HUGE_PAGE} boundary, released
     * when {@code arena} closes.
     *
     * @throws RuntimeException when the memory cannot be had (the message says why)
     */
    MemorySegment allocate(Arena arena, long bytes);

    /** What backs the memory, for operators: e.g. {@code 2 MiB pages (transparent huge pages: madvise)}. */
    String pages();
}
