package dev.nve.control.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.config.ConfigException;
import dev.nve.control.config.HostConfig;
import dev.nve.control.config.IlaConfig;
import dev.nve.control.socket.ControlException;
import dev.nve.control.socket.ErrorCode;
import dev.nve.dataplane.table.IlaIdentifier;
import dev.nve.dataplane.table.IlaTable;
import dev.nve.dataplane.table.IpCache;
import dev.nve.dataplane.table.Macs;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code ila.add} (insert or replace: a locator change is a replace), {@code ila.del} and the
 * mapping dump. The mappings are kept here as well as in the table, so that a replace knows
 * what to put back when its request fails.
 */
final class IlaOps
{
    private record Key(int type, long sirHigh, long sirLow, int vnid)
    {
    }

    private final Map<Key, HostConfig.IlaMapping> mappings = new LinkedHashMap<>();
    private final OpsContext c;

    private IlaOps(final OpsContext c)
    {
        this.c = c;
        if (c.config().ila() != null)
        {
            for (final HostConfig.IlaMapping m : c.config().ila().mappings())
            {
                mappings.put(key(m), m);
            }
        }
    }

    private static Key key(final HostConfig.IlaMapping m)
    {
        return new Key(m.type(), m.sirHigh(), m.sirLow(), m.vnid());
    }

    static IlaOps register(final Map<String, Op> ops, final OpsContext c)
    {
        final IlaOps ila = new IlaOps(c);
        ops.put("ila.add", ila::add);
        ops.put("ila.domain.set", ila::setDomain);
        ops.put("ila.del", ila::delete);
        return ila;
    }

    private HostConfig.IlaMapping parse(final String op, final ObjectNode params) throws ControlException
    {
        try
        {
            return IlaConfig.parseMapping(params, op + ": params");
        }
        catch (final ConfigException e)
        {
            throw new ControlException(ErrorCode.BAD_PARAM, e.getMessage());
        }
    }

    private void put(final HostConfig.IlaMapping m)
    {
        c.writer().addIlaMapping(m.type(), m.sirHigh(), m.sirLow(), m.vnid(), m.locator(), m.mode(), m.endpoint(), m.nextHopMac());
        mappings.put(key(m), m);
    }

    private void remove(final HostConfig.IlaMapping m)
    {
        c.writer().removeIlaMapping(m.type(), m.sirHigh(), m.sirLow(), m.vnid());
        mappings.remove(key(m));
    }

    private Object add(final ObjectNode params, final Undo undo) throws ControlException
    {
        final HostConfig.IlaMapping m = parse("ila.add", params);
        final HostConfig.IlaMapping before = mappings.get(key(m));
        put(m);
        undo.record(before == null ? () -> remove(m) : () -> put(before));
        return OpsContext.JSON.createObjectNode().put("replaced", before != null);
    }

    /**
     * The ILA domain (locators, SIR prefixes, tenants, router MAC: the config's {@code ila}
     * without mappings). While mappings exist it can only grow; new local locators are steered
     * to nve by the XDP program of a live dataplane.
     */
    private Object setDomain(final ObjectNode params, final Undo undo) throws ControlException
    {
        if (params.has("mappings"))
        {
            throw new ControlException(ErrorCode.BAD_PARAM, "ila.domain.set: params.mappings: mappings are ila.add operations");
        }
        final ObjectNode section = params.deepCopy();
        section.putArray("mappings");
        final HostConfig.Ila domain;
        try
        {
            domain = IlaConfig.parse(section);
        }
        catch (final ConfigException e)
        {
            throw new ControlException(ErrorCode.BAD_PARAM, "ila.domain.set: params: " + e.getMessage());
        }
        final IlaTable.Domain before = c.tables().ila().domain();
        c.writer().setIlaDomain(domain.locators().stream().mapToLong(Long::longValue).toArray(), domain.sirPrefixes().stream().mapToLong(Long::longValue).toArray(),
            domain.tenants(), domain.ipv4Tenants(), domain.routerMac());
        final IlaTable.Domain after = c.tables().ila().domain();
        undo.record(() ->
        {
            c.writer().restoreIlaDomain(before);
            steer(before);
        });
        steer(after);
        final boolean changed = !Arrays.equals(before.localLocators(), after.localLocators()) || !Arrays.equals(before.sirPrefixes(), after.sirPrefixes())
            || !Arrays.equals(before.tenantVnids(), after.tenantVnids()) || !Arrays.equals(before.tenantPrefixes(), after.tenantPrefixes())
            || !Arrays.equals(before.tenantIpv4Sir(), after.tenantIpv4Sir()) || !Arrays.equals(before.ipv4PrefixAddress(), after.ipv4PrefixAddress())
            || !Arrays.equals(before.ipv4PrefixMask(), after.ipv4PrefixMask()) || !Arrays.equals(before.ipv4PrefixTenant(), after.ipv4PrefixTenant())
            || before.routerMac() != after.routerMac();
        return OpsContext.JSON.createObjectNode().put("changed", changed).put("locators", after.localLocators().length)
            .put("sirPrefixes", after.sirPrefixes().length).put("tenants", after.tenantVnids().length);
    }

    private void steer(final IlaTable.Domain domain)
    {
        if (c.ports() != null)
        {
            c.ports().steerIlaLocators(domain.localLocators());
        }
    }

    private Object delete(final ObjectNode params, final Undo undo) throws ControlException
    {
        final Params p = Params.of("ila.del", params, "type", "sir", "vnid");
        final ObjectNode probe = params.deepCopy();
        probe.put("locator", "::"); // parseMapping wants one; a key needs none
        final HostConfig.IlaMapping k = parse("ila.del", probe);
        final HostConfig.IlaMapping before = mappings.get(key(k));
        if (before == null)
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "ila.del: no mapping for " + p.string("type") + " " + p.string("sir")
                + (k.vnid() >= 0 ? " in VNID " + k.vnid() : ""));
        }
        remove(before);
        undo.record(() -> put(before));
        return OpsContext.JSON.createObjectNode().put("removed", true);
    }

    ArrayNode dump()
    {
        final ArrayNode list = OpsContext.JSON.createArrayNode();
        for (final HostConfig.IlaMapping m : mappings.values())
        {
            final ObjectNode e = list.addObject().put("type", IlaConfig.typeName(m.type()))
                .put("sir", m.type() == IlaIdentifier.TYPE_VIRT_V4 ? IlaTable.ipv4Text((int)m.sirLow()) : IpCache.address(m.sirHigh(), m.sirLow()).getHostAddress());
            if (m.type() == IlaIdentifier.TYPE_VIRT_UNI_V6 || m.type() == IlaIdentifier.TYPE_VIRT_V4)
            {
                e.put("vnid", m.vnid());
            }
            e.put("locator", IlaConfig.locatorText(m.locator()) + "::/64").put("checksum", IlaConfig.modeName(m.mode()));
            if (m.endpoint() != null)
            {
                e.put("endpoint", m.endpoint());
            }
            if (m.nextHopMac() >= 0)
            {
                e.put("nextHopMac", Macs.format(m.nextHopMac()));
            }
        }
        return list;
    }
}
