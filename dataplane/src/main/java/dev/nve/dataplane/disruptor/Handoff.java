package dev.nve.dataplane.disruptor;

/**
 * How a received batch crosses from the receive thread to the handler thread.
 * <ul>
 *   <li>{@link #SWAP}: the receive thread swaps its filled staging batch into the event and
 *       takes the event's previous batch as its next staging batch; the handler runs the stages
 *       on the event's batch. Nothing is copied, but every descriptor array of the batch (13
 *       of them) moves between the two cores' caches in both directions.</li>
 *   <li>{@link #COPY}: the receive thread keeps its staging batch and appends the received
 *       descriptors (address, length, port, timestamp) to the event's batch; the handler
 *       appends them to its own batch and runs the stages there. Two extra appends per frame,
 *       but only the four arrays the handler reads cross between the caches, and each side's
 *       working batch stays in its own cache.</li>
 * </ul>
 * Which is faster depends on the machine's cache-to-cache transfer cost; see
 * docs/BENCHMARKS.md.
 */
public enum Handoff
{
    SWAP,
    COPY
}
