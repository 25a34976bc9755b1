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
 * Where the filter's conntrack time goes with many flows: the passes of
 * {@link ConntrackBatchLookup} one by one, on batches of 64 packets of {@code flows} established
 * IPv4 TCP connections (ORIGINAL direction, uniformly random picks), one operation = one packet.
 * Compare each method at {@code flows} 1 (everything cached) and 1,000,000.
 * <ul>
 *   <li>{@link #keys}: the 64 keys computed (the floor of every other method);</li>
 *   <li>{@link #touch}: keys, then the home lines loaded in a loop of loads only;</li>
 *   <li>{@link #touchPrecomputed}: the same loads from precomputed offsets, nothing else: what
 *       the memory system sustains;</li>
 *   <li>{@link #lookUp}: keys and {@link ConntrackBatchLookup#lookUp} (touch, home-line
 *       lookups, the next line for those that go further);</li>
 *   <li>{@link #lookUpUpdate}: and the updates (the filter's reply path without parse);</li>
 *   <li>{@link #lookUpHomeAfterTouchingNextBatch}: the next batch's home lines touched first,
 *       then this batch's home-line lookups (its lines were touched one invocation earlier):
 *       shows whether a touch loop's misses overlap the work that follows it.</li>
 * </ul>
 * {@code slack}: the table is made for {@code slack x flows} entries, so 1.5 gives a load of
 * 2/9 instead of 1/3 (three slots per entry).
 * <p>
 * Run: {@code $J -jar bench/target/benchmarks.jar ConntrackPassesBenchmark -p flows=1,1000000 -f 3}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ConntrackPassesBenchmark
{
    static final int BATCH = 64;
    static final int STREAM_LENGTH = 1 << 20;
    static final long T0 = 1_000_000_000_000L;
    private static final int[] ALL = java.util.stream.IntStream.range(0, BATCH).toArray();

    @Param({"1000000"})
    public int flows;

    @Param({"1.0"})
    public double slack;

    private ConntrackTable table;
    private final int[] zone = new int[STREAM_LENGTH];
    private final long[] src = new long[STREAM_LENGTH];
    private final long[] dst = new long[STREAM_LENGTH];
    private final int[] srcPort = new int[STREAM_LENGTH];
    /** Each stream packet's home line offset, for the methods that touch from precomputed offsets. */
    private final long[] homeLines = new long[STREAM_LENGTH];
    private final ConntrackKey[] keys = new ConntrackKey[BATCH];
    private final ConntrackBatchLookup lookups = new ConntrackBatchLookup(BATCH);
    private final long[] times = new long[BATCH];
    private final long[] found = new long[BATCH];
    private final long[] lineOffsets = new long[BATCH];
    private int cursor;
    private long now = T0;

    @Setup(Level.Trial)
    public void setUp()
    {
        for (int i = 0; i < BATCH; i++)
        {
            keys[i] = new ConntrackKey();
        }
        table = new ConntrackTable((int)Math.ceil(flows * slack));
        final SplittableRandom random = new SplittableRandom(42);
        final int[] flowZone = new int[flows];
        final long[] flowSrc = new long[flows];
        final long[] flowDst = new long[flows];
        final int[] flowSrcPort = new int[flows];
        for (int i = 0; i < flows; i++)
        {
            int size;
            do
            {
                flowZone[i] = random.nextInt(256);
                flowSrc[i] = 0xC613_0000L | random.nextInt(1 << 16); // 198.19.0.0/16
                flowDst[i] = 0xC612_0000L | random.nextInt(1 << 16); // 198.18.0.0/16
                flowSrcPort[i] = 1024 + random.nextInt(64_512);
                size = table.size();
                table.create(flowZone[i], 4, 0, flowSrc[i], 0, flowDst[i], flowSrcPort[i], 443, 6, TcpHeader.SYN, T0);
            }
            while (table.size() == size); // an existing flow: draw again
            final long reply = table.lookup(flowZone[i], 4, 0, flowDst[i], 0, flowSrc[i], 443, flowSrcPort[i], 6, T0);
            check(table.update(reply, TcpHeader.SYN | TcpHeader.ACK, T0) == ConntrackTable.OK, "handshake of flow " + i);
        }
        int further = 0;
        final ConntrackKey key = new ConntrackKey();
        for (int i = 0; i < STREAM_LENGTH; i++)
        {
            final int f = random.nextInt(flows);
            zone[i] = flowZone[f];
            src[i] = flowSrc[f];
            dst[i] = flowDst[f];
            srcPort[i] = flowSrcPort[f];
            key.ofIpv4(zone[i], src[i], dst[i], srcPort[i], 443, 6);
            homeLines[i] = table.homeLine(key.hash);
            further += table.lookupHome(key, T0) == ConntrackTable.FURTHER ? 1 : 0;
            check(ConntrackTable.isEntry(table.lookup(key, T0)), "stream entry " + i + " missing");
        }
        System.out.printf("%n[setup] conntrack flows=%d slots=%d: %.1f%% of the packets' keys are outside their home line%n",
            flows, table.capacity(), 100.0 * further / STREAM_LENGTH);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        table.close();
    }

    private static void check(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalStateException(message);
        }
    }

    /** This invocation's keys; returns the stream position. */
    private int nextKeys()
    {
        final int at = cursor;
        for (int i = 0; i < BATCH; i++)
        {
            final int p = (at + i) & (STREAM_LENGTH - 1);
            keys[i].ofIpv4(zone[p], src[p], dst[p], srcPort[p], 443, 6);
        }
        cursor = (at + BATCH) & (STREAM_LENGTH - 1);
        return at;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long keys()
    {
        nextKeys();
        return keys[BATCH - 1].hash;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long touch()
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
    public long touchPrecomputed()
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
    public long lookUp()
    {
        nextKeys();
        Arrays.fill(times, now += 1_000);
        return lookups.lookUp(table, keys, ALL, BATCH, times, found) + found[BATCH - 1];
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long lookUpUpdate()
    {
        nextKeys();
        final long time = now += 1_000;
        Arrays.fill(times, time);
        long sum = lookups.lookUp(table, keys, ALL, BATCH, times, found);
        for (int i = 0; i < BATCH; i++)
        {
            sum += table.update(found[i], TcpHeader.ACK, time) + found[i];
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long lookUpHomeAfterTouchingNextBatch()
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
}
