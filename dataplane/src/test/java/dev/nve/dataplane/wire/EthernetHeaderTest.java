package dev.nve.dataplane.wire;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EthernetHeaderTest
{
    private static final HexFormat HEX = HexFormat.of();
    private static final String MACS = "020000000001" + "020000000002";

    private static MemorySegment frame(final String hex)
    {
        return MemorySegment.ofArray(HEX.parseHex(hex));
    }

    @Test
    void untagged()
    {
        final MemorySegment segment = frame(MACS + "0800" + "45");
        final EthernetHeader eth = new EthernetHeader();
        assertEquals(14, eth.parse(segment, 0, 15));
        assertEquals(0, eth.tagCount());
        assertEquals(EthernetHeader.TYPE_IPV4, eth.etherType());
        assertEquals(14, eth.headerLength());
        assertEquals(0x0200_0000_0001L, eth.destination());
        assertEquals(0x0200_0000_0002L, eth.source());
    }

    @Test
    void exactlyFourteenBytesIsEnough()
    {
        assertEquals(14, new EthernetHeader().parse(frame(MACS + "0806"), 0, 14));
    }

    @Test
    void singleDot1qTag()
    {
        // TCI 0x2064: PCP 1, DEI 0, VID 100.
        final MemorySegment segment = frame(MACS + "8100" + "2064" + "86dd");
        final EthernetHeader eth = new EthernetHeader();
        assertEquals(18, eth.parse(segment, 0, 18));
        assertEquals(1, eth.tagCount());
        assertEquals(100, eth.vlanId(0));
        assertEquals(EthernetHeader.TYPE_IPV6, eth.etherType());
        assertEquals(18, eth.headerLength());
    }

    @Test
    void qinq()
    {
        // Outer S-tag 0x88a8 VID 200 (with PCP/DEI bits set that must be masked), inner C-tag VID 100.
        final MemorySegment segment = frame(MACS + "88a8" + "f0c8" + "8100" + "0064" + "0800" + "4500");
        final EthernetHeader eth = new EthernetHeader();
        assertEquals(22, eth.parse(segment, 0, 24));
        assertEquals(2, eth.tagCount());
        assertEquals(200, eth.vlanId(0));
        assertEquals(100, eth.vlanId(1));
        assertEquals(EthernetHeader.TYPE_IPV4, eth.etherType());
    }

    @Test
    void threeTagsRejected()
    {
        final MemorySegment segment = frame(MACS + "88a8" + "00c8" + "8100" + "0064" + "8100" + "0065" + "0800" + "4500");
        assertEquals(EthernetHeader.TOO_MANY_TAGS, new EthernetHeader().parse(segment, 0, 28));
    }

    @Test
    void shorterThanHeaderRejected()
    {
        final MemorySegment segment = frame(MACS + "0800");
        assertEquals(-1, new EthernetHeader().parse(segment, 0, 13));
        assertEquals(-1, new EthernetHeader().parse(segment, 0, 0));
    }

    @Test
    void tagCutShortRejected()
    {
        final MemorySegment segment = frame(MACS + "8100" + "0064" + "0800");
        final EthernetHeader eth = new EthernetHeader();
        assertEquals(-1, eth.parse(segment, 0, 14));
        assertEquals(-1, eth.parse(segment, 0, 16));
        assertEquals(-1, eth.parse(segment, 0, 17));
        assertEquals(18, eth.parse(segment, 0, 18));
    }

    @Test
    void secondTagCutShortRejected()
    {
        final MemorySegment segment = frame(MACS + "88a8" + "00c8" + "8100" + "0064" + "0800");
        final EthernetHeader eth = new EthernetHeader();
        assertEquals(-1, eth.parse(segment, 0, 21));
        assertEquals(22, eth.parse(segment, 0, 22));
    }

    @Test
    void parsesAtAnOffsetInNativeMemory()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment segment = arena.allocate(64);
            final byte[] bytes = HEX.parseHex(MACS + "8100" + "0fff" + "0806");
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, segment, 7, bytes.length);
            final EthernetHeader eth = new EthernetHeader();
            assertEquals(18, eth.parse(segment, 7, bytes.length));
            assertEquals(0x0FFF, eth.vlanId(0));
            assertEquals(EthernetHeader.TYPE_ARP, eth.etherType());
            assertEquals(0x0200_0000_0001L, eth.destination());
        }
    }

    @Test
    void isMulticast()
    {
        assertTrue(EthernetHeader.isMulticast(0xFFFF_FFFF_FFFFL));
        assertTrue(EthernetHeader.isMulticast(0x0100_5E00_0001L));
        assertTrue(EthernetHeader.isMulticast(0x3333_0000_0001L));
        assertFalse(EthernetHeader.isMulticast(0x0200_0000_0001L));
        assertFalse(EthernetHeader.isMulticast(0x0000_0000_0000L));
        assertFalse(EthernetHeader.isMulticast(0xFEFF_FFFF_FFFFL));
    }

    @Test
    void multicastBitReadFromWire()
    {
        final EthernetHeader eth = new EthernetHeader();
        eth.parse(frame("01005e000001" + "020000000002" + "0800"), 0, 14);
        assertTrue(EthernetHeader.isMulticast(eth.destination()));
        assertFalse(EthernetHeader.isMulticast(eth.source()));
    }

    @Test
    void putAddresses()
    {
        final MemorySegment segment = MemorySegment.ofArray(new byte[16]);
        EthernetHeader.putDestination(segment, 1, 0x0011_2233_4455L);
        EthernetHeader.putSource(segment, 1, 0x6677_8899_AABBL);
        assertArrayEquals(HEX.parseHex("00" + "001122334455" + "66778899aabb" + "000000"), segment.toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void destinationMacInOneLoadEqualsTheFieldRead()
    {
        final MemorySegment frame = MemorySegment.ofArray(HEX.parseHex("02a1b2c3d4e5" + "020000000002" + "0800"));
        assertEquals(0x02A1_B2C3_D4E5L, EthernetHeader.destinationMac(frame, 0));
        assertEquals(Bytes.mac48(frame, 0), EthernetHeader.destinationMac(frame, 0));
        final MemorySegment broadcast = MemorySegment.ofArray(HEX.parseHex("ffffffffffff" + "020000000002" + "0806"));
        assertEquals(0xFFFF_FFFF_FFFFL, EthernetHeader.destinationMac(broadcast, 0));
    }
}
