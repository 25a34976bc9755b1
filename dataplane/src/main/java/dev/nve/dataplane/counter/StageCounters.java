package dev.nve.dataplane.counter;

import org.agrona.concurrent.status.AtomicCounter;

/**
 * Counters of one stage in one worker: frames handled and frames dropped per reason.
 * The stage adds to plain local fields per frame and {@link #flush()}es once per batch, so
 * the shared counters see one release store per batch, never a per-packet atomic.
 */
public final class StageCounters
{
    private final String stage;
    private final Counters counters;
    private final AtomicCounter packets;
    private final AtomicCounter[] dropsByCode = new AtomicCounter[DropReason.MAX_CODE + 1];
    private final long[] localDrops = new long[DropReason.MAX_CODE + 1];
    private long localPackets;
    private boolean anyDrop;

    public StageCounters(final Counters counters, final String stage)
    {
        this.stage = stage;
        this.counters = counters;
        this.packets = counters.newCounter("stage/" + stage + "/packets", Counters.TYPE_STAGE);
        for (final DropReason reason : DropReason.values())
        {
            dropsByCode[reason.code()] = counters.newCounter("stage/" + stage + "/drop/" + reason.name(), Counters.TYPE_DROP);
        }
    }

    public String stage()
    {
        return stage;
    }

    /**
     * A further counter of this stage, {@code stage/STAGE/NAME} (setup path only), for what a
     * stage counts besides frames and drops. Like the others, the stage adds to a local field
     * per frame and publishes once per batch.
     */
    public AtomicCounter counter(final String name)
    {
        return counters.newCounter("stage/" + stage + "/" + name, Counters.TYPE_STAGE);
    }

    public void packet()
    {
        localPackets++;
    }

    /** {@code count} frames at once (a stage that counts its frames once per batch). */
    public void packets(final int count)
    {
        localPackets += count;
    }

    public void drop(final DropReason reason)
    {
        localDrops[reason.code()]++;
        anyDrop = true;
    }

    /** Publishes the batch's counts. */
    public void flush()
    {
        if (localPackets != 0)
        {
            packets.getAndAddRelease(localPackets);
            localPackets = 0;
        }
        if (anyDrop)
        {
            for (final DropReason reason : DropReason.ALL)
            {
                final int code = reason.code();
                if (localDrops[code] != 0)
                {
                    dropsByCode[code].getAndAddRelease(localDrops[code]);
                    localDrops[code] = 0;
                }
            }
            anyDrop = false;
        }
    }

    public long packets()
    {
        return packets.get();
    }

    public long drops(final DropReason reason)
    {
        return dropsByCode[reason.code()].get();
    }
}
