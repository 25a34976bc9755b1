package dev.nve.control.socket;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A client that sends raw bytes and reads raw response lines, for malformed input and odd behaviour. */
final class RawClient implements AutoCloseable
{
    final SocketChannel channel;
    private final LineReader reader;

    private RawClient(final SocketChannel channel)
    {
        this.channel = channel;
        this.reader = new LineReader(channel, 64 << 20);
    }

    static RawClient connect(final Path socket) throws IOException
    {
        final SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        return new RawClient(channel);
    }

    void send(final String text) throws IOException
    {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    void send(final byte[] bytes) throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining())
        {
            channel.write(buffer);
        }
    }

    /** Sends one line and reads one line. */
    JsonNode request(final String json) throws IOException
    {
        send(json + "\n");
        return read();
    }

    /** The next line as JSON, or null at EOF. */
    JsonNode read() throws IOException
    {
        final byte[] line = reader.next();
        return line == null ? null : Protocol.MAPPER.readTree(line);
    }

    /** Reads and drops everything up to EOF; returns the byte count. */
    long drainToEof() throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        long total = 0;
        int read;
        while ((read = channel.read(buffer.clear())) >= 0)
        {
            total += read;
        }
        return total;
    }

    @Override
    public void close() throws IOException
    {
        channel.close();
    }
}
