package dev.nve.xdp;

/**
 * Where the frames of one port's UMEM are at one instant. Every frame is in exactly one place:
 * <pre>
 *  free ──► fillRing ──► kernelRx ──► rxRing ──► application ──► txRing ──► kernelTx ──► completionRing ──► free
 *                       (taken by the kernel,                    (taken by the kernel,
 *                        not yet on the RX ring)                  not yet completed)
 * </pre>
 * The kernel publishes its fill and TX consumer indices lazily (RESULTS.md pitfall 2), so the
 * split between {@code fillRing} and {@code kernelRx} (and {@code txRing} and
 * {@code kernelTx}) is as the kernel last published it; the sums are exact.
 * {@code application} is what the pipeline holds (in batches, queues, or frames the port
 * handed out and not yet transmitted or released); with a UMEM shared by several ports it
 * also contains the frames the other ports' kernel rings hold.
 *
 * @param total          frames of the pool
 * @param free           frames on the pool's free list
 * @param fillRing       posted on the fill ring, not yet taken by the kernel
 * @param kernelRx       taken from the fill ring, not yet on the RX ring
 * @param rxRing         on the RX ring, not yet received
 * @param application    outside the kernel and outside the free list
 * @param txRing         on the TX ring, not yet taken by the kernel
 * @param kernelTx       taken from the TX ring, not yet on the completion ring
 * @param completionRing on the completion ring, not yet reaped
 */
public record FrameAccounting(int total, int free, int fillRing, int kernelRx, int rxRing, int application, int txRing, int kernelTx,
                              int completionRing)
{
    /** Frames the kernel holds for receive (fill ring, in flight, RX ring). */
    public int receiveSide()
    {
        return fillRing + kernelRx + rxRing;
    }

    /** Frames the kernel holds for transmit (TX ring, in flight, completion ring). */
    public int transmitSide()
    {
        return txRing + kernelTx + completionRing;
    }

    /** True when every place is non-negative and the places add up to the total. */
    public boolean balanced()
    {
        return free >= 0 && fillRing >= 0 && kernelRx >= 0 && rxRing >= 0 && application >= 0 && txRing >= 0 && kernelTx >= 0
            && completionRing >= 0 && free + receiveSide() + application + transmitSide() == total;
    }
}
