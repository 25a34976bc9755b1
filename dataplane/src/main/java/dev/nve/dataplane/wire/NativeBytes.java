package dev.nve.dataplane.wire;

import org.agrona.UnsafeApi;

import java.nio.ByteOrder;

/**
 * Reads of frame bytes at raw native addresses, each naming its byte order as {@link Bytes}
 * does, for the few packet-path loops where a {@code MemorySegment} access per field is
 * measurably too slow (docs/BENCHMARKS.md). Nothing is checked here: the caller must have
 * checked that every byte it reads lies inside the frame and inside memory that stays mapped
 * while it reads (a frame segment is closed only after its workers stopped).
 */
public final class NativeBytes
{
    private static final boolean BIG_ENDIAN_HOST = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

    private NativeBytes()
    {
    }

    public static int u8(final long address)
    {
        return UnsafeApi.getByte(address) & 0xFF;
    }

    public static int u16be(final long address)
    {
        final short value = UnsafeApi.getShort(address);
        return (BIG_ENDIAN_HOST ? value : Short.reverseBytes(value)) & 0xFFFF;
    }

    /** The 32-bit big-endian value at {@code address}, as an int (an IPv4 address: use {@code & 0xFFFF_FFFFL} for unsigned). */
    public static int u32be(final long address)
    {
        final int value = UnsafeApi.getInt(address);
        return BIG_ENDIAN_HOST ? value : Integer.reverseBytes(value);
    }
}
