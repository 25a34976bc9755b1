package dev.nve.control.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.config.ConfigException;
import dev.nve.control.config.HostConfig;
import dev.nve.control.config.SecurityConfig;
import dev.nve.control.socket.ControlException;
import dev.nve.control.socket.ErrorCode;
import dev.nve.dataplane.table.IpCache;
import dev.nve.dataplane.table.Macs;
import dev.nve.dataplane.table.PortTable;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code endpoint.add} and {@code endpoint.del}: a local endpoint (a container) on one of the
 * ports nve serves, with its network, MAC, addresses and labels, and the dump of endpoints. An
 * endpoint's identity comes from its labels (or is given); its addresses go into the ipcache of
 * its network (and of its ILA zone for IPv6), so that policies see them from every side.
 */
final class EndpointOps
{
    private final OpsContext c;
    private final PolicyOps policies;
    private final Map<String, HostConfig.Endpoint> endpoints = new LinkedHashMap<>();

    private EndpointOps(final OpsContext c, final PolicyOps policies)
    {
        this.c = c;
        this.policies = policies;
        c.config().endpoints().forEach(e -> endpoints.put(e.port(), e));
    }

    static EndpointOps register(final Map<String, Op> ops, final OpsContext c, final PolicyOps policies)
    {
        final EndpointOps e = new EndpointOps(c, policies);
        ops.put("endpoint.add", e::add);
        ops.put("endpoint.del", e::delete);
        return e;
    }

