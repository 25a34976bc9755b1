package dev.nve.dataplane.stage;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.counter.PortCounters;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.port.Port;

/**
 * Last stage and the one place where frames leave the pipeline: frames marked TRANSMIT are
 * grouped per output port and handed over in one call per port; dropped frames are counted
 * under their reason on the port they came in on and their frames go back to the pool.
 * Anything still in an intermediate disposition here is a pipeline bug; it is dropped as
 * INVALID_PACKET rather than leaked.
 */
public final class TransmitStage implements Stage
{
    private final StageCounters counters;
    private final FramePool pool;
    private final int batchCapacity;
    private Port[] ports;
    private PortCounters[] portCounters;
    private int[][] indices;
    private int[] counts;

    public TransmitStage(final Port[] ports, final PortCounters[] portCounters, final StageCounters counters, final FramePool pool, final int batchCapacity)
    {
        this.counters = counters;
        this.pool = pool;
        // the main batch and the flood replica batch have the same capacity (see Pipeline)
        this.batchCapacity = batchCapacity;
        ports(ports, portCounters);
    }

    /** Takes the worker's port arrays after a port was added (worker thread, between batches). */
    public void ports(final Port[] ports, final PortCounters[] portCounters)
    {
        this.ports = ports;
        this.portCounters = portCounters;
        if (indices == null || indices.length != ports.length)
        {
            this.indices = new int[ports.length][batchCapacity];
            this.counts = new int[ports.length];
        }
    }

    @Override
    public String name()
    {
        return "transmit";
    }

    @Override
    public void process(final PacketBatch batch)
    {
        final int count = batch.count();
        for (int i = 0; i < count; i++)
        {
            final byte next = batch.next[i];
            if (next == Next.TRANSMIT)
            {
                final int port = batch.outPort[i];
                if (port >= 0 && port < ports.length && ports[port] != null)
                {
                    counters.packet();
                    indices[port][counts[port]++] = i;
                    portCounters[port].transmitted(batch.length[i]);
                    continue;
                }
                batch.drop(i, DropReason.PORT_NOT_CONFIGURED);
                counters.drop(DropReason.PORT_NOT_CONFIGURED);
            }
            else if (next != Next.DROP)
            {
                batch.drop(i, DropReason.INVALID_PACKET);
                counters.drop(DropReason.INVALID_PACKET);
            }
            final int inPort = batch.inPort[i];
            if (inPort >= 0 && inPort < portCounters.length && portCounters[inPort] != null)
            {
                portCounters[inPort].dropped(batch.dropReason[i]);
            }
            pool.release(batch.address[i]);
        }
        for (int port = 0; port < ports.length; port++)
        {
            if (counts[port] != 0)
            {
                ports[port].transmit(batch, indices[port], counts[port]);
                counts[port] = 0;
            }
            if (portCounters[port] != null)
            {
                portCounters[port].flush();
            }
        }
        counters.flush();
    }
}
