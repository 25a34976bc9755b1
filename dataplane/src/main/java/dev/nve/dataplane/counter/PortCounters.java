package dev.nve.dataplane.counter;

import org.agrona.concurrent.status.AtomicCounter;

/**
 * Counters of one port: frames and bytes received and transmitted, frames dropped per reason
 * (charged to the port the frame came in on). Local fields per frame, published per batch.
 */
public final class PortCounters
{
    private final AtomicCounter rxPackets;
    private final AtomicCounter rxBytes;
    private final AtomicCounter txPackets;
    private final AtomicCounter txBytes;
    private final AtomicCounter[] dropsByCode = new AtomicCounter[DropReason.MAX_CODE + 1];
    private final long[] localDrops = new long[DropReason.MAX_CODE + 1];
    private long localRxPackets;
    private long localRxBytes;
    private long localTxPackets;
    private long localTxBytes;
    private boolean anyDrop;

    public PortCounters(final Counters counters, final String port)
    {
        final String prefix = "port/" + port + "/";
        rxPackets = counters.newCounter(prefix + "rx_packets", Counters.TYPE_PORT);
        rxBytes = counters.newCounter(prefix + "rx_bytes", Counters.TYPE_PORT);
        txPackets = counters.newCounter(prefix + "tx_packets", Counters.TYPE_PORT);
        txBytes = counters.newCounter(prefix + "tx_bytes", Counters.TYPE_PORT);
        for (final DropReason reason : DropReason.values())
        {
            dropsByCode[reason.code()] = counters.newCounter(prefix + "drop/" + reason.name(), Counters.TYPE_DROP);
        }
    }

    public void received(final int bytes)
    {
        localRxPackets++;
        localRxBytes += bytes;
    }

    public void transmitted(final int bytes)
    {
        localTxPackets++;
        localTxBytes += bytes;
    }

    public void dropped(final int code)
    {
        localDrops[code & DropReason.MAX_CODE]++;
        anyDrop = true;
    }

    public void flush()
    {
        if (localRxPackets != 0)
        {
            rxPackets.getAndAddRelease(localRxPackets);
            rxBytes.getAndAddRelease(localRxBytes);
            localRxPackets = 0;
            localRxBytes = 0;
        }
        if (localTxPackets != 0)
        {
            txPackets.getAndAddRelease(localTxPackets);
            txBytes.getAndAddRelease(localTxBytes);
            localTxPackets = 0;
            localTxBytes = 0;
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

    public long rxPackets()
    {
        return rxPackets.get();
    }

    public long txPackets()
    {
        return txPackets.get();
    }

    public long drops(final DropReason reason)
    {
        return dropsByCode[reason.code()].get();
    }
}
