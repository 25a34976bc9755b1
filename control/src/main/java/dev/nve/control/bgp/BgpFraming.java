package dev.nve.control.bgp;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static dev.nve.control.bgp.BgpCodec.HEADER_LENGTH;
import static dev.nve.control.bgp.BgpCodec.MARKER_LENGTH;
import static dev.nve.control.bgp.BgpCodec.MAX_LENGTH;
import static dev.nve.control.bgp.BgpDecodeException.BAD_MESSAGE_LENGTH;
import static dev.nve.control.bgp.BgpDecodeException.CONNECTION_NOT_SYNCHRONIZED;
import static dev.nve.control.bgp.BgpDecodeException.MESSAGE_HEADER_ERROR;

/**
 * Cuts a TCP byte stream into BGP messages (RFC 4271 §4.1): a message is whole once its 19-byte
 * header and the big-endian length it states have arrived. The header is checked as soon as it
 * is in, so a desynchronised stream fails at once instead of waiting for a bogus length.
 */
public final class BgpFraming
{
    private BgpFraming()
    {
    }

    /**
     * The length of the message at {@code buffer}'s position when all of it is there, 0 while
     * fewer bytes have arrived (a stream's framing step); the marker and length are checked as
     * soon as the 19 header bytes are in. The buffer's position does not move.
     */
    public static int frameLength(final ByteBuffer buffer) throws BgpDecodeException
    {
        final int start = buffer.position();
        if (buffer.remaining() < HEADER_LENGTH)
        {
            return 0;
        }
        for (int i = 0; i < MARKER_LENGTH; i++)
        {
            if (buffer.get(start + i) != (byte) 0xFF)
            {
                throw new BgpDecodeException(MESSAGE_HEADER_ERROR, CONNECTION_NOT_SYNCHRONIZED, "marker is not all ones");
            }
        }
        final int length = (buffer.get(start + MARKER_LENGTH) & 0xFF) << 8 | buffer.get(start + MARKER_LENGTH + 1) & 0xFF;
        if (length < HEADER_LENGTH || length > MAX_LENGTH)
        {
            throw new BgpDecodeException(MESSAGE_HEADER_ERROR, BAD_MESSAGE_LENGTH, "length " + length + " outside 19..4096");
        }
        return buffer.remaining() < length ? 0 : length;
    }

    /**
     * Decodes every whole message from {@code stream}'s position on, leaving the position at the
     * first incomplete one (the bytes to keep until more arrive).
     */
    public static List<BgpMessage> split(final ByteBuffer stream, final boolean fourOctetAs) throws BgpDecodeException
    {
        final List<BgpMessage> messages = new ArrayList<>();
        while (frameLength(stream) > 0)
        {
            messages.add(BgpCodec.decode(stream, fourOctetAs));
        }
        return messages;
    }
}
