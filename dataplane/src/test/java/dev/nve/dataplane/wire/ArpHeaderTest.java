package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArpHeaderTest
{
    private static final HexFormat HEX = HexFormat.of();

    /** Who has 198.19.0.2? Tell 198.19.0.1 (02:00:00:00:00:01). */
    private static final String REQUEST = "0001" + "0800" + "06" + "04" + "0001" + "020000000001" + "c6130001" + "000000000000" + "c6130002";
    private static final String ETHERNET = "ffffffffffff" + "020000000001" + "0806";

    private static MemorySegment frame()
    {
        return MemorySegment.ofArray(HEX.parseHex(ETHERNET + REQUEST));
    }

    @Test
    void accessors()
    {
        final ArpHeader arp = new ArpHeader().wrap(frame(), EthernetHeader.HEADER_LENGTH);
        assertEquals(EthernetHeader.HEADER_LENGTH, arp.offset());
        assertEquals(ArpHeader.HTYPE_ETHERNET, arp.htype());
        assertEquals(ArpHeader.PTYPE_IPV4, arp.ptype());
        assertEquals(6, arp.hlen());
        assertEquals(4, arp.plen());
        assertEquals(ArpHeader.OPER_REQUEST, arp.oper());
        assertEquals(0x0200_0000_0001L, arp.sha());
        assertEquals(0xC613_0001, arp.spa());
        assertEquals(0L, arp.tha());
        assertEquals(0xC613_0002, arp.tpa());
        assertTrue(arp.isEthernetIpv4());
    }

    @Test
    void offsets()
    {
        assertEquals(28, ArpHeader.HEADER_LENGTH);
        assertEquals(8, ArpHeader.SHA_OFFSET);
        assertEquals(14, ArpHeader.SPA_OFFSET);
        assertEquals(18, ArpHeader.THA_OFFSET);
        assertEquals(24, ArpHeader.TPA_OFFSET);
    }

    @Test
    void validate()
    {
        final ArpHeader arp = new ArpHeader().wrap(frame(), EthernetHeader.HEADER_LENGTH);
        assertEquals(28, arp.validate(28));
        assertEquals(28, arp.validate(46));
        assertEquals(-1, arp.validate(27));
        assertEquals(-1, arp.validate(0));
    }

    @Test
    void notEthernetIpv4()
    {
        final MemorySegment segment = frame();
        final ArpHeader arp = new ArpHeader().wrap(segment, EthernetHeader.HEADER_LENGTH);
        final long at = EthernetHeader.HEADER_LENGTH;

        segment.set(U16_BE, at + ArpHeader.HTYPE_OFFSET, (short)6);
        assertFalse(arp.isEthernetIpv4(), "IEEE 802 hardware type");
        assertEquals(-1, arp.validate(28));
        segment.set(U16_BE, at + ArpHeader.HTYPE_OFFSET, (short)1);

        segment.set(U16_BE, at + ArpHeader.PTYPE_OFFSET, (short)EthernetHeader.TYPE_IPV6);
        assertFalse(arp.isEthernetIpv4(), "protocol type");
        segment.set(U16_BE, at + ArpHeader.PTYPE_OFFSET, (short)ArpHeader.PTYPE_IPV4);

        segment.set(U8, at + ArpHeader.HLEN_OFFSET, (byte)8);
        assertFalse(arp.isEthernetIpv4(), "hardware length");
        segment.set(U8, at + ArpHeader.HLEN_OFFSET, (byte)6);

        segment.set(U8, at + ArpHeader.PLEN_OFFSET, (byte)16);
        assertFalse(arp.isEthernetIpv4(), "protocol length");
        segment.set(U8, at + ArpHeader.PLEN_OFFSET, (byte)4);

        assertTrue(arp.isEthernetIpv4());
    }

    @Test
    void buildReplyInPlace()
    {
        final MemorySegment segment = frame();
        final ArpHeader arp = new ArpHeader().wrap(segment, EthernetHeader.HEADER_LENGTH);
        final long requesterMac = arp.sha();
        final int requesterIp = arp.spa();
        final int wantedIp = arp.tpa();
        final long answerMac = 0x0200_0000_00AAL;

        arp.oper(ArpHeader.OPER_REPLY);
        arp.tha(requesterMac);
        arp.tpa(requesterIp);
        arp.sha(answerMac);
        arp.spa(wantedIp);

        final String reply = "0001" + "0800" + "06" + "04" + "0002" + "0200000000aa" + "c6130002" + "020000000001" + "c6130001";
        assertArrayEquals(HEX.parseHex(ETHERNET + reply), segment.toArray(ValueLayout.JAVA_BYTE));
        assertEquals(ArpHeader.OPER_REPLY, arp.oper());
        assertEquals(answerMac, arp.sha());
        assertEquals(0xC613_0002, arp.spa());
        assertEquals(requesterMac, arp.tha());
        assertEquals(0xC613_0001, arp.tpa());
        assertTrue(arp.isEthernetIpv4());
    }
}
