package dev.nve.control.bgp;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What this host says about itself in EVPN routes: shared by {@link EvpnAdvertiser} (what we send)
 * and {@link EvpnLearner} (which route targets we import).
 *
 * @param as           our AS; the sessions are iBGP to a route reflector
 * @param routerId     the BGP identifier, also the administrator of our type-1 route distinguishers
 * @param vtep         our VXLAN tunnel endpoint, IPv4 or IPv6: the next hop of our routes
 * @param routeTargets explicit route targets per VNI, used both to export and to import; a VNI
 *                     absent here gets the auto-derived {@code AS:VNI} (RFC 8365 §5.1.2.1)
 */
public record EvpnLocal(long as, Inet4Address routerId, InetAddress vtep, Map<Integer, List<ExtendedCommunity.RouteTarget>> routeTargets)
{
    public EvpnLocal
    {
        if (as < 1 || as > 0xFFFF_FFFFL)
        {
            throw new IllegalArgumentException("AS " + as);
        }
        Objects.requireNonNull(routerId, "routerId");
        if (!(Objects.requireNonNull(vtep, "vtep") instanceof Inet4Address) && !(vtep instanceof Inet6Address))
        {
            throw new IllegalArgumentException("VTEP " + vtep);
        }
        final Map<Integer, List<ExtendedCommunity.RouteTarget>> copy = new HashMap<>();
        routeTargets.forEach((vni, targets) ->
        {
            if (targets.isEmpty())
            {
                throw new IllegalArgumentException("VNI " + vni + " has an empty route target list");
            }
            copy.put(vni, List.copyOf(targets));
        });
        routeTargets = Map.copyOf(copy);
    }

    /** Only auto-derived route targets. */
    public EvpnLocal(final long as, final Inet4Address routerId, final InetAddress vtep)
    {
        this(as, routerId, vtep, Map.of());
    }

    /**
     * The route distinguisher of our routes in {@code vni}: type 1, router id : the VNI's low 16
     * bits. The number only has to keep our VNIs' routes apart within the EVPN table of this
     * router id; two VNIs 65536 apart share it, which is harmless because the label (type 2) or the
     * route targets (type 3) still tell them apart, but the RR may then see one type-3 route only.
     */
    public RouteDistinguisher routeDistinguisher(final int vni)
    {
        final long id = Integer.toUnsignedLong(ByteBuffer.wrap(routerId.getAddress()).getInt());
        return new RouteDistinguisher(RouteDistinguisher.TYPE_IPV4, id, vni & 0xFFFF);
    }

    /** The configured targets of {@code vni}, else the auto-derived one; what we export and import. */
    public List<ExtendedCommunity.RouteTarget> routeTargets(final int vni)
    {
        final List<ExtendedCommunity.RouteTarget> configured = routeTargets.get(vni);
        return configured != null ? configured : List.of(autoRouteTarget(as, vni));
    }

    /**
     * {@code AS:VNI}: type 0x00 (2-octet AS, 4-octet number) when the AS fits 16 bits, else type
     * 0x02 (4-octet AS, 2-octet number), where only a VNI up to 65535 fits; a larger VNI with a
     * 4-octet AS is refused rather than truncated, since truncation would import another VNI's
     * routes: configure its route targets instead.
     */
    public static ExtendedCommunity.RouteTarget autoRouteTarget(final long as, final int vni)
    {
        if (as <= 0xFFFF)
        {
            return new ExtendedCommunity.RouteTarget(ExtendedCommunity.TYPE_AS2, as, vni);
        }
        if (vni > 0xFFFF)
        {
            throw new IllegalArgumentException("VNI " + vni + " does not fit the 2-octet number of a 4-octet-AS route target " + as
                + "; configure the VNI's route targets");
        }
        return new ExtendedCommunity.RouteTarget(ExtendedCommunity.TYPE_AS4, as, vni);
    }
}
