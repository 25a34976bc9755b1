/*
 * CPU prefetch for the Java tables (LinePrefetcher): Java cannot emit a prefetch instruction.
 * A load that touches a line ahead of its use keeps the core from retiring anything after it
 * until the line arrives; a prefetch retires at once, so the work that follows overlaps the
 * misses. Prefetch instructions never fault, so an offset out of range costs a useless load at
 * most. One call per batch: the call costs a few ns, the misses it overlaps ~100 ns each.
 *
 * Locality 2 (prefetcht1: into L2, not L1): a batch prefetches 64 lines or more, more than the
 * L1 can keep in flight, and the lookups that follow find them in L2 just as well. Against
 * prefetcht0 on this machine (AMD Zen 5), FilterStage's lookup pass went from 31-32 to 26 ns
 * per packet, ctfloor's home pass from 12-15 to 8 ns (docs/BENCHMARKS.md).
 */
#include <stdint.h>

void nve_prefetch_lines(uint64_t base, uint64_t offsets, int32_t count)
{
    const uint64_t *offset = (const uint64_t *)offsets;
    for (int32_t n = 0; n < count; n++)
        __builtin_prefetch((const void *)(base + offset[n]), 0, 2);
}
