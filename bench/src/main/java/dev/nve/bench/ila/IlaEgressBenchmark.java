package dev.nve.bench.ila;

import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.stage.ClassifyStage;
import dev.nve.dataplane.stage.IlaEgressStage;
import dev.nve.dataplane.table.IlaIdentifier;
import dev.nve.dataplane.table.IlaTable;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.Bytes;
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
 * ILA egress (SIR to ILA) on batches of 64 IPv6/UDP frames with 64-byte payloads from a local
 * endpoint, each to a SIR address mapped to a remote locator: lookup by identifier, two 64-bit
 * stores, hop limit, MACs and, for adjust-transport, one checksum update. One operation is one
 * packet ({@code @OperationsPerInvocation(64)}): the score is ns/packet, Mpps = 1000 / score.
 * <ul>
 *   <li>{@link #egress}: refill + {@link IlaEgressStage} (descriptors set as classify leaves them);</li>
 *   <li>{@link #classifyEgress}: refill + {@link ClassifyStage} + {@link IlaEgressStage};</li>
 *   <li>{@link #harness}: the refill alone (descriptors, destination, hop limit, checksum and, for
 *       classify, the destination MAC written back from the pristine frame), to subtract.</li>
 * </ul>
 * {@code mappings=1}: every frame to the one mapped identifier. {@code mappings=1000000}:
 * 1,000,000 random identifiers, every frame's destination a uniformly random one of them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IlaEgressBenchmark
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
    private IlaEgressStage egress;
    private final long[] address = new long[BATCH];
    private final int[] length = new int[BATCH];
    private final short[] checksum = new short[BATCH];
    private int endpoint;
    private int uplink;
    private long[] stream;
    private int streamMask;
    private int cursor;

    @Setup(Level.Trial)
    public void setUp()
    {
        tables = IlaBenchFixture.tables(mappings, 1);
        final TableWriter writer = IlaBenchFixture.configure(tables);
        final long[] ids = IlaBenchFixture.addMappings(writer, mappings, IlaBenchFixture.LOCATOR_B, mode, 42);
        stream = IlaBenchFixture.stream(ids, 7);
        streamMask = stream.length - 1;
        endpoint = tables.ports().find(IlaBenchFixture.ENDPOINT);
        uplink = tables.ports().find(IlaBenchFixture.UPLINK);

        counters = new Counters();
        classify = new ClassifyStage(tables, new StageCounters(counters, "classify"));
        egress = new IlaEgressStage(tables, new StageCounters(counters, "ila-egress"), BATCH);
        memory = IlaBenchFixture.memory();
        final FramePool pool = new FramePool(memory);
        batch = new PacketBatch(memory, BATCH);
        segment = memory.segment();
        for (int i = 0; i < BATCH; i++)
        {
            final byte[] frame = IlaBenchFixture.frame(IlaBenchFixture.ROUTER_MAC, IlaBenchFixture.ENDPOINT_MAC, "fd00:5::a1",
                IlaBenchFixture.text(IlaBenchFixture.SIR, ids[0]), i);
            address[i] = IlaBenchFixture.place(pool, frame);
            length[i] = frame.length;
            checksum[i] = segment.get(U16_BE, address[i] + IlaBenchFixture.UDP_CHECKSUM);
        }
        verifyWholeStream();
        final IlaTable ila = tables.ila();
        System.out.printf("%n[setup] ila egress mappings=%d mode=%s: %d mappings, off-heap %d bytes (%.1f MiB) for capacity %d/%d local, heap used %.1f MiB%n",
            mappings, mode, ila.size(), ila.offHeapBytes(), ila.offHeapBytes() / 1048576.0, ila.capacity(), ila.localCapacity(),
            IlaBenchFixture.usedHeapAfterGc() / 1048576.0);
    }

    /** Every key of the stream once through classify + egress: each frame must leave on the uplink, translated. */
    private void verifyWholeStream()
    {
        final int invocations = Math.max(1, stream.length / BATCH);
        for (int n = 0; n < invocations; n++)
        {
            final int at = cursor;
            classifyEgress();
            for (int i = 0; i < BATCH; i++)
            {
                final long id = stream[(at + i) & streamMask];
                final long wire = IlaTable.wireIdentifier(new IlaTable.Mapping(IlaIdentifier.TYPE_IID, IlaBenchFixture.SIR, id, -1,
                    IlaBenchFixture.LOCATOR_B, mode, uplink, IlaBenchFixture.GATEWAY_MAC));
                if (batch.next[i] != Next.TRANSMIT || batch.outPort[i] != uplink
                    || segment.get(U64_BE, address[i] + IlaBenchFixture.DST_HIGH) != IlaBenchFixture.LOCATOR_B
                    || segment.get(U64_BE, address[i] + IlaBenchFixture.DST_LOW) != wire)
                {
                    throw new IllegalStateException("frame " + i + ": next " + Next.name(batch.next[i]) + " out " + batch.outPort[i] + "; " + IlaBenchFixture.nonZero(counters));
                }
            }
        }
        cursor = 0;
    }

    /** Descriptors as a port's receive leaves them, and the rewritten bytes from the pristine frame. */
    private void refill(final boolean forClassify)
    {
        final PacketBatch b = batch;
        final MemorySegment s = segment;
        final long[] keys = stream;
        final int at = cursor;
        b.clear();
        for (int i = 0; i < BATCH; i++)
        {
            final long frame = address[i];
            if (forClassify)
            {
                Bytes.putMac48(s, frame, IlaBenchFixture.ROUTER_MAC);
            }
            s.set(U64_BE, frame + IlaBenchFixture.DST_HIGH, IlaBenchFixture.SIR);
            s.set(U64_BE, frame + IlaBenchFixture.DST_LOW, keys[(at + i) & streamMask]);
            s.set(U8, frame + IlaBenchFixture.HOP_LIMIT, (byte)64);
            s.set(U16_BE, frame + IlaBenchFixture.UDP_CHECKSUM, checksum[i]);
            b.add(frame, length[i], endpoint, 0L);
            if (!forClassify)
            {
                b.next[i] = Next.ILA_EGRESS;
                b.l3Offset[i] = IlaBenchFixture.IP;
            }
        }
        cursor = (at + BATCH) & streamMask;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long egress()
    {
        refill(false);
        egress.process(batch);
        return batch.outPort[BATCH - 1] + egress.sink();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long classifyEgress()
    {
        refill(true);
        classify.process(batch);
        egress.process(batch);
        return batch.outPort[BATCH - 1] + egress.sink();
    }

    /** The refill alone (as for {@link #classifyEgress}, the larger of the two), to subtract. */
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
