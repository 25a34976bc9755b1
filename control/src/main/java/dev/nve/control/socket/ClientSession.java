package dev.nve.control.socket;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One client connection, served on its own virtual thread: peer check, admission, then read a
 * line, run it on the control thread, answer, repeat. Requests are sequential, so one is
 * pending at most. The server's watchdog reads {@link #writeSince} and {@link #idleSince}:
 * writes are blocking, and a write that makes no progress for the write timeout gets the
 * channel closed under it; an idle connection gets its input shut down, which ends the read
 * here with an IDLE_TIMEOUT line.
 */
final class ClientSession implements Runnable
{
    /** Writes go out in chunks so that the watchdog measures stalls, not the time a large response takes. */
    private static final int WRITE_CHUNK = 64 * 1024;

    private final ControlServer server;
    private final SocketChannel channel;
    private final ReentrantLock writeLock = new ReentrantLock();
    private volatile long writeSince;
    private volatile long idleSince;
    private volatile boolean idleExpired;
    private volatile Thread thread;

    ClientSession(final ControlServer server, final SocketChannel channel)
    {
        this.server = server;
        this.channel = channel;
    }

    void start(final String name)
    {
        thread = Thread.ofVirtual().name(name).start(this);
    }

    @Override
    public void run()
    {
        try
        {
            final String denial = denial();
            if (denial != null)
            {
                connectionError(ErrorCode.PERMISSION_DENIED, denial);
            }
            else if (!server.admit())
            {
                connectionError(ErrorCode.TOO_MANY_CLIENTS, "the server serves at most " + server.options().maxClients() + " clients at once; try again later");
            }
            else
            {
                try
                {
                    serve();
                }
                finally
                {
                    server.release();
                }
            }
        }
        catch (final IOException | InterruptedException gone)
        {
            // the client went away, was too slow, or the server is stopping: nothing to tell anyone
        }
        finally
        {
            closeChannel();
            server.ended(this);
        }
    }

    private String denial()
    {
        try
        {
            final UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
            return server.policy().allows(peer) ? null : server.policy().denial(peer);
        }
        catch (final IOException | UnsupportedOperationException e)
        {
            return "cannot read the peer's credentials: " + e.getMessage();
        }
    }

    private void serve() throws IOException, InterruptedException
    {
        final LineReader reader = new LineReader(channel, server.options().maxLineBytes());
        Streamer streamer = null;
        try
        {
            while (true)
            {
                idleSince = streamer == null ? System.nanoTime() : 0;
                final byte[] line = reader.next();
                idleSince = 0;
                if (idleExpired)
                {
                    connectionError(ErrorCode.IDLE_TIMEOUT, "no request for " + server.options().idleTimeout().toMillis() + " ms; closing");
                    return;
                }
                if (line == null)
                {
                    return;
                }
                if (line == LineReader.TOO_LONG)
                {
                    answerError(null, ErrorCode.LINE_TOO_LONG, "request line longer than " + server.options().maxLineBytes()
                        + " bytes; discarded up to the next newline");
                }
                else if (!isBlank(line))
                {
                    if (streamer != null)
                    {
                        answerError(idOf(line), ErrorCode.BAD_REQUEST, "connection is streaming; open another connection");
                    }
                    else
                    {
                        streamer = answer(line);
                    }
                }
            }
        }
        finally
        {
            if (streamer != null)
            {
                streamer.stop();
                server.control().close(streamer.subscription());
            }
        }
    }

    /** Runs one request line and answers it; returns the streamer if it subscribed. */
    private Streamer answer(final byte[] line) throws IOException, InterruptedException
    {
        JsonNode id = null;
        final Request request;
        try
        {
            final ObjectNode envelope = Protocol.readObject(line);
            id = Protocol.validId(envelope);
            request = Protocol.request(envelope);
        }
        catch (final ControlException e)
        {
            answerError(id, e.code(), e.getMessage());
            return null;
        }
        switch (server.control().call(request))
        {
            case ControlThread.Outcome.Result result ->
            {
                server.countRequest();
                write(Protocol.ok(request.id(), result.json()));
                return null;
            }
            case ControlThread.Outcome.Failure failure ->
            {
                answerError(request.id(), failure.code(), failure.message());
                return null;
            }
            case ControlThread.Outcome.Streaming streaming ->
            {
                server.countRequest();
                try
                {
                    write(Protocol.ok(request.id(), Protocol.MAPPER.createObjectNode().put("subscribed", true)));
                }
                catch (final IOException e)
                {
                    server.control().close(streaming.subscription());
                    throw e;
                }
                return Streamer.start(this, request.id(), streaming.subscription());
            }
        }
    }

    private static JsonNode idOf(final byte[] line)
    {
        try
        {
            return Protocol.validId(Protocol.readObject(line));
        }
        catch (final ControlException notJson)
        {
            return null;
        }
    }

    private static boolean isBlank(final byte[] line)
    {
        for (final byte b : line)
        {
            if (b != ' ' && b != '\t' && b != '\r')
            {
                return false;
            }
        }
        return true;
    }

    private void answerError(final JsonNode id, final ErrorCode code, final String message) throws IOException
    {
        server.countRequest();
        server.countError(code);
        write(Protocol.error(id, code, message));
    }

    /** An error about the connection, not about a request line. */
    private void connectionError(final ErrorCode code, final String message) throws IOException
    {
        server.countError(code);
        write(Protocol.error(null, code, message));
    }

    /** Writes whole lines; the lock keeps event lines and answers from interleaving. */
    void write(final byte[] bytes) throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.wrap(bytes);
        writeLock.lock();
        try
        {
            while (buffer.hasRemaining())
            {
                writeSince = System.nanoTime();
                final int end = buffer.limit();
                buffer.limit(Math.min(end, buffer.position() + WRITE_CHUNK));
                channel.write(buffer);
                buffer.limit(end);
            }
        }
        finally
        {
            writeSince = 0;
            writeLock.unlock();
        }
    }

    /** Called by the watchdog: disconnects a client stuck in a write, times out an idle one. */
    void check(final long now, final long idleNanos, final long writeNanos)
    {
        final long writing = writeSince;
        if (writing != 0 && now - writing > writeNanos)
        {
            closeChannel();
            return;
        }
        final long idle = idleSince;
        if (idle != 0 && now - idle > idleNanos && !idleExpired)
        {
            idleExpired = true;
            try
            {
                channel.shutdownInput();
            }
            catch (final IOException e)
            {
                closeChannel();
            }
        }
    }

    void closeChannel()
    {
        try
        {
            channel.close();
        }
        catch (final IOException ignored)
        {
            // closing is all that was wanted
        }
    }

    /** Closes the connection and interrupts a wait for the control thread. */
    void shutdown()
    {
        closeChannel();
        final Thread running = thread;
        if (running != null)
        {
            running.interrupt();
        }
    }

    boolean join(final long millis) throws InterruptedException
    {
        final Thread running = thread;
        return running == null || running.join(Duration.ofMillis(millis));
    }
}
