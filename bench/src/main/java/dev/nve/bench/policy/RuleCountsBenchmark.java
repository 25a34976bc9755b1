package dev.nve.bench.policy;

import dev.nve.dataplane.policy.RuleCounts;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The filter's once-per-batch rule counting ({@link RuleCounts#add}) on its own, per batch,
 * with one or more workers (JMH threads, {@code -t}) counting into one policy table's counters:
 * {@code counters=own} gives each worker counters of its own (plain stores, what registered
 * workers do), {@code counters=shared} makes them all add atomically to one array (what every
 * worker did before). {@code rules}: the table's rules; a batch counts {@code perBatch} of
 * them: 3 fixed rules (a batch of a few connections, the hottest lines of the table shared by
 * all workers) or 32 drawn at random (traffic spread over the rules).
 * <p>
 * {@code -t 2} on this 2-core machine puts the two workers on both cores.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RuleCountsBenchmark
{
    private static final int SEQUENCE = 1 << 16;

    @Param({"own", "shared"})
    public String counters;

    @Param({"10", "100000"})
    public int rules;

    @Param({"3", "32"})
    public int perBatch;

    private RuleCounts counts;

    @Setup(Level.Trial)
    public void setUp()
    {
        if (!counters.equals("own") && !counters.equals("shared"))
        {
            throw new IllegalArgumentException("counters must be own or shared: " + counters);
        }
        counts = new RuleCounts(rules);
    }

    /** One worker: its index and the rules of its batches. */
    @State(Scope.Thread)
    public static class Worker
    {
        int index;
        final int[] batchRules = new int[32];
        final long[] packets = new long[32];
        final long[] bytes = new long[32];
        int[] sequence;
        int cursor;

        @Setup(Level.Trial)
        public void setUp(final RuleCountsBenchmark benchmark, final ThreadParams thread)
        {
            index = benchmark.counters.equals("own") ? thread.getThreadIndex() : -1;
            benchmark.counts.addWorker(index);
            final SplittableRandom random = new SplittableRandom(thread.getThreadIndex());
            sequence = new int[SEQUENCE];
            for (int n = 0; n < SEQUENCE; n++)
            {
                sequence[n] = benchmark.perBatch == 3 ? n % 3 : random.nextInt(benchmark.rules);
            }
            for (int r = 0; r < 32; r++)
            {
                packets[r] = 2;
                bytes[r] = 128;
            }
        }
    }

    @Benchmark
    public int addBatch(final Worker worker)
    {
        final int n = perBatch;
        final int at = worker.cursor;
        System.arraycopy(worker.sequence, at, worker.batchRules, 0, n);
        worker.cursor = at + 2 * n > SEQUENCE ? 0 : at + n;
        counts.add(worker.index, worker.batchRules, worker.packets, worker.bytes, n);
        return worker.cursor;
    }
}
