package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Icmpv6HeaderTest
{
    private static final HexFormat HEX = HexFormat.of();

    /** Neighbor Solicitation for 2001:db8::1:2, source link-layer address option 02:00:00:00:00:01. */
    private static final String SOLICIT = "87" + "00" + "abcd" + "00000000" + "20010db8000000000000000000010002" + "01" + "01" + "020000000001";

    @Test
    void neighborSolicitation()
    {
        final Icmpv6Header icmp = new Icmpv6Header().wrap(MemorySegment.ofArray(HEX.parseHex("0000" + SOLICIT)), 2);
        assertEquals(2, icmp.offset());
        assertEquals(Icmpv6Header.NEIGHBOR_SOLICIT, icmp.type());
        assertEquals(0, icmp.code());
        assertEquals(0xABCD, icmp.checksum());
        assertEquals(0, icmp.body());
        assertFalse(icmp.isError());
        assertEquals(0x2001_0DB8_0000_0000L, icmp.ndTargetHigh());
        assertEquals(0x0000_0000_0001_0002L, icmp.ndTargetLow());
    }

    @Test
    void neighborAdvertisementBuiltFromSolicitation()
    {
        final MemorySegment segment = MemorySegment.ofArray(HEX.parseHex(SOLICIT));
        final Icmpv6Header icmp = new Icmpv6Header().wrap(segment, 0);
        icmp.type(Icmpv6Header.NEIGHBOR_ADVERT);
        icmp.body(Icmpv6Header.NA_FLAG_SOLICITED | Icmpv6Header.NA_FLAG_OVERRIDE);
        icmp.checksum(0);
        final String advert = "88" + "00" + "0000" + "60000000" + "20010db8000000000000000000010002" + "01" + "01" + "020000000001";
        assertArrayEquals(HEX.parseHex(advert), segment.toArray(ValueLayout.JAVA_BYTE));
        assertEquals(Icmpv6Header.NEIGHBOR_ADVERT, icmp.type());
        assertEquals(0x6000_0000, icmp.body());
        assertEquals(0, icmp.body() & Icmpv6Header.NA_FLAG_ROUTER);
    }

    @Test
    void ndTargetSetter()
    {
        final MemorySegment segment = MemorySegment.ofArray(new byte[Icmpv6Header.ND_MESSAGE_LENGTH + 1]);
        final Icmpv6Header icmp = new Icmpv6Header().wrap(segment, 1);
        icmp.ndTarget(0xFD00_0000_0000_0001L, 0x8000_0000_0000_00FFL);
        icmp.code(7);
        icmp.checksum(0x1234);
        assertEquals(0xFD00_0000_0000_0001L, icmp.ndTargetHigh());
        assertEquals(0x8000_0000_0000_00FFL, icmp.ndTargetLow());
        assertEquals(7, icmp.code());
        assertEquals(0x1234, icmp.checksum());
        assertArrayEquals(HEX.parseHex("00" + "00" + "07" + "1234" + "00000000" + "fd00000000000001" + "80000000000000ff"), segment.toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void echoRequest()
    {
        final Icmpv6Header icmp = new Icmpv6Header().wrap(MemorySegment.ofArray(HEX.parseHex("80" + "00" + "2446" + "0001" + "0001")), 0);
        assertEquals(Icmpv6Header.ECHO_REQUEST, icmp.type());
        assertEquals(0x2446, icmp.checksum());
        assertEquals(0x0001_0001, icmp.body());
        assertFalse(icmp.isError());
    }

    @Test
    void typeConstants()
    {
        assertEquals(1, Icmpv6Header.DEST_UNREACHABLE);
        assertEquals(2, Icmpv6Header.PACKET_TOO_BIG);
        assertEquals(3, Icmpv6Header.TIME_EXCEEDED);
        assertEquals(4, Icmpv6Header.PARAMETER_PROBLEM);
        assertEquals(128, Icmpv6Header.ECHO_REQUEST);
        assertEquals(129, Icmpv6Header.ECHO_REPLY);
        assertEquals(135, Icmpv6Header.NEIGHBOR_SOLICIT);
        assertEquals(136, Icmpv6Header.NEIGHBOR_ADVERT);
        assertEquals(8, Icmpv6Header.ND_TARGET_OFFSET);
    }

    @Test
    void isErrorBelow128()
    {
        final Icmpv6Header icmp = new Icmpv6Header().wrap(MemorySegment.ofArray(new byte[8]), 0);
        for (int type = 0; type < 256; type++)
        {
            icmp.type(type);
            assertEquals(type, icmp.type());
            assertEquals(type < 128, icmp.isError(), "type " + type);
        }
        icmp.type(Icmpv6Header.PACKET_TOO_BIG);
        assertTrue(icmp.isError());
    }
}
