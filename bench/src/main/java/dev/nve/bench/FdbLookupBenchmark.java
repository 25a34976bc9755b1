package dev.nve.bench;

import dev.nve.dataplane.table.FdbTable;
import dev.nve.dataplane.table.LongIntHashTable;
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

import java.util.concurrent.TimeUnit;

/**
 * {@link FdbTable} lookups of uniformly random present keys, 64 per invocation (one batch),
 * one operation = one lookup: {@link #single} calls {@code get} for each key in turn;
 * {@link #batched} is the three-pass pattern of {@code BridgeStage} (hash every key, touch
 * every home slot, then {@code getHashed}). The FDB is filled through {@code TableWriter}
 * exactly as for the encap benchmark (remote MACs in VNI 100).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FdbLookupBenchmark
{
    @Param({"1000000"})
    public int fdbEntries;

    private Tables tables;
    private FdbTable fdb;
    private long[] stream;
    private int streamMask;
    private int cursor;
    private final long[] keys = new long[Fixtures.BATCH];
    private final long[] hashes = new long[Fixtures.BATCH];

    @Setup(Level.Trial)
    public void setUp()
    {
        tables = Fixtures.tables(fdbEntries);
        final TableWriter writer = Fixtures.baseConfig(tables);
        final long[] macs = Fixtures.addRemoteMacs(writer, fdbEntries, 42);
        final int network = tables.networks().find(Fixtures.VNI);
        stream = Fixtures.keyStream(macs, 7);
        for (int i = 0; i < stream.length; i++)
        {
            stream[i] = FdbTable.key(network, stream[i]);
            if (tables.fdb().get(stream[i]) == FdbTable.MISSING)
            {
                throw new IllegalStateException("key " + Long.toHexString(stream[i]) + " missing");
            }
        }
        streamMask = stream.length - 1;
        fdb = tables.fdb();
        System.out.printf("%n[setup] fdb fdbEntries=%d: FDB size %d, off-heap %d bytes (%.1f MiB)%n",
            fdbEntries, fdb.size(), fdb.offHeapBytes(), fdb.offHeapBytes() / 1048576.0);
    }

    @Benchmark
    @OperationsPerInvocation(Fixtures.BATCH)
    public int single()
    {
        final long[] keyStream = stream;
        final int at = cursor;
        int result = 0;
        for (int i = 0; i < Fixtures.BATCH; i++)
        {
            result += fdb.get(keyStream[(at + i) & streamMask]);
        }
        cursor = (at + Fixtures.BATCH) & streamMask;
        return result;
    }

    @Benchmark
    @OperationsPerInvocation(Fixtures.BATCH)
    public long batched()
    {
        final long[] keyStream = stream;
        final int at = cursor;
        for (int i = 0; i < Fixtures.BATCH; i++)
        {
            final long key = keyStream[(at + i) & streamMask];
            keys[i] = key;
            hashes[i] = LongIntHashTable.hash(key);
        }
        long touched = 0;
        for (int i = 0; i < Fixtures.BATCH; i++)
        {
            touched += fdb.touch(hashes[i]);
        }
        int result = 0;
        for (int i = 0; i < Fixtures.BATCH; i++)
        {
            result += fdb.getHashed(keys[i], hashes[i]);
        }
        cursor = (at + Fixtures.BATCH) & streamMask;
        return touched + result;
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        tables.close();
    }
}
