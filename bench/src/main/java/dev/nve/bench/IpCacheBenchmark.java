package dev.nve.bench;

import dev.nve.dataplane.table.IpCache;
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

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@link IpCache} lookups, 64 per invocation (one batch), one operation = one lookup.
 * {@link #hit}: uniformly random picks among {@code entries} random IPv6 addresses in
 * 2001:db8::/32 spread over 16 ILA tenant zones, inserted through {@link TableWriter};
 * {@link #hitBatched}: the same hits in the passes a batched stage would run;
 * {@link #miss}: random addresses that are not in the table (world traffic). Keys come from
 * precomputed streams of 2^20 picks, so that the table, not the 64 keys, is what the caches see.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class IpCacheBenchmark
{
    private static final int STREAM_LENGTH = 1 << 20;
    private static final int STREAM_MASK = STREAM_LENGTH - 1;
    private static final int ZONES = 16;

    @Param({"1000000"})
    public int entries;

    private Tables tables;
    private IpCache ipCache;
    private final int[] hitZones = new int[STREAM_LENGTH];
    private final long[] hitHighs = new long[STREAM_LENGTH];
    private final long[] hitLows = new long[STREAM_LENGTH];
    private final int[] missZones = new int[STREAM_LENGTH];
    private final long[] missHighs = new long[STREAM_LENGTH];
    private final long[] missLows = new long[STREAM_LENGTH];
    private int cursor;
    private final long[] fingerprints = new long[Fixtures.BATCH];
    private final long[] slotHashes = new long[Fixtures.BATCH];
    private final int[] candidates = new int[Fixtures.BATCH];

    private static int zone(final int tenant)
    {
        return 0x0100_0000 | tenant;
    }

    private static long documentationHigh(final SplittableRandom random)
    {
        return 0x2001_0DB8_0000_0000L | (random.nextLong() & 0xFFFF_FFFFL);
    }

    @Setup(Level.Trial)
    public void setUp() throws UnknownHostException
    {
        tables = new Tables(new Tables.Sizes(16, 64, 16, 16, 16, entries));
        final TableWriter writer = new TableWriter(tables);
        final SplittableRandom random = new SplittableRandom(42);
        final int[] zones = new int[entries];
        final long[] highs = new long[entries];
        final long[] lows = new long[entries];
        final byte[] address = new byte[16];
        for (int i = 0; i < entries; i++)
        {
            zones[i] = zone(random.nextInt(ZONES));
            highs[i] = documentationHigh(random);
            lows[i] = random.nextLong();
            for (int b = 0; b < 8; b++)
            {
                address[b] = (byte)(highs[i] >>> (56 - 8 * b));
                address[8 + b] = (byte)(lows[i] >>> (56 - 8 * b));
            }
            writer.setIpIdentity(zones[i], InetAddress.getByAddress(address), 256 + (i & 0xFFFF));
        }
        ipCache = tables.ipCache();
        for (int s = 0; s < STREAM_LENGTH; s++)
        {
            final int pick = random.nextInt(entries);
            hitZones[s] = zones[pick];
            hitHighs[s] = highs[pick];
            hitLows[s] = lows[pick];
            missZones[s] = zone(random.nextInt(ZONES));
            missHighs[s] = documentationHigh(random);
            missLows[s] = random.nextLong();
            if (ipCache.lookup(hitZones[s], hitHighs[s], hitLows[s]) == IpCache.MISSING ||
                ipCache.lookup(missZones[s], missHighs[s], missLows[s]) != IpCache.MISSING)
            {
                throw new IllegalStateException("stream entry " + s + " is not what it should be");
            }
        }
        System.out.printf("%n[setup] ipcache entries=%d: size %d, overflow %d, off-heap %d bytes (%.1f MiB)%n",
            entries, ipCache.size(), ipCache.overflowSize(), ipCache.offHeapBytes(), ipCache.offHeapBytes() / 1048576.0);
    }

    @Benchmark
    @OperationsPerInvocation(Fixtures.BATCH)
    public int hit()
    {
        final int at = cursor;
        int result = 0;
        for (int i = 0; i < Fixtures.BATCH; i++)
        {
            final int s = (at + i) & STREAM_MASK;
            result += ipCache.lookup(hitZones[s], hitHighs[s], hitLows[s]);
        }
        cursor = (at + Fixtures.BATCH) & STREAM_MASK;
        return result;
    }

    /** The passes a batched stage would run: fingerprint, touch slot, entry, touch entry, compare. */
    @Benchmark
    @OperationsPerInvocation(Fixtures.BATCH)
    public long hitBatched()
    {
        final IpCache cache = ipCache;
        final int at = cursor;
        long touched = 0;
        for (int i = 0; i < Fixtures.BATCH; i++)
        {
            final int s = (at + i) & STREAM_MASK;
            fingerprints[i] = cache.fingerprint(hitZones[s], hitHighs[s], hitLows[s]);
            slotHashes[i] = IpCache.slotHash(fingerprints[i]);
            touched += cache.touchSlot(slotHashes[i]);
        }
        for (int i = 0; i < Fixtures.BATCH; i++)
        {
            candidates[i] = cache.entry(fingerprints[i], slotHashes[i]);
            touched += cache.touchEntry(candidates[i]);
        }
        int result = 0;
        for (int i = 0; i < Fixtures.BATCH; i++)
        {
            final int s = (at + i) & STREAM_MASK;
            result += cache.identity(candidates[i], hitZones[s], hitHighs[s], hitLows[s]);
        }
        cursor = (at + Fixtures.BATCH) & STREAM_MASK;
        return touched + result;
    }

    @Benchmark
    @OperationsPerInvocation(Fixtures.BATCH)
    public int miss()
    {
        final int at = cursor;
        int result = 0;
        for (int i = 0; i < Fixtures.BATCH; i++)
        {
            final int s = (at + i) & STREAM_MASK;
            result += ipCache.lookup(missZones[s], missHighs[s], missLows[s]);
        }
        cursor = (at + Fixtures.BATCH) & STREAM_MASK;
        return result;
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        tables.close();
    }
}
