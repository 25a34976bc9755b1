package dev.nve.control.socket;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one thread that runs handler code, so the tables behind the handler have a single writer.
 * Client threads hand it requests and wait for the {@link Outcome}; results are converted to
 * JSON here too, because they may be live table state.
 */
final class ControlThread implements AutoCloseable
{
    static final String NAME = "nve-control";

    private static final long CLOSE_WAIT_SECONDS = 5;

    /** What became of one request. */
    sealed interface Outcome
    {
        record Result(JsonNode json) implements Outcome
        {
        }

        record Streaming(Subscription subscription) implements Outcome
        {
        }

        record Failure(ErrorCode code, String message) implements Outcome
        {
        }
    }

    private final ControlHandler handler;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(task -> Thread.ofPlatform().name(NAME).daemon().unstarted(task));

    ControlThread(final ControlHandler handler)
    {
        this.handler = handler;
    }

    /**
     * Runs the request on the control thread and waits for it.
     *
     * @throws InterruptedException the server is stopping; a subscription the handler still
     *     returns is closed
     * @throws IOException the control thread is stopped
     */
    Outcome call(final Request request) throws InterruptedException, IOException
    {
        final CompletableFuture<Outcome> future;
        try
        {
            future = CompletableFuture.supplyAsync(() -> run(request), executor);
        }
        catch (final RejectedExecutionException e)
        {
            throw new IOException("the control thread is stopped", e);
        }
        try
        {
            return future.get();
        }
        catch (final InterruptedException e)
        {
            future.thenAccept(outcome ->
            {
                if (outcome instanceof Outcome.Streaming streaming)
                {
                    closeQuietly(streaming.subscription());
                }
            });
            throw e;
        }
        catch (final ExecutionException e)
        {
            return failure(request, e.getCause());
        }
    }

    /** Queues {@code task} on the control thread; false when that thread is stopped. */
    boolean execute(final Runnable task)
    {
        try
        {
            executor.execute(task);
            return true;
        }
        catch (final RejectedExecutionException stopped)
        {
            return false;
        }
    }

    /** Closes the subscription on the control thread, waiting up to 5 s; on this thread if the control thread is stopped. */
    void close(final Subscription subscription)
    {
        final CompletableFuture<Void> done;
        try
        {
            done = CompletableFuture.runAsync(() -> closeQuietly(subscription), executor);
        }
        catch (final RejectedExecutionException stopped)
        {
            closeQuietly(subscription);
            return;
        }
        boolean interrupted = false;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
        while (true)
        {
            try
            {
                done.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                break;
            }
            catch (final InterruptedException e)
            {
                interrupted = true;
            }
            catch (final ExecutionException | TimeoutException e)
            {
                break;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    private Outcome run(final Request request)
    {
        try
        {
            final Object value = handler.handle(request);
            if (value instanceof Subscription subscription)
            {
                return new Outcome.Streaming(subscription);
            }
            final JsonNode json = value instanceof JsonNode node ? node : Protocol.MAPPER.valueToTree(value);
            return new Outcome.Result(json == null ? NullNode.getInstance() : json);
        }
        catch (final ControlException e)
        {
            return new Outcome.Failure(e.code(), e.getMessage());
        }
        catch (final RuntimeException | StackOverflowError e)
        {
            return failure(request, e);
        }
    }

    private static Outcome failure(final Request request, final Throwable e)
    {
        System.err.println("nve control: op \"" + request.op() + "\" failed: " + e);
        return new Outcome.Failure(ErrorCode.INTERNAL, e.getMessage() != null ? e.getMessage() : e.getClass().getName());
    }

    private static void closeQuietly(final Subscription subscription)
    {
        try
        {
            subscription.close();
        }
        catch (final RuntimeException e)
        {
            System.err.println("nve control: closing a subscription failed: " + e);
        }
    }

    /** Lets queued work finish (up to 5 s), then interrupts the thread. */
    @Override
    public void close()
    {
        executor.shutdown();
        try
        {
            if (!executor.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS))
            {
                executor.shutdownNow();
            }
        }
        catch (final InterruptedException e)
        {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
