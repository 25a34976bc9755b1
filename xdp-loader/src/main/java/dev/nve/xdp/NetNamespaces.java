package dev.nve.xdp;

import dev.nve.xdp.ffi.LibC;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Network namespaces are per thread: {@code setns(2)} moves only the calling thread, and every
 * socket (AF_XDP, netlink for XDP attach, the ioctl behind {@code if_nametoindex}) lives in the
 * namespace of the thread that created it. A socket keeps its namespace when other threads use
 * it, so a port can be opened on a thread inside a namespace and then driven from any thread.
 *
 * <p>This runs work on a fresh platform thread that first enters a namespace and then dies
 * with it, so no pooled thread is ever left in a foreign namespace. bpffs is not needed
 * (nve pins nothing), so the JVM stays in its own mount namespace (RESULTS.md pitfall 5).
 */
public final class NetNamespaces
{
    private static final Path THREAD_SELF_NET = Path.of("/proc/thread-self/ns/net");

    private NetNamespaces()
    {
    }

    /** The calling thread's network namespace, e.g. {@code net:[4026531840]}. */
    public static String currentId()
    {
        try
        {
            return Files.readSymbolicLink(THREAD_SELF_NET).toString();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens the calling thread's network namespace (an fd for {@link #callIn(int, String, Callable)}). */
    public static int openCurrent()
    {
        return LibC.open(THREAD_SELF_NET.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC, "current network namespace");
    }

    /** Path of a namespace created with {@code ip netns add NAME}. */
    public static Path namedPath(final String name)
    {
        return Path.of("/var/run/netns", name);
    }

    /** Runs {@code task} on a new thread inside the namespace {@code ip netns add} named {@code name}. */
    public static <T> T callIn(final String name, final Callable<T> task)
    {
        final int fd = LibC.open(namedPath(name).toString(), LibC.O_RDONLY | LibC.O_CLOEXEC, "network namespace " + name);
        try
        {
            return callIn(fd, name, task);
        }
        finally
        {
            LibC.close(fd);
        }
    }

    /**
     * Runs {@code task} on a new platform thread that first enters the network namespace
     * {@code nsFd}; waits for it and rethrows what it threw.
     */
    public static <T> T callIn(final int nsFd, final String name, final Callable<T> task)
    {
        final AtomicReference<T> result = new AtomicReference<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread = newThreadIn(nsFd, name, () ->
        {
            try
            {
                result.set(task.call());
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        }, failure);
        thread.start();
        boolean interrupted = false;
        while (true)
        {
            try
            {
                thread.join();
                break;
            }
            catch (final InterruptedException e)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
        final Throwable t = failure.get();
        if (t instanceof RuntimeException e)
        {
            throw e;
        }
        if (t instanceof Error e)
        {
            throw e;
        }
        if (t != null)
        {
            throw new IllegalStateException("task in network namespace " + name + " failed", t);
        }
        return result.get();
    }

    /**
     * A started-later platform thread that enters namespace {@code nsFd} before it runs
     * {@code body}; a failed setns lands in {@code failure} and {@code body} does not run.
     */
    public static Thread newThreadIn(final int nsFd, final String name, final Runnable body, final AtomicReference<Throwable> failure)
    {
        return Thread.ofPlatform().name("netns-" + name).daemon(true).unstarted(() ->
        {
            try
            {
                LibC.setns(nsFd, LibC.CLONE_NEWNET, "network namespace " + name);
            }
            catch (final Throwable t)
            {
                failure.set(t);
                return;
            }
            body.run();
        });
    }
}
