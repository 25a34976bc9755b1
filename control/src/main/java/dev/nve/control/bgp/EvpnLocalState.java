package dev.nve.control.bgp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.dataplane.table.Macs;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * This host's VNIs and endpoints as {@code dump networks} and {@code dump endpoints} show them, read
 * on the control thread at start and after every request that changed them: what the speaker
 * advertises ({@link EvpnLocalRoutes}), which VNIs it learns for, and which MACs it must never
 * install as remote.
 *
 * @param vnis      the local networks
 * @param endpoints the local endpoints that are on one of those networks
 */
public record EvpnLocalState(Set<Integer> vnis, List<Endpoint> endpoints)
{
    /** A local endpoint: its network, MAC and IPs. */
    public record Endpoint(int vni, long mac, List<InetAddress> ips)
    {
        public Endpoint
        {
            ips = List.copyOf(ips);
        }
    }

    public EvpnLocalState
    {
        vnis = Set.copyOf(vnis);
        endpoints = List.copyOf(endpoints);
    }

    /** From the results of {@code dump networks} and {@code dump endpoints} (docs/CONTROL.md). */
    public static EvpnLocalState fromDumps(final JsonNode networks, final JsonNode endpoints)
    {
        final Set<Integer> vnis = new LinkedHashSet<>();
        networks.forEach(n -> vnis.add(n.get("vni").asInt()));
        final List<Endpoint> list = new ArrayList<>();
        for (final JsonNode e : endpoints)
        {
            if (e.has("vni") && vnis.contains(e.get("vni").asInt()))
            {
                final List<InetAddress> ips = new ArrayList<>();
                e.path("ips").forEach(ip -> ips.add(InetAddress.ofLiteral(ip.asText())));
                list.add(new Endpoint(e.get("vni").asInt(), Macs.parse(e.get("mac").asText()), ips));
            }
        }
        return new EvpnLocalState(vnis, list);
    }

    public boolean isLocalMac(final int vni, final long mac)
    {
        return endpoints.stream().anyMatch(e -> e.vni() == vni && e.mac() == mac);
    }

    /**
     * {@code ops} without the FDB changes for a local endpoint's MAC: a peer may still advertise
     * a MAC that is here now, and the control socket refuses {@code fdb.add} for it (CONFLICT),
     * which would fail the whole batch. The endpoint stays local until it is deleted here.
     */
    public List<ObjectNode> withoutLocalMacs(final List<ObjectNode> ops)
    {
        return ops.stream().filter(op ->
        {
            final String name = op.path("op").asText();
            final JsonNode p = op.path("params");
            return !(name.equals("fdb.add") || name.equals("fdb.del")) || !isLocalMac(p.path("vni").asInt(), Macs.parse(p.path("mac").asText()));
        }).toList();
    }
}
