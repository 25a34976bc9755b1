package dev.nve.bench;

import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.stage.BridgeStage;
import dev.nve.dataplane.stage.ClassifyStage;
import dev.nve.dataplane.stage.VxlanDecapStage;
import dev.nve.dataplane.table.PortTable;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.Bytes;
import dev.nve.dataplane.wire.FrameBuilder;
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

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * VXLAN decapsulation the way the pipeline runs it on a batch from the underlay:
 * {@link ClassifyStage} + {@link VxlanDecapStage} + {@link BridgeStage}, 64 VXLAN frames of
 * 114 bytes (64-byte inner frames) per batch, each delivered to a local endpoint port
 * ({@code TransmitStage} excluded: it hands frames to ports). One operation is one packet
 * ({@code @OperationsPerInvocation(64)}): the score is ns/packet, Mpps = 1000 / score.
 * <p>
 * Per invocation the harness refills the batch descriptors the way a port's receive does
 * ({@code clear} + {@code add}, from the pristine addresses) and writes the next 64
 * destination MACs of the key stream into the inner frames (see {@link Fixtures}). Neither
 * classify, decap nor bridge writes frame bytes (decap only moves the descriptor's address
 * and length), so nothing else needs restoring. {@link #harness} measures that refill alone.
 * <p>
 * {@code fdbEntries=1}: the FDB holds endpoint {@code c1}'s MAC, every frame goes to it.
 * {@code fdbEntries=1000000}: 1,000,000 random local MACs behind ports {@code c1..c8} (see
 * {@link Fixtures#addLocalMacs}); every frame's inner destination is a uniformly random one of
 * them, so every bridge lookup is a cache miss: the worst case for decap. (With one MAC per
 * endpoint port, decapsulated frames can only hit at most 1023 local entries, which stay in
 * cache whatever the FDB size.)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class VxlanDecapBenchmark
{
    @Param({"1", "1000000"})
    public int fdbEntries;

    private Tables tables;
    private TableWriter writer;
    private Counters counters;
    private FrameMemory memory;
    private PacketBatch batch;
    private MemorySegment segment;
    private ClassifyStage classify;
    private VxlanDecapStage decap;
    private BridgeStage bridge;
    private final long[] address = new long[Fixtures.BATCH];
    private final int[] length = new int[Fixtures.BATCH];
    private final long[] innerAddress = new long[Fixtures.BATCH];
    private int uplink;
    private long[] stream;
    private int streamMask;
    private int cursor;

    @Setup(Level.Trial)
    public void setUp()
    {
        tables = Fixtures.tables(fdbEntries);
        writer = Fixtures.baseConfig(tables);
        final long[] macs = fdbEntries == 1 ? new long[] {Fixtures.ENDPOINT_MAC} : Fixtures.addLocalMacs(writer, fdbEntries, 42);
        stream = Fixtures.keyStream(macs, 7);
        streamMask = stream.length - 1;
        uplink = tables.ports().find(Fixtures.UPLINK);

        counters = new Counters();
        classify = new ClassifyStage(tables, new StageCounters(counters, "classify"));
        decap = new VxlanDecapStage(tables, new StageCounters(counters, "vxlan-decap"));
        bridge = new BridgeStage(tables, new StageCounters(counters, "bridge"), Fixtures.BATCH);

        memory = Fixtures.memory();
        final FramePool pool = new FramePool(memory);
        batch = new PacketBatch(memory, Fixtures.BATCH);
        segment = memory.segment();
        for (int i = 0; i < Fixtures.BATCH; i++)
        {
            final byte[] inner = Fixtures.innerFrame(Fixtures.ENDPOINT_MAC, Fixtures.REMOTE_VTEP_MAC + 0x100, "198.19.0.2", "198.19.0.1", i);
            final byte[] outer = FrameBuilder.vxlan(Fixtures.UNDERLAY_MAC, Fixtures.REMOTE_VTEP_MAC, Fixtures.REMOTE_VTEP, Fixtures.LOCAL_VTEP,
                49_152 + i, Fixtures.VNI, -1, inner);
            address[i] = Fixtures.place(pool, outer);
            length[i] = outer.length;
            innerAddress[i] = address[i] + Fixtures.OUTER_HEADERS;
        }
        verifyWholeStream();
        System.out.printf("%n[setup] decap fdbEntries=%d: FDB size %d, FDB off-heap %d bytes (%.1f MiB), heap used after set-up %.1f MiB%n",
            fdbEntries, tables.fdb().size(), tables.fdb().offHeapBytes(), tables.fdb().offHeapBytes() / 1048576.0,
            Fixtures.usedHeapAfterGc() / 1048576.0);
    }

    /** Runs every key of the stream once and checks every frame reached an endpoint port intact. */
    private void verifyWholeStream()
    {
        final PortTable ports = tables.ports();
        final int invocations = Math.max(1, stream.length / Fixtures.BATCH);
        for (int n = 0; n < invocations; n++)
        {
            decap();
            for (int i = 0; i < Fixtures.BATCH; i++)
            {
                if (batch.next[i] != Next.TRANSMIT || ports.role(batch.outPort[i]) != PortTable.ROLE_ENDPOINT ||
                    batch.length[i] != Fixtures.INNER_FRAME_LENGTH || batch.address[i] != innerAddress[i])
                {
                    throw new IllegalStateException("frame " + i + ": next " + Next.name(batch.next[i]) + " out " + batch.outPort[i] +
                        " length " + batch.length[i] + "; counters " + Fixtures.dropSummary(counters));
                }
            }
        }
        cursor = 0;
    }

    /** What every invocation pays before the stages: descriptor refill and key write. */
    private void refill()
    {
        final PacketBatch b = batch;
        final long[] keys = stream;
        final int at = cursor;
        b.clear();
        for (int i = 0; i < Fixtures.BATCH; i++)
        {
            Bytes.putMac48(segment, innerAddress[i], keys[(at + i) & streamMask]);
            b.add(address[i], length[i], uplink, 0L);
        }
        cursor = (at + Fixtures.BATCH) & streamMask;
    }

    @Benchmark
    @OperationsPerInvocation(Fixtures.BATCH)
    public long decap()
    {
        refill();
        classify.process(batch);
        decap.process(batch);
        bridge.process(batch);
        return batch.outPort[Fixtures.BATCH - 1] + bridge.sink();
    }

    /** Refill + classify: the first stage alone (differences give each stage's share). */
    @Benchmark
    @OperationsPerInvocation(Fixtures.BATCH)
    public long classifyOnly()
    {
        refill();
        classify.process(batch);
        return batch.l4Offset[Fixtures.BATCH - 1];
    }

    /** Refill + classify + decap, without the bridge. */
    @Benchmark
    @OperationsPerInvocation(Fixtures.BATCH)
    public long classifyDecap()
    {
        refill();
        classify.process(batch);
        decap.process(batch);
        return batch.address[Fixtures.BATCH - 1];
    }

    /** The refill alone, to subtract from {@link #decap}. */
    @Benchmark
    @OperationsPerInvocation(Fixtures.BATCH)
    public long harness()
    {
        refill();
        return batch.address[Fixtures.BATCH - 1];
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        final long drops = Fixtures.totalDrops(counters);
        tables.close();
        memory.close();
        if (drops != 0)
        {
            throw new IllegalStateException("frames were dropped during the run: " + Fixtures.dropSummary(counters));
        }
        writer = null;
    }
}
