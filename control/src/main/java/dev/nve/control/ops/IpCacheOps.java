package dev.nve.control.ops;

import dev.nve.control.socket.ControlException;
import dev.nve.control.socket.ErrorCode;
import dev.nve.dataplane.stage.FilterStage;
import dev.nve.dataplane.table.IpCache;
import dev.nve.dataplane.table.NetworkTable;
import dev.nve.dataplane.table.TableWriter;

import java.net.InetAddress;
import java.util.Map;

/**
 * {@code ipcache.set} and {@code ipcache.del}: the security identity of an address, in the zone
 * of a VXLAN network ({@code vni}) or of an ILA tenant ({@code ila: true}, {@code ilaTenant}
 * for VIRT_UNI_V6 tenants) — the peers whose identity no packet header carries. The identity
 * is a number, or the peer's {@code labels} (registered like an endpoint's).
 */
final class IpCacheOps
{
    private IpCacheOps()
    {
    }

    static void register(final Map<String, Op> ops, final OpsContext c, final PolicyOps policies)
    {
        final TableWriter w = c.writer();
        ops.put("ipcache.set", (params, undo) ->
        {
            final Params p = Params.of("ipcache.set", params, "vni", "ila", "ilaTenant", "ip", "identity", "labels");
            final int zone = zone(p, c);
            final InetAddress ip = p.ip("ip");
            final int identity = p.has("labels") ? identityOf(p, c, policies, undo) : (int)p.integer("identity", 1, IpCache.MAX_IDENTITY);
            final int before = c.tables().ipCache().lookup(zone, IpCache.high(ip), IpCache.low(ip));
            w.setIpIdentity(zone, ip, identity);
            undo.record(before == IpCache.MISSING ? () -> w.removeIpIdentity(zone, ip) : () -> w.setIpIdentity(zone, ip, before));
            return OpsContext.JSON.createObjectNode().put("identity", identity).put("replaced", before == IpCache.MISSING ? null : before);
        });
        ops.put("ipcache.del", (params, undo) ->
        {
            final Params p = Params.of("ipcache.del", params, "vni", "ila", "ilaTenant", "ip");
            final int zone = zone(p, c);
            final InetAddress ip = p.ip("ip");
            final int before = c.tables().ipCache().lookup(zone, IpCache.high(ip), IpCache.low(ip));
            if (before == IpCache.MISSING || !w.removeIpIdentity(zone, ip))
            {
                throw new ControlException(ErrorCode.NOT_FOUND, "ipcache.del: " + ip.getHostAddress() + " has no identity in that zone");
            }
            undo.record(() -> w.setIpIdentity(zone, ip, before));
            return OpsContext.JSON.createObjectNode().put("removed", before);
        });
    }

    /**
     * The identity of a peer given by its labels: derived (or {@code identity} when given) and
     * registered; a label set seen for the first time makes the policies compile again, since
     * a selector may match it.
     */
    private static int identityOf(final Params p, final OpsContext c, final PolicyOps policies, final Undo undo) throws ControlException
    {
        final Map<String, String> labels = p.labels("labels");
        final boolean known = c.identities().identityOf(labels) >= 0;
        final int identity;
        try
        {
            identity = p.has("identity") ? c.identities().register(labels, (int)p.integer("identity", 1, IpCache.MAX_IDENTITY))
                : c.identities().register(labels);
        }
        catch (final IllegalArgumentException e)
        {
            throw new ControlException(ErrorCode.CONFLICT, "ipcache.set: params.labels: " + e.getMessage());
        }
        if (!known)
        {
            policies.recompile(undo);
        }
        return identity;
    }

    private static int zone(final Params p, final OpsContext c) throws ControlException
    {
        final boolean ila = p.bool("ila", false);
        if (ila == p.has("vni"))
        {
            throw p.bad("vni", "give either vni (a VXLAN network) or ila: true (an ILA zone)");
        }
        if (!ila)
        {
            if (p.has("ilaTenant"))
            {
                throw p.bad("ilaTenant", "only with ila: true");
            }
            final int vni = p.vni("vni");
            final int network = c.tables().networks().find(vni);
            if (network == NetworkTable.MISSING)
            {
                throw new ControlException(ErrorCode.NOT_FOUND, "unknown VNI " + vni);
            }
            return network;
        }
        final int tenant = (int)p.integer("ilaTenant", 0, (1 << 28) - 1, -1);
        if (tenant >= 0 && c.tables().ila().domain().tenant(tenant) < 0)
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "no ILA tenant with VNID " + tenant);
        }
        return FilterStage.ilaZone(c.tables(), tenant);
    }
}
