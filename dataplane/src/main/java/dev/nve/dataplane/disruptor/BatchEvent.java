package dev.nve.dataplane.disruptor;

import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.PacketBatch;

/**
 * One slot of the Disruptor ring: one batch of frame descriptors over the shared
 * {@link FrameMemory}. The events and their batches are preallocated when the ring is created.
 *
 * <p>The receive side does not copy descriptors into the slot: it swaps its filled staging
 * batch with the slot's batch (whose previous contents the handler has finished with, or the
 * ring would not have handed out the slot) and publishes. The Disruptor's publish (release) and
 * the handler's barrier read (acquire) order the swap; the handler's sequence store (release)
 * and the producer's gating read (acquire) order the handler's last use of a batch before the
 * producer takes it back.
 */
public final class BatchEvent
{
    PacketBatch batch;

    BatchEvent(final PacketBatch batch)
    {
        this.batch = batch;
    }

    /** The batch this slot currently holds (valid in the handler while it processes the event). */
    public PacketBatch batch()
    {
        return batch;
    }

    /** Swaps {@code filled} in and returns the batch the slot held before (receive side only). */
    PacketBatch exchange(final PacketBatch filled)
    {
        final PacketBatch previous = batch;
        batch = filled;
        return previous;
    }
}
