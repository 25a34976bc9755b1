package dev.nve.control.bgp;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Real captures from the shared corpus. The counts were checked with tshark
 * ({@code -T fields -e bgp.type -e bgp.evpn.nlri.rt -e bgp.update.path_attribute.type_code}).
 */
class BgpRealCaptureTest
{
    @Test
    void evpnPacket1HasTenMacIpAndThreeInclusiveMulticastRoutes() throws Exception
    {
        final List<BgpMessage> messages = decodeAll("bgp_tcpdump-pr1233_bgp-evpn-pkt-1.pcap");
        assertEquals(7, messages.size());
        assertTrue(messages.stream().allMatch(BgpMessage.Update.class::isInstance));
        final Map<Integer, Integer> types = routeTypes(messages, PathAttribute.MP_REACH_NLRI);
        assertEquals(Map.of(2, 10, 3, 3), types);
        for (final BgpMessage message : messages)
        {
            final BgpMessage.Update update = (BgpMessage.Update) message;
            final MpReach reach = (MpReach) update.attribute(PathAttribute.MP_REACH_NLRI);
            if (reach.afi() != EvpnCodec.AFI_L2VPN)
            {
                assertEquals(1, reach.safi(), "the one non-EVPN UPDATE is IPv4 unicast over an IPv6 next hop, kept raw");
                assertEquals(32, reach.nextHop().length);
                continue;
            }
            if (reach.routes().getFirst() instanceof EvpnRoute.InclusiveMulticast im)
            {
                final PathAttribute.PmsiTunnel pmsi = (PathAttribute.PmsiTunnel) update.attribute(PathAttribute.PMSI_TUNNEL);
                assertEquals(PathAttribute.PmsiTunnel.INGRESS_REPLICATION, pmsi.tunnelType());
                assertEquals(im.originator(), InetAddress.getByAddress(pmsi.tunnelId()));
                assertEquals("172.21.64.17", im.originator().getHostAddress());
            }
            final PathAttribute.AsPath path = (PathAttribute.AsPath) update.attribute(PathAttribute.AS_PATH);
            assertEquals(List.of(4200005792L, 4200004867L), path.segments().getFirst().asns());
        }
    }

    @Test
    void evpnPacket2WithdrawsMacIpRoutes() throws Exception
    {
        final List<BgpMessage> messages = decodeAll("bgp_tcpdump-pr1233_bgp-evpn-pkt-2.pcap");
        assertEquals(3, messages.size());
        assertEquals(Map.of(2, 3), routeTypes(messages, PathAttribute.MP_REACH_NLRI));
        assertEquals(Map.of(2, 2), routeTypes(messages, PathAttribute.MP_UNREACH_NLRI));
    }

    @Test
    void encapsulatedType2CarriesRouteTargetVxlanAndVni101() throws Exception
    {
        final List<BgpMessage> messages = decodeAll("bgp_tcpdump_bgp-encap-evpn-type2.pcap");
        assertEquals(1, messages.size());
        final BgpMessage.Update update = (BgpMessage.Update) messages.getFirst();
        final MpReach reach = (MpReach) update.attribute(PathAttribute.MP_REACH_NLRI);
        final EvpnRoute.MacIp route = (EvpnRoute.MacIp) only(reach.routes());
        assertEquals(101, route.vni(), "tshark: VNI 101, label bytes 00 00 65, the 24-bit convention");
        assertEquals(0x02060a0efaf3L, route.mac());
        assertEquals("4.4.4.4:4", route.rd().toString());
        final PathAttribute.ExtendedCommunities communities = (PathAttribute.ExtendedCommunities) update.attribute(PathAttribute.EXTENDED_COMMUNITIES);
        assertEquals(List.of(ExtendedCommunity.RouteTarget.as2(65000, 101), new ExtendedCommunity.Encapsulation(ExtendedCommunity.Encapsulation.VXLAN)),
            communities.communities());
        assertEquals("65000:101", communities.communities().getFirst().toString());
    }

    @Test
    void evpnOpenOffersL2vpnEvpnAndFourOctetAs() throws Exception
    {
        final BgpMessage.Open open = (BgpMessage.Open) only(decodeAll("bgp_tcpdump_bgp-evpn-open.pcap"));
        assertTrue(open.capabilities().contains(Capability.Multiprotocol.evpn()));
        assertTrue(open.supportsFourOctetAs());
        assertEquals(4, open.version());
    }

