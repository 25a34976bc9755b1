package dev.nve.control.bgp;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EvpnCodecTest
{
    /** The study's route; 10.1.2.8 is only a byte vector here, never traffic. */
    private static EvpnRoute.MacIp studyRoute() throws Exception
    {
        return new EvpnRoute.MacIp(RouteDistinguisher.ipv4(192, 168, 50, 11, 148), EvpnRoute.MacIp.singleHomed(), 0, 0x52da46137e7dL,
            InetAddress.getByName("10.1.2.8"), 136, null);
    }

    /**
     * RFC 7432 §7.2 laid out by hand. The label field holds the VNI as a whole 24-bit value
     * (RFC 8365 §5.1.3): 136 is 00 00 88. An implementation that put the VNI in the 20-bit MPLS
     * label (label << 4) would write 00 08 80; this codec does not read that form, by choice.
     */
    private static final byte[] STUDY_NLRI = HexFormat.of().parseHex(
        "02" + "25"                         // route type 2, length 37
            + "0001" + "c0a8320b" + "0094"  // RD type 1: 192.168.50.11 : 148
            + "00000000000000000000"        // ESI: single-homed
            + "00000000"                    // Ethernet tag 0
            + "30" + "52da46137e7d"         // MAC length 48 bits, MAC
            + "20" + "0a010208"             // IP length 32 bits, 10.1.2.8
            + "000088");                    // label 1: VNI 136 as 24 bits

    @Test
    void studyRouteEncodesByteForByte() throws Exception
    {
        assertArrayEquals(STUDY_NLRI, EvpnCodec.encode(List.of(studyRoute())));
    }

    @Test
    void studyRouteDecodesBack() throws Exception
    {
        final List<EvpnRoute> routes = EvpnCodec.decode(STUDY_NLRI);
        assertEquals(List.of(studyRoute()), routes);
        final EvpnRoute.MacIp route = (EvpnRoute.MacIp) routes.getFirst();
        assertEquals("192.168.50.11:148", route.rd().toString());
        assertEquals(136, route.vni());
        assertNull(route.label2());
    }

    /** The 20-bit form (136 << 4 = 00 08 80) is not undone: it reads as the 24-bit VNI 2176, by the one convention. */
    @Test
    void labelBytesAreTheWhole24BitVni() throws Exception
    {
        final byte[] shifted = STUDY_NLRI.clone();
        shifted[shifted.length - 2] = 0x08;
        shifted[shifted.length - 1] = (byte) 0x80;
        assertEquals(0x880, ((EvpnRoute.MacIp) EvpnCodec.decode(shifted).getFirst()).vni());
    }

    @Test
    void macIpRoundTripsWithIpv6NoIpAndSecondLabel() throws Exception
    {
        final RouteDistinguisher rd = new RouteDistinguisher(RouteDistinguisher.TYPE_AS2, 65000, 100);
        final byte[] esi = HexFormat.of().parseHex("00112233445566778899");
        final List<EvpnRoute> routes = List.of(
            new EvpnRoute.MacIp(rd, esi, 7, 0x020000000001L, InetAddress.getByName("2001:db8::8"), 0xFFFFFF, 5000),
            new EvpnRoute.MacIp(rd, esi, 0xFFFFFFFFL, 0xFFFFFFFFFFFFL, null, 0, null),
            new EvpnRoute.MacIp(new RouteDistinguisher(RouteDistinguisher.TYPE_AS4, 4200000000L, 65535), esi, 0, 1,
                InetAddress.getByName("10.0.0.1"), 10, 20));
        final byte[] wire = EvpnCodec.encode(routes);
        assertEquals(routes, EvpnCodec.decode(wire));
        assertEquals(2 + 8 + 10 + 4 + 1 + 6 + 1 + 16 + 3 + 3, wire[1] + 2, "IPv6 with two labels is 52 bytes of value");
    }

    @Test
    void inclusiveMulticastRoundTrips() throws Exception
    {
        final List<EvpnRoute> routes = List.of(
            new EvpnRoute.InclusiveMulticast(RouteDistinguisher.ipv4(172, 21, 64, 17, 3), 0, InetAddress.getByName("172.21.64.17")),
            new EvpnRoute.InclusiveMulticast(RouteDistinguisher.ipv4(1, 2, 3, 4, 5), 100, InetAddress.getByName("2001:db8::1")));
        final byte[] wire = EvpnCodec.encode(routes);
        assertArrayEquals(HexFormat.of().parseHex("0311" + "0001ac1540110003" + "00000000" + "20" + "ac154011"), java.util.Arrays.copyOf(wire, 19));
        assertEquals(routes, EvpnCodec.decode(wire));
    }

    @Test
    void unknownRouteTypeIsKeptRaw() throws Exception
    {
        final byte[] wire = HexFormat.of().parseHex("0503aabbcc" + "0400" + STUDY_NLRI_HEX);
        final List<EvpnRoute> routes = EvpnCodec.decode(wire);
        assertEquals(List.of(new EvpnRoute.Unknown(5, new byte[] {(byte) 0xaa, (byte) 0xbb, (byte) 0xcc}), new EvpnRoute.Unknown(4, new byte[0]),
            studyRoute()), routes);
        assertArrayEquals(wire, EvpnCodec.encode(routes));
    }

    private static final String STUDY_NLRI_HEX = HexFormat.of().formatHex(STUDY_NLRI);

    @Test
    void malformedRoutesAreInvalidNetworkField()
    {
        for (final String hex : List.of(
            "0225" + STUDY_NLRI_HEX.substring(4, STUDY_NLRI_HEX.length() - 2),  // route shorter than its length
            "0226" + STUDY_NLRI_HEX.substring(4) + "00",                        // one stray byte after label 1
            "0225" + STUDY_NLRI_HEX.substring(4).replace("3052da", "2f52da"),   // MAC length 47
            "0311" + "0001ac1540110003" + "00000000" + "00" + "ac154011",       // IP length 0 in type 3
            "03"))                                                               // no length byte
        {
            final BgpDecodeException e = assertThrows(BgpDecodeException.class, () -> EvpnCodec.decode(HexFormat.of().parseHex(hex)), hex);
            assertEquals(3, e.notificationCode());
            assertEquals(10, e.subcode());
        }
    }

    @Test
    void routeDistinguisherText()
    {
        assertEquals("65000:100", new RouteDistinguisher(0, 65000, 100).toString());
        assertEquals("4200000000:7", new RouteDistinguisher(2, 4200000000L, 7).toString());
        assertEquals("192.168.50.11:148", RouteDistinguisher.ipv4(192, 168, 50, 11, 148).toString());
    }
}
