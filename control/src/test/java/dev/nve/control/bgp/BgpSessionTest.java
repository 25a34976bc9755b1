package dev.nve.control.bgp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.util.List;

import static dev.nve.control.bgp.SessionRecorder.LOCAL_AS;
import static dev.nve.control.bgp.SessionRecorder.LOCAL_ID;
import static dev.nve.control.bgp.SessionRecorder.PEER_ID;
import static dev.nve.control.bgp.SessionRecorder.REMOTE_AS;
import static dev.nve.control.bgp.SessionRecorder.config;
import static dev.nve.control.bgp.SessionRecorder.peerOpen;
import static dev.nve.control.bgp.SessionRecorder.wire;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The FSM's message paths: the OPEN exchange, bad OPENs, FSM errors, framing. */
class BgpSessionTest
{
    private final SessionRecorder owner = new SessionRecorder();

    @Test
    void happyPathReachesEstablishedWithNegotiatedParameters()
    {
        final BgpSession session = new BgpSession(config(), owner);
        session.tick(5_000);
        assertEquals(BgpSession.State.IDLE, session.state());
        session.start();
        assertEquals(BgpSession.State.CONNECT, session.state());
        assertEquals(1, owner.connectRequests);
        session.connected();
        assertEquals(BgpSession.State.OPEN_SENT, session.state());

        final BgpMessage.Open ours = (BgpMessage.Open) owner.last();
        assertEquals(4, ours.version());
        assertEquals(LOCAL_AS, ours.myAs());
        assertEquals(90, ours.holdTime());
        assertEquals(LOCAL_ID, ours.bgpId());
        assertEquals(List.of(Capability.Multiprotocol.evpn(), new Capability.FourOctetAs(LOCAL_AS)), ours.capabilities());
        final byte[] bytes = owner.sentBytes.getLast();
        assertEquals(23456, (bytes[20] & 0xFF) << 8 | bytes[21] & 0xFF, "AS_TRANS in the 2-byte My AS field");

        session.bytesReceived(wire(peerOpen(30, true)));
        assertEquals(BgpSession.State.OPEN_CONFIRM, session.state());
        assertEquals(new BgpMessage.Keepalive(), owner.last());
        assertNull(owner.established);

        session.bytesReceived(wire(new BgpMessage.Keepalive()));
        assertEquals(BgpSession.State.ESTABLISHED, session.state());
        assertEquals(new BgpPeerInfo(REMOTE_AS, PEER_ID, 30, true, true), owner.established);

        final BgpSessionSnapshot snapshot = session.snapshot();
        assertEquals(new BgpSessionSnapshot.MessageCounts(1, 0, 0, 1), snapshot.sent());
        assertEquals(new BgpSessionSnapshot.MessageCounts(1, 0, 0, 1), snapshot.received());
        assertEquals(4, snapshot.transitions());
        assertEquals(1, snapshot.establishedCount());
        assertNull(snapshot.lastError());
        assertEquals(owner.established, snapshot.peer());
    }

    @Test
    void twoByteAsPeerNegotiatesNoFourOctetAsAndOurHoldTimeWhenSmaller()
    {
        final BgpSession session = SessionRecorder.openSent(config().withHoldTime(9), owner, 0);
        session.bytesReceived(wire(peerOpen(180, false), new BgpMessage.Keepalive()));
        assertEquals(new BgpPeerInfo(REMOTE_AS, PEER_ID, 9, false, true), owner.established);
    }

