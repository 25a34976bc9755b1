package dev.nve.control.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.socket.ControlException;
import dev.nve.control.socket.ErrorCode;
import dev.nve.dataplane.table.FdbTable;
import dev.nve.dataplane.table.Macs;
import dev.nve.dataplane.table.NetworkTable;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;

import java.net.InetAddress;
import java.util.Map;

/** {@code fdb.add}, {@code fdb.del}, {@code flood.add}, {@code flood.del} and the FDB and flood dumps. */
final class FdbOps
{
    private FdbOps()
    {
    }

    static void register(final Map<String, Op> ops, final OpsContext c)
    {
        final TableWriter w = c.writer();
        ops.put("fdb.add", (params, undo) ->
        {
            final Params p = Params.of("fdb.add", params, "vni", "mac", "vtep");
            final int vni = p.vni("vni");
            final long mac = p.mac("mac");
            final InetAddress vtep = p.ip("vtep");
            final InetAddress before = w.remoteVtep(vni, mac);
            w.addRemoteMac(vni, mac, vtep);
            undo.record(before == null ? () -> w.removeMac(vni, mac) : () -> w.addRemoteMac(vni, mac, before));
            final ObjectNode result = OpsContext.JSON.createObjectNode();
            result.put("replaced", before == null ? null : before.getHostAddress());
            return result;
        });
        ops.put("fdb.del", (params, undo) ->
        {
            final Params p = Params.of("fdb.del", params, "vni", "mac");
            final int vni = p.vni("vni");
            final long mac = p.mac("mac");
            final InetAddress before = w.remoteVtep(vni, mac);
            if (before == null)
            {
                final int network = c.tables().networks().find(vni);
                final boolean local = c.tables().fdb().get(FdbTable.key(network, mac)) != FdbTable.MISSING;
                throw new ControlException(local ? ErrorCode.CONFLICT : ErrorCode.NOT_FOUND, "fdb.del: MAC " + Macs.format(mac) + " in VNI " + vni
                    + (local ? " is a local endpoint; it goes with the endpoint" : " has no FDB entry"));
            }
            w.removeMac(vni, mac);
            undo.record(() -> w.addRemoteMac(vni, mac, before));
            return OpsContext.JSON.createObjectNode().put("removed", before.getHostAddress());
        });
        ops.put("flood.add", (params, undo) ->
        {
            final Params p = Params.of("flood.add", params, "vni", "vtep");
            final int vni = p.vni("vni");
            final InetAddress vtep = p.ip("vtep");
            final boolean present = w.floodVteps(vni).contains(vtep);
            if (!present)
            {
                w.addFloodVtep(vni, vtep);
                undo.record(() -> w.removeFloodVtep(vni, vtep));
            }
            return OpsContext.JSON.createObjectNode().put("added", !present);
        });
        ops.put("flood.del", (params, undo) ->
        {
            final Params p = Params.of("flood.del", params, "vni", "vtep");
            final int vni = p.vni("vni");
            final InetAddress vtep = p.ip("vtep");
            if (!w.removeFloodVtep(vni, vtep))
            {
                throw new ControlException(ErrorCode.NOT_FOUND, "flood.del: " + vtep.getHostAddress() + " is not in the flood list of VNI " + vni);
            }
            undo.record(() -> w.addFloodVtep(vni, vtep));
            return OpsContext.JSON.createObjectNode().put("removed", true);
        });
    }

    /** {@code network.add} and {@code network.del}: tenant networks (VNIs). */
    static void registerNetworks(final Map<String, Op> ops, final OpsContext c)
    {
        final TableWriter w = c.writer();
        ops.put("network.add", (params, undo) ->
        {
            final Params p = Params.of("network.add", params, "vni", "gbp", "identityInVni");
            final int vni = p.vni("vni");
            final boolean gbp = p.bool("gbp", false);
            final boolean identityInVni = p.bool("identityInVni", false);
            final int before = c.tables().networks().find(vni);
            if (before != NetworkTable.MISSING)
            {
                if (c.tables().networks().groupPolicy(before) == gbp && c.tables().networks().identityInVni(before) == identityInVni)
                {
                    return OpsContext.JSON.createObjectNode().put("added", false);
                }
                throw new ControlException(ErrorCode.CONFLICT, "network.add: VNI " + vni + " exists with other settings; network.del it first");
            }
            w.addNetwork(vni, gbp, identityInVni);
            undo.record(() -> w.removeNetwork(vni));
            return OpsContext.JSON.createObjectNode().put("added", true);
        });
        ops.put("network.del", (params, undo) ->
        {
            final Params p = Params.of("network.del", params, "vni");
            final int vni = p.vni("vni");
            final int network = c.tables().networks().find(vni);
            if (network == NetworkTable.MISSING)
            {
                throw new ControlException(ErrorCode.NOT_FOUND, "network.del: no network with VNI " + vni);
            }
            final TableWriter.RemovedNetwork removed = w.removeNetwork(vni);
            undo.record(() -> w.restoreNetwork(removed));
            return OpsContext.JSON.createObjectNode().put("removed", true).put("remoteMacs", removed.remoteMacs().size())
                .put("floodVteps", removed.flood().size()).put("neighbours", removed.neighbours().size());
        });
    }

    /** Every FDB entry: {@code {vni, mac, port}} for local endpoints, {@code {vni, mac, vtep}} for remote ones. */
    static ArrayNode dumpFdb(final OpsContext c, final int onlyVni)
    {
        final Tables tables = c.tables();
        final ArrayNode entries = OpsContext.JSON.createArrayNode();
        tables.fdb().forEach((key, value) ->
        {
            final int vni = tables.networks().vni(FdbTable.networkOf(key));
            if (onlyVni >= 0 && vni != onlyVni)
            {
                return;
            }
            final long mac = FdbTable.macOf(key);
            final ObjectNode e = entries.addObject().put("vni", vni).put("mac", Macs.format(mac));
            if (FdbTable.isRemote(value))
            {
                final InetAddress vtep = c.writer().remoteVtep(vni, mac);
                e.put("vtep", vtep == null ? "?" : vtep.getHostAddress());
            }
            else
            {
                e.put("port", tables.ports().name(FdbTable.portOf(value)));
            }
        });
        return entries;
    }

    /** The flood list of every network: {@code {vni, vteps: [...]}}. */
    static ArrayNode dumpFlood(final OpsContext c)
    {
        final NetworkTable networks = c.tables().networks();
        final ArrayNode lists = OpsContext.JSON.createArrayNode();
        for (int network = 1; network <= networks.highestIndex(); network++)
        {
            if (!networks.isLive(network))
            {
                continue;
            }
            final int vni = networks.vni(network);
            final ArrayNode vteps = lists.addObject().put("vni", vni).putArray("vteps");
            for (final InetAddress vtep : c.writer().floodVteps(vni))
            {
                vteps.add(vtep.getHostAddress());
            }
        }
        return lists;
    }
}
