package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Value layouts for frame memory, each naming its byte order, so that every access in a
 * flyweight reads as {@code segment.get(U16_BE, offset)}. All are unaligned: headers sit at
 * arbitrary offsets after VLAN tags, IPv4 options and encapsulation.
 */
public final class Bytes
{
    public static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    public static final ValueLayout.OfShort U16_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfInt U32_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfLong U64_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfShort U16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt U32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Bytes()
    {
    }

    public static int u8(final MemorySegment segment, final long offset)
    {
        return segment.get(U8, offset) & 0xFF;
    }

    public static int u16be(final MemorySegment segment, final long offset)
    {
        return segment.get(U16_BE, offset) & 0xFFFF;
    }

    public static long u32be(final MemorySegment segment, final long offset)
    {
        return segment.get(U32_BE, offset) & 0xFFFF_FFFFL;
    }

    /** A 48-bit MAC address as the low 48 bits of a long, first wire byte most significant. */
    public static long mac48(final MemorySegment segment, final long offset)
    {
        return ((long)(segment.get(U16_BE, offset) & 0xFFFF) << 32) | (segment.get(U32_BE, offset + 2) & 0xFFFF_FFFFL);
    }

    public static void putMac48(final MemorySegment segment, final long offset, final long mac)
    {
        segment.set(U16_BE, offset, (short)(mac >>> 32));
        segment.set(U32_BE, offset + 2, (int)mac);
    }
}