    @Test
    void twoByteLocalAsIsSentAsIs()
    {
        SessionRecorder.openSent(BgpSessionConfig.of(65000, REMOTE_AS, LOCAL_ID), owner, 0);
        final byte[] bytes = owner.sentBytes.getLast();
        assertEquals(65000, (bytes[20] & 0xFF) << 8 | bytes[21] & 0xFF);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "version 3, 3, 65001, 167772162, 90, true, 1",
        "wrong AS, 4, 65002, 167772162, 90, true, 2",
        "BGP id 0, 4, 65001, 0, 90, true, 3",
        "BGP id equal to ours, 4, 65001, 167772161, 90, true, 3",
        "hold time 1, 4, 65001, 167772162, 1, true, 6",
        "hold time 2, 4, 65001, 167772162, 2, true, 6",
        "no EVPN capability, 4, 65001, 167772162, 90, false, 7",
    })
    void badOpenIsRefusedWithItsNotification(final String name, final int version, final long as, final long id, final int hold,
        final boolean evpn, final int subcode)
    {
        final BgpSession session = SessionRecorder.openSent(config(), owner, 0);
        final List<Capability> capabilities = evpn ? List.of(Capability.Multiprotocol.evpn()) : List.of(new Capability.Multiprotocol(1, 1));
        session.bytesReceived(wire(new BgpMessage.Open(version, as, hold, id, capabilities)));

        final BgpMessage.Notification n = (BgpMessage.Notification) owner.last();
        assertEquals(2, n.code(), name);
        assertEquals(subcode, n.subcode(), name);
        assertEquals(1, owner.closes);
        assertEquals(BgpSession.State.IDLE, session.state());
        assertTrue(owner.downs.isEmpty(), "down() is only for a session that was Established");
        assertTrue(session.snapshot().lastError().contains("2/" + subcode), session.snapshot().lastError());
        if (subcode == 1)
        {
            assertArrayEquals(new byte[] {0, 4}, n.data(), "the version we support");
        }
        if (subcode == 7)
        {
            assertArrayEquals(new byte[] {1, 4, 0, 25, 0, 70}, n.data(), "the capability we require");
        }
    }

    @Test
    void updateInOpenSentIsFsmError1()
    {
        final BgpSession session = SessionRecorder.openSent(config(), owner, 0);
        session.bytesReceived(wire(BgpMessages.macIpUpdate()));
        assertEquals(new BgpMessage.Notification(5, 1, new byte[0]), owner.last());
        assertEquals(BgpSession.State.IDLE, session.state());
        assertEquals(1, owner.closes);
        assertTrue(owner.updates.isEmpty());
    }

    @Test
    void updateInOpenConfirmIsFsmError2()
    {
        final BgpSession session = SessionRecorder.openSent(config(), owner, 0);
        session.bytesReceived(wire(peerOpen(90, true), BgpMessages.macIpUpdate()));
        assertEquals(new BgpMessage.Notification(5, 2, new byte[0]), owner.last());
        assertEquals(BgpSession.State.IDLE, session.state());
        assertNull(owner.established);
    }

    @Test
    void openInEstablishedIsFsmError3AndGoesDown()
    {
        final BgpSession session = SessionRecorder.established(config(), owner, 0, 90);
        session.bytesReceived(wire(peerOpen(90, true)));
        assertEquals(new BgpMessage.Notification(5, 3, new byte[0]), owner.last());
        assertEquals(1, owner.downs.size());
    }

    @Test
    void updatesInEstablishedReachTheOwner()
    {
        final BgpSession session = SessionRecorder.established(config(), owner, 0, 90);
        session.bytesReceived(wire(BgpMessages.macIpUpdate(), BgpMessages.withdrawal()));
        assertEquals(List.of(BgpMessages.macIpUpdate(), BgpMessages.withdrawal()), owner.updates);
        assertEquals(2, session.snapshot().received().update());
    }

    @Test
    void malformedUpdateInEstablishedSendsTheDecodeErrorAndGoesDown()
    {
        final BgpSession session = SessionRecorder.established(config(), owner, 0, 90);
        final BgpMessage.Update noOrigin = BgpMessage.Update.of(List.of(new PathAttribute.AsPath(List.of()),
            MpReach.evpn(BgpMessages.ip("10.0.0.1"), List.of())));
        session.bytesReceived(wire(noOrigin, BgpMessages.macIpUpdate()));
        assertEquals(new BgpMessage.Notification(3, 3, new byte[0]), owner.last(), "missing well-known attribute");
        assertEquals(1, owner.downs.size());
        assertEquals(1, owner.closes);
        assertTrue(owner.updates.isEmpty(), "nothing after the error is handled");
    }

    @Test
    void badMarkerIsConnectionNotSynchronized()
    {
        final BgpSession session = SessionRecorder.established(config(), owner, 0, 90);
        session.bytesReceived(ByteBuffer.wrap(new byte[19]));
        assertEquals(new BgpMessage.Notification(1, 1, new byte[0]), owner.last());
        assertEquals(BgpSession.State.IDLE, session.state());
    }

    @Test
    void notificationReceivedClosesAndGoesDown()
    {
        final BgpSession session = SessionRecorder.established(config(), owner, 0, 90);
        session.bytesReceived(wire(new BgpMessage.Notification(6, 4, new byte[0])));
        assertEquals(BgpSession.State.IDLE, session.state());
        assertEquals(List.of("peer sent NOTIFICATION 6/4"), owner.downs);
        assertEquals(1, owner.closes);
        assertEquals(1, session.snapshot().received().notification());
        assertEquals(0, session.snapshot().sent().notification(), "no NOTIFICATION answers a NOTIFICATION");
    }

    @Test
    void stopInEstablishedSendsCeaseAdministrativeShutdown()
    {
        final BgpSession session = SessionRecorder.established(config(), owner, 0, 90);
        session.stop();
        assertEquals(new BgpMessage.Notification(6, 2, new byte[0]), owner.last());
        assertEquals(1, owner.closes);
        assertEquals(List.of("administrative shutdown"), owner.downs);
        session.tick(10_000_000);
        assertEquals(BgpSession.State.IDLE, session.state());
        assertEquals(1, owner.connectRequests, "a stopped session does not reconnect");
        session.start();
        assertEquals(2, owner.connectRequests);
    }

    @Test
    void advertiseSendsOnlyWhenEstablished()
    {
        final BgpSession session = SessionRecorder.openSent(config(), owner, 0);
        assertFalse(session.advertise(BgpMessages.macIpUpdate()));
        session.bytesReceived(wire(peerOpen(90, true), new BgpMessage.Keepalive()));
        assertTrue(session.advertise(BgpMessages.macIpUpdate()));
        assertEquals(BgpMessages.macIpUpdate(), owner.last());
    }

    @Test
    void messagesSplitOneByteAtATime()
    {
        final BgpSession session = SessionRecorder.openSent(config(), owner, 0);
        final ByteBuffer stream = wire(peerOpen(90, true), new BgpMessage.Keepalive(), BgpMessages.macIpUpdate());
        while (stream.hasRemaining())
        {
            session.bytesReceived(ByteBuffer.wrap(new byte[] {stream.get()}));
        }
        assertEquals(BgpSession.State.ESTABLISHED, session.state());
        assertEquals(List.of(BgpMessages.macIpUpdate()), owner.updates);
    }

    @Test
    void severalMessagesInOneCall()
    {
        final BgpSession session = SessionRecorder.openSent(config(), owner, 0);
        session.bytesReceived(wire(peerOpen(90, true), new BgpMessage.Keepalive(), BgpMessages.macIpUpdate(),
            BgpMessages.inclusiveMulticastUpdate(), new BgpMessage.Keepalive()));
        assertEquals(BgpSession.State.ESTABLISHED, session.state());
        assertEquals(List.of(BgpMessages.macIpUpdate(), BgpMessages.inclusiveMulticastUpdate()), owner.updates);
        assertEquals(new BgpSessionSnapshot.MessageCounts(1, 2, 0, 2), session.snapshot().received());
    }

    @Test
    void aReadLargerThanTheBufferIsHandledWhole()
    {
        final BgpSession session = SessionRecorder.established(config(), owner, 0, 90);
        final BgpMessage[] many = new BgpMessage[300];
        java.util.Arrays.fill(many, new BgpMessage.Keepalive());
        many[299] = BgpMessages.macIpUpdate();
        session.bytesReceived(wire(many));
        assertEquals(1 + 300, session.snapshot().received().keepalive() + session.snapshot().received().update(), "the handshake's KEEPALIVE and the 300");
        assertEquals(List.of(BgpMessages.macIpUpdate()), owner.updates);
    }

    @Test
    void bytesOutsideAConnectionAreIgnored()
    {
        final BgpSession session = new BgpSession(config(), owner);
        final ByteBuffer bytes = wire(peerOpen(90, true));
        session.bytesReceived(bytes);
        assertFalse(bytes.hasRemaining());
        assertTrue(owner.sent.isEmpty());
        session.connected();
        assertEquals(1, owner.closes, "a connection nobody asked for is closed");
    }

    @Test
    void configValidationNamesTheField()
    {
        final String[] expected = {"localAs", "remoteAs", "localBgpId", "holdTimeSeconds", "connectRetryInitialMillis", "connectRetryMaxMillis"};
        final List<Runnable> bad = List.of(
            () -> new BgpSessionConfig(0, 1, 1, 90, 1000, 60000),
            () -> new BgpSessionConfig(1, 0x1_0000_0000L, 1, 90, 1000, 60000),
            () -> new BgpSessionConfig(1, 1, 0, 90, 1000, 60000),
            () -> new BgpSessionConfig(1, 1, 1, 2, 1000, 60000),
            () -> new BgpSessionConfig(1, 1, 1, 90, 0, 60000),
            () -> new BgpSessionConfig(1, 1, 1, 90, 1000, 999));
        for (int i = 0; i < expected.length; i++)
        {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad.get(i)::run);
            assertTrue(e.getMessage().startsWith(expected[i] + " "), e.getMessage());
        }
        assertEquals(0, new BgpSessionConfig(1, 1, 1, 0, 1, 1).holdTimeSeconds());
    }
}
