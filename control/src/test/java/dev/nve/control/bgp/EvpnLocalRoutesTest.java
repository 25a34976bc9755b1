package dev.nve.control.bgp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What this host advertises as its networks and endpoints change after start, and MAC mobility
 * (RFC 7432 §15) between a local endpoint and peers' routes for its MAC: every UPDATE goes
 * through the codec, and is read back as the routes and sequence numbers it carries.
 */
final class EvpnLocalRoutesTest
{
    private static final long MAC_A = 0x02_00_00_00_00_0aL;
    private static final long MAC_B = 0x02_00_00_00_00_0bL;

    private final List<String> log = new ArrayList<>();

    private static InetAddress ip(final String text) throws Exception
    {
        return InetAddress.getByName(text);
    }

    private static EvpnLocal host(final String address) throws Exception
    {
        return new EvpnLocal(65000, (Inet4Address)ip(address), ip(address));
    }

    private static BgpMessage.Update wire(final BgpMessage.Update update) throws Exception
    {
        return (BgpMessage.Update)BgpCodec.decode(ByteBuffer.wrap(BgpCodec.encode(update)));
    }

    private static EvpnLocalState state(final Set<Integer> vnis, final EvpnLocalState.Endpoint... endpoints)
    {
        return new EvpnLocalState(vnis, List.of(endpoints));
    }

    /** One line per UPDATE: "+" and the advertised routes with "seq N" when it carries MAC mobility, or "-" and the withdrawn ones. */
    private static List<String> describe(final List<BgpMessage.Update> updates) throws Exception
    {
        final List<String> lines = new ArrayList<>();
        for (final BgpMessage.Update raw : updates)
        {
            final BgpMessage.Update u = wire(raw);
            if (u.attribute(PathAttribute.MP_REACH_NLRI) instanceof MpReach reach)
            {
                final long sequence = u.attribute(PathAttribute.EXTENDED_COMMUNITIES) instanceof PathAttribute.ExtendedCommunities e
                    ? e.communities().stream().filter(c -> c instanceof ExtendedCommunity.MacMobility).mapToLong(c -> ((ExtendedCommunity.MacMobility)c).sequence())
                    .max().orElse(-1) : -1;
                lines.add("+" + routes(reach.routes()) + (sequence >= 0 ? " seq " + sequence : ""));
            }
            if (u.attribute(PathAttribute.MP_UNREACH_NLRI) instanceof MpUnreach unreach)
            {
                lines.add("-" + routes(unreach.routes()));
            }
        }
        return lines;
    }

    private static String routes(final List<EvpnRoute> routes)
    {
        final List<String> names = new ArrayList<>();
        for (final EvpnRoute r : routes)
        {
            names.add(switch (r)
            {
                case EvpnRoute.MacIp m -> String.format("mac %x vni %d%s", m.mac() & 0xFF, m.vni(), m.ip() == null ? "" : " " + m.ip().getHostAddress());
                case EvpnRoute.InclusiveMulticast im -> "imet " + im.rd();
                case EvpnRoute.Unknown u -> "?";
            });
        }
        return names.toString();
    }

    /** A host's learner and routes, wired as the speaker wires them (the learner asks the routes which VNIs are local). */
    private final class Host
    {
        final EvpnLearner learner;
        final EvpnLocalRoutes routes;

        Host(final String vtep) throws Exception
        {
            final EvpnLocalRoutes[] routesOf = new EvpnLocalRoutes[1];
            learner = new EvpnLearner(host(vtep), vni -> routesOf[0].isLocalVni(vni));
            routes = routesOf[0] = new EvpnLocalRoutes(host(vtep), learner, log::add);
        }
    }

