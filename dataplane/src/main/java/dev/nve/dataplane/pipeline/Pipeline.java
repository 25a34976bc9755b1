package dev.nve.dataplane.pipeline;

import dev.nve.dataplane.conntrack.ConntrackTable;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.counter.PortCounters;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.flow.FlowEvents;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.port.Port;
import dev.nve.dataplane.stage.BridgeStage;
import dev.nve.dataplane.stage.ClassifyStage;
import dev.nve.dataplane.stage.FilterStage;
import dev.nve.dataplane.stage.FloodStage;
import dev.nve.dataplane.stage.IlaEgressStage;
import dev.nve.dataplane.stage.IlaIngressStage;
import dev.nve.dataplane.stage.NeighbourProxyStage;
import dev.nve.dataplane.stage.Stage;
import dev.nve.dataplane.stage.TransmitStage;
import dev.nve.dataplane.stage.VxlanDecapStage;
import dev.nve.dataplane.stage.VxlanEncapStage;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.table.WorkerEpochs;

import java.util.Arrays;
import java.util.List;

/**
 * The stages of one worker run to completion over each received batch:
 * classify, VXLAN decap, ILA ingress, ILA egress, bridge, filter, neighbour proxy, flood, VXLAN
 * encap, transmit; flood replicas then go through encap and transmit in their own batch. The
 * filter runs once sender and receiver are known (after bridge and ILA; ILA egress keeps the SIR
 * destination). The neighbour proxy answers ARP requests and neighbour solicitations of local
 * endpoints from the proxy table after the filter (a request the sender may not send is not
 * answered) and before flooding (an answered request is not flooded). {@link #poll()} is a duty cycle: it returns
 * the number of frames it handled, 0 when every port was idle.
 */
public final class Pipeline
{
    private final Counters counters;
    private final FramePool pool;
    private final TransmitStage transmitStage;
    private Port[] ports;
    private PortCounters[] portCounters;
    private final PacketBatch batch;
    private final Stage[] stages;
    private final Stage[] replicaStages;
    private final FloodStage flood;
    private final FilterStage filter;
    /** Marks the batches this worker is in, so the control thread knows when retired entries are free. */
    private final WorkerEpochs.Slot epoch;
    private long lastTimestamp;
    private final List<StageCounters> stageCounters;
    private int nextPort;

    /** Conntrack entries of a pipeline built without an explicit table (tests, benchmarks). */
    public static final int DEFAULT_CONNTRACK_ENTRIES = 4096;
    /** Conntrack slots swept per batch; more when idle. */
    private static final int SWEEP_PER_BATCH = 64;
    private static final int SWEEP_WHEN_IDLE = 4096;

    /**
     * @param ports indexed by port id ({@code Tables.ports()}); null where a port id has no
     *              I/O in this worker.
     */
    public Pipeline(final Tables tables, final Port[] ports, final FramePool pool, final Counters counters, final int batchCapacity)
    {
        this(tables, ports, pool, counters, batchCapacity, new ConntrackTable(DEFAULT_CONNTRACK_ENTRIES), null);
    }

