package dev.nve.bench.conntrack;

import dev.nve.dataplane.conntrack.ConntrackBatchLookup;
import dev.nve.dataplane.conntrack.ConntrackKey;
import dev.nve.dataplane.conntrack.ConntrackTable;
import dev.nve.dataplane.wire.TcpHeader;
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

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@link ConntrackTable} with 1,000,000 tracked flows (IPv4, 80 % established TCP, 20 % UDP,
 * in 256 zones), 64 packets per invocation, one operation = one packet:
 * <ul>
 *   <li>{@link #lookupUpdate}: the batched pattern a stage would use (as {@code BridgeStage}
 *       does for the FDB): hash all 64 packets, touch all their home slots, then lookup +
 *       update each (the cache misses overlap);</li>
 *   <li>{@link #lookupUpdateKeys}: the filter stage's pattern (keys computed once, home lines
 *       touched, home-line lookups, the rest of the probe for those that go further);</li>
 *   <li>{@link #lookupUpdateDependent}: lookup + update one packet after the other;</li>
 *   <li>the filter's passes one by one, to see where the time goes with many flows (compare
 *       each at {@code flows} 1 and 1,000,000): {@link #passKeys} (the 64 keys computed, the
 *       floor of the others), {@link #passTouch} (keys, then the home lines loaded in a loop of
 *       loads only), {@link #passTouchPrecomputed} (the same loads from precomputed offsets,
 *       nothing else: what the memory system sustains), {@link #passLookUp} (keys and
 *       {@link ConntrackBatchLookup#lookUp}; {@link #lookupUpdateKeys} adds the updates) and
 *       {@link #passLookUpHomeAfterTouchingNextBatch} (the next batch's home lines touched, then
 *       this batch's home-line lookups in lines touched one invocation earlier: whether a touch
 *       loop's misses overlap the work after it);</li>
 *   <li>{@link #createSweepChurn}: 64 new UDP flows per invocation (hashed and touched first,
 *       as after a stage's lookup pass that missed) into a second table while
 *       the clock advances 8 ms per invocation and a sweep examines 512 slots, so flows expire
 *       after 60 s (7,500 invocations) and are removed; about 480,000 to 730,000 entries are
 *       resident in the steady state.</li>
 * </ul>
 * The packets' tuples come from a precomputed stream of 2^20 uniformly random picks among the
 * flows, half of them in the reply direction, read sequentially (a packet's tuple would be in
 * cache, parsed from its headers).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ConntrackBenchmark
{
    static final int BATCH = 64;
    static final int STREAM_LENGTH = 1 << 20;
    static final long T0 = 1_000_000_000_000L;
    static final long CHURN_STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(8);
    static final int CHURN_SWEEP_SLOTS = 512;

    @Param({"1000000"})
    public int flows;

    private ConntrackTable table;
    private final int[] zone = new int[STREAM_LENGTH];
    private final long[] src = new long[STREAM_LENGTH];
    private final long[] dst = new long[STREAM_LENGTH];
    private final int[] srcPort = new int[STREAM_LENGTH];
    private final int[] dstPort = new int[STREAM_LENGTH];
    private final int[] protocol = new int[STREAM_LENGTH];
    private final long[] hashes = new long[BATCH];
    private final ConntrackKey[] keys = keys();
    private final ConntrackBatchLookup lookups = new ConntrackBatchLookup(BATCH);
    private final long[] times = new long[BATCH];
    /** Every packet of a batch, for {@link ConntrackBatchLookup#lookUp}. */
    private static final int[] ALL = java.util.stream.IntStream.range(0, BATCH).toArray();
    private final long[] found = new long[BATCH];

    private static ConntrackKey[] keys()
    {
        final ConntrackKey[] keys = new ConntrackKey[BATCH];
        for (int i = 0; i < BATCH; i++)
        {
            keys[i] = new ConntrackKey();
        }
        return keys;
    }
    /** Each stream packet's home line offset, for the passes that touch from precomputed offsets. */
    private final long[] homeLines = new long[STREAM_LENGTH];
    private final long[] lineOffsets = new long[BATCH];
    private int cursor;
    private long now = T0;

    @Setup(Level.Trial)
    public void setUp()
    {
        table = new ConntrackTable(flows);
        final int[] flowZone = new int[flows];
        final long[] flowSrc = new long[flows];
        final long[] flowDst = new long[flows];
        final int[] flowSrcPort = new int[flows];
        final int[] flowDstPort = new int[flows];
        final int[] flowProtocol = new int[flows];
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < flows; i++)
        {
            long created;
            do
            {
                flowZone[i] = random.nextInt(256);
                flowSrc[i] = 0xC613_0000L | random.nextInt(1 << 16); // 198.19.0.0/16
                flowDst[i] = 0xC612_0000L | random.nextInt(1 << 16); // 198.18.0.0/16
                flowSrcPort[i] = 1024 + random.nextInt(64_512);
                flowProtocol[i] = random.nextInt(5) == 0 ? 17 : 6;
                flowDstPort[i] = flowProtocol[i] == 6 ? 443 : 53;
                final int size = table.size();
                created = table.create(flowZone[i], 4, 0, flowSrc[i], 0, flowDst[i], flowSrcPort[i], flowDstPort[i],
                    flowProtocol[i], TcpHeader.SYN, T0);
                if (table.size() == size)
                {
                    created = -1; // an existing flow: draw again
                }
            }
            while (created < 0);
            if (flowProtocol[i] == 6)
            {
                final long reply = table.lookup(flowZone[i], 4, 0, flowDst[i], 0, flowSrc[i], flowDstPort[i], flowSrcPort[i], 6, T0);
                check(table.update(reply, TcpHeader.SYN | TcpHeader.ACK, T0) == ConntrackTable.OK, "handshake of flow " + i);
            }
        }
        int further = 0;
        for (int i = 0; i < STREAM_LENGTH; i++)
        {
            final int f = random.nextInt(flows);
            final boolean reply = random.nextBoolean();
            zone[i] = flowZone[f];
            src[i] = reply ? flowDst[f] : flowSrc[f];
            dst[i] = reply ? flowSrc[f] : flowDst[f];
            srcPort[i] = reply ? flowDstPort[f] : flowSrcPort[f];
            dstPort[i] = reply ? flowSrcPort[f] : flowDstPort[f];
            protocol[i] = flowProtocol[f];
            check(ConntrackTable.isEntry(table.lookup(zone[i], 4, 0, src[i], 0, dst[i], srcPort[i], dstPort[i], protocol[i], T0)),
                "stream entry " + i + " missing");
            keys[0].ofIpv4(zone[i], src[i], dst[i], srcPort[i], dstPort[i], protocol[i]);
            homeLines[i] = table.homeLine(keys[0].hash);
            further += table.lookupHome(keys[0], T0) == ConntrackTable.FURTHER ? 1 : 0;
        }
        System.out.printf("%n[setup] %.1f%% of the stream's keys are outside their home line%n", 100.0 * further / STREAM_LENGTH);
        System.out.printf("%n[setup] conntrack flows=%d: size %d, slots %d, off-heap %d bytes (%.1f MiB)%n",
            flows, table.size(), table.capacity(), table.bytes(), table.bytes() / 1048576.0);
    }

    private static void check(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalStateException(message);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long lookupUpdate()
    {
        final ConntrackTable t = table;
        final int at = cursor;
        final long time = now += 1_000;
        long sum = 0;
        for (int i = 0; i < BATCH; i++)
        {
            final int p = (at + i) & (STREAM_LENGTH - 1);
            hashes[i] = t.hash(zone[p], 4, 0, src[p], 0, dst[p], srcPort[p], dstPort[p], protocol[p]);
        }
        // A loop of nothing but loads, so that all 64 misses are in flight at once.
        for (int i = 0; i < BATCH; i++)
        {
            sum += t.touch(hashes[i]);
        }
        return sum + lookUpAndUpdate(t, at, time);
    }

    /** Lookup + update of the 64 packets from stream position {@code at}, one after the other; moves the cursor on. */
    private long lookUpAndUpdate(final ConntrackTable t, final int at, final long time)
    {
        long sum = 0;
        for (int i = 0; i < BATCH; i++)
        {
            final int p = (at + i) & (STREAM_LENGTH - 1);
            final long r = t.lookup(zone[p], 4, 0, src[p], 0, dst[p], srcPort[p], dstPort[p], protocol[p], time);
            sum += t.update(r, TcpHeader.ACK, time) + r;
        }
        cursor = (at + BATCH) & (STREAM_LENGTH - 1);
        return sum;
    }

    /**
     * The filter stage's pattern: each packet's key computed once, the lookups of
     * {@link ConntrackBatchLookup} (home lines touched in a loop of loads only, a home-line
     * lookup each, the next line touched and the probe finished for the ones that go further,
     * about 12% with 1,000,000 entries), then the updates.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long lookupUpdateKeys()
    {
        final ConntrackTable t = table;
        nextKeys();
        final long time = now += 1_000;
        Arrays.fill(times, time);
        long sum = lookups.lookUp(t, keys, ALL, BATCH, times, found);
        for (int i = 0; i < BATCH; i++)
        {
            sum += t.update(found[i], TcpHeader.ACK, time) + found[i];
        }
        return sum;
    }

    /** This invocation's keys (the cursor moves on); returns the stream position. */
    private int nextKeys()
    {
        final int at = cursor;
        for (int i = 0; i < BATCH; i++)
        {
            final int p = (at + i) & (STREAM_LENGTH - 1);
            keys[i].ofIpv4(zone[p], src[p], dst[p], srcPort[p], dstPort[p], protocol[p]);
        }
        cursor = (at + BATCH) & (STREAM_LENGTH - 1);
        return at;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long passKeys()
    {
        nextKeys();
        return keys[BATCH - 1].hash;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long passTouch()
    {
        nextKeys();
        for (int n = 0; n < BATCH; n++)
        {
            lineOffsets[n] = table.homeLine(keys[n].hash);
        }
        return table.touchLines(lineOffsets, BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long passTouchPrecomputed()
    {
        final int at = cursor;
        for (int n = 0; n < BATCH; n++)
        {
            lineOffsets[n] = homeLines[(at + n) & (STREAM_LENGTH - 1)];
        }
        cursor = (at + BATCH) & (STREAM_LENGTH - 1);
        return table.touchLines(lineOffsets, BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long passLookUp()
    {
        nextKeys();
        Arrays.fill(times, now += 1_000);
        return lookups.lookUp(table, keys, ALL, BATCH, times, found) + found[BATCH - 1];
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long passLookUpHomeAfterTouchingNextBatch()
    {
        final int at = nextKeys();
        final long time = now += 1_000;
        for (int n = 0; n < BATCH; n++)
        {
            lineOffsets[n] = homeLines[(at + BATCH + n) & (STREAM_LENGTH - 1)];
        }
        long sum = table.touchLines(lineOffsets, BATCH);
        for (int n = 0; n < BATCH; n++)
        {
            sum += table.lookupHome(keys[n], time);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long lookupUpdateDependent()
    {
        return lookUpAndUpdate(table, cursor, now += 1_000);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long createSweepChurn(final Churn churn)
    {
        final ConntrackTable t = churn.table;
        final long time = churn.now += CHURN_STEP_NANOS;
        final long first = churn.counter;
        long sum = 0;
        // As a stage would: the lookups that missed already brought the home slots in.
        for (int i = 0; i < BATCH; i++)
        {
            final long c = first + i;
            hashes[i] = t.hash(churnZone(c), 4, 0, churnSource(c), 0, churnDestination(c), churnPort(c), 53, 17);
        }
        for (int i = 0; i < BATCH; i++)
        {
            sum += t.touch(hashes[i]);
        }
        for (int i = 0; i < BATCH; i++)
        {
            final long c = first + i;
            final long r = t.create(churnZone(c), 4, 0, churnSource(c), 0, churnDestination(c), churnPort(c), 53, 17, 0, time);
            if (r == ConntrackTable.FULL)
            {
                churn.full++;
            }
            sum += r;
        }
        churn.counter = first + BATCH;
        final int removed = t.sweep(time, CHURN_SWEEP_SLOTS);
        churn.removed += removed;
        return sum + removed;
    }

    // Distinct tuples from a counter: 256 zones x 198.19/16 x 198.18/16 x source port.
    private static int churnZone(final long c)
    {
        return (int)(c >>> 48) & 0xFF;
    }

    private static long churnSource(final long c)
    {
        return 0xC613_0000L | (c & 0xFFFF);
    }

    private static long churnDestination(final long c)
    {
        return 0xC612_0000L | ((c >>> 16) & 0xFFFF);
    }

    private static int churnPort(final long c)
    {
        return (int)(c >>> 32) & 0xFFFF;
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        table.close();
    }

    /** The churn table, its own state so that the lookup benchmarks do not carry its 122.1 MiB. */
    @State(Scope.Thread)
    public static class Churn
    {
        ConntrackTable table;
        long now = T0;
        long counter;
        long full;
        long removed;

        @Setup(Level.Trial)
        public void setUp(final ConntrackBenchmark benchmark)
        {
            table = new ConntrackTable(benchmark.flows);
        }

        @TearDown(Level.Trial)
        public void tearDown()
        {
            System.out.printf("%n[teardown] churn: created %d, FULL %d, removed %d, resident %d%n", counter, full, removed, table.size());
            table.close();
        }
    }
}
