package dev.nve.control.bgp;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.nve.control.bgp.SessionRecorder.config;
import static dev.nve.control.bgp.SessionRecorder.peerOpen;
import static dev.nve.control.bgp.SessionRecorder.wire;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The FSM's timers, driven by a fake clock through tick(), and random input. */
class BgpSessionTimerTest
{
    private static final long T0 = 1_000_000;
    private static final long SEED = 0x6E76_6546L;
    private final SessionRecorder owner = new SessionRecorder();

    @Test
    void keepalivesEveryThirdOfTheHoldTime()
    {
        final BgpSession session = SessionRecorder.established(config(), owner, T0, 30);
        final int before = owner.sent.size();
        session.tick(T0 + 9_999);
        assertEquals(before, owner.sent.size());
        session.tick(T0 + 10_000);
        assertEquals(before + 1, owner.sent.size());
        assertEquals(new BgpMessage.Keepalive(), owner.last());
        session.tick(T0 + 15_000);
        assertEquals(before + 1, owner.sent.size());
        session.bytesReceived(wire(new BgpMessage.Keepalive()));
        session.tick(T0 + 20_000);
        assertEquals(before + 2, owner.sent.size());
        session.tick(T0 + 40_000);
        assertEquals(BgpSession.State.ESTABLISHED, session.state(), "the peer's KEEPALIVE at 15 s restarted the hold timer");
        assertEquals(before + 3, owner.sent.size(), "one KEEPALIVE per tick at most, no catch-up burst");
    }

    @Test
    void holdTimerExpiryNotifiesAndGoesDown()
    {
        final BgpSession session = SessionRecorder.established(config(), owner, T0, 30);
        session.tick(T0 + 29_999);
        assertEquals(BgpSession.State.ESTABLISHED, session.state());
        session.tick(T0 + 30_000);
        assertEquals(new BgpMessage.Notification(4, 0, new byte[0]), owner.last());
        assertEquals(List.of("hold timer expired"), owner.downs);
        assertEquals(1, owner.closes);
        assertEquals(BgpSession.State.IDLE, session.state());
    }

    @Test
    void holdTimeZeroMeansNoKeepalivesAndNoExpiry()
    {
        final BgpSession session = SessionRecorder.established(config().withHoldTime(0), owner, T0, 90);
        assertEquals(0, owner.established.holdTimeSeconds());
        final int before = owner.sent.size();
        session.tick(T0 + 86_400_000L);
        assertEquals(before, owner.sent.size());
        assertEquals(BgpSession.State.ESTABLISHED, session.state());
    }

    @Test
    void openSentWaitsFourMinutesForTheOpen()
    {
        final BgpSession session = SessionRecorder.openSent(config(), owner, T0);
        session.tick(T0 + BgpSession.OPEN_HOLD_MILLIS - 1);
        assertEquals(BgpSession.State.OPEN_SENT, session.state());
        session.tick(T0 + BgpSession.OPEN_HOLD_MILLIS);
        assertEquals(new BgpMessage.Notification(4, 0, new byte[0]), owner.last());
        assertTrue(owner.downs.isEmpty());
    }

    @Test
    void notificationThenReconnectOnlyAfterTheBackOff()
    {
        final BgpSession session = SessionRecorder.established(config(), owner, T0, 90);
        session.bytesReceived(wire(new BgpMessage.Notification(6, 2, new byte[0])));
        assertEquals(1, owner.downs.size());
        session.tick(T0 + 999);
        assertEquals(1, owner.connectRequests);
        session.tick(T0 + 1_000);
        assertEquals(2, owner.connectRequests);
        assertEquals(BgpSession.State.CONNECT, session.state());
    }