    /**
     * @param ports     indexed by port id ({@code Tables.ports()}); null where a port id has no I/O in this worker
     * @param conntrack this worker's connection table
     * @param events    this worker's flow-event ring, or null
     */
    public Pipeline(final Tables tables, final Port[] ports, final FramePool pool, final Counters counters, final int batchCapacity,
        final ConntrackTable conntrack, final FlowEvents events)
    {
        for (final Port port : ports)
        {
            if (port != null && port.memory() != null && port.memory() != pool.memory())
            {
                throw new IllegalArgumentException("port " + port.name() + " uses another frame memory than the pipeline's pool");
            }
        }
        this.ports = ports.clone();
        this.counters = counters;
        this.pool = pool;
        this.epoch = tables.registerWorker();
        this.portCounters = new PortCounters[ports.length];
        for (int i = 0; i < ports.length; i++)
        {
            if (ports[i] != null)
            {
                portCounters[i] = new PortCounters(counters, ports[i].name());
            }
        }
        this.batch = new PacketBatch(pool.memory(), batchCapacity);
        final StageCounters classify = new StageCounters(counters, "classify");
        final StageCounters decap = new StageCounters(counters, "vxlan-decap");
        final StageCounters ilaIngress = new StageCounters(counters, "ila-ingress");
        final StageCounters ilaEgress = new StageCounters(counters, "ila-egress");
        final StageCounters bridge = new StageCounters(counters, "bridge");
        final StageCounters filterCounters = new StageCounters(counters, "filter");
        final StageCounters neighbourProxy = new StageCounters(counters, NeighbourProxyStage.NAME);
        final StageCounters floodCounters = new StageCounters(counters, "flood");
        final StageCounters encap = new StageCounters(counters, "vxlan-encap");
        final StageCounters transmit = new StageCounters(counters, "transmit");
        this.stageCounters = List.of(classify, decap, ilaIngress, ilaEgress, bridge, filterCounters, neighbourProxy, floodCounters, encap, transmit);
        this.filter = new FilterStage(tables, filterCounters, conntrack, events, batchCapacity, epoch.index());
        this.flood = new FloodStage(tables, floodCounters, pool, batchCapacity);
        final VxlanEncapStage encapStage = new VxlanEncapStage(tables, encap);
        this.transmitStage = new TransmitStage(this.ports, portCounters, transmit, pool, batchCapacity);
        this.stages = new Stage[] {
            new ClassifyStage(tables, classify),
            new VxlanDecapStage(tables, decap),
            new IlaIngressStage(tables, ilaIngress, batchCapacity),
            new IlaEgressStage(tables, ilaEgress, batchCapacity),
            new BridgeStage(tables, bridge, batchCapacity),
            filter,
            new NeighbourProxyStage(tables, neighbourProxy),
            flood,
            encapStage,
            transmitStage};
        this.replicaStages = new Stage[] {encapStage, transmitStage};
        flood.replicaSink(this::runReplicaStages);
    }

    private void runReplicaStages(final PacketBatch replicas)
    {
        for (final Stage stage : replicaStages)
        {
            stage.process(replicas);
        }
    }

    /** Receives one batch from the ports (round robin) and runs it through every stage. */
    public int poll()
    {
        batch.clear();
        final int portCount = ports.length;
        for (int n = 0; n < portCount && !batch.isFull(); n++)
        {
            final int id = nextPort;
            nextPort = nextPort + 1 == portCount ? 0 : nextPort + 1;
            final Port port = ports[id];
            if (port == null)
            {
                continue;
            }
            final int first = batch.count();
            port.receive(batch);
            final int last = batch.count();
            for (int i = first; i < last; i++)
            {
                portCounters[id].received(batch.length[i]);
            }
        }
        final int received = batch.count();
        if (received == 0)
        {
            collectGarbage(true);
            // Idle: complete pending sends (AF_XDP completions go back to the pool here).
            int completed = 0;
            for (final Port port : ports)
            {
                if (port != null)
                {
                    completed += port.flush();
                }
            }
            return completed;
        }
        process(batch);
        collectGarbage(false);
        return received;
    }

    /**
     * Puts {@code port} at id {@code id} (a port added while running), or takes the port at
     * {@code id} out with null. Worker thread only, between batches (e.g. through
     * {@code PipelineAgent.call}); allocates (setup path).
     */
    public void port(final int id, final Port port)
    {
        if (port != null && port.memory() != null && port.memory() != pool.memory())
        {
            throw new IllegalArgumentException("port " + port.name() + " uses another frame memory than the pipeline's pool");
        }
        if (id >= ports.length)
        {
            ports = Arrays.copyOf(ports, id + 1);
            portCounters = Arrays.copyOf(portCounters, id + 1);
        }
        ports[id] = port;
        if (port != null && portCounters[id] == null)
        {
            portCounters[id] = new PortCounters(counters, port.name());
        }
        transmitStage.ports(ports, portCounters);
    }

    /** Runs a batch that is already filled (benchmarks and tests feed batches directly). */
    public void process(final PacketBatch input)
    {
        epoch.enter();
        try
        {
            for (final Stage stage : stages)
            {
                stage.process(input);
            }
            flood.flushReplicas();
        }
        finally
        {
            epoch.exit();
        }
        if (input.count() > 0)
        {
            lastTimestamp = input.timestampNanos[input.count() - 1];
        }
    }

    /**
     * Expires idle conntrack entries, a few slots after each batch and more when idle, with the
     * time of the last frame seen (capture time in a replay, the receive clock when live).
     */
    public int collectGarbage(final boolean idle)
    {
        return filter.collectGarbage(lastTimestamp, idle ? SWEEP_WHEN_IDLE : SWEEP_PER_BATCH);
    }

    public PacketBatch batch()
    {
        return batch;
    }

    public FilterStage filter()
    {
        return filter;
    }

    public List<StageCounters> stageCounters()
    {
        return stageCounters;
    }
}
