package dev.nve.dataplane.stage;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.table.NetworkTable;
import dev.nve.dataplane.table.Tables;

import java.lang.foreign.MemorySegment;

/**
 * Head-end replication of broadcast, multicast and unknown-unicast frames inside their
 * network: one copy to every local endpoint port of the network except the input port, and,
 * for frames from a local endpoint only (split horizon), one to every VTEP in the network's
 * flood list. The original frame serves the first target; each further target gets a copy in
 * a new frame, collected in a replica batch that the pipeline sends through encapsulation and
 * transmission after the main batch ({@link #replicas()}).
 */
public final class FloodStage implements Stage
{
    private final Tables tables;
    private final StageCounters counters;
    private final FramePool pool;
    private final PacketBatch replicas;
    private ReplicaSink sink;

    public FloodStage(final Tables tables, final StageCounters counters, final FramePool pool, final int replicaCapacity)
    {
        this.tables = tables;
        this.counters = counters;
        this.pool = pool;
        this.replicas = new PacketBatch(pool.memory(), replicaCapacity);
    }

    /** Where full replica batches go (encap + transmit); set by the pipeline. */
    public void replicaSink(final ReplicaSink sink)
    {
        this.sink = sink;
    }

    public PacketBatch replicas()
    {
        return replicas;
    }

    @Override
    public String name()
    {
        return "flood";
    }

    @Override
    public void process(final PacketBatch batch)
    {
        final NetworkTable networks = tables.networks();
        final int count = batch.count();
        for (int i = 0; i < count; i++)
        {
            if (batch.next[i] != Next.FLOOD)
            {
                continue;
            }
            counters.packet();
            final int network = batch.network[i];
            final int inPort = batch.inPort[i];
            final int[] ports = networks.floodPorts(network);
            final int[] templates = batch.fromOverlay[i] ? NO_TARGETS : networks.floodTemplates(network);
            boolean originalUsed = false;
            for (final int port : ports)
            {
                if (port == inPort)
                {
                    continue;
                }
                if (!originalUsed)
                {
                    batch.transmit(i, port);
                    originalUsed = true;
                }
                else if (!replicate(batch, i, Next.TRANSMIT, port, -1))
                {
                    counters.drop(DropReason.NO_FREE_FRAME);
                }
            }
            for (final int template : templates)
            {
                if (!originalUsed)
                {
                    batch.encapTemplate[i] = template;
                    batch.next[i] = Next.VXLAN_ENCAP;
                    originalUsed = true;
                }
                else if (!replicate(batch, i, Next.VXLAN_ENCAP, -1, template))
                {
                    counters.drop(DropReason.NO_FREE_FRAME);
                }
            }
            if (!originalUsed)
            {
                batch.drop(i, DropReason.NO_FLOOD_TARGET);
                counters.drop(DropReason.NO_FLOOD_TARGET);
            }
        }
        counters.flush();
    }

    private static final int[] NO_TARGETS = new int[0];

    /**
     * Copies frame {@code i} into a new frame with its own disposition. Called before the
     * original's disposition is changed only for the first target, so the copy's metadata
     * (network, identity, overlay flag) is the original's.
     */
    private boolean replicate(final PacketBatch batch, final int i, final byte next, final int port, final int template)
    {
        if (replicas.isFull())
        {
            sink.send(replicas);
            replicas.clear();
        }
        final long frame = pool.allocate();
        if (frame < 0)
        {
            return false;
        }
        final MemorySegment segment = batch.segment();
        MemorySegment.copy(segment, batch.address[i], segment, frame, batch.length[i]);
        final int r = replicas.addCopyOf(batch, i, frame);
        replicas.next[r] = next;
        replicas.outPort[r] = (short)port;
        replicas.encapTemplate[r] = template;
        return true;
    }

    /** Sends the replicas collected so far; the pipeline calls it after the main batch. */
    public void flushReplicas()
    {
        if (replicas.count() > 0)
        {
            sink.send(replicas);
            replicas.clear();
        }
    }

    @FunctionalInterface
    public interface ReplicaSink
    {
        void send(PacketBatch replicas);
    }
}
