package dev.nve.dataplane.disruptor;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * A Disruptor {@link WaitStrategy} for the single handler thread of a {@link DisruptorPipeline}:
 * while no event is available it runs the handler's {@link IdleWork} (complete pending sends,
 * return surplus frames) and then waits with an Agrona {@link IdleStrategy} (busy spin for a
 * dedicated core, backoff or sleep for a shared machine). The producer never blocks on it, so
 * {@link #signalAllWhenBlocking()} has nothing to wake.
 *
 * <p>Must serve exactly one consumer: the idle work and the idle strategy are that thread's.
 */
public final class IdleStrategyWaitStrategy implements WaitStrategy
{
    private final IdleStrategy idleStrategy;
    private IdleWork idleWork;

    public IdleStrategyWaitStrategy(final IdleStrategy idleStrategy)
    {
        this.idleStrategy = idleStrategy;
    }

    /** Set once, before the handler thread starts. */
    void idleWork(final IdleWork work)
    {
        this.idleWork = work;
    }

    @Override
    public long waitFor(final long sequence, final Sequence cursor, final Sequence dependentSequence, final SequenceBarrier barrier)
        throws AlertException
    {
        long available = dependentSequence.get();
        if (available >= sequence)
        {
            return available;
        }
        final IdleWork work = idleWork;
        while ((available = dependentSequence.get()) < sequence)
        {
            barrier.checkAlert();
            idleStrategy.idle(work != null ? work.doIdleWork() : 0);
        }
        idleStrategy.reset();
        return available;
    }

    @Override
    public void signalAllWhenBlocking()
    {
    }
}
