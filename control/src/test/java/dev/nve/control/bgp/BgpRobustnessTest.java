package dev.nve.control.bgp;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Malformed input may only ever end in a {@link BgpDecodeException}, never another throwable. */
class BgpRobustnessTest
{
    private static final long SEED = 0x6E76_6538L;
    private static final int FLIP_CASES_PER_MESSAGE = 1_000;

    @Test
    void everyTruncationIsABadLength()
    {
        for (final BgpMessage message : BgpMessages.all())
        {
            final byte[] wire = BgpCodec.encode(message);
            for (int length = 0; length < wire.length; length++)
            {
                final byte[] cut = Arrays.copyOf(wire, length);
                final BgpDecodeException e = assertThrows(BgpDecodeException.class, () -> BgpCodec.decode(ByteBuffer.wrap(cut)));
                assertEquals(1, e.notificationCode(), "a truncated message is a header error");
            }
        }
    }

    /** Truncating the length field along with the bytes reaches every inner parser's bounds. */
    @Test
    void everyTruncationWithAFixedLengthOnlyThrowsDecodeExceptions()
    {
        int refused = 0;
        for (final BgpMessage message : BgpMessages.all())
        {
            final byte[] wire = BgpCodec.encode(message);
            for (int length = BgpCodec.HEADER_LENGTH; length < wire.length; length++)
            {
                final byte[] cut = Arrays.copyOf(wire, length);
                cut[16] = (byte) (length >>> 8);
                cut[17] = (byte) length;
                refused += decodeOrRefuse(cut) ? 0 : 1;
            }
        }
        assertTrue(refused > 0);
    }

    @Test
    void randomByteFlipsOnlyThrowDecodeExceptions()
    {
        final Random random = new Random(SEED);
        int decoded = 0;
        int refused = 0;
        for (final BgpMessage message : BgpMessages.all())
        {
            final byte[] wire = BgpCodec.encode(message);
            for (int i = 0; i < FLIP_CASES_PER_MESSAGE; i++)
            {
                final byte[] mutated = wire.clone();
                final int flips = 1 + random.nextInt(4);
                for (int f = 0; f < flips; f++)
                {
                    final int at = BgpCodec.HEADER_LENGTH - 3 + random.nextInt(mutated.length - BgpCodec.HEADER_LENGTH + 3);
                    mutated[at] = (byte) random.nextInt(256);
                }
                if (decodeOrRefuse(mutated))
                {
                    decoded++;
                }
                else
                {
                    refused++;
                }
            }
        }
        assertTrue(decoded > 0 && refused > 0, "decoded " + decoded + ", refused " + refused);
    }

    /** True when decoded (and then the message re-encodes), false when refused the allowed way. */
    private static boolean decodeOrRefuse(final byte[] wire)
    {
        try
        {
            final BgpMessage message = BgpCodec.decode(ByteBuffer.wrap(wire));
            BgpCodec.encode(message);
            return true;
        }
        catch (final BgpDecodeException e)
        {
            return false;
        }
        catch (final RuntimeException | Error e)
        {
            return fail("unexpected " + e + " for " + HexFormat.of().formatHex(wire), e);
        }
    }
}
