package dev.nve.control.bgp;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** A fake owner for {@link BgpSession}: records what the session asked for, decoding what it sent. */
final class SessionRecorder implements BgpSessionListener
{
    static final long LOCAL_AS = 4_200_000_001L;
    static final long REMOTE_AS = 65001;
    static final long LOCAL_ID = 0x0A00_0001L;
    static final long PEER_ID = 0x0A00_0002L;

    final List<BgpMessage> sent = new ArrayList<>();
    final List<byte[]> sentBytes = new ArrayList<>();
    final List<BgpMessage.Update> updates = new ArrayList<>();
    final List<String> downs = new ArrayList<>();
    BgpPeerInfo established;
    int closes;
    int connectRequests;

    @Override
    public void send(final byte[] bytes)
    {
        sentBytes.add(bytes.clone());
        try
        {
            sent.add(BgpCodec.decode(ByteBuffer.wrap(bytes)));
        }
        catch (final BgpDecodeException e)
        {
            throw new AssertionError("the session sent bytes that do not decode", e);
        }
    }

    @Override
    public void closeConnection()
    {
        closes++;
    }

    @Override
    public void connectRequested()
    {
        connectRequests++;
    }

    @Override
    public void established(final BgpPeerInfo peer)
    {
        established = peer;
    }

    @Override
    public void update(final BgpMessage.Update update)
    {
        updates.add(update);
    }

    @Override
    public void down(final String reason)
    {
        downs.add(reason);
    }

    BgpMessage last()
    {
        return sent.getLast();
    }

    static BgpSessionConfig config()
    {
        return BgpSessionConfig.of(LOCAL_AS, REMOTE_AS, LOCAL_ID);
    }

    /** The peer's OPEN: EVPN and, when {@code fourOctet}, the 4-octet AS capability. */
    static BgpMessage.Open peerOpen(final int holdTime, final boolean fourOctet)
    {
        final List<Capability> capabilities = new ArrayList<>(List.of(Capability.Multiprotocol.evpn()));
        if (fourOctet)
        {
            capabilities.add(new Capability.FourOctetAs(REMOTE_AS));
        }
        return new BgpMessage.Open(4, REMOTE_AS, holdTime, PEER_ID, capabilities);
    }

    static ByteBuffer wire(final BgpMessage... messages)
    {
        final ByteBuffer out = ByteBuffer.allocate(messages.length * BgpCodec.MAX_LENGTH);
        for (final BgpMessage message : messages)
        {
            out.put(BgpCodec.encode(message));
        }
        return out.flip();
    }

    /** A session that has sent its OPEN, at time {@code now}. */
    static BgpSession openSent(final BgpSessionConfig config, final SessionRecorder owner, final long now)
    {
        final BgpSession session = new BgpSession(config, owner);
        session.tick(now);
        session.start();
        session.connected();
        return session;
    }

    /** A session Established with a peer offering {@code holdTime} and 4-octet AS, at {@code now}. */
    static BgpSession established(final BgpSessionConfig config, final SessionRecorder owner, final long now, final int holdTime)
    {
        final BgpSession session = openSent(config, owner, now);
        session.bytesReceived(wire(peerOpen(holdTime, true), new BgpMessage.Keepalive()));
        if (session.state() != BgpSession.State.ESTABLISHED)
        {
            throw new AssertionError("not established: " + session.snapshot());
        }
        return session;
    }
}
