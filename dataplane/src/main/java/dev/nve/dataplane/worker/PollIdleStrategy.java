package dev.nve.dataplane.worker;

import org.agrona.concurrent.IdleStrategy;

import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * Idle strategy for shared machines: after work, the first idle rounds spin
 * ({@code Thread.onSpinWait}), the next ones yield (a quarter of them: a yield costs a whole
 * time slice when the CPU is contended), and from then on every idle round sleeps
 * in {@link ReadinessWaiter#await} (for AF_XDP: {@code poll(2)} on the worker's sockets, which
 * the kernel wakes as soon as a frame lands on an RX ring) for at most {@code timeoutMillis}.
 * A waiter that cannot block makes the round park for {@code parkNanos} instead. The timeout
 * bounds how long an idle worker takes to notice a stop request or a pending transmit retry.
 *
 * <p>Counters ({@link #sleeps()} etc.) are plain fields of the worker thread: read them after
 * the worker stopped.
 */
public final class PollIdleStrategy implements IdleStrategy
{
    public static final String ALIAS = "poll";
    public static final int DEFAULT_IDLE_ROUNDS = 200;
    public static final long DEFAULT_PARK_NANOS = 100_000;

    private final ReadinessWaiter waiter;
    private final int timeoutMillis;
    private final int spins;
    private final int spinsAndYields;
    private final long parkNanos;
    private int idleRounds;
    private long sleeps;
    private long wakeups;
    private long timeouts;
    private long parks;

    /**
     * @param waiter        where to sleep
     * @param timeoutMillis longest sleep, >= 1
     * @param idleRounds    idle rounds before the first sleep (three quarters spin, the rest yield), >= 0
     * @param parkNanos     park when the waiter cannot block, > 0
     */
    public PollIdleStrategy(final ReadinessWaiter waiter, final int timeoutMillis, final int idleRounds, final long parkNanos)
    {
        if (timeoutMillis < 1 || idleRounds < 0 || parkNanos <= 0)
        {
            throw new IllegalArgumentException("poll idle strategy: timeout " + timeoutMillis + " ms (>= 1), idle rounds " + idleRounds
                + " (>= 0), park " + parkNanos + " ns (> 0)");
        }
        this.waiter = Objects.requireNonNull(waiter, "waiter");
        this.timeoutMillis = timeoutMillis;
        this.spins = idleRounds - idleRounds / 4;
        this.spinsAndYields = idleRounds;
        this.parkNanos = parkNanos;
    }

    public PollIdleStrategy(final ReadinessWaiter waiter, final int timeoutMillis)
    {
        this(waiter, timeoutMillis, DEFAULT_IDLE_ROUNDS, DEFAULT_PARK_NANOS);
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            idleRounds = 0;
            return;
        }
        idle();
    }

    @Override
    public void idle()
    {
        if (idleRounds < spins)
        {
            idleRounds++;
            Thread.onSpinWait();
        }
        else if (idleRounds < spinsAndYields)
        {
            idleRounds++;
            Thread.yield();
        }
        else
        {
            sleeps++;
            final int result = waiter.await(timeoutMillis);
            if (result == ReadinessWaiter.READY)
            {
                wakeups++;
            }
            else if (result == ReadinessWaiter.TIMEOUT)
            {
                timeouts++;
            }
            else
            {
                parks++;
                LockSupport.parkNanos(parkNanos);
            }
        }
    }

    @Override
    public void reset()
    {
        idleRounds = 0;
    }

    @Override
    public String alias()
    {
        return ALIAS;
    }

    public int timeoutMillis()
    {
        return timeoutMillis;
    }

    /** Rounds that went to the waiter. */
    public long sleeps()
    {
        return sleeps;
    }

    /** Sleeps that ended because a port became readable. */
    public long wakeups()
    {
        return wakeups;
    }

    /** Sleeps that ran to the timeout. */
    public long timeouts()
    {
        return timeouts;
    }

    /** Sleeps replaced by a park because the waiter could not block. */
    public long parks()
    {
        return parks;
    }

    @Override
    public String toString()
    {
        return "PollIdleStrategy{timeout " + timeoutMillis + " ms, spins " + spins + ", yields " + (spinsAndYields - spins) + ", park " + parkNanos + " ns}";
    }
}
