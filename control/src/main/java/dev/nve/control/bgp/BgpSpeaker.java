package dev.nve.control.bgp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.config.BgpConfig;
import dev.nve.control.socket.ControlHandler;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The BGP EVPN speaker of {@code nve run}: one platform thread with a {@link Selector} owns every
 * peer's non-blocking TCP connection and {@link BgpSession} (ticked every 100 ms), so the FSMs,
 * the {@link EvpnLearner} and the sockets need no locks. nve only connects out.
 * <p>
 * The tables have one writer, the control thread: each UPDATE's operations (and a lost peer's
 * withdrawals) are queued there as one {@code batch} through the same {@link ControlHandler} the
 * control socket uses, in order; the speaker never waits for them. MACs of local endpoints are
 * filtered out first ({@link EvpnLocalState#withoutLocalMacs}). If a batch is refused anyway (an
 * operator deleted a learned entry by hand, say) its operations are tried one by one, so one stale
 * entry does not block the rest; the refusals are counted and logged.
 */
public final class BgpSpeaker implements AutoCloseable, BgpPeerConnection.Events
{
    private static final long TICK_MILLIS = 100;
    private static final long RETRY_MAX_MILLIS = 30_000;
    private static final long START_WAIT_SECONDS = 10;

    /** One session for {@code nve ctl bgp}: a value the speaker thread publishes every tick. */
    public record PeerStatus(String peer, long as, String state, long uptimeSeconds, long received, long sent, long updatesReceived,
        long updatesSent, int routes, long established, String lastError)
    {
    }

    private final EvpnLocal local;
    private final EvpnLocalState localState;
    private final EvpnLearner learner;
    private final ControlHandler ops;
    private final Executor control;
    private final Selector selector;
    private final List<BgpPeerConnection> peers = new ArrayList<>();
    private final AtomicLong opsRefused = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile List<PeerStatus> status = List.of();

    private BgpSpeaker(final BgpConfig config, final EvpnLocal local, final EvpnLocalState localState, final ControlHandler ops, final Executor control)
        throws IOException
    {
        this.local = local;
        this.localState = localState;
        this.learner = new EvpnLearner(local, localState.vnis()::contains);
        this.ops = ops;
        this.control = control;
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
     * Reads the local VNIs and endpoints on the control thread, then starts the sessions.
     *
     * @param vtep    our VXLAN tunnel endpoint, the next hop of our routes
     * @param ops     the control socket's operations, called on the control thread only
     * @param control runs a task on the control thread
     */
    public static BgpSpeaker start(final BgpConfig config, final InetAddress vtep, final ControlHandler ops, final Executor control) throws IOException
    {
        final EvpnLocalState state;
        try
        {
            state = CompletableFuture.supplyAsync(() -> EvpnLocalState.fromDumps(BgpControl.dump(ops, "networks"), BgpControl.dump(ops, "endpoints")), control)
                .get(START_WAIT_SECONDS, TimeUnit.SECONDS);
        }
        catch (final ExecutionException | TimeoutException | RejectedExecutionException e)
        {
            throw new IOException("bgp: cannot read the local endpoints: " + e, e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IOException("bgp: interrupted while reading the local endpoints", e);
        }
        final BgpSpeaker speaker = new BgpSpeaker(config, new EvpnLocal(config.as(), config.routerId(), vtep), state, ops, control);
        speaker.thread.start();
        return speaker;
    }

    /** The sessions as of the latest tick, for {@code nve ctl bgp}; any thread. */
    public List<PeerStatus> status()
    {
        return status;
    }

    /** Operations the control socket refused (see the class comment); any thread. */
    public long opsRefused()
    {
        return opsRefused.get();
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
        peers.forEach(p -> p.session.tick(0));
        peers.forEach(p -> p.session.start());
        try
        {
            while (running)
            {
                selector.select(TICK_MILLIS);
                for (final SelectionKey key : selector.selectedKeys())
                {
                    final BgpPeerConnection peer = (BgpPeerConnection)key.attachment();
                    peer.ready(key);
                    peer.afterEvents();
                }
                selector.selectedKeys().clear();
                final long now = (System.nanoTime() - start) / 1_000_000;
                for (final BgpPeerConnection peer : peers)
                {
                    peer.session.tick(now);
                    peer.afterEvents();
                }
                status = peers.stream().map(BgpSpeaker::status).toList();
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
        System.out.println("nve bgp: " + peer.name + " Established; advertising " + localState.vnis().size() + " VNI(s), "
            + localState.endpoints().size() + " endpoint(s)");
        localState.advertisements(local).forEach(peer.session::advertise);
    }

    @Override
    public void update(final BgpPeerConnection peer, final BgpMessage.Update update)
    {
        if (update.attribute(PathAttribute.MP_UNREACH_NLRI) instanceof MpUnreach unreach && MpUnreach.isEvpn(unreach.afi(), unreach.safi()))
        {
            unreach.routes().forEach(peer.routes::remove);
        }
        if (update.attribute(PathAttribute.MP_REACH_NLRI) instanceof MpReach reach && MpUnreach.isEvpn(reach.afi(), reach.safi()))
        {
            peer.routes.addAll(reach.routes());
        }
        apply(peer.name, learner.learn(peer.name, update));
    }

    @Override
    public void down(final BgpPeerConnection peer, final String reason)
    {
        System.out.println("nve bgp: " + peer.name + " left Established (" + reason + "); withdrawing its " + peer.routes.size() + " route(s)");
        peer.routes.clear();
        apply(peer.name, learner.peerDown(peer.name));
    }

    private void apply(final String peer, final List<ObjectNode> learned)
    {
        final List<ObjectNode> items = localState.withoutLocalMacs(learned);
        if (items.isEmpty())
        {
            return;
        }
        try
        {
            control.execute(() -> BgpControl.apply(ops, peer, items, opsRefused));
        }
        catch (final RejectedExecutionException stopping)
        {
            // nve is stopping: the tables go with it
        }
    }

    private static PeerStatus status(final BgpPeerConnection p)
    {
        final BgpSessionSnapshot s = p.session.snapshot();
        final boolean up = s.state() == BgpSession.State.ESTABLISHED;
        final long received = s.received().open() + s.received().update() + s.received().notification() + s.received().keepalive();
        final long sent = s.sent().open() + s.sent().update() + s.sent().notification() + s.sent().keepalive();
        return new PeerStatus(p.name, p.as, s.state().name(), up ? (System.currentTimeMillis() - p.establishedAtMillis) / 1000 : 0, received, sent,
            s.received().update(), s.sent().update(), p.routes.size(), s.establishedCount(), s.lastError());
    }
}
