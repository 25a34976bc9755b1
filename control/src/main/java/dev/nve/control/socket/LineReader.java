package dev.nve.control.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * Splits a byte channel into newline-terminated lines with a length limit. A line over the
 * limit is reported once as {@link #TOO_LONG} as soon as the limit is crossed (no need to buffer
 * it) and the rest of it, up to the next newline, is skipped; the lines after it read normally.
 */
final class LineReader
{
    /** Returned instead of a line that is longer than the limit. */
    static final byte[] TOO_LONG = new byte[0];

    private static final int INITIAL = 4096;
    private static final int KEEP = 64 * 1024;

    private final ReadableByteChannel channel;
    private final int maxLineBytes;
    private final ByteBuffer input = ByteBuffer.allocate(16 * 1024).flip();
    private byte[] line = new byte[INITIAL];
    private int length;
    private boolean skipping;

    LineReader(final ReadableByteChannel channel, final int maxLineBytes)
    {
        this.channel = channel;
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * The next line without its newline (and without a {@code \r} before it), {@link #TOO_LONG},
     * or null at the end of input (an unterminated last line is dropped: its sender vanished).
     */
    byte[] next() throws IOException
    {
        while (true)
        {
            if (input.hasRemaining())
            {
                final byte[] result = scan();
                if (result != null)
                {
                    return result;
                }
                continue;
            }
            input.clear();
            final int read = channel.read(input);
            input.flip();
            if (read < 0)
            {
                return null;
            }
        }
    }

    /** Consumes input up to the end of a line (returned) or of the buffer (null). */
    private byte[] scan()
    {
        final byte[] bytes = input.array();
        final int start = input.position();
        final int end = input.limit();
        int newline = start;
        while (newline < end && bytes[newline] != '\n')
        {
            newline++;
        }
        final int chunk = newline - start;
        final boolean complete = newline < end;
        input.position(complete ? newline + 1 : end);
        if (skipping)
        {
            skipping = !complete;
            return null;
        }
        if (length + chunk > maxLineBytes + (complete && chunk > 0 && bytes[newline - 1] == '\r' ? 1 : 0))
        {
            length = 0;
            line = new byte[INITIAL];
            skipping = !complete;
            return TOO_LONG;
        }
        append(bytes, start, chunk);
        if (!complete)
        {
            return null;
        }
        final int size = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
        final byte[] result = Arrays.copyOf(line, size);
        length = 0;
        if (line.length > KEEP)
        {
            line = new byte[INITIAL];
        }
        return result;
    }

    private void append(final byte[] bytes, final int from, final int count)
    {
        if (length + count > line.length)
        {
            line = Arrays.copyOf(line, (int)Math.min(Math.max((long)line.length * 2, length + count), maxLineBytes + 1L));
        }
        System.arraycopy(bytes, from, line, length, count);
        length += count;
    }
}
