package dev.nve.dataplane.wire;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U16_LE;
import static dev.nve.dataplane.wire.Bytes.U32_BE;
import static dev.nve.dataplane.wire.Bytes.U32_LE;
import static dev.nve.dataplane.wire.Bytes.U64_BE;
import static dev.nve.dataplane.wire.Bytes.U64_LE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class BytesTest
{
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void readsUnsignedBigEndianAtOddOffsets()
    {
        final MemorySegment segment = MemorySegment.ofArray(HEX.parseHex("00ff8001fffffffe0102030405060708"));
        assertEquals(0xFF, Bytes.u8(segment, 1));
        assertEquals(0xFF80, Bytes.u16be(segment, 1));
        assertEquals(0x8001_FFFFL, Bytes.u32be(segment, 2));
        assertEquals(0xFFFF_FFFEL, Bytes.u32be(segment, 4));
        assertEquals(0x0102_0304_0506_0708L, segment.get(U64_BE, 8));
        assertEquals(0x0807_0605_0403_0201L, segment.get(U64_LE, 8));
        assertEquals(0x0102, segment.get(U16_BE, 8));
        assertEquals(0x0201, segment.get(U16_LE, 8));
        assertEquals(0x0203_0405, segment.get(U32_BE, 9));
        assertEquals(0x0504_0302, segment.get(U32_LE, 9));
    }

    @Test
    void macRoundTripsAndStaysPositive()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment segment = arena.allocate(16);
            segment.fill((byte)0x5A);
            Bytes.putMac48(segment, 3, 0xFFFF_FFFF_FFFFL);
            assertEquals(0xFFFF_FFFF_FFFFL, Bytes.mac48(segment, 3));
            Bytes.putMac48(segment, 3, 0x0200_0000_00ABL);
            assertEquals(0x0200_0000_00ABL, Bytes.mac48(segment, 3));
            final byte[] copy = segment.toArray(ValueLayout.JAVA_BYTE);
            assertArrayEquals(HEX.parseHex("5a5a5a0200000000ab5a5a5a5a5a5a5a"), copy);
        }
    }

    @Test
    void macIgnoresBitsAbove48WhenWriting()
    {
        final MemorySegment segment = MemorySegment.ofArray(new byte[8]);
        Bytes.putMac48(segment, 1, 0x7777_0011_2233_4455L);
        assertArrayEquals(HEX.parseHex("0000112233445500"), segment.toArray(ValueLayout.JAVA_BYTE));
    }
}
