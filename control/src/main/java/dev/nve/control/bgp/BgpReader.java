package dev.nve.control.bgp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A bounds-checked, big-endian (network order) cursor over one field of a message. Running out
 * of bytes throws the {@link BgpDecodeException} this field's errors map to, so no decode path
 * can end in a {@link java.nio.BufferUnderflowException} or loop without consuming input.
 */
final class BgpReader
{
    private final ByteBuffer buffer;
    private final int code;
    private final int subcode;
    private final String what;

    /** Reads {@code buffer} from its position to its limit, without moving the caller's buffer. */
    BgpReader(final ByteBuffer buffer, final int code, final int subcode, final String what)
    {
        this.buffer = buffer.slice().order(ByteOrder.BIG_ENDIAN);
        this.code = code;
        this.subcode = subcode;
        this.what = what;
    }

    static BgpReader of(final byte[] bytes, final int code, final int subcode, final String what)
    {
        return new BgpReader(ByteBuffer.wrap(bytes), code, subcode, what);
    }

    int remaining()
    {
        return buffer.remaining();
    }

    boolean hasRemaining()
    {
        return buffer.hasRemaining();
    }

    int u8() throws BgpDecodeException
    {
        need(1);
        return buffer.get() & 0xFF;
    }

    /** Two bytes, big-endian. */
    int u16() throws BgpDecodeException
    {
        need(2);
        return buffer.getShort() & 0xFFFF;
    }

    /** Three bytes, big-endian (MPLS label / VNI fields). */
    int u24() throws BgpDecodeException
    {
        need(3);
        return (buffer.get() & 0xFF) << 16 | (buffer.get() & 0xFF) << 8 | buffer.get() & 0xFF;
    }

    /** Four bytes, big-endian, unsigned. */
    long u32() throws BgpDecodeException
    {
        need(4);
        return buffer.getInt() & 0xFFFF_FFFFL;
    }

    /** Six bytes, big-endian (MAC addresses). */
    long u48() throws BgpDecodeException
    {
        need(6);
        return (long) (buffer.getShort() & 0xFFFF) << 32 | buffer.getInt() & 0xFFFF_FFFFL;
    }

    /** Eight bytes, big-endian (extended communities). */
    long u64() throws BgpDecodeException
    {
        need(8);
        return buffer.getLong();
    }

    byte[] bytes(final int length) throws BgpDecodeException
    {
        need(length);
        final byte[] out = new byte[length];
        buffer.get(out);
        return out;
    }

    /** The rest of this field. */
    byte[] rest()
    {
        final byte[] out = new byte[buffer.remaining()];
        buffer.get(out);
        return out;
    }

    /** The next {@code length} bytes as their own field, whose errors map to the given codes. */
    BgpReader field(final int length, final int fieldCode, final int fieldSubcode, final String fieldName) throws BgpDecodeException
    {
        need(length);
        final ByteBuffer part = buffer.slice(buffer.position(), length);
        buffer.position(buffer.position() + length);
        return new BgpReader(part, fieldCode, fieldSubcode, fieldName);
    }

    /** An IPv4 or IPv6 address of {@code length} bytes (4 or 16). */
    InetAddress address(final int length) throws BgpDecodeException
    {
        if (length != 4 && length != 16)
        {
            throw error("address length " + length + " is neither 4 nor 16");
        }
        try
        {
            return InetAddress.getByAddress(bytes(length));
        }
        catch (final UnknownHostException e)
        {
            throw error("bad address: " + e.getMessage());
        }
    }

    /** An error of this field's kind. */
    BgpDecodeException error(final String message)
    {
        return new BgpDecodeException(code, subcode, what + ": " + message);
    }

    private void need(final int length) throws BgpDecodeException
    {
        if (length < 0 || buffer.remaining() < length)
        {
            throw error("needs " + length + " more bytes, has " + buffer.remaining());
        }
    }
}
