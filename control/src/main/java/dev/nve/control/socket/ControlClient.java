package dev.nve.control.socket;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * A client of the control socket (for {@code nve ctl} and tests): one connection, one request at
 * a time, ids from a counter. Not for concurrent use by several threads; open one per thread.
 */
public final class ControlClient implements AutoCloseable
{
    private static final int MAX_LINE_BYTES = 256 << 20;

    private final Path socket;
    private final SocketChannel channel;
    private final LineReader reader;
    private long nextId = 1;

    private ControlClient(final Path socket, final SocketChannel channel)
    {
        this.socket = socket;
        this.channel = channel;
        this.reader = new LineReader(channel, MAX_LINE_BYTES);
    }

    /**
     * Connects to the socket.
     *
     * @throws IOException saying why in words, e.g. "cannot connect to /run/nve/nve.sock: no such
     *     file (is nve run running?)"
     */
    public static ControlClient connect(final Path socket) throws IOException
    {
        final SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try
        {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return new ControlClient(socket, channel);
        }
        catch (final IOException e)
        {
            channel.close();
            throw new IOException("cannot connect to " + socket + ": " + reason(socket, e), e);
        }
    }

    private static String reason(final Path socket, final IOException e)
    {
        if (!Files.exists(socket))
        {
            return "no such file (is nve run running?)";
        }
        if (e instanceof ConnectException)
        {
            return "connection refused (a stale socket: is nve run running?)";
        }
        final String message = String.valueOf(e.getMessage());
        return message.toLowerCase(Locale.ROOT).contains("permission denied")
            ? "permission denied (the socket is for root, the user running nve and its control group)"
            : message;
    }

    /**
     * Runs one request.
     *
     * @return the result of an ok response
     * @throws ControlException with the server's code and message when it answers ok:false (or
     *     refuses the connection: TOO_MANY_CLIENTS, PERMISSION_DENIED, IDLE_TIMEOUT)
     * @throws IOException the connection failed or closed before an answer
     */
    public JsonNode call(final String op, final ObjectNode params) throws IOException, ControlException
    {
        final long id = send(op, params);
        return answer(id, op).path("result");
    }

    /**
     * Subscribes and passes each event to {@code onEvent} until it returns false or the server
     * ends the stream. Either way the connection is closed on return (closing is how a
     * subscription ends), so this client cannot be used afterwards.
     */
    public void stream(final String op, final ObjectNode params, final Predicate<JsonNode> onEvent) throws IOException, ControlException
    {
        try
        {
            final long id = send(op, params);
            answer(id, op);
            while (true)
            {
                final JsonNode line = readLine();
                if (line == null)
                {
                    return;
                }
                if (line.has("event") && line.path("id").asLong(-1) == id)
                {
                    if (!onEvent.test(line.get("event")))
                    {
                        return;
                    }
                }
                else if (!line.path("ok").asBoolean(true))
                {
                    throw failure(line);
                }
            }
        }
        finally
        {
            close();
        }
    }

    private long send(final String op, final ObjectNode params) throws IOException, ControlException
    {
        final long id = nextId++;
        final ObjectNode request = Protocol.MAPPER.createObjectNode();
        request.put("v", Protocol.VERSION);
        request.put("id", id);
        request.put("op", op);
        if (params != null)
        {
            request.set("params", params);
        }
        final ByteBuffer bytes = ByteBuffer.wrap(Protocol.encode(request));
        try
        {
            while (bytes.hasRemaining())
            {
                channel.write(bytes);
            }
        }
        catch (final IOException e)
        {
            throw refusal(e);
        }
        return id;
    }

    /**
     * A server that refuses the connection (TOO_MANY_CLIENTS, PERMISSION_DENIED, IDLE_TIMEOUT)
     * writes its reason and closes, possibly before the request went out; the reason then beats
     * "Broken pipe".
     */
    private IOException refusal(final IOException writeFailure) throws ControlException
    {
        JsonNode line = null;
        try
        {
            line = readLine();
        }
        catch (final IOException nothingToRead)
        {
            // no reason was sent
        }
        if (line != null && !line.path("ok").asBoolean(true))
        {
            throw failure(line);
        }
        return writeFailure;
    }

    /** The response to request {@code id}; a connection-level error (id null) also answers it. */
    private JsonNode answer(final long id, final String op) throws IOException, ControlException
    {
        while (true)
        {
            final JsonNode line = readLine();
            if (line == null)
            {
                throw new IOException("nve closed " + socket + " before answering \"" + op + "\"");
            }
            final JsonNode lineId = line.path("id");
            if (line.has("event"))
            {
                continue;
            }
            if (lineId.isNull() || lineId.canConvertToLong() && lineId.asLong() == id)
            {
                if (line.path("ok").asBoolean(false))
                {
                    return line;
                }
                throw failure(line);
            }
            throw new IOException("nve answered request " + lineId + " while " + id + " (\"" + op + "\") was pending");
        }
    }

    private static ControlException failure(final JsonNode line)
    {
        final String code = line.path("error").path("code").asText();
        final String message = line.path("error").path("message").asText();
        try
        {
            return new ControlException(ErrorCode.valueOf(code), message);
        }
        catch (final IllegalArgumentException unknown)
        {
            return new ControlException(ErrorCode.INTERNAL, code + ": " + message);
        }
    }

    private JsonNode readLine() throws IOException
    {
        final byte[] line = reader.next();
        if (line == LineReader.TOO_LONG)
        {
            throw new IOException("a line from nve is longer than " + MAX_LINE_BYTES + " bytes");
        }
        if (line == null)
        {
            return null;
        }
        try
        {
            return Protocol.readObject(line);
        }
        catch (final ControlException e)
        {
            throw new IOException("nve sent a line that is not a JSON object: " + e.getMessage());
        }
    }

    @Override
    public void close() throws IOException
    {
        channel.close();
    }
}
