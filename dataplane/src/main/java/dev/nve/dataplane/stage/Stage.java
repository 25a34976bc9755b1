package dev.nve.dataplane.stage;

import dev.nve.dataplane.frame.PacketBatch;

/**
 * One processing step over a batch (a VPP node): it handles the frames whose
 * {@code next} names it, sets their next disposition (or drops them with a reason) and leaves
 * the others alone. Stages allocate nothing, throw nothing and log nothing per frame.
 */
public interface Stage
{
    String name();

    void process(PacketBatch batch);
}
