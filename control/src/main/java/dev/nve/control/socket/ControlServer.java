package dev.nve.control.socket;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The control socket of docs/CONTROL.md: a Unix domain socket served by one acceptor thread and
 * one virtual thread per client, with every handler call on the one control thread. A watchdog
 * thread enforces the idle and write timeouts (see {@link ClientSession}).
 */
public final class ControlServer implements AutoCloseable
{
    private static final long JOIN_MILLIS = 5_000;

    /**
     * Counters since start.
     *
     * @param clients  connections admitted and still open
     * @param requests request lines answered (ok or not)
     * @param errors   error lines sent, by code (every code present)
     */
    public record Stats(int clients, long requests, Map<ErrorCode, Long> errors)
    {
        public long errors(final ErrorCode code)
        {
            return errors.get(code);
        }
    }

    private final ControlServerOptions options;
    private final PeerPolicy policy;
    private final ControlThread control;
    private final ServerSocketChannel serverChannel;
    private final Object fileKey;
    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger clients = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLongArray errors = new AtomicLongArray(ErrorCode.values().length);
    private final AtomicLong connections = new AtomicLong();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
        task -> Thread.ofPlatform().name("nve-control-watchdog").daemon().unstarted(task));
    private Thread acceptor;

    private ControlServer(final ControlServerOptions options, final PeerPolicy policy, final ControlHandler handler, final ServerSocketChannel serverChannel,
                          final Object fileKey)
    {
        this.options = options;
        this.policy = policy;
        this.control = new ControlThread(handler);
        this.serverChannel = serverChannel;
        this.fileKey = fileKey;
    }

    /**
     * Binds the socket and starts serving.
     *
     * @throws IOException naming the path: another nve serves it, it is not a socket, the group
     *     does not exist, or the directory is not writable
     */
    public static ControlServer start(final ControlServerOptions options, final ControlHandler handler) throws IOException
    {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(handler, "handler");
        final Path path = options.socketPath();
        final GroupPrincipal group = options.allowedGroup() != null ? SocketFiles.group(path, options.allowedGroup()) : null;
        SocketFiles.prepare(path);
        final ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        final Object fileKey;
        final String serverUser;
        boolean bound = false;
        try
        {
            channel.bind(UnixDomainSocketAddress.of(path), options.maxClients());
            bound = true;
            fileKey = SocketFiles.restrict(path, group);
            serverUser = Files.getOwner(path, LinkOption.NOFOLLOW_LINKS).getName();
        }
        catch (final IOException e)
        {
            channel.close();
            if (bound)
            {
                SocketFiles.delete(path, null);
            }
            throw new IOException("cannot serve the control socket " + path + ": " + e.getMessage(), e);
        }
        final ControlServer server = new ControlServer(options, new PeerPolicy(serverUser, options.allowedGroup()), handler, channel, fileKey);
        server.acceptor = Thread.ofPlatform().name("nve-control-accept").daemon().start(server::acceptLoop);
        final long tick = Math.clamp(Math.min(options.idleTimeout().toMillis(), options.writeTimeout().toMillis()) / 4, 5, 100);
        server.watchdog.scheduleWithFixedDelay(server::sweep, tick, tick, TimeUnit.MILLISECONDS);
        return server;
    }

    public Path socketPath()
    {
        return options.socketPath();
    }

    public Stats stats()
    {
        final Map<ErrorCode, Long> byCode = new EnumMap<>(ErrorCode.class);
        for (final ErrorCode code : ErrorCode.values())
        {
            byCode.put(code, errors.get(code.ordinal()));
        }
        return new Stats(clients.get(), requests.get(), Collections.unmodifiableMap(byCode));
    }

    /**
     * Queues {@code task} on the control thread, after the requests already queued: for work
     * that did not come from a client (the BGP speaker's table changes), which must still go
     * through the tables' single writer. False when the server is closed.
     */
    public boolean execute(final Runnable task)
    {
        return control.execute(task);
    }

    private void acceptLoop()
    {
        while (!closed.get())
        {
            final SocketChannel channel;
            try
            {
                channel = serverChannel.accept();
            }
            catch (final ClosedChannelException stopping)
            {
                return;
            }
            catch (final IOException e)
            {
                System.err.println("nve control: accept on " + options.socketPath() + " failed: " + e.getMessage());
                pause();
                continue;
            }
            final ClientSession session = new ClientSession(this, channel);
            sessions.add(session);
            session.start("nve-control-client-" + connections.incrementAndGet());
        }
    }

    /** After a failed accept (out of file descriptors, say): no busy loop. */
    private static void pause()
    {
        try
        {
            Thread.sleep(100);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void sweep()
    {
        final long now = System.nanoTime();
        final long idle = options.idleTimeout().toNanos();
        final long write = options.writeTimeout().toNanos();
        for (final ClientSession session : sessions)
        {
            session.check(now, idle, write);
        }
    }

    /** Stops accepting, disconnects every client, lets the control thread finish, deletes the socket file. */
    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        try
        {
            serverChannel.close();
        }
        catch (final IOException ignored)
        {
            // not accepting any more is all that was wanted
        }
        boolean interrupted = false;
        try
        {
            acceptor.join(JOIN_MILLIS);
            watchdog.shutdownNow();
            sessions.forEach(ClientSession::shutdown);
            for (final ClientSession session : sessions)
            {
                session.join(JOIN_MILLIS);
            }
        }
        catch (final InterruptedException e)
        {
            interrupted = true;
        }
        control.close();
        SocketFiles.delete(options.socketPath(), fileKey);
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    ControlServerOptions options()
    {
        return options;
    }

    PeerPolicy policy()
    {
        return policy;
    }

    ControlThread control()
    {
        return control;
    }

    /** Takes a client slot; false when all {@code maxClients} are taken. */
    boolean admit()
    {
        if (clients.incrementAndGet() > options.maxClients())
        {
            clients.decrementAndGet();
            return false;
        }
        return true;
    }

    void release()
    {
        clients.decrementAndGet();
    }

    void ended(final ClientSession session)
    {
        sessions.remove(session);
    }

    void countRequest()
    {
        requests.incrementAndGet();
    }

    void countError(final ErrorCode code)
    {
        errors.incrementAndGet(code.ordinal());
    }
}
