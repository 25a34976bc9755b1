package dev.nve.control.bgp;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the UPDATEs that advertise and withdraw this host's endpoints and VNIs (RFC 7432,
 * RFC 8365). Stateless: the speaker decides when to send; this only decides what.
 * <p>
 * Every route is single-homed (ESI 0) with Ethernet tag 0 (VLAN-based service, one VNI per
 * EVI) and carries the VNI as the 24-bit label. The UPDATEs are for iBGP to a route reflector:
 * ORIGIN IGP, an empty AS_PATH and LOCAL_PREF 100 (RFC 4271 §5.1.5: a speaker SHALL include it in
 * every UPDATE to an internal peer; FRR treats an iBGP UPDATE without it as a withdrawal).
 */
public final class EvpnAdvertiser
{
    private static final int ORIGIN_IGP = 0;
    /** The default LOCAL_PREF of BGP implementations (FRR, GoBGP, Cisco, Juniper). */
    private static final long LOCAL_PREF = 100;

    private EvpnAdvertiser()
    {
    }

    /**
     * Type-2 routes for an endpoint: one MAC-only route and one per IP, so that a peer learns the
     * MAC even when it ignores the IP routes. {@code sequence} > 0 adds MAC mobility (RFC 7432
     * §15): the endpoint moved here and the peers must prefer us to the older location.
     */
    public static BgpMessage.Update macIp(final EvpnLocal local, final int vni, final long mac, final List<InetAddress> ips, final long sequence)
    {
        final List<ExtendedCommunity> communities = communities(local, vni);
        if (sequence > 0)
        {
            communities.add(new ExtendedCommunity.MacMobility(0, sequence));
        }
        return BgpMessage.Update.of(List.of(new PathAttribute.Origin(ORIGIN_IGP), new PathAttribute.AsPath(List.of()), new PathAttribute.LocalPref(LOCAL_PREF),
            MpReach.evpn(local.vtep(), macIpRoutes(local, vni, mac, ips)), new PathAttribute.ExtendedCommunities(communities)));
    }

    /** Withdraws what {@link #macIp} advertised for the same endpoint (same NLRI, no other attribute). */
    public static BgpMessage.Update withdrawMacIp(final EvpnLocal local, final int vni, final long mac, final List<InetAddress> ips)
    {
        return BgpMessage.Update.of(List.of(MpUnreach.evpn(macIpRoutes(local, vni, mac, ips))));
    }

    /** Withdraws the MAC + IP routes of {@code ips} only: the endpoint keeps its MAC route and other addresses. */
    public static BgpMessage.Update withdrawIps(final EvpnLocal local, final int vni, final long mac, final List<InetAddress> ips)
    {
        final List<EvpnRoute> routes = macIpRoutes(local, vni, mac, ips);
        return BgpMessage.Update.of(List.of(MpUnreach.evpn(routes.subList(1, routes.size()))));
    }

    /**
     * The type-3 route of a local VNI: "send this VNI's BUM traffic to us" by ingress replication
     * (PMSI tunnel type 6, tunnel id = our VTEP, label = the VNI, RFC 8365 §5.1.3).
     */
    public static BgpMessage.Update inclusiveMulticast(final EvpnLocal local, final int vni)
    {
        return BgpMessage.Update.of(List.of(new PathAttribute.Origin(ORIGIN_IGP), new PathAttribute.AsPath(List.of()), new PathAttribute.LocalPref(LOCAL_PREF),
            MpReach.evpn(local.vtep(), List.of(inclusiveMulticastRoute(local, vni))), new PathAttribute.ExtendedCommunities(communities(local, vni)),
            PathAttribute.PmsiTunnel.ingressReplication(vni, local.vtep())));
    }

    /** Withdraws the type-3 route of {@code vni}. */
    public static BgpMessage.Update withdrawInclusiveMulticast(final EvpnLocal local, final int vni)
    {
        return BgpMessage.Update.of(List.of(MpUnreach.evpn(List.of(inclusiveMulticastRoute(local, vni)))));
    }

    private static List<EvpnRoute> macIpRoutes(final EvpnLocal local, final int vni, final long mac, final List<InetAddress> ips)
    {
        final RouteDistinguisher rd = local.routeDistinguisher(vni);
        final List<EvpnRoute> routes = new ArrayList<>(ips.size() + 1);
        routes.add(new EvpnRoute.MacIp(rd, EvpnRoute.MacIp.singleHomed(), 0, mac, null, vni, null));
        for (final InetAddress ip : ips)
        {
            routes.add(new EvpnRoute.MacIp(rd, EvpnRoute.MacIp.singleHomed(), 0, mac, ip, vni, null));
        }
        return routes;
    }

    private static EvpnRoute inclusiveMulticastRoute(final EvpnLocal local, final int vni)
    {
        return new EvpnRoute.InclusiveMulticast(local.routeDistinguisher(vni), 0, local.vtep());
    }

    /** The route targets, then the encapsulation (VXLAN); mutable so that MAC mobility can follow. */
    private static List<ExtendedCommunity> communities(final EvpnLocal local, final int vni)
    {
        final List<ExtendedCommunity> communities = new ArrayList<>(local.routeTargets(vni));
        communities.add(new ExtendedCommunity.Encapsulation(ExtendedCommunity.Encapsulation.VXLAN));
        return communities;
    }
}
