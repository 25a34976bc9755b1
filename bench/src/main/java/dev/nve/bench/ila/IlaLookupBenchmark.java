package dev.nve.bench.ila;

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

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import static dev.nve.bench.ila.IlaBenchFixture.BATCH;

/**
 * Where the time of an egress lookup goes with 1,000,000 mappings: the same 64 random keys per
 * invocation resolved to the two fields the stage stores (locator and wire identifier) in three
 * ways, to show what prefetching the entries (not only the index slots) would save:
 * <ul>
 *   <li>{@link #dependent}: hash, index, entry, one key after the other;</li>
 *   <li>{@link #touchSlots}: as {@code IlaEgressStage} does: all index slots touched first, then
 *       index and entry per key;</li>
 *   <li>{@link #touchSlotsAndEntries}: slots touched, then all entry indices resolved and the
 *       entries touched, then the fields read.</li>
 * </ul>
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
    private LongIntHashTable index;
    private MemorySegment entries;
    private long[] stream;
    private int streamMask;
    private int cursor;
    private final long[] hashes = new long[BATCH];
    private final long[] keys = new long[BATCH];
    private final int[] found = new int[BATCH];

    @Setup(Level.Trial)
    public void setUp()
    {
        tables = IlaBenchFixture.tables(mappings, 1);
        final TableWriter writer = IlaBenchFixture.configure(tables);
        final long[] ids = IlaBenchFixture.addMappings(writer, mappings, IlaBenchFixture.LOCATOR_B, IlaTable.ChecksumMode.ADJUST_TRANSPORT, 42);
        stream = IlaBenchFixture.stream(ids, 7);
        streamMask = stream.length - 1;
        index = tables.ila().egressIndex();
        entries = tables.ila().egressEntries();
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
    public long dependent()
    {
        next();
        long sum = 0;
        for (int i = 0; i < BATCH; i++)
        {
            final int e = index.get(keys[i]);
            sum += IlaTable.upper(entries, e) ^ IlaTable.identifier(entries, e);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long touchSlots()
    {
        next();
        long sum = 0;
        for (int i = 0; i < BATCH; i++)
        {
            hashes[i] = LongIntHashTable.hash(keys[i]);
            sum += index.touch(hashes[i]);
        }
        for (int i = 0; i < BATCH; i++)
        {
            final int e = index.getHashed(keys[i], hashes[i]);
            sum += IlaTable.upper(entries, e) ^ IlaTable.identifier(entries, e);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long touchSlotsAndEntries()
    {
        next();
        long sum = 0;
        for (int i = 0; i < BATCH; i++)
        {
            hashes[i] = LongIntHashTable.hash(keys[i]);
            sum += index.touch(hashes[i]);
        }
        for (int i = 0; i < BATCH; i++)
        {
            found[i] = index.getHashed(keys[i], hashes[i]);
            sum += IlaTable.mode(entries, found[i]);
        }
        for (int i = 0; i < BATCH; i++)
        {
            final int e = found[i];
            sum += IlaTable.upper(entries, e) ^ IlaTable.identifier(entries, e);
        }
        return sum;
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        tables.close();
    }
}
