package dev.nve.bench.pipeline;

import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.disruptor.DisruptorPipeline;
import dev.nve.dataplane.disruptor.FramePools;
import dev.nve.dataplane.disruptor.Handoff;
import dev.nve.dataplane.disruptor.RxAgent;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.pipeline.Pipeline;
import dev.nve.dataplane.port.Port;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.FrameBuilder;
import dev.nve.dataplane.wire.VxlanHeader;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Inline (run-to-completion, one thread) against Disruptor mode (receive thread + handler
 * thread with a ring of batches between them) on the same workload: VXLAN decap (114-byte
 * frames from the underlay, 64-byte inner frames delivered to endpoint {@code c1}) or VXLAN
 * encap (64-byte frames from {@code c1} to a remote MAC, 114 bytes out on the underlay),
 * batches of 64, through every stage of the pipeline including transmit.
 *
 * <p>Ports are {@link LoopbackPort}s: an endless source of pre-stamped frames (receive =
 * allocate + descriptor) and a sink that frees on transmit (at once, or after {@code recycle}
 * further frames, so that about as many frames circulate as on an AF_XDP fill ring), so what
 * is measured is the pipeline and the mode's hand-over cost, not I/O.
 *
 * <p>One operation is one packet (score ns/packet, Mpps = 1000 / score). Inline: the benchmark
 * thread runs {@code Pipeline.poll()}. Disruptor: the benchmark thread is the receive thread
 * (runs {@code RxAgent.doWork()} until one batch is published) and the handler thread
 * busy-spins on its own; once the ring is full the producer waits for the handler, so the
 * score is the pipeline's steady-state throughput. Each measurement iteration also prints
 * the process CPU time per packet (all threads: for the Disruptor that is both busy threads).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PipelineModeBenchmark
{
    static final int BATCH = 64;
    static final int FRAMES = 4096;
    static final int VNI = 100;
    static final long UNDERLAY_MAC = 0x02_00_00_00_00_01L;
    static final long GATEWAY_MAC = 0x02_00_00_00_00_FEL;
    static final long REMOTE_VTEP_MAC = 0x02_00_00_00_00_02L;
    static final long ENDPOINT_MAC = 0x02_00_00_00_01_01L;
    static final long REMOTE_MAC = 0x02_00_00_00_0A_02L;
    static final String LOCAL_VTEP = "198.18.0.1";
    static final String REMOTE_VTEP = "198.18.0.2";

    /** inline, or Disruptor with the copy or swap hand-off (see {@code Handoff}). */
    @Param({"inline", "disruptor-copy", "disruptor-swap"})
    public String mode;

    @Param({"decap", "encap"})
    public String workload;

    /** Events in the Disruptor ring (frames in flight = ringSize x 64). */
    @Param({"16"})
    public int ringSize;

    /**
     * Frames a transmitting port holds before they return to the pool: 0 reuses the same hot
     * frames batch after batch; 1024 circulates about as many frames as an AF_XDP fill ring.
     */
    @Param({"0", "1024"})
    public int recycle;

    private Tables tables;
    private Counters counters;
    private FrameMemory memory;
    private byte[] frame;
    private Pipeline inline;
    private LoopbackPort inlineOut;
    private DisruptorPipeline disruptor;
    private RxAgent rx;
    private boolean isInline;
    private long cpuAtStart;
    private long framesAtStart;
    private final com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();

    @Setup(Level.Trial)
    public void setUp()
    {
        final Handoff handoff = switch (mode)
        {
            case "inline" -> null;
            case "disruptor-copy" -> Handoff.COPY;
            case "disruptor-swap" -> Handoff.SWAP;
            default -> throw new IllegalArgumentException("mode " + mode);
        };
        isInline = handoff == null;
        final boolean decap = switch (workload)
        {
            case "decap" -> true;
            case "encap" -> false;
            default -> throw new IllegalArgumentException("workload " + workload);
        };
        tables = new Tables();
        final TableWriter writer = new TableWriter(tables);
        writer.setUnderlay("uplink", UNDERLAY_MAC, 1500, VxlanHeader.DEFAULT_PORT, List.of(address(LOCAL_VTEP)), GATEWAY_MAC);
        writer.addRemoteVtep(address(REMOTE_VTEP), REMOTE_VTEP_MAC);
        writer.addNetwork(VNI, false);
        writer.addEndpoint("c1", VNI, ENDPOINT_MAC, 0);
        writer.addRemoteMac(VNI, REMOTE_MAC, address(REMOTE_VTEP));
        final int uplink = tables.ports().find("uplink");
        final int c1 = tables.ports().find("c1");

        final byte[] inner = FrameBuilder.ethernet(decap ? ENDPOINT_MAC : REMOTE_MAC, decap ? REMOTE_MAC : ENDPOINT_MAC)
            .ipv4(decap ? "198.19.0.2" : "198.19.0.1", decap ? "198.19.0.1" : "198.19.0.2").udp(10_000, 5_000).payload(64 - 42).build();
        frame = decap ? FrameBuilder.vxlan(UNDERLAY_MAC, REMOTE_VTEP_MAC, REMOTE_VTEP, LOCAL_VTEP, 49_152, VNI, -1, inner) : inner;
        memory = FrameMemory.allocate(FRAMES);
        LoopbackPort.stamp(memory, frame);
        counters = new Counters();
        final int portCount = tables.ports().count();
        final int source = decap ? uplink : c1;
        final int sink = decap ? c1 : uplink;
        if (isInline)
        {
            final FramePool pool = new FramePool(memory);
            final Port[] ports = new Port[portCount];
            ports[source] = new LoopbackPort(source, tables.ports().name(source), pool, frame.length, 0);
            inlineOut = new LoopbackPort(sink, tables.ports().name(sink), pool, 0, recycle);
            ports[sink] = inlineOut;
            inline = new Pipeline(tables, ports, pool, counters, BATCH);
        }
        else
        {
            final FramePool rxPool = new FramePool(memory);
            final FramePool handlerPool = FramePools.carve(rxPool, 2 * BATCH);
            final Port[] rxPorts = new Port[portCount];
            final Port[] txPorts = new Port[portCount];
            rxPorts[source] = new LoopbackPort(source, tables.ports().name(source), rxPool, frame.length, 0);
            txPorts[source] = new LoopbackPort(source, tables.ports().name(source), handlerPool, 0, 0);
            txPorts[sink] = new LoopbackPort(sink, tables.ports().name(sink), handlerPool, 0, recycle);
            disruptor = new DisruptorPipeline(tables, rxPorts, rxPool, txPorts, handlerPool, counters,
                new DisruptorPipeline.Settings(BATCH, ringSize, 2 * BATCH, BusySpinIdleStrategy::new, BusySpinIdleStrategy::new, handoff));
            disruptor.startHandler();
            rx = disruptor.rxAgent();
        }
        // check the workload does what it says before measuring
        for (int i = 0; i < 1000; i++)
        {
            run();
        }
        final long expected = expectedTransmitted(sink);
        if (expected < 64_000 - 64L * ringSize || totalDrops() != 0)
        {
            throw new IllegalStateException(workload + "/" + mode + ": transmitted " + expected + " on " + tables.ports().name(sink)
                + ", drops " + totalDrops() + " " + counters.snapshot());
        }
    }

    private long expectedTransmitted(final int sink)
    {
        if (isInline)
        {
            return inlineOut.txFrames();
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (disruptor.handler().processedFrames() < rx.publishedFrames() && System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
        }
        return counters.snapshot().getOrDefault("port/" + tables.ports().name(sink) + "/tx_packets", 0L);
    }

    private long totalDrops()
    {
        long drops = 0;
        for (final Map.Entry<String, Long> e : counters.snapshot().entrySet())
        {
            if (e.getKey().startsWith("port/") && e.getKey().contains("/drop/"))
            {
                drops += e.getValue();
            }
        }
        return drops;
    }

    private long framesDone()
    {
        return isInline ? inlineOut.txFrames() : disruptor.handler().processedFrames();
    }

    @Setup(Level.Iteration)
    public void startIteration()
    {
        cpuAtStart = os.getProcessCpuTime();
        framesAtStart = framesDone();
    }

    @TearDown(Level.Iteration)
    public void endIteration()
    {
        final long cpu = os.getProcessCpuTime() - cpuAtStart;
        final long frames = framesDone() - framesAtStart;
        System.out.printf("  [cpu] %s/%s: %.1f ns CPU per packet (all threads), %d packets%n", workload, mode, frames > 0 ? (double)cpu / frames : 0.0,
            frames);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long run()
    {
        if (isInline)
        {
            return inline.poll();
        }
        final RxAgent agent = rx;
        final long before = agent.publishedEvents();
        long spins = 0;
        while (agent.publishedEvents() == before)
        {
            agent.doWork();
            spins++;
        }
        return spins;
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        if (disruptor != null)
        {
            disruptor.close();
            System.out.printf("%n[disruptor] events %d, ring-full waits %d, frames returned %d, free frames after close %d of %d (+%d held by the sink)%n",
                rx.publishedEvents(), rx.ringFull(), rx.framesReturned(), disruptor.freeFrames(), FRAMES, recycle);
        }
        final int bad = LoopbackPort.verifyStamped(memory, frame);
        tables.close();
        memory.close();
        if (bad >= 0)
        {
            throw new IllegalStateException("frame " + bad + " was modified at its data start: the loopback premise does not hold");
        }
    }

    static InetAddress address(final String literal)
    {
        try
        {
            return InetAddress.getByName(literal);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