    private Object add(final ObjectNode params, final Undo undo) throws ControlException
    {
        final HostConfig.Endpoint parsed;
        try
        {
            parsed = HostConfig.parseEndpoint(params, "endpoint.add: params");
        }
        catch (final ConfigException e)
        {
            throw new ControlException(ErrorCode.BAD_PARAM, e.getMessage());
        }
        final Tables tables = c.tables();
        final int port = tables.ports().find(parsed.port());
        if (port < 0)
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "endpoint.add: " + parsed.port() + " is not a port of this nve (its ports are the config's)");
        }
        final HostConfig.Endpoint present = endpoints.get(parsed.port());
        if (present != null && tables.ports().role(port) == PortTable.ROLE_ENDPOINT && present.vni() == parsed.vni() && present.mac() == parsed.mac()
            && present.ips().equals(parsed.ips()) && present.labels().equals(parsed.labels()) && present.ilaTenant() == parsed.ilaTenant()
            && (!params.hasNonNull("identity") || present.identity() == parsed.identity()))
        {
            // the same endpoint again (a config applied twice): nothing to do
            return OpsContext.JSON.createObjectNode().put("port", parsed.port()).put("identity", present.identity()).put("changed", false);
        }
        if (tables.ports().role(port) != PortTable.ROLE_NONE)
        {
            throw new ControlException(ErrorCode.CONFLICT, "endpoint.add: port " + parsed.port() + " is " + (tables.ports().role(port) == PortTable.ROLE_UNDERLAY
                ? "the underlay" : "in use by an endpoint; endpoint.del it first"));
        }
        int identity = parsed.identity();
        if (!parsed.labels().isEmpty())
        {
            final boolean known = c.identities().identityOf(parsed.labels()) >= 0;
            try
            {
                identity = params.hasNonNull("identity") ? c.identities().register(parsed.labels(), parsed.identity()) : c.identities().register(parsed.labels());
            }
            catch (final IllegalArgumentException e)
            {
                throw new ControlException(ErrorCode.CONFLICT, "endpoint.add: params.labels: " + e.getMessage());
            }
            if (!known)
            {
                policies.recompile(undo);
            }
        }
        final HostConfig.Endpoint endpoint = new HostConfig.Endpoint(parsed.name(), parsed.port(), parsed.vni(), parsed.mac(), parsed.ips(), parsed.labels(),
            identity, parsed.ilaTenant());
        final TableWriter w = c.writer();
        // the endpoint takes over a remote FDB entry for its MAC (it moved here): an undo puts that back too
        final InetAddress remote = endpoint.vni() >= 0 && tables.networks().find(endpoint.vni()) >= 0 ? w.remoteVtep(endpoint.vni(), endpoint.mac()) : null;
        w.addEndpoint(endpoint.port(), endpoint.vni(), endpoint.mac(), endpoint.identity(), endpoint.ilaTenant());
        undo.record(() ->
        {
            w.removeEndpoint(endpoint.port());
            if (remote != null)
            {
                w.addRemoteMac(endpoint.vni(), endpoint.mac(), remote);
            }
        });
        endpoints.put(endpoint.port(), endpoint);
        undo.record(() -> endpoints.remove(endpoint.port()));
        if (identity > 0)
        {
            for (final SecurityConfig.Placement p : placements(endpoint))
            {
                final int zone = p.zone();
                final InetAddress ip = p.ip();
                final int before = tables.ipCache().lookup(zone, IpCache.high(ip), IpCache.low(ip));
                w.setIpIdentity(zone, ip, identity);
                undo.record(before == IpCache.MISSING ? () -> w.removeIpIdentity(zone, ip) : () -> w.setIpIdentity(zone, ip, before));
            }
        }
        return OpsContext.JSON.createObjectNode().put("port", endpoint.port()).put("identity", identity);
    }

    private Object delete(final ObjectNode params, final Undo undo) throws ControlException
    {
        final Params p = Params.of("endpoint.del", params, "port");
        final String port = p.string("port");
        final HostConfig.Endpoint endpoint = endpoints.get(port);
        if (endpoint == null || c.tables().ports().role(c.tables().ports().find(port)) != PortTable.ROLE_ENDPOINT)
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "endpoint.del: no endpoint on port " + port);
        }
        final TableWriter w = c.writer();
        final Tables tables = c.tables();
        w.removeEndpoint(port);
        undo.record(() -> w.addEndpoint(endpoint.port(), endpoint.vni(), endpoint.mac(), endpoint.identity(), endpoint.ilaTenant()));
        endpoints.remove(port);
        undo.record(() -> endpoints.put(port, endpoint));
        for (final SecurityConfig.Placement placement : placements(endpoint))
        {
            final int zone = placement.zone();
            final InetAddress ip = placement.ip();
            final int before = tables.ipCache().lookup(zone, IpCache.high(ip), IpCache.low(ip));
            if (before == endpoint.identity())
            {
                w.removeIpIdentity(zone, ip);
                undo.record(() -> w.setIpIdentity(zone, ip, before));
            }
        }
        return OpsContext.JSON.createObjectNode().put("port", port).put("removed", true);
    }

    /** The endpoint's ipcache entries, placed as the config places them. */
    private List<SecurityConfig.Placement> placements(final HostConfig.Endpoint e)
    {
        return SecurityConfig.placements(c.tables(), e.vni(), SecurityConfig.servedByIla(c.tables(), e), e.ilaTenant(), e.ips());
    }

    /** The endpoints in port order. */
    ArrayNode dump()
    {
        final ArrayNode list = OpsContext.JSON.createArrayNode();
        final List<HostConfig.Endpoint> byPort = new ArrayList<>(endpoints.values());
        byPort.sort(java.util.Comparator.comparingInt(e -> c.tables().ports().find(e.port())));
        for (final HostConfig.Endpoint e : byPort)
        {
            final ObjectNode n = list.addObject().put("name", e.name()).put("port", e.port());
            if (e.vni() >= 0)
            {
                n.put("vni", e.vni());
            }
            n.put("mac", Macs.format(e.mac())).put("identity", e.identity());
            final ArrayNode ips = n.putArray("ips");
            e.ips().forEach(ip -> ips.add(ip.getHostAddress()));
            n.set("labels", OpsContext.JSON.valueToTree(e.labels()));
        }
        return list;
    }
}
