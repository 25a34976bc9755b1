/* Software prefetch for Prefetch.java: one downcall prefetches a batch of lines. */
#include <stdint.h>

void nve_prefetch_lines(int64_t base, const int64_t *offsets, int32_t count)
{
    for (int32_t i = 0; i < count; i++)
        __builtin_prefetch((const char *)base + offsets[i], 0, 3);
}
