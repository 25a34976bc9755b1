package dev.nve.bench.policy;

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
 * {@link FilterBenchmark}'s set-up and traffic, with the refill outside the measured time: JMH
 * refills the batch before each invocation ({@code Level.Invocation}) and times
 * {@code FilterStage.process} alone, so the score is the stage's own ns/packet instead of
 * {@code FilterBenchmark}'s score minus its separately measured {@code harness}. The refill
 * still runs right before the stage, as a port's receive and the bridge would, so the frames and
 * descriptors are as warm as there. JMH reads the clock around every invocation: about 20-30 ns
 * per batch of 64, under 0.5 ns per packet.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FilterStageBenchmark
{
    @Param({"10"})
    public int rules;

    @Param({"1", "1000000"})
    public int flows;

    @Param({"rules"})
    public String spread;

    /**
     * The batch's frames: {@code original}, {@code reply} or {@code mixed} (alternating frame by
     * frame), as FilterBenchmark's methods, or {@code shuffled} (both directions in a random
     * order, as real mixed traffic comes; the direction branches cannot be learnt).
     */
    @Param({"mixed", "original", "reply", "shuffled"})
    public String direction;

    private final FilterBenchmark fixture = new FilterBenchmark();
    private int directions;

    @Setup(Level.Trial)
    public void setUp()
    {
        directions = switch (direction)
        {
            case "original" -> FilterBenchmark.ORIGINALS;
            case "reply" -> FilterBenchmark.REPLIES;
            case "mixed" -> FilterBenchmark.ALTERNATING;
            case "shuffled" -> FilterBenchmark.SHUFFLED;
            default -> throw new IllegalArgumentException("direction must be original, reply, mixed or shuffled: " + direction);
        };
        fixture.rules = rules;
        fixture.flows = flows;
        fixture.spread = spread;
        fixture.setUp();
    }

    @Setup(Level.Invocation)
    public void refill()
    {
        fixture.refill(directions);
    }

    @Benchmark
    @OperationsPerInvocation(FilterBenchmark.BATCH)
    public long process()
    {
        return fixture.processRefilled();
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        fixture.tearDown();
    }
}
