package dev.nve.control.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nve.control.policy.CiliumPolicyParser;
import dev.nve.dataplane.policy.EnforcementMode;
import dev.nve.dataplane.policy.Identities;
import dev.nve.dataplane.policy.IdentityRegistry;
import dev.nve.dataplane.policy.PolicyCompiler;
import dev.nve.dataplane.policy.PolicyRule;
import dev.nve.dataplane.policy.PolicyTable;
import dev.nve.dataplane.stage.FilterStage;
import dev.nve.dataplane.table.IlaIdentifier;
import dev.nve.dataplane.table.NetworkTable;
import dev.nve.dataplane.table.TableException;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.VxlanHeader;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.nve.control.config.JsonFields.array;
import static dev.nve.control.config.JsonFields.bool;
import static dev.nve.control.config.JsonFields.integer;
import static dev.nve.control.config.JsonFields.ip;
import static dev.nve.control.config.JsonFields.onlyKnown;
import static dev.nve.control.config.JsonFields.string;

/**
 * The {@code security} section (docs/POLICY.md): enforcement mode, Cilium policies, the
 * identities and addresses of remote endpoints (the ipcache), and the per-worker conntrack size.
 * Local endpoints' identities come from their labels (derived, the same on every host) or an
 * explicit {@code identity}; their addresses enter the ipcache by themselves.
 */
