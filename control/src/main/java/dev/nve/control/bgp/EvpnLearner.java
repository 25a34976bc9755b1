package dev.nve.control.bgp;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.dataplane.table.Macs;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Turns received EVPN routes into the control socket's {@code fdb.add}, {@code fdb.del},
 * {@code flood.add}, {@code flood.del}, {@code neigh.add} and {@code neigh.del} operations, which
 * the speaker applies as one batch per UPDATE. It remembers every accepted route per peer, so that
 * a withdrawal or a lost peer falls back to another peer's route for the same MAC or VTEP instead
 * of leaving a hole, and every received route (accepted or not: the Adj-RIB-In), so that a
 * network added here later is learned from what the peers already sent ({@link #relearn}). A
 * peer whose session is lost keeps its routes installed, stale, for a while ({@link #peerLost}):
 * a restarting route reflector does not take every remote MAC away with it.
 * <p>
 * Acceptance: a route is used only if its VNI (type 2: the label; type 3: the PMSI tunnel label,
 * else a non-zero Ethernet tag) is local and it carries one of that VNI's import route targets
 * ({@link EvpnLocal#routeTargets(int)}: the configured ones, else auto {@code AS:VNI}); others
 * are ignored and counted. A route without the BGP encapsulation community is taken as VXLAN:
 * RFC 8365 §5.1.3 makes MPLS the default "or a statically configured encapsulation", and nve's
 * static encapsulation is VXLAN, which also keeps peers that omit the community working. A route
 * naming another encapsulation only is ignored. Routes with our own VTEP as next hop are ignored.
 * <p>
 * Which of several routes for one MAC wins (MAC mobility) is {@link EvpnMacTable}'s to say; a
 * missing MAC mobility community is sequence 0. Not thread-safe: the speaker's one thread owns it.
 */
public final class EvpnLearner
{
    /** A key of the proxy table: an IP of a remote endpoint in a VNI. */
    public record VniIp(int vni, InetAddress ip)
    {
    }

    private record VniVtep(int vni, InetAddress vtep)
    {
    }

    private record FloodKey(String peer, RouteDistinguisher rd, long tag, InetAddress originator)
    {
    }

    /** A received route with what the learner reads of its UPDATE. */
    private record Received(EvpnRoute route, InetAddress vtep, List<ExtendedCommunity> communities, PathAttribute.PmsiTunnel pmsi)
    {
    }

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final EvpnLocal local;
    private final Predicate<Integer> localVni;
    private final EvpnMacTable macs = new EvpnMacTable();
    private final Map<FloodKey, VniVtep> floodRoutes = new LinkedHashMap<>();
    private final Map<VniVtep, Integer> floodRefs = new LinkedHashMap<>();
    private final Map<String, Map<EvpnRoute, Received>> ribIn = new LinkedHashMap<>();
    /** Routes of a lost session kept installed until they are sent again or {@link #expireStale}. */
    private final Map<String, Map<EvpnRoute, Received>> stale = new LinkedHashMap<>();
    private long ignoredVni;
    private long ignoredRouteTarget;
    private long ignoredOther;

    public EvpnLearner(final EvpnLocal local, final Predicate<Integer> localVni)
    {
        this.local = local;
        this.localVni = localVni;
    }

    /** The operations that bring the tables in line with {@code update} from {@code peer}: withdrawals first. */
    public List<ObjectNode> learn(final String peer, final BgpMessage.Update update)
    {
        final List<ObjectNode> ops = new ArrayList<>();
        final Map<EvpnRoute, Received> rib = ribIn.computeIfAbsent(peer, k -> new LinkedHashMap<>());
        final Map<EvpnRoute, Received> staleOfPeer = stale.getOrDefault(peer, new LinkedHashMap<>());
        if (update.attribute(PathAttribute.MP_UNREACH_NLRI) instanceof MpUnreach unreach && MpUnreach.isEvpn(unreach.afi(), unreach.safi()))
        {
            for (final EvpnRoute route : unreach.routes())
            {
                rib.remove(ribKey(route));
                staleOfPeer.remove(ribKey(route));
                withdraw(peer, route, ops);
            }
        }
        if (update.attribute(PathAttribute.MP_REACH_NLRI) instanceof MpReach reach && MpUnreach.isEvpn(reach.afi(), reach.safi()))
        {
            final InetAddress vtep = nextHop(reach.nextHop());
            final List<ExtendedCommunity> communities = update.attribute(PathAttribute.EXTENDED_COMMUNITIES) instanceof PathAttribute.ExtendedCommunities e
                ? e.communities() : List.of();
            final PathAttribute.PmsiTunnel pmsi = update.attribute(PathAttribute.PMSI_TUNNEL) instanceof PathAttribute.PmsiTunnel p ? p : null;
            for (final EvpnRoute route : reach.routes())
            {
                final Received received = new Received(route, vtep, communities, pmsi);
                rib.put(ribKey(route), received);
                staleOfPeer.remove(ribKey(route)); // sent again: no longer stale
                learn(peer, received, ops);
            }
        }
        return ops;
    }

    /**
     * The operations for the routes already received that are accepted now and were not before:
     * after a network was added here. Routes learned already change nothing.
     */
    public List<ObjectNode> relearn()
    {
        final List<ObjectNode> ops = new ArrayList<>();
        final long[] ignored = {ignoredVni, ignoredRouteTarget, ignoredOther};
        ribIn.forEach((peer, rib) -> rib.values().forEach(received -> learn(peer, received, ops)));
        stale.forEach((peer, rib) -> rib.values().forEach(received -> learn(peer, received, ops)));
        ignoredVni = ignored[0]; // each route was counted when it arrived
        ignoredRouteTarget = ignored[1];
        ignoredOther = ignored[2];
        return ops;
    }

    /**
     * Forgets what was installed for {@code vni}, without operations: the network is gone here
     * and its entries went with it ({@code network.del}). The received routes stay.
     */
    public void forgetVni(final int vni)
    {
        macs.forgetVni(vni);
        floodRoutes.values().removeIf(entry -> entry.vni() == vni);
        floodRefs.keySet().removeIf(entry -> entry.vni() == vni);
    }

    /**
     * {@code (vni, mac)} is a local endpoint here now, or no longer: while it is, no FDB
     * operation is made for it; when it stops, the operations install the best remote route.
     */
    public List<ObjectNode> local(final int vni, final long mac, final boolean isLocal)
    {
        final List<ObjectNode> ops = new ArrayList<>();
        macs.local(vni, mac, isLocal, ops);
        return ops;
    }

    /** The best route a peer advertises for {@code (vni, mac)}, or null: what a local endpoint competes with. */
    EvpnMacTable.Best best(final int vni, final long mac)
    {
        return macs.best(vni, mac);
    }

    /** The EVPN routes {@code peer} advertises now, accepted or not. */
    public int routes(final String peer)
    {
        return ribIn.getOrDefault(peer, Map.of()).size();
    }

    /** The routes of {@code peer}'s lost session still kept, stale. */
    public int staleRoutes(final String peer)
    {
        return stale.getOrDefault(peer, Map.of()).size();
    }

    /** Every received route, by peer, with what became of it. */
    List<EvpnRouteView> describe()
    {
        final List<EvpnRouteView> views = new ArrayList<>();
        ribIn.forEach((peer, rib) -> rib.values().forEach(r -> views.add(describe(peer, r, ""))));
        stale.forEach((peer, rib) -> rib.values().forEach(r -> views.add(describe(peer, r, "stale, "))));
        return views;
    }

    /** One received route; {@code prefix} marks the stale ones. */
    private EvpnRouteView describe(final String peer, final Received r, final String prefix)
    {
        final String nextHop = r.vtep() == null ? "?" : r.vtep().getHostAddress();
        return switch (r.route())
        {
            case EvpnRoute.MacIp m -> new EvpnRouteView(peer, "mac-ip", m.rd().toString(), m.vni(), Macs.format(m.mac()),
                m.ip() == null ? "" : m.ip().getHostAddress(), nextHop, sequence(r.communities()),
                prefix + macs.state(new EvpnMacTable.Key(peer, m.rd(), m.ethernetTag(), m.mac(), m.ip())));
            case EvpnRoute.InclusiveMulticast im -> new EvpnRouteView(peer, "multicast", im.rd().toString(), r.pmsi() != null ? (int)r.pmsi().label()
                : (int)im.ethernetTag(), "", im.originator().getHostAddress(), nextHop, 0,
                prefix + (floodRoutes.containsKey(new FloodKey(peer, im.rd(), im.ethernetTag(), im.originator())) ? "installed" : "ignored"));
            case EvpnRoute.Unknown u -> new EvpnRouteView(peer, "type " + u.routeType(), "", 0, "", "", nextHop, 0, prefix + "ignored");
        };
    }

    private static long sequence(final List<ExtendedCommunity> communities)
    {
        return communities.stream().filter(c -> c instanceof ExtendedCommunity.MacMobility)
            .mapToLong(c -> ((ExtendedCommunity.MacMobility) c).sequence()).max().orElse(0);
    }

    private void learn(final String peer, final Received received, final List<ObjectNode> ops)
    {
        switch (received.route())
        {
            case EvpnRoute.MacIp m -> learnMac(peer, m, received.vtep(), received.communities(), ops);
            case EvpnRoute.InclusiveMulticast im -> learnFlood(peer, im, received.pmsi(), received.communities(), ops);
            case EvpnRoute.Unknown u -> ignoredOther++;
        }
    }

    /** A route's identity in the Adj-RIB-In: the NLRI without its label (RFC 7432 §7.2), as withdrawals name it. */
    private static EvpnRoute ribKey(final EvpnRoute route)
    {
        return route instanceof EvpnRoute.MacIp m
            ? new EvpnRoute.MacIp(m.rd(), m.esi(), m.ethernetTag(), m.mac(), m.ip(), 0, null) : route;
    }

    /**
     * {@code peer}'s session is lost but the peer may come back (a restart): its routes stay
     * installed, stale, until it sends them again or {@link #expireStale} withdraws the rest.
     */
    public void peerLost(final String peer)
    {
        final Map<EvpnRoute, Received> rib = ribIn.remove(peer);
        if (rib != null)
        {
            stale.computeIfAbsent(peer, k -> new LinkedHashMap<>()).putAll(rib);
        }
    }

    /** The operations that withdraw {@code peer}'s stale routes: those it has not sent again since {@link #peerLost}. */
    public List<ObjectNode> expireStale(final String peer)
    {
        final List<ObjectNode> ops = new ArrayList<>();
        final Map<EvpnRoute, Received> old = stale.remove(peer);
        if (old != null)
        {
            old.values().forEach(r -> withdraw(peer, r.route(), ops));
        }
        return ops;
    }

    /** The operations that forget everything {@code peer} told us, falling back to other peers' routes. */
    public List<ObjectNode> peerDown(final String peer)
    {
        final List<ObjectNode> ops = new ArrayList<>();
        ribIn.remove(peer);
        stale.remove(peer);
        macs.removePeer(peer, ops);
        for (final FloodKey key : List.copyOf(floodRoutes.keySet()))
        {
            if (key.peer().equals(peer))
            {
                unref(floodRoutes.remove(key), ops);
            }
        }
        return ops;
    }

    /**
     * (VNI, IP) → MAC of the remote endpoints: what the {@code neigh.add} operations put in the
     * ARP/ND proxy table; a read-only live view.
     */
    public Map<VniIp, Long> proxy()
    {
        return macs.proxy();
    }

    /** Routes ignored because their VNI is not on this host. */
    public long ignoredVni()
    {
        return ignoredVni;
    }

    /** Routes of a local VNI ignored because none of their route targets is imported. */
    public long ignoredRouteTarget()
    {
        return ignoredRouteTarget;
    }

    /** Routes ignored for any other reason: encapsulation, own VTEP, bad next hop or MAC, unknown type. */
    public long ignoredOther()
    {
        return ignoredOther;
    }

    private void learnMac(final String peer, final EvpnRoute.MacIp route, final InetAddress vtep, final List<ExtendedCommunity> communities,
        final List<ObjectNode> ops)
    {
        final boolean unicast = route.mac() != 0 && (route.mac() & 0x0100_0000_0000L) == 0;
        ignoredOther += unicast ? 0 : 1;
        if (!unicast || !accepted(route.vni(), communities, vtep))
        {
            withdraw(peer, route, ops); // an implicit withdrawal of what this key said before
            return;
        }
        macs.put(new EvpnMacTable.Key(peer, route.rd(), route.ethernetTag(), route.mac(), route.ip()), route.vni(), vtep, sequence(communities), ops);
    }

    private void learnFlood(final String peer, final EvpnRoute.InclusiveMulticast route, final PathAttribute.PmsiTunnel pmsi,
        final List<ExtendedCommunity> communities, final List<ObjectNode> ops)
    {
        final long vni = pmsi != null ? pmsi.label() : route.ethernetTag();
        final boolean usable = (pmsi == null || pmsi.tunnelType() == PathAttribute.PmsiTunnel.INGRESS_REPLICATION) && vni != 0 && vni <= 0xFF_FFFF;
        ignoredOther += usable ? 0 : 1;
        if (!usable || !accepted((int) vni, communities, route.originator()))
        {
            withdraw(peer, route, ops);
            return;
        }
        final VniVtep entry = new VniVtep((int) vni, route.originator());
        final VniVtep previous = floodRoutes.put(new FloodKey(peer, route.rd(), route.ethernetTag(), route.originator()), entry);
        if (!entry.equals(previous))
        {
            ref(entry, ops);
            if (previous != null)
            {
                unref(previous, ops);
            }
        }
    }

    /** Whether a route of {@code vni} through {@code vtep} with these communities is for us; counts it if not. */
    private boolean accepted(final int vni, final List<ExtendedCommunity> communities, final InetAddress vtep)
    {
        if (!localVni.test(vni))
        {
            ignoredVni++;
            return false;
        }
        List<ExtendedCommunity.RouteTarget> imported;
        try
        {
            imported = local.routeTargets(vni);
        }
        catch (final IllegalArgumentException e)
        {
            imported = List.of(); // a 4-octet AS with a VNI too wide to derive from: nothing imports
        }
        if (communities.stream().noneMatch(imported::contains))
        {
            ignoredRouteTarget++;
            return false;
        }
        final boolean encapsulated = communities.stream().anyMatch(c -> c instanceof ExtendedCommunity.Encapsulation);
        final boolean vxlan = communities.contains(new ExtendedCommunity.Encapsulation(ExtendedCommunity.Encapsulation.VXLAN));
        if (vtep == null || vtep.equals(local.vtep()) || encapsulated && !vxlan)
        {
            ignoredOther++;
            return false;
        }
        return true;
    }

    private void withdraw(final String peer, final EvpnRoute route, final List<ObjectNode> ops)
    {
        switch (route)
        {
            case EvpnRoute.MacIp m -> macs.remove(new EvpnMacTable.Key(peer, m.rd(), m.ethernetTag(), m.mac(), m.ip()), ops);
            case EvpnRoute.InclusiveMulticast im ->
            {
                final VniVtep removed = floodRoutes.remove(new FloodKey(peer, im.rd(), im.ethernetTag(), im.originator()));
                if (removed != null)
                {
                    unref(removed, ops);
                }
            }
            case EvpnRoute.Unknown u ->
            {
            }
        }
    }

    private void ref(final VniVtep entry, final List<ObjectNode> ops)
    {
        if (floodRefs.merge(entry, 1, Integer::sum) == 1)
        {
            ops.add(op("flood.add", JSON.objectNode().put("vni", entry.vni()).put("vtep", entry.vtep().getHostAddress())));
        }
    }

    private void unref(final VniVtep entry, final List<ObjectNode> ops)
    {
        if (floodRefs.merge(entry, -1, Integer::sum) == 0)
        {
            floodRefs.remove(entry);
            ops.add(op("flood.del", JSON.objectNode().put("vni", entry.vni()).put("vtep", entry.vtep().getHostAddress())));
        }
    }

    /** One batch item, {@code {op, params}}, as {@code TableOps} takes it. */
    static ObjectNode op(final String name, final ObjectNode params)
    {
        final ObjectNode op = JSON.objectNode().put("op", name);
        op.set("params", params);
        return op;
    }

    /** The VTEP of an EVPN next hop: 4 bytes, 16, or 32 (IPv6 global + link-local: the global); else null. */
    private static InetAddress nextHop(final byte[] bytes)
    {
        try
        {
            return bytes.length == 4 || bytes.length == 16 ? InetAddress.getByAddress(bytes)
                : bytes.length == 32 ? InetAddress.getByAddress(Arrays.copyOf(bytes, 16)) : null;
        }
        catch (final UnknownHostException e)
        {
            return null;
        }
    }
}
