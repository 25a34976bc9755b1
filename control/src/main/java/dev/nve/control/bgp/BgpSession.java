package dev.nve.control.bgp;

import java.nio.ByteBuffer;

/**
 * One peer's BGP-4 finite state machine (RFC 4271 §8), without sockets or clocks: the owner
 * reports the connection's events and the bytes read, calls {@link #tick} with the time, and
 * carries out what the {@link BgpSessionListener} is told. That keeps every path testable step
 * by step.
 * <p>
 * nve only connects out (no passive open, hence no collision detection): Idle, then Connect
 * ({@link BgpSessionListener#connectRequested}), OpenSent once {@link #connected}, OpenConfirm
 * on an acceptable OPEN, Established on the peer's KEEPALIVE. Any failure closes the connection and
 * goes back to Idle (Active after a failed connect) until a back-off has passed: it starts at
 * the configured initial wait and doubles up to the maximum, and starts over once a session
 * stayed Established at least that maximum, so a flapping peer is retried ever more slowly.
 * <p>
 * Time is that of the latest {@link #tick}; the owner ticks often (every 100 ms or so) and
 * before the first event. Not thread-safe: one thread drives a session.
 */
public final class BgpSession
{
    public static final int HOLD_TIMER_EXPIRED = 4;
    public static final int FSM_ERROR = 5;
    public static final int CEASE = 6;
    public static final int ADMINISTRATIVE_SHUTDOWN = 2;
    /** The {@code down} reason when the peer went silent for the hold time. */
    public static final String REASON_HOLD_TIMER_EXPIRED = "hold timer expired";
    /** The {@code down} reason when this side stops the session. */
    public static final String REASON_ADMINISTRATIVE_SHUTDOWN = "administrative shutdown";
    /** RFC 4271 §8.2.2: the hold timer while the peer's OPEN is awaited, "a large value". */
    static final long OPEN_HOLD_MILLIS = 240_000;
    private static final long NEVER = Long.MAX_VALUE;

    public enum State
    {
        IDLE, CONNECT, ACTIVE, OPEN_SENT, OPEN_CONFIRM, ESTABLISHED
    }

    private final BgpSessionConfig config;
    private final BgpSessionListener listener;
    private final long[] received = new long[5];
    private final long[] sent = new long[5];
    private final BgpInbound inbound = new BgpInbound();
    private State state = State.IDLE;
    private boolean started;
    private BgpPeerInfo peer;
    private long now;
    private long retryMillis;
    private long retryAt = NEVER;
    private long holdAt = NEVER;
    private long keepaliveAt = NEVER;
    private long establishedAt;
    private long transitions;
    private long establishedCount;
    private String lastError;

    public BgpSession(final BgpSessionConfig config, final BgpSessionListener listener)
    {
        this.config = config;
        this.listener = listener;
        this.retryMillis = config.connectRetryInitialMillis();
    }

    /** Administrative start: asks for a connection at once. Nothing if already started. */
    public void start()
    {
        if (started)
        {
            return;
        }
        started = true;
        retryMillis = config.connectRetryInitialMillis();
        connect();
    }

    /** Administrative stop: a Cease (6/2) to a peer past OpenSent, then Idle until {@link #start}. */
    public void stop()
    {
        if (!started)
        {
            return;
        }
        started = false;
        switch (state)
        {
            case OPEN_SENT, OPEN_CONFIRM, ESTABLISHED ->
                fail(new BgpMessage.Notification(CEASE, ADMINISTRATIVE_SHUTDOWN, new byte[0]), REASON_ADMINISTRATIVE_SHUTDOWN, true);
            case CONNECT -> fail(null, REASON_ADMINISTRATIVE_SHUTDOWN, true);
            case IDLE, ACTIVE -> to(State.IDLE);
        }
        retryAt = NEVER;
    }

    /** The connection asked for is up: send our OPEN. A connection nobody asked for is closed. */
    public void connected()
    {
        if (state != State.CONNECT)
        {
            if (state == State.IDLE || state == State.ACTIVE)
            {
                listener.closeConnection();
            }
            return;
        }
        inbound.clear();
        send(BgpOpenNegotiation.ours(config));
        to(State.OPEN_SENT);
        retryAt = NEVER;
        holdAt = now + OPEN_HOLD_MILLIS;
    }

    /** The connection closed or the attempt failed. */
    public void disconnected()
    {
        if (state == State.CONNECT)
        {
            failedConnect("connection failed");
        }
        else if (connectionUp())
        {
            fail(null, "connection lost", false);
        }
    }

    /** Advances the timers to {@code nowMillis}: reconnect, connect time-out, hold and keepalive. */
    public void tick(final long nowMillis)
    {
        now = nowMillis;
        switch (state)
        {
            case IDLE, ACTIVE ->
            {
                if (started && now >= retryAt)
                {
                    connect();
                }
            }
            case CONNECT ->
            {
                if (now >= retryAt)
                {
                    listener.closeConnection();
                    failedConnect("connect timed out");
                }
            }
            case OPEN_SENT, OPEN_CONFIRM, ESTABLISHED ->
            {
                if (now >= holdAt)
                {
                    fail(new BgpMessage.Notification(HOLD_TIMER_EXPIRED, 0, new byte[0]), REASON_HOLD_TIMER_EXPIRED, true);
                }
                else if (now >= keepaliveAt)
                {
                    send(new BgpMessage.Keepalive());
                }
            }
        }
    }

