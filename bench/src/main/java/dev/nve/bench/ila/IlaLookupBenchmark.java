package dev.nve.bench.ila;

import dev.nve.dataplane.table.IlaEgressTable;
import dev.nve.dataplane.table.IlaTable;
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

import static dev.nve.bench.ila.IlaBenchFixture.BATCH;

/**
 * The egress lookup alone with 1,000,000 mappings: the same 64 random keys per invocation, each
 * resolved to the mapping's fields (copied out of its slot, as the stage does), one operation =
 * one lookup:
 * <ul>
 *   <li>{@link #single}: hash and checked lookup ({@link IlaEgressTable#lookupChecked}, per-slot
 *       seqlock), one key after the other;</li>
 *   <li>{@link #batched}: as {@code IlaEgressStage} does: hash all, touch all home slots, copy
 *       all without per-slot checks, validate once.</li>
 * </ul>
 * Comparable with {@code FdbLookupBenchmark} (1,000,000 keys, 64 MiB there, 61 MiB here).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IlaLookupBenchmark
{
    @Param({"1000000"})
    public int mappings;

    private Tables tables;
    private IlaEgressTable table;
    private long[] stream;
    private int streamMask;
    private int cursor;
    private final long[] hashes = new long[BATCH];
    private final long[] keys = new long[BATCH];
    private final long[] result = new long[BATCH * IlaEgressTable.RESULT_LONGS];

    @Setup(Level.Trial)
    public void setUp()
    {
        tables = IlaBenchFixture.tables(mappings, 1);
        final TableWriter writer = IlaBenchFixture.configure(tables);
        final long[] ids = IlaBenchFixture.addMappings(writer, mappings, IlaBenchFixture.LOCATOR_B, IlaTable.ChecksumMode.ADJUST_TRANSPORT, 42);
        stream = IlaBenchFixture.stream(ids, 7);
        streamMask = stream.length - 1;
        table = tables.ila().egress();
    }

    private void next()
    {
        final int at = cursor;
        for (int i = 0; i < BATCH; i++)
        {
            keys[i] = stream[(at + i) & streamMask];
        }
        cursor = (at + BATCH) & streamMask;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long single()
    {
        next();
        long sum = 0;
        for (int i = 0; i < BATCH; i++)
        {
            table.lookupChecked(keys[i], LongIntHashTable.hash(keys[i]), result, 0);
            sum += IlaEgressTable.upper(result, 0) ^ IlaEgressTable.wireIdentifier(result, 0, keys[i]);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long batched()
    {
        next();
        long sum = 0;
        for (int i = 0; i < BATCH; i++)
        {
            hashes[i] = LongIntHashTable.hash(keys[i]);
        }
        for (int i = 0; i < BATCH; i++)
        {
            sum += table.touch(hashes[i]);
        }
        final long begin = table.readBegin();
        for (int i = 0; i < BATCH; i++)
        {
            table.lookup(keys[i], hashes[i], result, i);
        }
        if (!table.validate(begin))
        {
            throw new IllegalStateException("no writer here");
        }
        for (int i = 0; i < BATCH; i++)
        {
            sum += IlaEgressTable.upper(result, i) ^ IlaEgressTable.wireIdentifier(result, i, keys[i]);
        }
        return sum;
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        tables.close();
    }
}
