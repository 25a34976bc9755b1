package dev.nve.control.bgp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Endpoints → EVPN routes → wire → the other host's table operations, and back. */
class EvpnTranslationTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAC = 0x0200_0000_000aL;
    private static final String MAC_TEXT = "02:00:00:00:00:0a";

    static InetAddress ip(final String text) throws Exception
    {
        return InetAddress.getByName(text);
    }

    static EvpnLocal host(final String vtep) throws Exception
    {
        return new EvpnLocal(65000, (Inet4Address) ip(vtep), ip(vtep));
    }

    static BgpMessage.Update wire(final BgpMessage.Update update) throws Exception
    {
        return (BgpMessage.Update) BgpCodec.decode(ByteBuffer.wrap(BgpCodec.encode(update)));
    }

    static JsonNode op(final String json) throws Exception
    {
        return JSON.readTree(json);
    }

    static List<JsonNode> ops(final String... json) throws Exception
    {
        final List<JsonNode> list = new ArrayList<>();
        for (final String j : json)
        {
            list.add(op(j));
        }
        return list;
    }

    static String fdbAdd(final int vni, final String vtep)
    {
        return "{\"op\":\"fdb.add\",\"params\":{\"vni\":" + vni + ",\"mac\":\"" + MAC_TEXT + "\",\"vtep\":\"" + vtep + "\"}}";
    }

    static String fdbDel(final int vni)
    {
        return "{\"op\":\"fdb.del\",\"params\":{\"vni\":" + vni + ",\"mac\":\"" + MAC_TEXT + "\"}}";
    }

    static String neigh(final String op, final int vni, final String ip)
    {
        return "{\"op\":\"neigh." + op + "\",\"params\":{\"vni\":" + vni + ",\"ip\":\"" + ip + "\"" + (op.equals("add") ? ",\"mac\":\"" + MAC_TEXT + "\"" : "")
            + "}}";
    }

    static String flood(final String op, final int vni, final String vtep)
    {
        return "{\"op\":\"flood." + op + "\",\"params\":{\"vni\":" + vni + ",\"vtep\":\"" + vtep + "\"}}";
    }

    static EvpnLearner learner() throws Exception
    {
        return new EvpnLearner(host("198.18.0.2"), vni -> vni == 100 || vni == 136);
    }

    /** A type-2 UPDATE from {@code vtep} with the given sequence, through the codec. */
    static BgpMessage.Update mac(final String vtep, final long sequence) throws Exception
    {
        return wire(EvpnAdvertiser.macIp(host(vtep), 100, MAC, List.of(), sequence));
    }

    @Test
    void advertisedRoutesAreLearnedOnTheOtherHost() throws Exception
    {
        final EvpnLocal a = host("198.18.0.1");
        final EvpnLearner b = learner();
        final List<InetAddress> ips = List.of(ip("198.19.0.10"), ip("fd00::10"));
        assertEquals(ops(fdbAdd(100, "198.18.0.1"), neigh("add", 100, "198.19.0.10"), neigh("add", 100, "fd00:0:0:0:0:0:0:10")),
            b.learn("rr", wire(EvpnAdvertiser.macIp(a, 100, MAC, ips, 0))), "the MAC, then the proxy entries for ARP/ND suppression");
        assertEquals(ops(flood("add", 100, "198.18.0.1")), b.learn("rr", wire(EvpnAdvertiser.inclusiveMulticast(a, 100))));
        assertEquals(Map.of(new EvpnLearner.VniIp(100, ips.get(0)), MAC, new EvpnLearner.VniIp(100, ips.get(1)), MAC), b.proxy());
        assertThrows(UnsupportedOperationException.class, () -> b.proxy().clear());

        assertEquals(ops(neigh("del", 100, "198.19.0.10"), fdbDel(100), neigh("del", 100, "fd00:0:0:0:0:0:0:10")),
            b.learn("rr", wire(EvpnAdvertiser.withdrawMacIp(a, 100, MAC, ips))));
        assertTrue(b.proxy().isEmpty());
        assertEquals(ops(flood("del", 100, "198.18.0.1")), b.learn("rr", wire(EvpnAdvertiser.withdrawInclusiveMulticast(a, 100))));
    }

    @Test
    void advertisementCarriesTheRfcAttributes() throws Exception
    {
        final EvpnLocal a = host("198.18.0.1");
        final BgpMessage.Update update = wire(EvpnAdvertiser.macIp(a, 0x12_3456, MAC, List.of(ip("198.19.0.10")), 7));
        assertEquals(new PathAttribute.Origin(0), update.attribute(PathAttribute.ORIGIN));
        assertEquals(new PathAttribute.AsPath(List.of()), update.attribute(PathAttribute.AS_PATH));
        // iBGP: RFC 4271 §5.1.5 requires LOCAL_PREF; FRR treats an UPDATE without it as a withdrawal
        assertEquals(new PathAttribute.LocalPref(100), update.attribute(PathAttribute.LOCAL_PREF));
        final MpReach reach = (MpReach) update.attribute(PathAttribute.MP_REACH_NLRI);
        assertEquals(25, reach.afi());
        assertEquals(70, reach.safi());
        assertEquals(List.of(
            new EvpnRoute.MacIp(RouteDistinguisher.ipv4(198, 18, 0, 1, 0x3456), EvpnRoute.MacIp.singleHomed(), 0, MAC, null, 0x12_3456, null),
            new EvpnRoute.MacIp(RouteDistinguisher.ipv4(198, 18, 0, 1, 0x3456), EvpnRoute.MacIp.singleHomed(), 0, MAC, ip("198.19.0.10"), 0x12_3456, null)),
            reach.routes());
        assertEquals(List.of(ExtendedCommunity.RouteTarget.as2(65000, 0x12_3456), new ExtendedCommunity.Encapsulation(8),
            new ExtendedCommunity.MacMobility(0, 7)), ((PathAttribute.ExtendedCommunities) update.attribute(PathAttribute.EXTENDED_COMMUNITIES)).communities());

        final BgpMessage.Update imet = wire(EvpnAdvertiser.inclusiveMulticast(a, 100));
        assertEquals(PathAttribute.PmsiTunnel.ingressReplication(100, ip("198.18.0.1")), imet.attribute(PathAttribute.PMSI_TUNNEL));
        assertEquals(new PathAttribute.LocalPref(100), imet.attribute(PathAttribute.LOCAL_PREF));
        assertEquals(List.of(new EvpnRoute.InclusiveMulticast(RouteDistinguisher.ipv4(198, 18, 0, 1, 100), 0, ip("198.18.0.1"))),
            ((MpReach) imet.attribute(PathAttribute.MP_REACH_NLRI)).routes());
        assertNull(wire(EvpnAdvertiser.macIp(a, 100, MAC, List.of(), 0)).attribute(PathAttribute.PMSI_TUNNEL));
    }

    @Test
    void routeTargetsAutoDerivedOrConfigured() throws Exception
    {
        assertEquals(new ExtendedCommunity.RouteTarget(ExtendedCommunity.TYPE_AS4, 4_200_000_000L, 100), EvpnLocal.autoRouteTarget(4_200_000_000L, 100));
        assertThrows(IllegalArgumentException.class, () -> EvpnLocal.autoRouteTarget(4_200_000_000L, 70_000));
        final ExtendedCommunity.RouteTarget rt = ExtendedCommunity.RouteTarget.as2(64512, 9);
        final EvpnLocal a = new EvpnLocal(65000, (Inet4Address) ip("198.18.0.1"), ip("198.18.0.1"), Map.of(100, List.of(rt)));
        assertEquals(List.of(rt), a.routeTargets(100));
        assertEquals(List.of(ExtendedCommunity.RouteTarget.as2(65000, 200)), a.routeTargets(200));
        final BgpMessage.Update update = wire(EvpnAdvertiser.macIp(a, 100, MAC, List.of(), 0));
        assertTrue(((PathAttribute.ExtendedCommunities) update.attribute(PathAttribute.EXTENDED_COMMUNITIES)).communities().contains(rt));
        final EvpnLearner auto = learner();
        assertEquals(List.of(), auto.learn("rr", update));
        assertEquals(1, auto.ignoredRouteTarget());
        final EvpnLearner configured = new EvpnLearner(new EvpnLocal(65000, (Inet4Address) ip("198.18.0.2"), ip("198.18.0.2"), Map.of(100, List.of(rt))),
            vni -> vni == 100);
        assertEquals(ops(fdbAdd(100, "198.18.0.1")), configured.learn("rr", update));
    }

    /** The study's route; 10.1.2.8 is only a byte vector here, never traffic. */
    @Test
    void studyRouteFromADecodedUpdate() throws Exception
    {
        final InetAddress studyIp = InetAddress.getByAddress(new byte[] {10, 1, 2, 8});
        final EvpnRoute route = new EvpnRoute.MacIp(RouteDistinguisher.ipv4(192, 168, 50, 11, 148), EvpnRoute.MacIp.singleHomed(), 0, 0x52da46137e7dL,
            studyIp, 136, null);
        final BgpMessage.Update update = wire(BgpMessage.Update.of(List.of(new PathAttribute.Origin(0), new PathAttribute.AsPath(List.of()),
            MpReach.evpn(ip("198.18.0.5"), List.of(route)),
            new PathAttribute.ExtendedCommunities(List.of(ExtendedCommunity.RouteTarget.as2(65000, 136), new ExtendedCommunity.Encapsulation(8))))));
        final EvpnLearner b = learner();
        assertEquals(List.of(op("{\"op\":\"fdb.add\",\"params\":{\"vni\":136,\"mac\":\"52:da:46:13:7e:7d\",\"vtep\":\"198.18.0.5\"}}"),
            op("{\"op\":\"neigh.add\",\"params\":{\"vni\":136,\"ip\":\"10.1.2.8\",\"mac\":\"52:da:46:13:7e:7d\"}}")), b.learn("rr", update));
        assertEquals(Map.of(new EvpnLearner.VniIp(136, studyIp), 0x52da46137e7dL), b.proxy());
    }

    @Test
    void aLostSessionsRoutesStayStaleUntilSentAgainOrExpired() throws Exception
    {
        final EvpnLocal a = host("198.18.0.1");
        final EvpnLearner b = learner();
        b.learn("rr", wire(EvpnAdvertiser.macIp(a, 100, MAC, List.of(), 0)));
        b.learn("rr", wire(EvpnAdvertiser.inclusiveMulticast(a, 100)));
        final long other = 0x0200_0000_000bL;
        b.learn("rr", wire(EvpnAdvertiser.macIp(a, 100, other, List.of(), 0)));

        b.peerLost("rr");
        assertEquals(0, b.routes("rr"));
        assertEquals(3, b.staleRoutes("rr"), "kept, installed: nothing to apply yet");
        assertTrue(b.describe().stream().allMatch(v -> v.state().equals("stale, installed")), b.describe().toString());

        // the peer is back and sends two of its three routes again: they are no longer stale, and nothing changes
        assertEquals(List.of(), b.learn("rr", wire(EvpnAdvertiser.macIp(a, 100, MAC, List.of(), 0))));
        assertEquals(List.of(), b.learn("rr", wire(EvpnAdvertiser.inclusiveMulticast(a, 100))));
        assertEquals(1, b.staleRoutes("rr"));
        assertEquals(ops("{\"op\":\"fdb.del\",\"params\":{\"vni\":100,\"mac\":\"02:00:00:00:00:0b\"}}"), b.expireStale("rr"),
            "what it did not send again goes");
        assertEquals(List.of(), b.expireStale("rr"));
        assertEquals(ops(fdbDel(100), flood("del", 100, "198.18.0.1")), b.peerDown("rr"), "a session that is gone for good takes the rest");
    }

    @Test
    void macMobilityHigherSequenceMovesLowerIsIgnored() throws Exception
    {
        final EvpnLearner b = learner();
        assertEquals(ops(fdbAdd(100, "198.18.0.3")), b.learn("p1", mac("198.18.0.3", 0)));
        assertEquals(ops(fdbAdd(100, "198.18.0.4")), b.learn("p2", mac("198.18.0.4", 1)));
        assertEquals(List.of(), b.learn("p1", mac("198.18.0.3", 0)));
        assertEquals(List.of(), b.learn("p3", mac("198.18.0.1", 1)), "equal sequence: the installed VTEP stays");
        assertEquals(ops(fdbAdd(100, "198.18.0.3")), b.learn("p1", mac("198.18.0.3", 2)));
        assertEquals(ops(fdbAdd(100, "198.18.0.1")), b.learn("p1", wire(EvpnAdvertiser.withdrawMacIp(host("198.18.0.3"), 100, MAC, List.of()))),
            "fallback among equal sequences: the lowest VTEP");
    }

    @Test
    void withdrawOnlyTheInstalledRouteAndFallBack() throws Exception
    {
        final EvpnLearner b = learner();
        b.learn("p1", mac("198.18.0.3", 0));
        b.learn("p2", mac("198.18.0.4", 0));
        assertEquals(List.of(), b.learn("p2", wire(EvpnAdvertiser.withdrawMacIp(host("198.18.0.4"), 100, MAC, List.of()))));
        b.learn("p2", mac("198.18.0.4", 0));
        assertEquals(ops(fdbAdd(100, "198.18.0.4")), b.learn("p1", wire(EvpnAdvertiser.withdrawMacIp(host("198.18.0.3"), 100, MAC, List.of()))));
        assertEquals(ops(fdbDel(100)), b.learn("p2", wire(EvpnAdvertiser.withdrawMacIp(host("198.18.0.4"), 100, MAC, List.of()))));
        assertEquals(List.of(), b.learn("p2", wire(EvpnAdvertiser.withdrawMacIp(host("198.18.0.4"), 100, MAC, List.of()))), "unknown withdrawal");

        final BgpMessage.Update imet = wire(EvpnAdvertiser.inclusiveMulticast(host("198.18.0.3"), 100));
        assertEquals(ops(flood("add", 100, "198.18.0.3")), b.learn("rr1", imet));
        assertEquals(List.of(), b.learn("rr2", imet), "a second route to the same VTEP");
        final BgpMessage.Update gone = wire(EvpnAdvertiser.withdrawInclusiveMulticast(host("198.18.0.3"), 100));
        assertEquals(List.of(), b.learn("rr1", gone));
        assertEquals(ops(flood("del", 100, "198.18.0.3")), b.learn("rr2", gone));
    }

    @Test
    void peerDownWithdrawsItsRoutesAndFallsBack() throws Exception
    {
        final EvpnLearner b = learner();
        b.learn("p1", mac("198.18.0.3", 1));
        b.learn("p1", wire(EvpnAdvertiser.inclusiveMulticast(host("198.18.0.3"), 100)));
        b.learn("p2", mac("198.18.0.4", 0));
        b.learn("p2", wire(EvpnAdvertiser.inclusiveMulticast(host("198.18.0.4"), 100)));
        assertEquals(ops(fdbAdd(100, "198.18.0.4"), flood("del", 100, "198.18.0.3")), b.peerDown("p1"));
        assertEquals(List.of(), b.peerDown("p1"));
        assertEquals(ops(fdbDel(100), flood("del", 100, "198.18.0.4")), b.peerDown("p2"));
    }

    @Test
    void foreignVniOwnVtepAndOtherEncapsulationAreIgnored() throws Exception
    {
        final EvpnLearner b = learner();
        assertEquals(List.of(), b.learn("rr", wire(EvpnAdvertiser.macIp(host("198.18.0.3"), 200, MAC, List.of(), 0))));
        assertEquals(List.of(), b.learn("rr", wire(EvpnAdvertiser.inclusiveMulticast(host("198.18.0.3"), 200))));
        assertEquals(2, b.ignoredVni());
        assertEquals(List.of(), b.learn("rr", mac("198.18.0.2", 0)), "our own route reflected back");
        final BgpMessage.Update mpls = wire(BgpMessage.Update.of(List.of(new PathAttribute.Origin(0), new PathAttribute.AsPath(List.of()),
            MpReach.evpn(ip("198.18.0.3"), List.of(macOnly(100))),
            new PathAttribute.ExtendedCommunities(List.of(ExtendedCommunity.RouteTarget.as2(65000, 100), new ExtendedCommunity.Encapsulation(10))))));
        assertEquals(List.of(), b.learn("rr", mpls));
        assertEquals(2, b.ignoredOther());
        assertEquals(0, b.ignoredRouteTarget());
    }

    /** Without the encapsulation community the route is taken as VXLAN (see {@link EvpnLearner}). */
    @Test
    void routeWithoutEncapsulationCommunityIsVxlan() throws Exception
    {
        final BgpMessage.Update bare = wire(BgpMessage.Update.of(List.of(new PathAttribute.Origin(0), new PathAttribute.AsPath(List.of()),
            MpReach.evpn(ip("198.18.0.3"), List.of(macOnly(100))),
            new PathAttribute.ExtendedCommunities(List.of(ExtendedCommunity.RouteTarget.as2(65000, 100))))));
        assertEquals(ops(fdbAdd(100, "198.18.0.3")), learner().learn("rr", bare));
    }

    @Test
    void ipv6Vtep() throws Exception
    {
        final EvpnLocal a = new EvpnLocal(65000, (Inet4Address) ip("198.18.0.1"), ip("fd00:18::1"));
        final BgpMessage.Update update = wire(EvpnAdvertiser.macIp(a, 100, MAC, List.of(ip("fd00::10")), 0));
        assertEquals(16, ((MpReach) update.attribute(PathAttribute.MP_REACH_NLRI)).nextHop().length);
        final EvpnLearner b = learner();
        final String vtep = ip("fd00:18::1").getHostAddress();
        assertEquals(ops(fdbAdd(100, vtep), neigh("add", 100, "fd00:0:0:0:0:0:0:10")), b.learn("rr", update));
        assertEquals(ops(flood("add", 100, vtep)), b.learn("rr", wire(EvpnAdvertiser.inclusiveMulticast(a, 100))));
        assertEquals(ops(fdbDel(100), neigh("del", 100, "fd00:0:0:0:0:0:0:10"), flood("del", 100, vtep)), b.peerDown("rr"));
        assertFalse(b.proxy().containsKey(new EvpnLearner.VniIp(100, ip("fd00::10"))));
    }

    private static EvpnRoute macOnly(final int vni)
    {
        return new EvpnRoute.MacIp(RouteDistinguisher.ipv4(198, 18, 0, 3, vni), EvpnRoute.MacIp.singleHomed(), 0, MAC, null, vni, null);
    }
}
