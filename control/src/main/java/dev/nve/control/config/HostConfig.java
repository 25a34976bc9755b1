package dev.nve.control.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nve.dataplane.policy.Identities;
import dev.nve.dataplane.policy.IdentityRegistry;
import dev.nve.dataplane.table.IlaIdentifier;
import dev.nve.dataplane.table.IlaTable;
import dev.nve.dataplane.table.NeighbourTable;
import dev.nve.dataplane.table.TableException;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.VxlanHeader;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.nve.control.config.JsonFields.array;
import static dev.nve.control.config.JsonFields.bool;
import static dev.nve.control.config.JsonFields.integer;
import static dev.nve.control.config.JsonFields.ip;
import static dev.nve.control.config.JsonFields.mac;
import static dev.nve.control.config.JsonFields.onlyKnown;
import static dev.nve.control.config.JsonFields.string;

/**
 * A host's configuration (docs/CONFIG.md): underlay, remote VTEPs, networks, endpoints,
 * static FDB entries and the optional BGP EVPN speaker ({@code bgp}, null when absent). Parsed
 * strictly and completely before anything is applied, so a bad file changes nothing;
 * {@link #apply} then goes through the one table-writer path.
 */
public record HostConfig(
    Underlay underlay,
    List<RemoteVtep> remoteVteps,
    List<Network> networks,
    List<Endpoint> endpoints,
    List<FdbEntry> fdb,
    Ila ila,
    SecurityConfig security,
    Tables.Sizes sizes,
    List<String> ports,
    ConfigOperations operations,
    BgpConfig bgp)
{
    /**
     * ILA: locators of this host, SIR prefixes, tenants (IPv6 /96 in {@code tenants}, IPv4 prefixes
     * in {@code ipv4Tenants}, a VNID in both is one dual-stack tenant), router MAC and mappings;
     * null when unused.
     */
    public record Ila(long routerMac, List<Long> locators, List<Long> sirPrefixes, Map<Integer, long[]> tenants, Map<Integer, IlaTable.Ipv4Tenant> ipv4Tenants,
        List<IlaMapping> mappings)
    {
    }

    /** One ILA mapping; {@code endpoint} is set for identifiers owned by a local endpoint. */
    public record IlaMapping(int type, long sirHigh, long sirLow, int vnid, long locator, IlaTable.ChecksumMode mode, String endpoint, long nextHopMac)
    {
    }

    public record Underlay(String port, long mac, int mtu, int vxlanPort, List<InetAddress> vteps, long gatewayMac)
    {
    }

    public record RemoteVtep(InetAddress address, long mac)
    {
    }

    /** A tenant network; {@code identityInVni}: the Cilium-compatible mode (VNI on the wire = sender identity, single tenant). */
    public record Network(int vni, boolean gbp, boolean identityInVni, List<InetAddress> flood)
    {
    }

    /**
     * An endpoint; {@code vni} -1 when it is reached only through ILA, {@code ilaTenant} -1 when it
     * has none; {@code identity} explicit, else derived from the labels, else 0 (none).
     */
    public record Endpoint(String name, String port, int vni, long mac, List<InetAddress> ips, Map<String, String> labels, int identity, int ilaTenant)
    {
    }

    public record FdbEntry(int vni, long mac, InetAddress vtep)
    {
    }

    private static final ObjectMapper JSON = new ObjectMapper()
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public static HostConfig load(final Path file) throws ConfigException
    {
        final JsonNode root;
        try
        {
            root = JSON.readTree(Files.readString(file));
        }
        catch (final NoSuchFileException e)
        {
            throw new ConfigException(file + ": no such file");
        }
        catch (final JsonProcessingException e)
        {
            throw new ConfigException(file + ": invalid JSON at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        }
        catch (final IOException e)
        {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
        try
        {
            return parse(root);
        }
        catch (final ConfigException e)
        {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }

    /**
     * A config as an object (docs/CONFIG.md) or as a list of control operations (docs/CONTROL.md,
     * {@link ConfigOperations}).
     */
    public static HostConfig parse(final JsonNode root) throws ConfigException
    {
        if (root != null && root.isArray())
        {
            return ConfigOperations.parse(root);
        }
        return parseObject(root).withOperations(ConfigOperations.ofObject(root));
    }

    /** The same config with {@code value} as its operations. */
    public HostConfig withOperations(final ConfigOperations value)
    {
        return new HostConfig(underlay, remoteVteps, networks, endpoints, fdb, ila, security, sizes, ports, value, bgp);
    }

    static HostConfig parseObject(final JsonNode root) throws ConfigException
    {
        if (root == null || !root.isObject())
        {
            throw new ConfigException("config: expected a JSON object or a list of operations");
        }
        onlyKnown(root, "config", Set.of("underlay", "remoteVteps", "networks", "endpoints", "fdb", "ila", "security", "tables", "ports", "bgp"));
        final JsonNode u = JsonFields.required(root, "config", "underlay");
        onlyKnown(u, "underlay", Set.of("port", "mac", "mtu", "vxlanPort", "vteps", "gatewayMac"));
        final List<InetAddress> vteps = new ArrayList<>();
        final JsonNode vtepArray = array(u, "underlay", "vteps");
        for (int i = 0; i < vtepArray.size(); i++)
        {
            vteps.add(ip(text(vtepArray.get(i), "underlay.vteps[" + i + "]"), "underlay.vteps[" + i + "]"));
        }
        final Underlay underlay = new Underlay(
            portName(string(u, "underlay", "port"), "underlay.port"),
            mac(string(u, "underlay", "mac"), "underlay.mac"),
            integer(u, "underlay", "mtu", 576, 9216, 1500),
            integer(u, "underlay", "vxlanPort", 1, 65535, VxlanHeader.DEFAULT_PORT),
            vteps,
            u.hasNonNull("gatewayMac") ? mac(string(u, "underlay", "gatewayMac"), "underlay.gatewayMac") : -1);

        final List<RemoteVtep> remotes = new ArrayList<>();
        final JsonNode remoteArray = array(root, "config", "remoteVteps");
        for (int i = 0; i < remoteArray.size(); i++)
        {
            final String path = "remoteVteps[" + i + "]";
            final JsonNode r = remoteArray.get(i);
            onlyKnown(r, path, Set.of("address", "mac"));
            remotes.add(new RemoteVtep(ip(string(r, path, "address"), path + ".address"), mac(string(r, path, "mac"), path + ".mac")));
        }

        final List<Network> networks = new ArrayList<>();
        final JsonNode networkArray = array(root, "config", "networks");
        for (int i = 0; i < networkArray.size(); i++)
        {
            final String path = "networks[" + i + "]";
            final JsonNode n = networkArray.get(i);
            onlyKnown(n, path, Set.of("vni", "gbp", "identityInVni", "flood"));
            final List<InetAddress> flood = new ArrayList<>();
            final JsonNode floodArray = array(n, path, "flood");
            for (int j = 0; j < floodArray.size(); j++)
            {
                flood.add(ip(text(floodArray.get(j), path + ".flood[" + j + "]"), path + ".flood[" + j + "]"));
            }
            networks.add(new Network(integer(n, path, "vni", 0, VxlanHeader.MAX_VNI, null), bool(n, path, "gbp", false), bool(n, path, "identityInVni", false), flood));
        }

        final List<Endpoint> endpoints = new ArrayList<>();
        final JsonNode endpointArray = array(root, "config", "endpoints");
        for (int i = 0; i < endpointArray.size(); i++)
        {
            endpoints.add(parseEndpoint(endpointArray.get(i), "endpoints[" + i + "]"));
        }

        final List<FdbEntry> fdb = new ArrayList<>();
        final JsonNode fdbArray = array(root, "config", "fdb");
        for (int i = 0; i < fdbArray.size(); i++)
        {
            final String path = "fdb[" + i + "]";
            final JsonNode f = fdbArray.get(i);
            onlyKnown(f, path, Set.of("vni", "mac", "vtep"));
            fdb.add(new FdbEntry(integer(f, path, "vni", 0, VxlanHeader.MAX_VNI, null), mac(string(f, path, "mac"), path + ".mac"), ip(string(f, path, "vtep"), path + ".vtep")));
        }

        final Ila ila = root.hasNonNull("ila") ? IlaConfig.parse(root.get("ila")) : null;
        final SecurityConfig security = SecurityConfig.parse(root.get("security"));

        Tables.Sizes sizes = Tables.Sizes.DEFAULT;
        final JsonNode t = root.get("tables");
        if (t != null && !t.isNull())
        {
            onlyKnown(t, "tables", Set.of("networks", "fdbEntries", "encapTemplates", "ilaMappings", "ilaLocalMappings", "neighbourEntries"));
            final int ilaMappings = integer(t, "tables", "ilaMappings", 1, 1 << 24, sizes.ilaMappings());
            sizes = new Tables.Sizes(
                integer(t, "tables", "networks", 1, 65000, sizes.networks()),
                integer(t, "tables", "fdbEntries", 1, 1 << 24, sizes.fdbEntries()),
                integer(t, "tables", "encapTemplates", 1, 1 << 20, sizes.encapTemplates()),
                ilaMappings,
                integer(t, "tables", "ilaLocalMappings", 1, Math.min(ilaMappings, 65535), Math.min(ilaMappings, sizes.ilaLocalMappings())),
                sizes.ipCacheEntries(),
                integer(t, "tables", "neighbourEntries", 1, NeighbourTable.MAX_ENTRIES, sizes.neighbourEntries()));
        }
        final List<String> ports = new ArrayList<>();
        final JsonNode portArray = array(root, "config", "ports");
        for (int i = 0; i < portArray.size(); i++)
        {
            ports.add(portName(text(portArray.get(i), "ports[" + i + "]"), "ports[" + i + "]"));
        }
        final BgpConfig bgp = BgpConfig.parse(root.get("bgp"));
        if (bgp != null && bgp.as() > 0xFFFF)
        {
            for (final Network n : networks)
            {
                if (n.vni() > 0xFFFF && !bgp.routeTargets().containsKey(n.vni()))
                {
                    throw new ConfigException("bgp.routeTargets: VNI " + n.vni() + " needs route targets: with a 4-octet AS (" + bgp.as()
                        + ") the auto-derived AS:VNI has room for VNIs up to 65535 only");
                }
            }
        }
        if (bgp != null && vteps.isEmpty())
        {
            throw new ConfigException("bgp: needs underlay.vteps: the first one is the next hop of the EVPN routes");
        }
        return new HostConfig(underlay, remotes, networks, endpoints, fdb, ila, security, sizes, ports, ConfigOperations.NONE, bgp);
    }

    /** One endpoint object (the config's {@code endpoints[i]}, the control socket's {@code endpoint.add}); errors name {@code path}. */
    public static Endpoint parseEndpoint(final JsonNode e, final String path) throws ConfigException
    {
        onlyKnown(e, path, Set.of("name", "port", "vni", "mac", "ips", "labels", "identity", "ilaTenant"));
        final List<InetAddress> ips = new ArrayList<>();
        final JsonNode ipArray = array(e, path, "ips");
        for (int j = 0; j < ipArray.size(); j++)
        {
            ips.add(ip(text(ipArray.get(j), path + ".ips[" + j + "]"), path + ".ips[" + j + "]"));
        }
        final Map<String, String> labels = SecurityConfig.labels(e.get("labels"), path + ".labels");
        final int explicitIdentity = integer(e, path, "identity", 0, Identities.MAX, -1);
        final String port = portName(string(e, path, "port"), path + ".port");
        if (explicitIdentity > Identities.UNKNOWN && explicitIdentity < Identities.FIRST_USER)
        {
            // Reserved identities (1 host, 2 world, ...) name the host and the outside, never a
            // container: an endpoint holding one would pass fromEntities host/world rules.
            throw new ConfigException(path + ": endpoint " + port + ": identity " + explicitIdentity + " is reserved (1-"
                + (Identities.FIRST_USER - 1) + "); an endpoint's identity is " + Identities.FIRST_USER + "-" + Identities.MAX + " or derived from its labels");
        }
        return new Endpoint(
            e.hasNonNull("name") ? string(e, path, "name") : port,
            port,
            integer(e, path, "vni", -1, VxlanHeader.MAX_VNI, -1),
            mac(string(e, path, "mac"), path + ".mac"),
            ips,
            labels,
            explicitIdentity >= 0 ? explicitIdentity : labels.isEmpty() ? 0 : Identities.derive(labels),
            integer(e, path, "ilaTenant", -1, IlaIdentifier.MAX_VNID, -1));
    }

    /** Every port the config names: the underlay first, then endpoint ports, then spare ports, in order. */
    public List<String> portNames()
    {
        final Set<String> names = new LinkedHashSet<>();
        names.add(underlay.port());
        endpoints.forEach(e -> names.add(e.port()));
        names.addAll(ports);
        return List.copyOf(names);
    }

    /**
     * Applies the whole config through {@code writer}; the first refusal names its entry.
     *
     * @return the security identities with their labels
     */
    public IdentityRegistry apply(final TableWriter writer) throws ConfigException
    {
        String at = "underlay";
        try
        {
            writer.setUnderlay(underlay.port(), underlay.mac(), underlay.mtu(), underlay.vxlanPort(), underlay.vteps(), underlay.gatewayMac());
            for (int i = 0; i < remoteVteps.size(); i++)
            {
                at = "remoteVteps[" + i + "]";
                writer.addRemoteVtep(remoteVteps.get(i).address(), remoteVteps.get(i).mac());
            }
            for (int i = 0; i < networks.size(); i++)
            {
                at = "networks[" + i + "]";
                writer.addNetwork(networks.get(i).vni(), networks.get(i).gbp(), networks.get(i).identityInVni());
            }
            if (ila != null)
            {
                at = "ila";
                writer.setIlaDomain(ila.locators().stream().mapToLong(Long::longValue).toArray(),
                    ila.sirPrefixes().stream().mapToLong(Long::longValue).toArray(), ila.tenants(), ila.ipv4Tenants(), ila.routerMac());
            }
            for (int i = 0; i < endpoints.size(); i++)
            {
                at = "endpoints[" + i + "]";
                final Endpoint e = endpoints.get(i);
                writer.addEndpoint(e.port(), e.vni(), e.mac(), e.identity(), e.ilaTenant());
            }
            for (int i = 0; i < ports.size(); i++)
            {
                at = "ports[" + i + "]";
                writer.addPort(ports.get(i));
            }
            for (int i = 0; i < networks.size(); i++)
            {
                for (int j = 0; j < networks.get(i).flood().size(); j++)
                {
                    at = "networks[" + i + "].flood[" + j + "]";
                    writer.addFloodVtep(networks.get(i).vni(), networks.get(i).flood().get(j));
                }
            }
            for (int i = 0; i < fdb.size(); i++)
            {
                at = "fdb[" + i + "]";
                writer.addRemoteMac(fdb.get(i).vni(), fdb.get(i).mac(), fdb.get(i).vtep());
            }
            for (int i = 0; ila != null && i < ila.mappings().size(); i++)
            {
                at = "ila.mappings[" + i + "]";
                final IlaMapping m = ila.mappings().get(i);
                writer.addIlaMapping(m.type(), m.sirHigh(), m.sirLow(), m.vnid(), m.locator(), m.mode(), m.endpoint(), m.nextHopMac());
            }
        }
        catch (final TableException | IllegalArgumentException e)
        {
            throw new ConfigException(at + ": " + e.getMessage());
        }
        return security.apply(writer, endpoints);
    }

    private static String text(final JsonNode node, final String path) throws ConfigException
    {
        if (node == null || !node.isTextual())
        {
            throw new ConfigException(path + ": expected a string");
        }
        return node.asText();
    }

    private static String portName(final String name, final String path) throws ConfigException
    {
        if (!name.matches("[A-Za-z0-9_.-]{1,15}"))
        {
            throw new ConfigException(path + ": invalid port name \"" + name + "\" (1-15 of A-Z a-z 0-9 _ . -, like a Linux interface name)");
        }
        return name;
    }
}