    @Test
    void endpointsAndNetworksAddedOrRemovedAfterStartAreAdvertisedAndWithdrawn() throws Exception
    {
        final EvpnLocalRoutes routes = new Host("198.18.0.1").routes;
        final EvpnLocalState.Endpoint a = new EvpnLocalState.Endpoint(100, MAC_A, List.of(ip("198.19.0.10")));
        assertEquals(List.of("+[imet 198.18.0.1:100]", "+[mac a vni 100, mac a vni 100 198.19.0.10]"),
            describe(routes.apply(state(Set.of(100), a)).updates()));

        final EvpnLocalState.Endpoint b = new EvpnLocalState.Endpoint(100, MAC_B, List.of(ip("198.19.0.11"), ip("fd00::11")));
        assertEquals(List.of("+[mac b vni 100, mac b vni 100 198.19.0.11, mac b vni 100 fd00:0:0:0:0:0:0:11]"),
            describe(routes.apply(state(Set.of(100), a, b)).updates()), "only the new endpoint, sequence 0 (no MAC mobility community)");
        assertEquals(List.of(), routes.apply(state(Set.of(100), a, b)).updates(), "the same state again sends nothing");

        final EvpnLocalState.Endpoint bV4Only = new EvpnLocalState.Endpoint(100, MAC_B, List.of(ip("198.19.0.11")));
        assertEquals(List.of("-[mac b vni 100 fd00:0:0:0:0:0:0:11]", "+[mac b vni 100, mac b vni 100 198.19.0.11]"),
            describe(routes.apply(state(Set.of(100), a, bV4Only)).updates()), "an address gone: its route withdrawn, the MAC route kept");

        final EvpnLocalState.Endpoint bIn200 = new EvpnLocalState.Endpoint(200, MAC_B, List.of(ip("198.19.0.11")));
        assertEquals(List.of("-[mac b vni 100, mac b vni 100 198.19.0.11]", "+[imet 198.18.0.1:200]", "+[mac b vni 200, mac b vni 200 198.19.0.11]"),
            describe(routes.apply(state(Set.of(100, 200), a, bIn200)).updates()), "the endpoint moved to a new network");

        assertEquals(List.of("-[mac a vni 100, mac a vni 100 198.19.0.10]", "-[imet 198.18.0.1:100]"),
            describe(routes.apply(state(Set.of(200), bIn200)).updates()), "endpoint and network deleted");
        assertEquals(List.of("+[imet 198.18.0.1:200]", "+[mac b vni 200, mac b vni 200 198.19.0.11]"), describe(routes.all()),
            "what a peer Established now is sent");
        assertEquals(3, routes.routeCount(), "one type 3, two type 2 (MAC only, MAC + IP)");
        assertEquals(List.of(), log);
    }

    @Test
    void aNetworkAddedHereIsLearnedFromRoutesThePeersSentBefore() throws Exception
    {
        final Host here = new Host("198.18.0.1");
        final EvpnLearner learner = here.learner;
        final EvpnLocalRoutes routes = here.routes;
        routes.apply(state(Set.of(100)));
        final EvpnLocal peer = host("198.18.0.2");
        assertEquals(List.of(), learner.learn("rr", wire(EvpnAdvertiser.macIp(peer, 200, MAC_A, List.of(), 0))), "VNI 200 is not here yet");
        assertEquals(List.of(), learner.learn("rr", wire(EvpnAdvertiser.inclusiveMulticast(peer, 200))));
        assertEquals(2, learner.ignoredVni());

        final EvpnLocalRoutes.Changes added = routes.apply(state(Set.of(100, 200)));
        assertEquals("[{\"op\":\"fdb.add\",\"params\":{\"vni\":200,\"mac\":\"02:00:00:00:00:0a\",\"vtep\":\"198.18.0.2\"}}, "
            + "{\"op\":\"flood.add\",\"params\":{\"vni\":200,\"vtep\":\"198.18.0.2\"}}]", added.ops().toString());
        assertEquals(List.of("+[imet 198.18.0.1:200]"), describe(added.updates()));
        assertEquals(2, learner.ignoredVni(), "relearning counts nothing twice");

        assertEquals(List.of(), routes.apply(state(Set.of(100))).ops(), "network.del took its entries; nothing to delete");
        assertEquals(2, routes.apply(state(Set.of(100, 200))).ops().size(), "back again: learned again");
    }

