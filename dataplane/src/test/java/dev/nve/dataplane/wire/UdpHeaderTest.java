package dev.nve.dataplane.wire;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class UdpHeaderTest
{
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void accessors()
    {
        // 0xc000 = 49152 -> 4789, length 16, checksum 0xfffe, at offset 1.
        final MemorySegment segment = MemorySegment.ofArray(HEX.parseHex("aa" + "c000" + "12b5" + "0010" + "fffe" + "0102030405060708"));
        final UdpHeader udp = new UdpHeader().wrap(segment, 1);
        assertEquals(49152, udp.sourcePort());
        assertEquals(VxlanHeader.DEFAULT_PORT, udp.destinationPort());
        assertEquals(16, udp.length());
        assertEquals(0xFFFE, udp.checksum());
    }

    @Test
    void setters()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment segment = arena.allocate(11);
            final UdpHeader udp = new UdpHeader().wrap(segment, 3);
            udp.sourcePort(0xFFFF);
            udp.length(0x1234);
            udp.checksum(0xABCD);
            assertEquals(0xFFFF, udp.sourcePort());
            assertEquals(0x1234, udp.length());
            assertEquals(0xABCD, udp.checksum());
            assertEquals(0, udp.destinationPort());
            assertArrayEquals(HEX.parseHex("000000" + "ffff" + "0000" + "1234" + "abcd"), segment.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void offsetsAndLength()
    {
        assertEquals(0, UdpHeader.SOURCE_PORT_OFFSET);
        assertEquals(2, UdpHeader.DESTINATION_PORT_OFFSET);
        assertEquals(4, UdpHeader.LENGTH_OFFSET);
        assertEquals(6, UdpHeader.CHECKSUM_OFFSET);
        assertEquals(8, UdpHeader.HEADER_LENGTH);
    }
}
