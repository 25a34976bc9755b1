package dev.nve.control.bgp;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;

/** Appends fields in big-endian (network) order, with explicit shifts; the encoders' mirror of {@link BgpReader}. */
final class BgpWriter
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);

    BgpWriter u8(final int value)
    {
        out.write(value & 0xFF);
        return this;
    }

    BgpWriter u16(final int value)
    {
        return u8(value >>> 8).u8(value);
    }

    BgpWriter u24(final int value)
    {
        return u8(value >>> 16).u8(value >>> 8).u8(value);
    }

    BgpWriter u32(final long value)
    {
        return u16((int) (value >>> 16)).u16((int) value);
    }

    BgpWriter u48(final long value)
    {
        return u16((int) (value >>> 32)).u32(value);
    }

    BgpWriter u64(final long value)
    {
        return u32(value >>> 32).u32(value);
    }

    BgpWriter bytes(final byte[] bytes)
    {
        out.writeBytes(bytes);
        return this;
    }

    BgpWriter address(final InetAddress address)
    {
        return bytes(address.getAddress());
    }

    int size()
    {
        return out.size();
    }

    byte[] toByteArray()
    {
        return out.toByteArray();
    }
}
