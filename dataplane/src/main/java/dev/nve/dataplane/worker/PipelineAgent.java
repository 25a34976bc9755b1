package dev.nve.dataplane.worker;

import dev.nve.dataplane.pipeline.Pipeline;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The duty cycle of one worker: {@link #doWork()} runs {@link Pipeline#poll()} once (one
 * received batch through every stage, run to completion, or the idle flush of the ports) and
 * returns the number of frames it handled, so the worker's idle strategy backs off only when
 * every port was idle.
 *
 * <p>Commands: other threads hand work to the worker thread through a bounded queue
 * ({@link #offer}, {@link #call}); the worker runs them between two polls, so a command sees
 * the ports, rings and pool in a quiet state (e.g. a frame-accounting check, which must run on
 * the thread that owns the rings). Draining an empty queue costs two volatile reads; nothing
 * on the packet path allocates. Commands still queued when the agent closes run in
 * {@link #onClose()}, on the worker thread, after its last poll.
 */
public final class PipelineAgent implements Agent
{
    /** Commands a worker runs per duty cycle at most (the rest wait for the next cycle). */
    public static final int MAX_COMMANDS_PER_CYCLE = 16;
    public static final int COMMAND_QUEUE_CAPACITY = 256;

    private static final Consumer<Runnable> RUN = Runnable::run;

    private final String roleName;
    private final Pipeline pipeline;
    private final ManyToOneConcurrentArrayQueue<Runnable> commands = new ManyToOneConcurrentArrayQueue<>(COMMAND_QUEUE_CAPACITY);

    public PipelineAgent(final String roleName, final Pipeline pipeline)
    {
        this.roleName = Objects.requireNonNull(roleName, "roleName");
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
    }

    public Pipeline pipeline()
    {
        return pipeline;
    }

    @Override
    public int doWork()
    {
        int work = 0;
        if (!commands.isEmpty())
        {
            work = commands.drain(RUN, MAX_COMMANDS_PER_CYCLE);
        }
        return work + pipeline.poll();
    }

    @Override
    public void onClose()
    {
        commands.drain(RUN);
    }

    @Override
    public String roleName()
    {
        return roleName;
    }

    /**
     * Queues {@code command} to run on the worker thread between two polls.
     *
     * @return false when the queue is full.
     */
    public boolean offer(final Runnable command)
    {
        return commands.offer(Objects.requireNonNull(command, "command"));
    }

    /**
     * Runs {@code task} on the worker thread and completes the future with its result or its
     * exception (control path: allocates). Fails at once when the queue is full. If the
     * worker never runs again, the future never completes: wait with a timeout.
     */
    public <T> CompletableFuture<T> call(final Callable<T> task)
    {
        final CompletableFuture<T> result = new CompletableFuture<>();
        final boolean queued = offer(() ->
        {
            try
            {
                result.complete(task.call());
            }
            catch (final Throwable t)
            {
                result.completeExceptionally(t);
            }
        });
        if (!queued)
        {
            result.completeExceptionally(new IllegalStateException("command queue of " + roleName + " is full (" + COMMAND_QUEUE_CAPACITY + ")"));
        }
        return result;
    }
}
