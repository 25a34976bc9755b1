package dev.nve.xdp;

/**
 * The kernel's per-socket counters ({@code getsockopt(SOL_XDP, XDP_STATISTICS)},
 * {@code struct xdp_statistics}).
 *
 * @param rxDropped            frames dropped for other reasons (e.g. too large for a frame)
 * @param rxInvalidDescs       fill-ring addresses the kernel refused
 * @param txInvalidDescs       TX descriptors the kernel refused (bad address or length)
 * @param rxRingFull           frames dropped because the RX ring was full (user space too slow)
 * @param rxFillRingEmptyDescs times the kernel found the fill ring empty
 * @param txRingEmptyDescs     times the kernel found the TX ring empty (roughly: wake-ups with nothing to do)
 */
public record XskStatistics(long rxDropped, long rxInvalidDescs, long txInvalidDescs, long rxRingFull, long rxFillRingEmptyDescs,
                            long txRingEmptyDescs)
{
}