public record SecurityConfig(EnforcementMode enforcement, List<PolicyRule> policies, List<RemoteEndpoint> remoteEndpoints,
    int conntrackEntries, int flowEventBytes)
{
    public static final int DEFAULT_CONNTRACK_ENTRIES = 65536;
    public static final int DEFAULT_FLOW_EVENT_BYTES = 1 << 20;
    /** No security section: nothing enforced (Cilium's default mode without policies). */
    public static final SecurityConfig NONE = new SecurityConfig(EnforcementMode.DEFAULT, List.of(), List.of(), DEFAULT_CONNTRACK_ENTRIES,
        DEFAULT_FLOW_EVENT_BYTES);

    /**
     * An endpoint on another host, for the ipcache: in VXLAN network {@code vni}, or reached
     * through ILA ({@code ila}, tenant {@code ilaTenant} or -1).
     */
    public record RemoteEndpoint(int vni, boolean ila, int ilaTenant, List<InetAddress> ips, Map<String, String> labels, int identity)
    {
    }

    static SecurityConfig parse(final JsonNode node) throws ConfigException
    {
        if (node == null || node.isNull())
        {
            return NONE;
        }
        onlyKnown(node, "security", Set.of("enforcement", "policies", "remoteEndpoints", "conntrackEntries", "flowEventBytes"));
        final EnforcementMode mode = node.hasNonNull("enforcement") ?
            CiliumPolicyParser.parseEnforcementMode(string(node, "security", "enforcement")) : EnforcementMode.DEFAULT;
        final List<PolicyRule> policies = node.hasNonNull("policies") ? prefixed("security.policies", node.get("policies")) : List.of();
        final List<RemoteEndpoint> remotes = new ArrayList<>();
        final JsonNode remoteArray = array(node, "security", "remoteEndpoints");
        for (int i = 0; i < remoteArray.size(); i++)
        {
            final String path = "security.remoteEndpoints[" + i + "]";
            final JsonNode r = remoteArray.get(i);
            onlyKnown(r, path, Set.of("vni", "ila", "ilaTenant", "ips", "labels", "identity"));
            final int vni = integer(r, path, "vni", 0, VxlanHeader.MAX_VNI, -1);
            final boolean ila = bool(r, path, "ila", false);
            if ((vni >= 0) == ila)
            {
                throw new ConfigException(path + ": give exactly one of \"vni\" (VXLAN) and \"ila\": true");
            }
            final List<InetAddress> ips = new ArrayList<>();
            final JsonNode ipArray = array(r, path, "ips");
            for (int j = 0; j < ipArray.size(); j++)
            {
                ips.add(ip(ipArray.get(j).isTextual() ? ipArray.get(j).asText() : "", path + ".ips[" + j + "]"));
            }
            if (ips.isEmpty())
            {
                throw new ConfigException(path + ".ips: at least one address");
            }
            final Map<String, String> labels = labels(r.get("labels"), path + ".labels");
            // 1 (host) is this host's own identity: no endpoint elsewhere may present it.
            final int identity = integer(r, path, "identity", Identities.WORLD, Identities.MAX, -1);
            if (labels.isEmpty() && identity < 0)
            {
                throw new ConfigException(path + ": needs labels (the identity is derived from them) or an identity");
            }
            remotes.add(new RemoteEndpoint(vni, ila, integer(r, path, "ilaTenant", -1, IlaIdentifier.MAX_VNID, -1), ips, labels, identity));
        }
        return new SecurityConfig(mode, policies, remotes,
            integer(node, "security", "conntrackEntries", 16, 1 << 24, DEFAULT_CONNTRACK_ENTRIES),
            integer(node, "security", "flowEventBytes", 4096, 1 << 28, DEFAULT_FLOW_EVENT_BYTES));
    }

    /** Labels of an endpoint: an object of strings (absent: none). */
    static Map<String, String> labels(final JsonNode node, final String path) throws ConfigException
    {
        final Map<String, String> labels = new LinkedHashMap<>();
        if (node == null || node.isNull())
        {
            return labels;
        }
        if (!node.isObject())
        {
            throw new ConfigException(path + ": expected an object of strings");
        }
        for (final Map.Entry<String, JsonNode> label : node.properties())
        {
            if (!label.getValue().isTextual())
            {
                throw new ConfigException(path + "." + label.getKey() + ": expected a string");
            }
            labels.put(label.getKey(), label.getValue().asText());
        }
        return labels;
    }

    private static List<PolicyRule> prefixed(final String path, final JsonNode policies) throws ConfigException
    {
        try
        {
            return CiliumPolicyParser.parse(policies);
        }
        catch (final ConfigException e)
        {
            throw new ConfigException(path + ": " + e.getMessage());
        }
    }

    /**
     * Registers every identity, fills the ipcache and publishes the compiled policy; runs after
     * the endpoints and the ILA domain are in the tables.
     *
     * @return the identities (with their labels), for flow events and dumps
     */
    IdentityRegistry apply(final TableWriter writer, final List<HostConfig.Endpoint> endpoints) throws ConfigException
    {
        final Tables tables = writer.tables();
        final IdentityRegistry registry = new IdentityRegistry();
        String at = "endpoints";
        try
        {
            for (int i = 0; i < endpoints.size(); i++)
            {
                at = "endpoints[" + i + "]";
                final HostConfig.Endpoint e = endpoints.get(i);
                if (!e.labels().isEmpty())
                {
                    registry.register(e.labels(), e.identity());
                }
                if (e.identity() > 0)
                {
                    addAddresses(writer, tables, e.vni(), servedByIla(tables, e), e.ilaTenant(), e.ips(), e.identity());
                }
            }
            for (int i = 0; i < remoteEndpoints.size(); i++)
            {
                at = "security.remoteEndpoints[" + i + "]";
                final RemoteEndpoint r = remoteEndpoints.get(i);
                final int identity = r.labels().isEmpty() ? r.identity() : r.identity() < 0 ? registry.register(r.labels()) : registry.register(r.labels(), r.identity());
                addAddresses(writer, tables, r.vni(), r.ila(), r.ilaTenant(), r.ips(), identity);
            }
            at = "security.policies";
            writer.setPolicy(PolicyTable.of(new PolicyCompiler().compile(policies, enforcement, registry)));
        }
        catch (final TableException | IllegalArgumentException e)
        {
            throw new ConfigException(at + ": " + e.getMessage());
        }
        return registry;
    }

    /** VXLAN addresses go in the network's zone; IPv6 addresses of ILA endpoints also in their ILA zone. */
    private static void addAddresses(final TableWriter writer, final Tables tables, final int vni, final boolean ila, final int ilaTenant,
        final List<InetAddress> ips, final int identity)
    {
        for (final Placement p : placements(tables, vni, ila, ilaTenant, ips))
        {
            writer.setIpIdentity(p.zone(), p.ip(), identity);
        }
    }

    /** One ipcache entry of an endpoint: the zone and the address. */
    public record Placement(int zone, InetAddress ip)
    {
    }

    /**
     * Where an endpoint's addresses go in the ipcache: every address in its network's zone
     * ({@code vni}), and with {@code ila} its IPv6 addresses in its ILA zone too (its IPv4 ones as
     * well when its ILA tenant has IPv4 prefixes).
     *
     * @throws TableException an unknown VNI or ILA tenant
     */
    public static List<Placement> placements(final Tables tables, final int vni, final boolean ila, final int ilaTenant, final List<InetAddress> ips)
    {
        final int network = vni < 0 ? NetworkTable.MISSING : tables.networks().find(vni);
        if (vni >= 0 && network == NetworkTable.MISSING)
        {
            throw TableException.notFound("unknown VNI " + vni + " (add the network first)");
        }
        final List<Placement> placements = new ArrayList<>();
        for (final InetAddress address : ips)
        {
            if (vni >= 0)
            {
                placements.add(new Placement(network, address));
            }
            // IPv4 addresses too when the tenant is an IPv4 one (VIRT_V4): the filter sees them as IPv4.
            final boolean ipv4Tenant = ilaTenant >= 0 && tables.ila().domain().tenantHasIpv4(tables.ila().domain().tenant(ilaTenant));
            if (ila && (address instanceof Inet6Address || ipv4Tenant))
            {
                if (ilaTenant >= 0 && tables.ila().domain().tenant(ilaTenant) < 0)
                {
                    throw TableException.notFound("no ILA tenant with VNID " + ilaTenant);
                }
                placements.add(new Placement(FilterStage.ilaZone(tables, ilaTenant), address));
            }
        }
        return placements;
    }

    /** Whether an endpoint's IPv6 addresses also go in its ILA zone (the config's rule, the control socket's too). */
    public static boolean servedByIla(final Tables tables, final HostConfig.Endpoint e)
    {
        return e.vni() < 0 || e.ilaTenant() >= 0 || tables.ila().domain().routerMac() >= 0;
    }
}
