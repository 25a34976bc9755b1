package dev.nve.control.bgp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;

/**
 * One peer of a {@link BgpSpeaker}: its {@link BgpSession} and the non-blocking TCP connection
 * the session asks for, on the speaker's selector and thread. Events that the session must hear
 * (connected, disconnected, "now advertise") are queued and delivered by {@link #afterEvents},
 * never from inside a session call, so the FSM is not re-entered halfway through a transition.
 */
final class BgpPeerConnection implements BgpSessionListener
{
    /** What the speaker does with the session's results (learning, withdrawing, advertising). */
    interface Events
    {
        void established(BgpPeerConnection peer);

        void update(BgpPeerConnection peer, BgpMessage.Update update);

        void down(BgpPeerConnection peer, String reason);
    }

    private static final int READ_BUFFER = 64 * 1024;

    final String name;
    final long as;
    final BgpSession session;
    long establishedAtMillis;
    /** When the stale routes of this peer's lost session are withdrawn (the speaker's clock), or -1. */
    long staleUntilMillis = -1;
    private final InetSocketAddress address;
    private final Selector selector;
    private final Events events;
    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    private final ByteBuffer in = ByteBuffer.allocate(READ_BUFFER);
    private SocketChannel channel;
    private boolean pendingConnected;
    private boolean pendingDisconnected;
    private boolean pendingEstablished;

    BgpPeerConnection(final InetSocketAddress address, final long as, final BgpSessionConfig config, final Selector selector, final Events events)
    {
        this.address = address;
        this.name = address.getAddress().getHostAddress();
        this.as = as;
        this.selector = selector;
        this.events = events;
        this.session = new BgpSession(config, this);
    }

    @Override
    public void connectRequested()
    {
        closeChannel();
        try
        {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            if (channel.connect(address))
            {
                channel.register(selector, SelectionKey.OP_READ, this);
                pendingConnected = true;
            }
            else
            {
                channel.register(selector, SelectionKey.OP_CONNECT, this);
            }
        }
        catch (final IOException e)
        {
            closeChannel();
            pendingDisconnected = true;
        }
    }

    @Override
    public void send(final byte[] bytes)
    {
        if (channel != null && channel.isConnected())
        {
            out.add(ByteBuffer.wrap(bytes));
            flush();
        }
    }

    @Override
    public void closeConnection()
    {
        closeChannel();
    }

    @Override
    public void established(final BgpPeerInfo peer)
    {
        pendingEstablished = true;
    }

    @Override
    public void update(final BgpMessage.Update update)
    {
        events.update(this, update);
    }

    @Override
    public void down(final String reason)
    {
        events.down(this, reason);
    }

    /** The selector says the channel is ready: finish the connect, write the backlog, read. */
    void ready(final SelectionKey key)
    {
        if (!key.isValid() || key.channel() != channel)
        {
            return;
        }
        try
        {
            if (key.isConnectable())
            {
                channel.finishConnect();
                key.interestOps(SelectionKey.OP_READ);
                session.connected();
                return;
            }
            if (key.isWritable())
            {
                flush();
            }
            if (key.isValid() && key.isReadable())
            {
                in.clear();
                if (channel.read(in) < 0)
                {
                    lost();
                    return;
                }
                in.flip();
                session.bytesReceived(in);
            }
        }
        catch (final IOException e)
        {
            lost();
        }
    }

    /** Delivers the queued events; the speaker calls it after every selector round and tick. */
    void afterEvents()
    {
        if (pendingConnected)
        {
            pendingConnected = false;
            session.connected();
        }
        if (pendingDisconnected)
        {
            pendingDisconnected = false;
            session.disconnected();
        }
        if (pendingEstablished)
        {
            pendingEstablished = false;
            events.established(this);
        }
    }

    private void flush()
    {
        try
        {
            while (!out.isEmpty())
            {
                channel.write(out.peek());
                if (out.peek().hasRemaining())
                {
                    channel.keyFor(selector).interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                    return;
                }
                out.poll();
            }
            channel.keyFor(selector).interestOps(SelectionKey.OP_READ);
        }
        catch (final IOException e)
        {
            closeChannel();
            pendingDisconnected = true;
        }
    }

    /** The peer closed or reset the connection: close our end, then tell the session. */
    private void lost()
    {
        closeChannel();
        session.disconnected();
    }

    private void closeChannel()
    {
        out.clear();
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignored)
            {
                // closed is closed
            }
            channel = null;
        }
    }
}