    @Test
    void anEndpointThatMovesHereWinsBySequenceAndOneThatMovesAwayIsWithdrawn() throws Exception
    {
        final Host here = new Host("198.18.0.1");
        final EvpnLearner learner = here.learner;
        final EvpnLocalRoutes routes = here.routes;
        routes.apply(state(Set.of(100)));
        final EvpnLocal other = host("198.18.0.2");
        final List<InetAddress> ips = List.of(ip("198.19.0.10"));
        assertEquals(2, learner.learn("rr", wire(EvpnAdvertiser.macIp(other, 100, MAC_A, ips, 0))).size(), "fdb.add and neigh.add at 198.18.0.2");

        // the container moves here: advertised above the other host's sequence; its remote entry is replaced by the endpoint
        final EvpnLocalState.Endpoint a = new EvpnLocalState.Endpoint(100, MAC_A, ips);
        final EvpnLocalRoutes.Changes moved = routes.apply(state(Set.of(100), a));
        assertEquals(List.of("+[mac a vni 100, mac a vni 100 198.19.0.10] seq 1"), describe(moved.updates()));
        assertEquals(List.of(), moved.ops());
        assertTrue(log.getLast().contains("moved here from VTEP 198.18.0.2 (its sequence 0); advertising sequence 1"), log.toString());
        assertEquals(List.of(), routes.remoteChanged(Set.of(MAC_A)), "the other host's old route does not beat ours");

        // the other host claims it again with our sequence: on a tie the lower VTEP (ours) wins
        assertEquals(List.of(), learner.learn("rr", wire(EvpnAdvertiser.macIp(other, 100, MAC_A, ips, 1))), "still local here: no FDB change");
        assertEquals(List.of(), routes.remoteChanged(Set.of(MAC_A)), "sequence 1 against our 1: the lower VTEP (ours) wins");

        // it moves again, to the other host (sequence 2): we withdraw, the endpoint stays until deleted
        learner.learn("rr", wire(EvpnAdvertiser.macIp(other, 100, MAC_A, ips, 2)));
        assertEquals(List.of("-[mac a vni 100, mac a vni 100 198.19.0.10]"), describe(routes.remoteChanged(Set.of(MAC_A))));
        assertTrue(log.getLast().contains("moved to VTEP 198.18.0.2 (sequence 2 against ours 1)"), log.toString());
        assertEquals(0, routes.advertisedEndpoints());
        assertEquals(1, routes.withheldEndpoints());
        assertEquals(List.of(), describe(routes.all()).stream().filter(l -> l.contains("mac")).toList(), "a new peer is not told either");
        assertEquals(List.of("local mac-ip 198.18.0.1:100 02:00:00:00:00:0a  seq 1 withheld", "local mac-ip 198.18.0.1:100 02:00:00:00:00:0a 198.19.0.10 seq 1 withheld"),
            views(routes.describe()).stream().filter(v -> v.contains("mac-ip")).toList());
        assertEquals(List.of("rr mac-ip 198.18.0.2:100 02:00:00:00:00:0a  seq 2 local here", "rr mac-ip 198.18.0.2:100 02:00:00:00:00:0a 198.19.0.10 seq 2 local here"),
            views(learner.describe()));

        // the other host's route goes while the endpoint is still here: advertised again, above the sequence that beat it
        learner.learn("rr", wire(EvpnAdvertiser.withdrawMacIp(other, 100, MAC_A, ips)));
        assertEquals(List.of("+[mac a vni 100, mac a vni 100 198.19.0.10] seq 3"), describe(routes.remoteChanged(Set.of(MAC_A))));

        // and it moves away for good: the endpoint is deleted here, and the other host's route installed
        learner.learn("rr", wire(EvpnAdvertiser.macIp(other, 100, MAC_A, ips, 4)));
        assertEquals(List.of("-[mac a vni 100, mac a vni 100 198.19.0.10]"), describe(routes.remoteChanged(null)));
        final EvpnLocalRoutes.Changes deleted = routes.apply(state(Set.of(100)));
        assertEquals(List.of(), deleted.updates(), "withdrawn already");
        assertEquals("[{\"op\":\"fdb.add\",\"params\":{\"vni\":100,\"mac\":\"02:00:00:00:00:0a\",\"vtep\":\"198.18.0.2\"}}]", deleted.ops().toString());
        assertEquals(List.of("rr mac-ip 198.18.0.2:100 02:00:00:00:00:0a  seq 4 installed", "rr mac-ip 198.18.0.2:100 02:00:00:00:00:0a 198.19.0.10 seq 4 installed"),
            views(learner.describe()));
    }

    private static List<String> views(final List<EvpnRouteView> views)
    {
        return views.stream().map(v -> v.from() + " " + v.type() + " " + v.rd() + " " + v.mac() + " " + v.ip() + " seq " + v.sequence() + " " + v.state()).toList();
    }

    @Test
    void aNetworkWithoutARouteTargetIsLeftOutAndSaidSo() throws Exception
    {
        final EvpnLocal wideAs = new EvpnLocal(4_200_000_000L, (Inet4Address)ip("198.18.0.1"), ip("198.18.0.1"));
        final EvpnLocalRoutes routes = new EvpnLocalRoutes(wideAs, new EvpnLearner(wideAs, vni -> true), log::add);
        final EvpnLocalRoutes.Changes changes = routes.apply(state(Set.of(100, 70000), new EvpnLocalState.Endpoint(70000, MAC_A, List.of())));
        assertEquals(List.of("+[imet 198.18.0.1:100]"), describe(changes.updates()), "VNI 70000 has no room in a 4-octet AS's route target");
        assertTrue(routes.isLocalVni(100));
        assertTrue(!routes.isLocalVni(70000), "nor learned");
        assertEquals(1, log.size(), log.toString());
        assertTrue(log.getFirst().startsWith("VNI 70000 is neither advertised nor learned: "), log.getFirst());
        routes.apply(state(Set.of(100, 70000)));
        assertEquals(1, log.size(), "said once");
    }

    @Test
    void twoHostsWithTheSameMacAndSequenceKeepTheLowerVtep() throws Exception
    {
        final Host here = new Host("198.18.0.5");
        final EvpnLearner learner = here.learner;
        final EvpnLocalRoutes routes = here.routes;
        routes.apply(state(Set.of(100), new EvpnLocalState.Endpoint(100, MAC_A, List.of())));
        final List<ObjectNode> ops = learner.learn("rr", wire(EvpnAdvertiser.macIp(host("198.18.0.2"), 100, MAC_A, List.of(), 0)));
        assertEquals(List.of(), ops, "the MAC is local here: no FDB operation");
        assertEquals(List.of("-[mac a vni 100]"), describe(routes.remoteChanged(Set.of(MAC_A))), "198.18.0.2 < 198.18.0.5 wins the tie (RFC 7432 §15.1)");
    }
}
