package dev.nve.control.socket;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

final class LineReaderTest
{
    /** Hands out at most {@code step} bytes per read, to split lines across reads. */
    private static ReadableByteChannel trickle(final String text, final int step)
    {
        final ByteBuffer source = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        return new ReadableByteChannel()
        {
            @Override
            public int read(final ByteBuffer target)
            {
                if (!source.hasRemaining())
                {
                    return -1;
                }
                final int count = Math.min(step, Math.min(target.remaining(), source.remaining()));
                target.put(source.slice(source.position(), count));
                source.position(source.position() + count);
                return count;
            }

            @Override
            public boolean isOpen()
            {
                return true;
            }

            @Override
            public void close()
            {
            }
        };
    }

    private static String text(final byte[] line)
    {
        return new String(line, StandardCharsets.UTF_8);
    }

    @Test
    void splitsLinesAcrossReads() throws IOException
    {
        for (final int step : new int[] {1, 3, 1 << 16})
        {
            final LineReader reader = new LineReader(trickle("one\ntwo\r\n\nthree\nunfinished", step), 300);
            assertEquals("one", text(reader.next()));
            assertEquals("two", text(reader.next()));
            assertEquals("", text(reader.next()));
            assertEquals("three", text(reader.next()));
            assertNull(reader.next(), "an unterminated last line is dropped");
        }
    }

    @Test
    void anOverlongLineIsReportedOnceAndSkipped() throws IOException
    {
        for (final int step : new int[] {1, 7, 1 << 16})
        {
            final String exact = "e".repeat(256);
            final LineReader reader = new LineReader(trickle("a".repeat(1000) + "\n" + exact + "\n" + "b".repeat(257) + "\nok\n", step), 256);
            assertSame(LineReader.TOO_LONG, reader.next());
            assertEquals(exact, text(reader.next()));
            assertSame(LineReader.TOO_LONG, reader.next());
            assertEquals("ok", text(reader.next()));
            assertNull(reader.next());
        }
    }
}
