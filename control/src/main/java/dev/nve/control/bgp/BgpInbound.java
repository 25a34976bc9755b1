package dev.nve.control.bgp;

import java.nio.ByteBuffer;

/**
 * The bytes read from a connection and not yet handled: whole messages are taken one at a time,
 * so the session can look at each message's type before decoding it and stop at the first
 * error; a partial message waits for the next read.
 */
final class BgpInbound
{
    private static final int TYPE_OFFSET = BgpCodec.MARKER_LENGTH + 2;

    /** Read mode: the unhandled bytes are between position and limit. */
    private ByteBuffer buffer = ByteBuffer.allocate(BgpCodec.MAX_LENGTH).flip();

    void append(final ByteBuffer bytes)
    {
        buffer.compact();
        if (buffer.remaining() < bytes.remaining())
        {
            final ByteBuffer larger = ByteBuffer.allocate(buffer.position() + bytes.remaining());
            buffer = larger.put(buffer.flip());
        }
        buffer.put(bytes).flip();
    }

    /** The type byte of the next message once it is whole, -1 before; checks its header. */
    int nextType() throws BgpDecodeException
    {
        return BgpFraming.frameLength(buffer) == 0 ? -1 : buffer.get(buffer.position() + TYPE_OFFSET) & 0xFF;
    }

    /** Decodes the next message, which {@link #nextType} said is whole. */
    BgpMessage next(final boolean fourOctetAs) throws BgpDecodeException
    {
        return BgpCodec.decode(buffer, fourOctetAs);
    }

    /** Drops every byte, for a new connection; a buffer grown by a large read is let go. */
    void clear()
    {
        if (buffer.capacity() > BgpCodec.MAX_LENGTH)
        {
            buffer = ByteBuffer.allocate(BgpCodec.MAX_LENGTH);
        }
        buffer.clear().flip();
    }
}
