package dev.nve.control.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nve.control.bgp.ExtendedCommunity;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.nve.control.config.JsonFields.array;
import static dev.nve.control.config.JsonFields.integer;
import static dev.nve.control.config.JsonFields.ip;
import static dev.nve.control.config.JsonFields.onlyKnown;
import static dev.nve.control.config.JsonFields.string;

/**
 * The optional {@code bgp} section (docs/CONFIG.md): the EVPN speaker that {@code nve run}
 * starts. Parsed strictly here, so that a bad AS or hold time fails at load, naming the field.
 *
 * @param as       our AS (iBGP: each peer's is normally the same)
 * @param routerId our BGP identifier, an IPv4 address
 * @param holdTime the hold time offered, 0 or 3..65535 s
 * @param peers    the peers nve connects to (it never listens)
 * @param routeTargets route targets per VNI, to export and import; a VNI absent here gets the
 *                     auto-derived {@code AS:VNI}
 */
public record BgpConfig(long as, Inet4Address routerId, int holdTime, List<Peer> peers, Map<Integer, List<ExtendedCommunity.RouteTarget>> routeTargets)
{
    /** One peer: where to connect and the AS it must announce. */
    public record Peer(InetAddress address, long as, int port)
    {
    }

    private static final long MAX_AS = 0xFFFF_FFFFL;

    public BgpConfig
    {
        peers = List.copyOf(peers);
        routeTargets = Map.copyOf(routeTargets);
    }

    /** The section, or null when absent. */
    static BgpConfig parse(final JsonNode b) throws ConfigException
    {
        if (b == null || b.isNull())
        {
            return null;
        }
        onlyKnown(b, "bgp", Set.of("as", "routerId", "holdTime", "peers", "routeTargets"));
        final InetAddress id = ip(string(b, "bgp", "routerId"), "bgp.routerId");
        if (!(id instanceof Inet4Address routerId) || id.isAnyLocalAddress())
        {
            throw new ConfigException("bgp.routerId: expected a non-zero IPv4 address");
        }
        final int holdTime = integer(b, "bgp", "holdTime", 0, 65535, 90);
        if (holdTime > 0 && holdTime < 3)
        {
            throw new ConfigException("bgp.holdTime: " + holdTime + " is 1 or 2; expected 0 or 3..65535 (RFC 4271 §4.2)");
        }
        final List<Peer> peers = new ArrayList<>();
        final JsonNode list = array(b, "bgp", "peers");
        for (int i = 0; i < list.size(); i++)
        {
            final String path = "bgp.peers[" + i + "]";
            final JsonNode p = list.get(i);
            onlyKnown(p, path, Set.of("address", "as", "port"));
            final Peer peer = new Peer(ip(string(p, path, "address"), path + ".address"), as(p, path), integer(p, path, "port", 1, 65535, 179));
            if (peers.stream().anyMatch(q -> q.address().equals(peer.address()) && q.port() == peer.port()))
            {
                throw new ConfigException(path + ": " + peer.address().getHostAddress() + " port " + peer.port() + " given twice");
            }
            peers.add(peer);
        }
        if (peers.isEmpty())
        {
            throw new ConfigException("bgp.peers: expected at least one peer");
        }
        return new BgpConfig(as(b, "bgp"), routerId, holdTime, peers, routeTargets(b.get("routeTargets")));
    }

    /** {@code {"VNI": ["AS:N" | "IPv4:N", ...], ...}}; absent: none. */
    private static Map<Integer, List<ExtendedCommunity.RouteTarget>> routeTargets(final JsonNode node) throws ConfigException
    {
        final Map<Integer, List<ExtendedCommunity.RouteTarget>> targets = new LinkedHashMap<>();
        if (node == null || node.isNull())
        {
            return targets;
        }
        if (!node.isObject())
        {
            throw new ConfigException("bgp.routeTargets: expected an object {\"VNI\": [\"AS:N\", ...]}");
        }
        for (final Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); )
        {
            final Map.Entry<String, JsonNode> e = it.next();
            final String path = "bgp.routeTargets." + e.getKey();
            final int vni;
            try
            {
                vni = Integer.parseInt(e.getKey());
            }
            catch (final NumberFormatException x)
            {
                throw new ConfigException(path + ": the key must be a VNI (1..16777215)");
            }
            if (vni < 1 || vni > 0xFF_FFFF)
            {
                throw new ConfigException(path + ": the key must be a VNI (1..16777215)");
            }
            if (!e.getValue().isArray() || e.getValue().isEmpty())
            {
                throw new ConfigException(path + ": expected a non-empty array of \"AS:N\" or \"IPv4:N\"");
            }
            final List<ExtendedCommunity.RouteTarget> list = new ArrayList<>();
            for (int i = 0; i < e.getValue().size(); i++)
            {
                final JsonNode t = e.getValue().get(i);
                try
                {
                    if (!t.isTextual())
                    {
                        throw new IllegalArgumentException("expected a string \"AS:N\" or \"IPv4:N\"");
                    }
                    list.add(ExtendedCommunity.RouteTarget.parse(t.asText()));
                }
                catch (final IllegalArgumentException x)
                {
                    throw new ConfigException(path + "[" + i + "]: " + x.getMessage());
                }
            }
            targets.put(vni, list);
        }
        return targets;
    }

    /** An AS: 1..4294967295 (wider than {@link JsonFields#integer}'s int). */
    private static long as(final JsonNode node, final String path) throws ConfigException
    {
        final JsonNode value = node.get("as");
        if (value == null || value.isNull())
        {
            throw new ConfigException(path + ".as: required");
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 1 || value.asLong() > MAX_AS)
        {
            throw new ConfigException(path + ".as: expected an AS number 1.." + MAX_AS);
        }
        return value.asLong();
    }
}
