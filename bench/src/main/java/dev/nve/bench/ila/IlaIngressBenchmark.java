package dev.nve.bench.ila;

import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.stage.ClassifyStage;
import dev.nve.dataplane.stage.IlaIngressStage;
import dev.nve.dataplane.table.IlaIdentifier;
import dev.nve.dataplane.table.IlaTable;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
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

import static dev.nve.bench.ila.IlaBenchFixture.BATCH;
import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U64_BE;
import static dev.nve.dataplane.wire.Bytes.U8;

/**
 * ILA ingress (ILA to SIR) on batches of 64 IPv6/UDP frames with 64-byte payloads arriving on
 * the underlay for this host's locator: lookup by wire identifier, locator check, two 64-bit
 * stores restoring the stored SIR address, hop limit, MACs and, for adjust-transport, one
 * checksum update. One operation is one packet ({@code @OperationsPerInvocation(64)}).
 * <ul>
 *   <li>{@link #ingress}: refill + {@link IlaIngressStage} (descriptors as classify leaves them);</li>
 *   <li>{@link #classifyIngress}: refill + {@link ClassifyStage} + {@link IlaIngressStage};</li>
 *   <li>{@link #harness}: the refill alone, to subtract.</li>
 * </ul>
 * Only identifiers owned by local endpoints have ingress entries, at most 65,535 per host
 * ({@code IlaTable}'s local capacity). {@code mappings=1}: one local identifier.
 * {@code mappings=1000000}: a table of 1,000,000 mappings of which 65,535 are local, every
 * frame to a uniformly random local one (the 934,465 remote mappings fill the egress side).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IlaIngressBenchmark
{
    @Param({"1", "1000000"})
    public int mappings;

    @Param({"ADJUST_TRANSPORT", "NEUTRAL_MAP", "NEUTRAL_MAP_AUTO", "NO_ACTION"})
    public IlaTable.ChecksumMode mode;

    private Tables tables;
    private Counters counters;
    private FrameMemory memory;
    private PacketBatch batch;
    private MemorySegment segment;
    private ClassifyStage classify;
    private IlaIngressStage ingress;
    private final long[] address = new long[BATCH];
    private final int[] length = new int[BATCH];
    private final short[] checksum = new short[BATCH];
    private int endpoint;
    private int uplink;
    private long[] sirStream;
    private long[] wireStream;
    private int streamMask;
    private int cursor;

    @Setup(Level.Trial)
    public void setUp()
    {
        final int local = Math.min(mappings, IlaBenchFixture.MAX_LOCAL);
        tables = IlaBenchFixture.tables(mappings, local);
        final TableWriter writer = IlaBenchFixture.configure(tables);
        final long[] ids = IlaBenchFixture.addMappings(writer, local, IlaBenchFixture.LOCATOR_A, mode, 42);
        if (mappings > local)
        {
            IlaBenchFixture.addMappings(writer, mappings - local, IlaBenchFixture.LOCATOR_B, mode, 43);
        }
        sirStream = IlaBenchFixture.stream(ids, 7);
        wireStream = new long[sirStream.length];
        for (int i = 0; i < sirStream.length; i++)
        {
            wireStream[i] = IlaTable.wireIdentifier(new IlaTable.Mapping(IlaIdentifier.TYPE_IID, IlaBenchFixture.SIR, sirStream[i], -1,
                IlaBenchFixture.LOCATOR_A, mode, 0, IlaBenchFixture.ENDPOINT_MAC));
        }
        streamMask = sirStream.length - 1;
        endpoint = tables.ports().find(IlaBenchFixture.ENDPOINT);
        uplink = tables.ports().find(IlaBenchFixture.UPLINK);

        counters = new Counters();
        classify = new ClassifyStage(tables, new StageCounters(counters, "classify"));
        ingress = new IlaIngressStage(tables, new StageCounters(counters, "ila-ingress"), BATCH);
        memory = IlaBenchFixture.memory();
        final FramePool pool = new FramePool(memory);
        batch = new PacketBatch(memory, BATCH);
        segment = memory.segment();
        for (int i = 0; i < BATCH; i++)
        {
            final byte[] frame = IlaBenchFixture.frame(IlaBenchFixture.UNDERLAY_MAC, IlaBenchFixture.GATEWAY_MAC, "fd00:5::b1",
                IlaBenchFixture.text(IlaBenchFixture.LOCATOR_A, wireStream[0]), i);
            address[i] = IlaBenchFixture.place(pool, frame);
            length[i] = frame.length;
            checksum[i] = segment.get(U16_BE, address[i] + IlaBenchFixture.UDP_CHECKSUM);
        }
        verifyWholeStream();
        final IlaTable ila = tables.ila();
        System.out.printf("%n[setup] ila ingress mappings=%d (local %d) mode=%s: %d mappings, off-heap %d bytes (%.1f MiB) for capacity %d/%d local, heap used %.1f MiB%n",
            mappings, local, mode, ila.size(), ila.offHeapBytes(), ila.offHeapBytes() / 1048576.0, ila.capacity(), ila.localCapacity(),
            IlaBenchFixture.usedHeapAfterGc() / 1048576.0);
    }

    /** Every key of the stream once through classify + ingress: each frame must reach the endpoint with its SIR address. */
    private void verifyWholeStream()
    {
        final int invocations = Math.max(1, wireStream.length / BATCH);
        for (int n = 0; n < invocations; n++)
        {
            final int at = cursor;
            classifyIngress();
            for (int i = 0; i < BATCH; i++)
            {
                if (batch.next[i] != Next.TRANSMIT || batch.outPort[i] != endpoint
                    || segment.get(U64_BE, address[i] + IlaBenchFixture.DST_HIGH) != IlaBenchFixture.SIR
                    || segment.get(U64_BE, address[i] + IlaBenchFixture.DST_LOW) != sirStream[(at + i) & streamMask])
                {
                    throw new IllegalStateException("frame " + i + ": next " + Next.name(batch.next[i]) + " out " + batch.outPort[i] + "; " + IlaBenchFixture.nonZero(counters));
                }
            }
        }
        cursor = 0;
    }

    private void refill(final boolean forClassify)
    {
        final PacketBatch b = batch;
        final MemorySegment s = segment;
        final long[] keys = wireStream;
        final int at = cursor;
        b.clear();
        for (int i = 0; i < BATCH; i++)
        {
            final long frame = address[i];
            s.set(U64_BE, frame + IlaBenchFixture.DST_HIGH, IlaBenchFixture.LOCATOR_A);
            s.set(U64_BE, frame + IlaBenchFixture.DST_LOW, keys[(at + i) & streamMask]);
            s.set(U8, frame + IlaBenchFixture.HOP_LIMIT, (byte)64);
            s.set(U16_BE, frame + IlaBenchFixture.UDP_CHECKSUM, checksum[i]);
            b.add(frame, length[i], uplink, 0L);
            if (!forClassify)
            {
                b.next[i] = Next.ILA_INGRESS;
                b.l3Offset[i] = IlaBenchFixture.IP;
            }
        }
        cursor = (at + BATCH) & streamMask;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long ingress()
    {
        refill(false);
        ingress.process(batch);
        return batch.outPort[BATCH - 1] + ingress.sink();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long classifyIngress()
    {
        refill(true);
        classify.process(batch);
        ingress.process(batch);
        return batch.outPort[BATCH - 1] + ingress.sink();
    }

    /** The refill alone, to subtract. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long harness()
    {
        refill(true);
        return batch.address[BATCH - 1];
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        IlaBenchFixture.closeCheckingDrops(tables, memory, counters);
    }
}