    /**
     * Four of the twenty OPENs lack the 4-octet AS capability, so each session's AS_PATH width
     * follows its two OPENs (RFC 6793 §4), as a speaker's would.
     */
    @Test
    void multipleSessionsDecodeWithoutError() throws Exception
    {
        final Map<Integer, Integer> types = new TreeMap<>();
        final Map<String, List<Boolean>> opens = new HashMap<>();
        int twoOctetUpdates = 0;
        for (final BgpPcaps.Segment segment : BgpPcaps.segments("bgp_netgauze_multiple-sessions.pcap"))
        {
            final List<Boolean> offers = opens.computeIfAbsent(segment.session(), s -> new ArrayList<>());
            final boolean fourOctetAs = !offers.contains(false);
            final ByteBuffer stream = ByteBuffer.wrap(segment.payload());
            for (final BgpMessage message : BgpFraming.split(stream, fourOctetAs))
            {
                types.merge(message.type(), 1, Integer::sum);
                if (message instanceof BgpMessage.Open open)
                {
                    offers.add(open.supportsFourOctetAs());
                }
                twoOctetUpdates += message instanceof BgpMessage.Update && !fourOctetAs ? 1 : 0;
                assertEquals(message, BgpCodec.decode(ByteBuffer.wrap(BgpCodec.encode(message, fourOctetAs)), fourOctetAs));
            }
            assertFalse(stream.hasRemaining(), "a message spans segments");
        }
        assertEquals(Map.of(1, 20, 2, 100, 4, 171), types, "tshark: 20 OPEN, 100 UPDATE, 171 KEEPALIVE");
        assertTrue(twoOctetUpdates > 0, "some UPDATEs were read with 2-octet AS numbers");
    }

    @Test
    void malformedCapturesOnlyEndInDecodeExceptionsOrNotifications() throws Exception
    {
        for (final String name : List.of("malformed_tcpdump_bgp_mp_reach_nlri-oobr.pcap", "malformed_tcpdump_bgp-malformed-hard-reset.pcap"))
        {
            for (final byte[] payload : BgpPcaps.payloads(name))
            {
                // Every marker in the payload, not just the first, so that the codec sees each embedded message.
                for (int at = 0; at + BgpCodec.HEADER_LENGTH <= payload.length; at++)
                {
                    tryDecode(ByteBuffer.wrap(payload, at, payload.length - at));
                }
            }
        }
        final List<BgpMessage> hardReset = decodeAll("malformed_tcpdump_bgp-malformed-hard-reset.pcap");
        final BgpMessage.Notification notification = assertInstanceOf(BgpMessage.Notification.class, only(hardReset));
        assertEquals(6, notification.code());
        assertEquals(9, notification.subcode());
        assertFalse(BgpPcaps.payloads("malformed_tcpdump_bgp_mp_reach_nlri-oobr.pcap").isEmpty());
    }

    private static <T> T only(final List<T> list)
    {
        assertEquals(1, list.size(), "exactly one element in " + list);
        return list.getFirst();
    }

    private static void tryDecode(final ByteBuffer buffer)
    {
        try
        {
            BgpCodec.decode(buffer);
        }
        catch (final BgpDecodeException e)
        {
            // the allowed outcome
        }
        catch (final RuntimeException e)
        {
            fail("unexpected " + e, e);
        }
    }

    /** Every message of every BGP segment, each also re-encoded and decoded to the same value. */
    private static List<BgpMessage> decodeAll(final String name) throws Exception
    {
        final List<BgpMessage> messages = new ArrayList<>();
        for (final byte[] payload : BgpPcaps.payloads(name))
        {
            final ByteBuffer stream = ByteBuffer.wrap(payload);
            messages.addAll(BgpFraming.split(stream, true));
            assertFalse(stream.hasRemaining(), name + ": a message spans segments");
        }
        for (final BgpMessage message : messages)
        {
            assertEquals(message, BgpCodec.decode(ByteBuffer.wrap(BgpCodec.encode(message))), name);
        }
        return messages;
    }

    private static Map<Integer, Integer> routeTypes(final List<BgpMessage> messages, final int attributeType)
    {
        final Map<Integer, Integer> counts = new TreeMap<>();
        for (final BgpMessage message : messages)
        {
            final PathAttribute attribute = ((BgpMessage.Update) message).attribute(attributeType);
            final List<EvpnRoute> routes = switch (attribute)
            {
                case MpReach reach -> reach.routes();
                case MpUnreach unreach -> unreach.routes();
                case null, default -> List.of();
            };
            routes.forEach(r -> counts.merge(r.routeType(), 1, Integer::sum));
        }
        return counts;
    }
}