    @Test
    void backOffDoublesUpToItsMaximumThenResetsAfterAStableSession()
    {
        final BgpSession session = new BgpSession(config(), owner);
        long now = T0;
        session.tick(now);
        session.start();
        final List<Long> waits = new ArrayList<>();
        for (int attempt = 0; attempt < 9; attempt++)
        {
            session.disconnected();
            assertEquals(BgpSession.State.ACTIVE, session.state());
            final int requests = owner.connectRequests;
            final long failedAt = now;
            while (owner.connectRequests == requests)
            {
                now += 500;
                session.tick(now);
            }
            waits.add(now - failedAt);
        }
        assertEquals(List.of(1_000L, 2_000L, 4_000L, 8_000L, 16_000L, 32_000L, 60_000L, 60_000L, 60_000L), waits);

        session.connected();
        session.bytesReceived(wire(peerOpen(0, true), new BgpMessage.Keepalive()));
        session.tick(now + 59_999);
        session.disconnected();
        assertEquals(60_000L, session.snapshot().retryMillis(), "a session up for less than the maximum keeps the back-off");

        session.tick(now + 200_000);
        session.connected();
        session.bytesReceived(wire(peerOpen(0, true), new BgpMessage.Keepalive()));
        session.tick(now + 260_000);
        session.disconnected();
        final int requests = owner.connectRequests;
        session.tick(now + 260_999);
        assertEquals(requests, owner.connectRequests);
        session.tick(now + 261_000);
        assertEquals(requests + 1, owner.connectRequests, "a stable session resets the back-off to 1 s");
    }

    @Test
    void connectAttemptTimesOutAfterTheMaximum()
    {
        final BgpSession session = new BgpSession(config(), owner);
        session.tick(T0);
        session.start();
        session.tick(T0 + 59_999);
        assertEquals(BgpSession.State.CONNECT, session.state());
        session.tick(T0 + 60_000);
        assertEquals(BgpSession.State.ACTIVE, session.state());
        assertEquals(1, owner.closes);
        assertEquals("connect timed out", session.snapshot().lastError());
        session.tick(T0 + 61_000);
        assertEquals(2, owner.connectRequests);
    }

    /** Mutated valid streams in random cuts: errors must end as NOTIFICATIONs, never as throws. */
    @Test
    void randomChunksNeverThrow()
    {
        final Random random = new Random(SEED);
        final List<BgpMessage> messages = new ArrayList<>(BgpMessages.all());
        messages.add(peerOpen(90, true));
        int failed = 0;
        for (int round = 0; round < 2_000; round++)
        {
            final SessionRecorder peer = new SessionRecorder();
            final BgpSession session = round % 2 == 0 ? SessionRecorder.openSent(config(), peer, T0)
                : SessionRecorder.established(config(), peer, T0, 90);
            final byte[] stream = stream(random, messages);
            int at = 0;
            while (at < stream.length)
            {
                final int length = Math.min(stream.length - at, 1 + random.nextInt(64));
                final ByteBuffer chunk = ByteBuffer.wrap(stream, at, length);
                assertDoesNotThrow(() -> session.bytesReceived(chunk));
                at += length;
            }
            if (session.state() == BgpSession.State.IDLE)
            {
                failed++;
                assertTrue(peer.closes == 1, "a failed session is closed once");
                assertTrue(session.snapshot().lastError() != null);
            }
        }
        assertTrue(failed > 100, "the mutations reach the error paths: " + failed);
    }

    @Test
    void randomBytesNeverThrow()
    {
        final Random random = new Random(SEED + 1);
        for (int round = 0; round < 500; round++)
        {
            final SessionRecorder peer = new SessionRecorder();
            final BgpSession session = SessionRecorder.established(config(), peer, T0, 90);
            final byte[] noise = new byte[1 + random.nextInt(200)];
            random.nextBytes(noise);
            assertDoesNotThrow(() -> session.bytesReceived(ByteBuffer.wrap(noise)));
            if (noise.length >= BgpCodec.HEADER_LENGTH)
            {
                assertInstanceOf(BgpMessage.Notification.class, peer.last(), "random bytes fail the marker check");
            }
        }
    }

    private static byte[] stream(final Random random, final List<BgpMessage> messages)
    {
        final ByteBuffer out = ByteBuffer.allocate(8 * BgpCodec.MAX_LENGTH);
        for (int i = 0; i < 1 + random.nextInt(6); i++)
        {
            final byte[] wire = BgpCodec.encode(messages.get(random.nextInt(messages.size())));
            if (random.nextInt(3) == 0)
            {
                wire[random.nextInt(wire.length)] ^= (byte) (1 << random.nextInt(8));
            }
            out.put(wire);
        }
        return java.util.Arrays.copyOf(out.array(), out.position());
    }
}
