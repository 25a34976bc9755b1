package dev.nve.control.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.nve.control.socket.ControlException;
import dev.nve.control.socket.ErrorCode;
import dev.nve.dataplane.table.IpCache;
import dev.nve.dataplane.table.Macs;
import dev.nve.dataplane.table.NeighbourTable;
import dev.nve.dataplane.table.NetworkTable;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * {@code neigh.add} and {@code neigh.del}: the ARP/ND proxy entries {@code (vni, ip) -> mac}
 * that {@code NeighbourProxyStage} answers from; and {@code dump neigh}.
 */
final class NeighbourOps
{
    private NeighbourOps()
    {
    }

    static void register(final Map<String, Op> ops, final OpsContext c)
    {
        final TableWriter w = c.writer();
        ops.put("neigh.add", (params, undo) ->
        {
            final Params p = Params.of("neigh.add", params, "vni", "ip", "mac");
            final int vni = p.vni("vni");
            final InetAddress ip = unicast(p, "ip");
            final long mac = p.mac("mac");
            requireNetwork(c, "neigh.add", vni);
            final long before = w.neighbour(vni, ip);
            w.putNeighbour(vni, ip, mac);
            undo.record(before == NeighbourTable.MISSING ? () -> w.removeNeighbour(vni, ip) : () -> w.putNeighbour(vni, ip, before));
            return OpsContext.JSON.createObjectNode().put("replaced", before == NeighbourTable.MISSING ? null : Macs.format(before));
        });
        ops.put("neigh.del", (params, undo) ->
        {
            final Params p = Params.of("neigh.del", params, "vni", "ip");
            final int vni = p.vni("vni");
            final InetAddress ip = p.ip("ip");
            requireNetwork(c, "neigh.del", vni);
            final long before = w.removeNeighbour(vni, ip);
            if (before == NeighbourTable.MISSING)
            {
                throw new ControlException(ErrorCode.NOT_FOUND, "neigh.del: " + ip.getHostAddress() + " has no proxy entry in VNI " + vni);
            }
            undo.record(() -> w.putNeighbour(vni, ip, before));
            return OpsContext.JSON.createObjectNode().put("removed", Macs.format(before));
        });
    }

    /** An address someone can own: not multicast, unspecified or the IPv4 broadcast address. */
    private static InetAddress unicast(final Params p, final String field) throws ControlException
    {
        final InetAddress ip = p.ip(field);
        if (ip.isMulticastAddress() || ip.isAnyLocalAddress() || ip instanceof Inet4Address && Arrays.equals(ip.getAddress(), new byte[] {-1, -1, -1, -1}))
        {
            throw p.bad(field, "\"" + ip.getHostAddress() + "\" is not a unicast address");
        }
        return ip;
    }

    private static void requireNetwork(final OpsContext c, final String op, final int vni) throws ControlException
    {
        if (c.tables().networks().find(vni) == NetworkTable.MISSING)
        {
            throw new ControlException(ErrorCode.NOT_FOUND, op + ": unknown VNI " + vni + " (add the network first)");
        }
    }

    /** Every proxy entry {@code {vni, ip, mac}}, by VNI, IPv4 before IPv6, then address. */
    static ArrayNode dump(final OpsContext c, final int onlyVni)
    {
        final Tables tables = c.tables();
        final List<Object[]> rows = new ArrayList<>();
        tables.neighbours().forEach((network, high, low, mac) ->
        {
            final int vni = tables.networks().vni(network);
            if (onlyVni < 0 || vni == onlyVni)
            {
                rows.add(new Object[] {vni, high, low, mac});
            }
        });
        rows.sort(Comparator.<Object[]>comparingInt(r -> (int)r[0])
            .thenComparing(r -> !IpCache.isV4Mapped((long)r[1], (long)r[2]))
            .thenComparing((a, b) -> Long.compareUnsigned((long)a[1], (long)b[1]))
            .thenComparing((a, b) -> Long.compareUnsigned((long)a[2], (long)b[2])));
        final ArrayNode entries = OpsContext.JSON.createArrayNode();
        for (final Object[] r : rows)
        {
            entries.addObject().put("vni", (int)r[0]).put("ip", IpCache.address((long)r[1], (long)r[2]).getHostAddress()).put("mac", Macs.format((long)r[3]));
        }
        return entries;
    }
}