    /**
     * Bytes read from the connection, in any cut: whole messages are handled, the rest kept for
     * the next call. Peer errors never escape: they become a NOTIFICATION and a closed session.
     */
    public void bytesReceived(final ByteBuffer bytes)
    {
        if (!connectionUp())
        {
            bytes.position(bytes.limit());
            return;
        }
        inbound.append(bytes);
        try
        {
            int type;
            while (connectionUp() && (type = inbound.nextType()) >= 0)
            {
                if (type >= BgpMessage.OPEN && type <= BgpMessage.KEEPALIVE)
                {
                    received[type]++;
                    if (!expected(type))
                    {
                        final int subcode = state == State.OPEN_SENT ? 1 : state == State.OPEN_CONFIRM ? 2 : 3;
                        fail(new BgpMessage.Notification(FSM_ERROR, subcode, new byte[0]), "unexpected message type " + type + " in " + state, true);
                        break;
                    }
                }
                handle(inbound.next(peer == null || peer.fourOctetAs()));
            }
        }
        catch (final BgpDecodeException e)
        {
            fail(BgpOpenNegotiation.notification(e), e.toString(), true);
        }
        catch (final RuntimeException e)
        {
            // a codec bug must not take the speaker down with it: the peer hears a Cease
            fail(new BgpMessage.Notification(6, 0, new byte[0]), "internal error decoding the peer's message: " + e, true);
        }
        if (!connectionUp())
        {
            inbound.clear();
        }
    }

    /** Sends {@code update} if Established (true), else drops it (false). */
    public boolean advertise(final BgpMessage.Update update)
    {
        if (state != State.ESTABLISHED)
        {
            return false;
        }
        send(update);
        return true;
    }

    public State state()
    {
        return state;
    }

    public BgpSessionSnapshot snapshot()
    {
        return new BgpSessionSnapshot(state, peer, BgpSessionSnapshot.MessageCounts.of(received),
            BgpSessionSnapshot.MessageCounts.of(sent), transitions, establishedCount, lastError, retryMillis);
    }

    private void handle(final BgpMessage message) throws BgpDecodeException
    {
        switch (message)
        {
            case BgpMessage.Open open ->
            {
                peer = BgpOpenNegotiation.accept(config, open);
                to(State.OPEN_CONFIRM);
                send(new BgpMessage.Keepalive());
            }
            case BgpMessage.Keepalive k ->
            {
                if (state == State.OPEN_CONFIRM)
                {
                    to(State.ESTABLISHED);
                    establishedAt = now;
                    establishedCount++;
                    listener.established(peer);
                }
            }
            case BgpMessage.Update update -> listener.update(update);
            case BgpMessage.Notification n ->
            {
                fail(null, "peer sent NOTIFICATION " + n.code() + "/" + n.subcode(), true);
                return;
            }
        }
        if (connectionUp())
        {
            holdAt = peer.holdTimeSeconds() == 0 ? NEVER : now + peer.holdTimeSeconds() * 1000L;
        }
    }

    /** Which message types each state takes (RFC 4271 §8.2.2; others are FSM errors, RFC 6608). */
    private boolean expected(final int type)
    {
        return type == BgpMessage.NOTIFICATION || switch (state)
        {
            case OPEN_SENT -> type == BgpMessage.OPEN;
            case OPEN_CONFIRM -> type == BgpMessage.KEEPALIVE;
            default -> type == BgpMessage.UPDATE || type == BgpMessage.KEEPALIVE;
        };
    }

    private void send(final BgpMessage message)
    {
        final byte[] bytes = BgpCodec.encode(message, peer == null || peer.fourOctetAs());
        sent[message.type()]++;
        if (peer != null && peer.holdTimeSeconds() > 0 && message.type() != BgpMessage.NOTIFICATION)
        {
            keepaliveAt = now + peer.holdTimeSeconds() * 1000L / 3;
        }
        listener.send(bytes);
    }

    private void connect()
    {
        to(State.CONNECT);
        retryAt = now + config.connectRetryMaxMillis();
        listener.connectRequested();
    }

    private void failedConnect(final String reason)
    {
        lastError = reason;
        to(State.ACTIVE);
        scheduleRetry();
    }

    /** Leaves the connection: NOTIFICATION (if any), close, Idle, back-off, down() if it was up. */
    private void fail(final BgpMessage.Notification notification, final String reason, final boolean close)
    {
        final boolean wasEstablished = state == State.ESTABLISHED;
        if (notification != null)
        {
            send(notification);
        }
        if (close)
        {
            listener.closeConnection();
        }
        lastError = reason;
        to(State.IDLE);
        peer = null;
        holdAt = NEVER;
        keepaliveAt = NEVER;
        if (wasEstablished && now - establishedAt >= config.connectRetryMaxMillis())
        {
            retryMillis = config.connectRetryInitialMillis();
        }
        scheduleRetry();
        if (wasEstablished)
        {
            listener.down(reason);
        }
    }

    private void scheduleRetry()
    {
        retryAt = started ? now + retryMillis : NEVER;
        retryMillis = retryMillis > config.connectRetryMaxMillis() / 2 ? config.connectRetryMaxMillis() : retryMillis * 2;
    }

    private boolean connectionUp()
    {
        return state == State.OPEN_SENT || state == State.OPEN_CONFIRM || state == State.ESTABLISHED;
    }

    private void to(final State next)
    {
        if (state != next)
        {
            transitions++;
            state = next;
        }
    }
}
