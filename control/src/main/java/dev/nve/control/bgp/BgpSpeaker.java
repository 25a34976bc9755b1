package dev.nve.control.bgp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.config.BgpConfig;
import dev.nve.control.ops.TableOps;
import dev.nve.control.socket.ControlHandler;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The BGP EVPN speaker of {@code nve run}: one platform thread with a {@link Selector} owns every
 * peer's non-blocking TCP connection and {@link BgpSession} (ticked every 100 ms), so the FSMs,
 * the {@link EvpnLearner} and the sockets need no locks. nve only connects out.
 * <p>
 * The tables have one writer, the control thread: each UPDATE's operations (and a lost peer's
 * withdrawals) are queued there as one {@code batch} through the same {@link ControlHandler} the
 * control socket uses, in order; the speaker never waits for them. MACs of local endpoints are
 * filtered out first, against the endpoints as the control thread sees them then
 * ({@link EvpnLocalState#withoutLocalMacs}). If a batch is refused anyway (an operator deleted a
 * learned entry by hand, say) its operations are tried one by one, so one stale entry does not
 * block the rest; each refusal is logged.
 * <p>
 * Local changes: after every control request that touched networks or endpoints the control
 * thread reads them again and hands the new {@link EvpnLocalState} over (the latest replaces one
 * not yet taken); the speaker's thread turns it into advertisements and withdrawals for every
 * Established peer ({@link EvpnLocalRoutes}, which also applies MAC mobility).
 */
public final class BgpSpeaker implements AutoCloseable, BgpPeerConnection.Events
{
    private static final long TICK_MILLIS = 100;
    private static final long RETRY_MAX_MILLIS = 30_000;
    private static final long START_WAIT_SECONDS = 10;

    /** One session for {@code nve ctl bgp}: a value the speaker thread publishes every tick. */
    public record PeerStatus(String peer, long as, String state, long uptimeSeconds, long received, long sent, long updatesReceived,
        long updatesSent, int routes, int advertised, long established, String lastError)
    {
    }

    private final EvpnLearner learner;
    private final EvpnLocalRoutes adverts;
    /** The latest local state from the control thread, not yet taken by the speaker's thread. */
    private final AtomicReference<EvpnLocalState> pendingLocal = new AtomicReference<>();
    /** Reads other threads ask the speaker's thread to do ({@link #routes}). */
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** The local state as the control thread last read it; read and written on the control thread only. */
    private EvpnLocalState controlLocal = new EvpnLocalState(Set.of(), List.of());
    private final ControlHandler ops;
    private final Executor control;
    /** How long the routes of a lost session are kept: the configured hold time. */
    private final long staleMillis;
    /** The speaker's clock (ms since its thread started), as of the latest loop. */
    private long nowMillis;
    private final Selector selector;
    private final List<BgpPeerConnection> peers = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile List<PeerStatus> status = List.of();

    private BgpSpeaker(final BgpConfig config, final EvpnLocal local, final ControlHandler ops, final Executor control) throws IOException
    {
        this.learner = new EvpnLearner(local, this::isLocalVni);
        this.adverts = new EvpnLocalRoutes(local, learner, line -> System.out.println("nve bgp: " + line));
        this.ops = ops;
        this.control = control;
        this.staleMillis = config.holdTime() * 1000L;
        this.selector = Selector.open();
        final long id = Integer.toUnsignedLong(ByteBuffer.wrap(config.routerId().getAddress()).getInt());
        for (final BgpConfig.Peer p : config.peers())
        {
            final BgpSessionConfig session = new BgpSessionConfig(config.as(), p.as(), id, config.holdTime(),
                BgpSessionConfig.DEFAULT_CONNECT_RETRY_INITIAL, RETRY_MAX_MILLIS);
            peers.add(new BgpPeerConnection(new InetSocketAddress(p.address(), p.port()), p.as(), session, selector, this));
        }
        this.thread = Thread.ofPlatform().name("nve-bgp").daemon().unstarted(this::loop);
    }

    /**
     * Reads the local VNIs and endpoints on the control thread and follows their changes from
     * then on, then starts the sessions.
     *
     * @param vtep    our VXLAN tunnel endpoint, the next hop of our routes
     * @param ops     the control socket's operations, called on the control thread only
     * @param control runs a task on the control thread
     */
    public static BgpSpeaker start(final BgpConfig config, final InetAddress vtep, final TableOps ops, final Executor control) throws IOException
    {
        final BgpSpeaker speaker = new BgpSpeaker(config, new EvpnLocal(config.as(), config.routerId(), vtep, config.routeTargets()), ops, control);
        try
        {
            CompletableFuture.runAsync(() ->
            {
                speaker.localChanged();
                ops.onLocalChange(speaker::localChanged);
            }, control).get(START_WAIT_SECONDS, TimeUnit.SECONDS);
        }
        catch (final ExecutionException | TimeoutException | RejectedExecutionException e)
        {
            speaker.selector.close();
            throw new IOException("bgp: cannot read the local endpoints: " + e, e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            speaker.selector.close();
            throw new IOException("bgp: interrupted while reading the local endpoints", e);
        }
        speaker.thread.start();
        return speaker;
    }

    private boolean isLocalVni(final int vni)
    {
        return adverts.isLocalVni(vni);
    }

    /** On the control thread: reads the networks and endpoints again and hands them to the speaker's thread. */
    private void localChanged()
    {
        controlLocal = EvpnLocalState.fromDumps(BgpControl.dump(ops, "networks"), BgpControl.dump(ops, "endpoints"));
        pendingLocal.set(controlLocal);
        selector.wakeup();
    }

    /** The sessions as of the latest tick, for {@code nve ctl bgp}; any thread. */
    public List<PeerStatus> status()
    {
        return status;
    }

    /**
     * Every EVPN route: ours, then those received from each peer with what became of them; read
     * on the speaker's thread, which owns them. Any thread; waits up to 2 s.
     */
    public List<EvpnRouteView> routes() throws IOException
    {
        final CompletableFuture<List<EvpnRouteView>> result = new CompletableFuture<>();
        tasks.add(() ->
        {
            final List<EvpnRouteView> all = new ArrayList<>(adverts.describe());
            all.addAll(learner.describe());
            result.complete(all);
        });
        selector.wakeup();
        try
        {
            return result.get(2, TimeUnit.SECONDS);
        }
        catch (final ExecutionException | TimeoutException e)
        {
            throw new IOException("the BGP speaker did not answer: " + e, e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Cease to every Established peer, closes the connections and waits for the thread (up to 5 s). */
    @Override
    public void close()
    {
        running = false;
        selector.wakeup();
        try
        {
            thread.join(5_000);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void loop()
    {
        final long start = System.nanoTime();
        takeLocalChanges();
        peers.forEach(p -> p.session.tick(0));
        peers.forEach(p -> p.session.start());
        try
        {
            while (running)
            {
                takeLocalChanges();
                for (Runnable task = tasks.poll(); task != null; task = tasks.poll())
                {
                    task.run();
                }
                selector.select(TICK_MILLIS);
                for (final SelectionKey key : selector.selectedKeys())
                {
                    final BgpPeerConnection peer = (BgpPeerConnection)key.attachment();
                    peer.ready(key);
                    peer.afterEvents();
                }
                selector.selectedKeys().clear();
                nowMillis = (System.nanoTime() - start) / 1_000_000;
                for (final BgpPeerConnection peer : peers)
                {
                    peer.session.tick(nowMillis);
                    peer.afterEvents();
                    expireStale(peer);
                }
                status = peers.stream().map(this::status).toList();
            }
        }
        catch (final IOException | RuntimeException e)
        {
            System.err.println("nve bgp: the speaker stopped: " + e);
        }
        finally
        {
            peers.forEach(p -> p.session.stop());
            try
            {
                selector.close();
            }
            catch (final IOException ignored)
            {
                // the channels are closed already
            }
        }
    }

    @Override
    public void established(final BgpPeerConnection peer)
    {
        peer.establishedAtMillis = System.currentTimeMillis();
        final List<BgpMessage.Update> all = adverts.all();
        System.out.println("nve bgp: " + peer.name + " Established; advertising " + all.size() + " UPDATE(s): " + adverts.advertisedEndpoints()
            + " endpoint(s), " + adverts.withheldEndpoints() + " withheld (moved away)");
        all.forEach(peer.session::advertise);
    }

    @Override
    public void update(final BgpPeerConnection peer, final BgpMessage.Update update)
    {
        apply(peer.name, learner.learn(peer.name, update));
        final Set<Long> macs = new HashSet<>();
        if (update.attribute(PathAttribute.MP_UNREACH_NLRI) instanceof MpUnreach unreach)
        {
            unreach.routes().forEach(r -> macOf(r, macs));
        }
        if (update.attribute(PathAttribute.MP_REACH_NLRI) instanceof MpReach reach)
        {
            reach.routes().forEach(r -> macOf(r, macs));
        }
        if (!macs.isEmpty())
        {
            send(adverts.remoteChanged(macs));
        }
    }

    /**
     * A session left Established. A peer that went silent for the hold time, or our own stop,
     * takes its routes with it at once; any other loss (a reset connection, a NOTIFICATION: a
     * restarting route reflector, say) keeps them installed, stale, for the hold time, so that
     * the peer can come back and send them again without a gap in forwarding (RFC 4724's idea,
     * without its capability: what is not sent again by then is withdrawn).
     */
    @Override
    public void down(final BgpPeerConnection peer, final String reason)
    {
        final int routes = learner.routes(peer.name);
        if (staleMillis == 0 || reason.equals(BgpSession.REASON_HOLD_TIMER_EXPIRED) || reason.equals(BgpSession.REASON_ADMINISTRATIVE_SHUTDOWN))
        {
            System.out.println("nve bgp: " + peer.name + " left Established (" + reason + "); withdrawing its " + routes + " route(s)");
            peer.staleUntilMillis = -1;
            apply(peer.name, learner.peerDown(peer.name));
            send(adverts.remoteChanged(null));
            return;
        }
        System.out.println("nve bgp: " + peer.name + " left Established (" + reason + "); keeping its " + routes + " route(s) for "
            + staleMillis / 1000 + " s in case it comes back with them");
        learner.peerLost(peer.name);
        peer.staleUntilMillis = nowMillis + staleMillis;
    }

    /** Withdraws a lost session's stale routes once their time is up. */
    private void expireStale(final BgpPeerConnection peer)
    {
        if (peer.staleUntilMillis >= 0 && nowMillis >= peer.staleUntilMillis)
        {
            peer.staleUntilMillis = -1;
            System.out.println("nve bgp: " + peer.name + ": withdrawing the " + learner.staleRoutes(peer.name) + " stale route(s) it did not send again");
            apply(peer.name, learner.expireStale(peer.name));
            send(adverts.remoteChanged(null));
        }
    }

    /** Takes the latest local state from the control thread, if there is a new one, and advertises what changed. */
    private void takeLocalChanges()
    {
        final EvpnLocalState next = pendingLocal.getAndSet(null);
        if (next != null)
        {
            final EvpnLocalRoutes.Changes changes = adverts.apply(next);
            send(changes.updates());
            apply("local changes", changes.ops());
        }
    }

    private void send(final List<BgpMessage.Update> updates)
    {
        for (final BgpPeerConnection peer : peers)
        {
            updates.forEach(peer.session::advertise); // false (not sent) unless Established; the rest get all() when they are
        }
    }

    private static void macOf(final EvpnRoute route, final Set<Long> macs)
    {
        if (route instanceof EvpnRoute.MacIp m)
        {
            macs.add(m.mac());
        }
    }

    private void apply(final String peer, final List<ObjectNode> learned)
    {
        if (learned.isEmpty())
        {
            return;
        }
        try
        {
            control.execute(() ->
            {
                final List<ObjectNode> items = controlLocal.withoutLocalMacs(learned);
                if (!items.isEmpty())
                {
                    BgpControl.apply(ops, peer, items);
                }
            });
        }
        catch (final RejectedExecutionException stopping)
        {
            // nve is stopping: the tables go with it
        }
    }

    private PeerStatus status(final BgpPeerConnection p)
    {
        final BgpSessionSnapshot s = p.session.snapshot();
        final boolean up = s.state() == BgpSession.State.ESTABLISHED;
        final long received = s.received().open() + s.received().update() + s.received().notification() + s.received().keepalive();
        final long sent = s.sent().open() + s.sent().update() + s.sent().notification() + s.sent().keepalive();
        return new PeerStatus(p.name, p.as, s.state().name(), up ? (System.currentTimeMillis() - p.establishedAtMillis) / 1000 : 0, received, sent,
            s.received().update(), s.sent().update(), learner.routes(p.name), up ? adverts.routeCount() : 0, s.establishedCount(), s.lastError());
    }
}
