package dev.nve.xdp;

import dev.nve.xdp.ffi.LibC;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One thread living in a network namespace, to which a test hands work: ports opened there
 * are then driven from that same thread (a port is single-threaded).
 */
final class NamespaceThread implements AutoCloseable
{
    private final String name;
    private final int nsFd;
    private final AtomicReference<Throwable> setnsFailure = new AtomicReference<>();
    private final ExecutorService executor;

    NamespaceThread(final String namespace)
    {
        this.name = namespace;
        this.nsFd = LibC.open(NetNamespaces.namedPath(namespace).toString(), LibC.O_RDONLY | LibC.O_CLOEXEC, "test namespace");
        this.executor = Executors.newSingleThreadExecutor(r -> NetNamespaces.newThreadIn(nsFd, namespace, r, setnsFailure));
    }

    /** Runs {@code task} on the namespace's thread (bounded to 60 s) and returns its result. */
    <T> T call(final Callable<T> task) throws Exception
    {
        try
        {
            return executor.submit(task).get(60, TimeUnit.SECONDS);
        }
        catch (final ExecutionException e)
        {
            if (e.getCause() instanceof Exception cause)
            {
                throw cause;
            }
            throw e;
        }
        catch (final TimeoutException e)
        {
            if (setnsFailure.get() != null)
            {
                throw new IllegalStateException("thread could not enter " + name, setnsFailure.get());
            }
            throw e;
        }
    }

    /** Starts {@code task} on the namespace's thread without waiting. */
    <T> java.util.concurrent.Future<T> submit(final Callable<T> task)
    {
        return executor.submit(task);
    }

    void run(final ThrowingRunnable task) throws Exception
    {
        call(() ->
        {
            task.run();
            return null;
        });
    }

    interface ThrowingRunnable
    {
        void run() throws Exception;
    }

    @Override
    public void close()
    {
        executor.shutdownNow();
        try
        {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        LibC.close(nsFd);
    }
}
