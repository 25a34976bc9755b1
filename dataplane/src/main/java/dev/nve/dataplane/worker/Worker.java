package dev.nve.dataplane.worker;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;

import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one {@link Agent} on its own platform thread through an Agrona {@link AgentRunner}:
 * {@code doWork()} in a loop, the idle strategy between rounds that did nothing. An optional
 * {@code onThreadStart} runs first on the new thread, e.g. CPU pinning (which needs native
 * code, so the caller supplies it: this module has none). {@link #start()} returns once that
 * and the agent's {@code onStart()} ran, and rethrows what they threw.
 *
 * <p>Errors thrown by {@code doWork()} are bugs (packet outcomes are never exceptions): the
 * runner counts them, keeps the first, and keeps the loop going.
 * {@link #close()} stops the loop, waits for the thread (the agent's {@code onClose()} runs on
 * it) and is idempotent; after it returns, the thread's writes are visible to the caller, so the
 * caller may take over the agent's ports.
 */
public final class Worker implements AutoCloseable
{
    private static final long START_TIMEOUT_MILLIS = 30_000;
    private static final int CLOSE_RETRY_MILLIS = 2_000;

    private final Agent agent;
    private final IdleStrategy idleStrategy;
    private final Runnable onThreadStart;
    private final String threadName;
    private final CountDownLatch started = new CountDownLatch(1);
    private final AtomicReference<Throwable> startFailure = new AtomicReference<>();
    private final AtomicReference<Throwable> firstError = new AtomicReference<>();
    private final AtomicLong errors = new AtomicLong();
    private AgentRunner runner;
    private Thread thread;
    private boolean closed;

    /**
     * @param agent         the duty cycle
     * @param idleStrategy  between idle rounds (see {@link IdleStrategies})
     * @param onThreadStart runs on the worker thread before the agent starts (CPU pinning), or null
     */
    public Worker(final Agent agent, final IdleStrategy idleStrategy, final Runnable onThreadStart)
    {
        this.agent = Objects.requireNonNull(agent, "agent");
        this.idleStrategy = Objects.requireNonNull(idleStrategy, "idleStrategy");
        this.onThreadStart = onThreadStart;
        this.threadName = "nve-worker-" + agent.roleName();
    }

    public Worker(final Agent agent, final IdleStrategy idleStrategy)
    {
        this(agent, idleStrategy, null);
    }

    /**
     * Starts the thread and waits until {@code onThreadStart} and the agent's {@code onStart}
     * ran.
     *
     * @throws IllegalStateException when started twice or after close, or when the start
     *                               failed (the cause is what was thrown; the worker is then closed).
     */
    public synchronized void start()
    {
        if (runner != null || closed)
        {
            throw new IllegalStateException("worker " + threadName + (closed ? " is closed" : " already started"));
        }
        final ErrorHandler errorHandler = this::onError;
        runner = new AgentRunner(idleStrategy, errorHandler, null, new StartingAgent());
        thread = AgentRunner.startOnThread(runner, r -> Thread.ofPlatform().name(threadName).daemon(true).unstarted(r));
        boolean ok;
        try
        {
            ok = started.await(START_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while starting " + threadName, e);
        }
        final Throwable failure = startFailure.get();
        if (failure != null || !ok)
        {
            close();
            throw new IllegalStateException(failure != null ? threadName + " failed to start: " + failure.getMessage()
                : threadName + " did not start in " + START_TIMEOUT_MILLIS + " ms", failure);
        }
    }

    private void onError(final Throwable t)
    {
        if (t == startFailure.get())
        {
            return; // reported by start(), not a duty-cycle error
        }
        errors.incrementAndGet();
        firstError.compareAndSet(null, t);
    }

    /** True while the loop runs (started, not closed, not stopped by a start failure). */
    public boolean isRunning()
    {
        final AgentRunner r = runner;
        final Thread t = thread;
        return r != null && !closed && !r.isClosed() && t != null && t.isAlive();
    }

    /** Exceptions thrown by the agent's duty cycle so far. */
    public long errors()
    {
        return errors.get();
    }

    /** The first exception the agent threw, or null. */
    public Throwable firstError()
    {
        return firstError.get();
    }

    public Agent agent()
    {
        return agent;
    }

    public IdleStrategy idleStrategy()
    {
        return idleStrategy;
    }

    /** The worker thread, or null before {@link #start()}. */
    public Thread thread()
    {
        return thread;
    }

    /** Stops the loop and waits for the thread to end (its {@code onClose} included). */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (runner != null)
        {
            runner.close(CLOSE_RETRY_MILLIS, t -> { });
        }
    }

    @Override
    public String toString()
    {
        return "Worker[" + threadName + ", " + idleStrategy + (isRunning() ? ", running" : "") + "]";
    }

    /** Runs the thread-start hook, then the agent's own start; reports the outcome to start(). */
    private final class StartingAgent implements Agent
    {
        @Override
        public void onStart()
        {
            try
            {
                if (onThreadStart != null)
                {
                    onThreadStart.run();
                }
                agent.onStart();
            }
            catch (final Throwable t)
            {
                startFailure.set(t);
                throw t;
            }
            finally
            {
                started.countDown();
            }
        }

        @Override
        public int doWork() throws Exception
        {
            return agent.doWork();
        }

        @Override
        public void onClose()
        {
            agent.onClose();
        }

        @Override
        public String roleName()
        {
            // AgentRunner names the thread after this
            return threadName;
        }
    }
}
