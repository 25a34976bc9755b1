package dev.nve.dataplane.table;

import dev.nve.dataplane.policy.PolicyTable;
import dev.nve.dataplane.wire.VxlanHeader;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The single writer of a host's {@link Tables} (the control thread; config load and replay
 * use it too). It validates every request before touching a table, so a refused request
 * changes nothing, and it keeps the derived state the workers need precomputed: encap
 * templates shared per (remote VTEP, VNI) with reference counts, flood target arrays, and
 * the FDB entries of local endpoints.
 */
public final class TableWriter
{
    /** How long an insert waits, at most, for a worker's grace period to free a retired template. */
    private static final long RECLAIM_WAIT_MILLIS = 1_000;

    private final Tables tables;
    private final Map<InetAddress, Long> remoteVtepNextHop = new HashMap<>();
    private final Map<TemplateKey, int[]> templateRefs = new HashMap<>();
    private final Map<Long, TemplateKey> fdbRemote = new HashMap<>();
    private final Map<Integer, List<InetAddress>> floodVteps = new HashMap<>();
    private final Map<Integer, Map<String, Long>> localEndpoints = new HashMap<>();
    private final ArrayDeque<Retired> retiredTemplates = new ArrayDeque<>();
    private final Map<Integer, long[]> retiredPorts = new HashMap<>();
    private long templatesRetired;
    private long defaultNextHopMac = -1;

    public TableWriter(final Tables tables)
    {
        this.tables = tables;
    }

    public Tables tables()
    {
        return tables;
    }

    /** Sets the underlay; must come before remote FDB and flood entries. */
    public void setUnderlay(final String portName, final long mac, final int mtu, final int vxlanPort, final List<InetAddress> vteps, final long gatewayMac)
    {
        if (vteps.isEmpty())
        {
            throw new TableException("underlay needs at least one local VTEP address");
        }
        if (tables.underlay() != null)
        {
            throw new TableException("underlay already set (port " + tables.ports().name(tables.underlay().portId()) + ")");
        }
        checkMac(mac);
        final int port = tables.ports().add(portName);
        final Underlay underlay = new Underlay(port, mac, mtu, vxlanPort, vteps);
        tables.ports().setUnderlay(port);
        tables.underlay(underlay);
        defaultNextHopMac = gatewayMac;
    }

    /** Declares a remote VTEP and the underlay MAC to send to it (its own or the gateway's). */
    public void addRemoteVtep(final InetAddress address, final long nextHopMac)
    {
        requireUnderlay();
        if (tables.underlay().localVtepFor(address) == null)
        {
            throw new TableException("remote VTEP " + address.getHostAddress() + ": no local VTEP address of that family");
        }
        if (tables.underlay().vteps().contains(address))
        {
            throw new TableException("remote VTEP " + address.getHostAddress() + " is a local VTEP address");
        }
        remoteVtepNextHop.put(address, nextHopMac);
    }

    public int addNetwork(final int vni, final boolean groupPolicy)
    {
        return addNetwork(vni, groupPolicy, false);
    }

    /**
     * Adds a network; {@code identityInVni} selects the Cilium-compatible mode in which the VNI
     * on the wire is the sender's security identity. That network is then the only one (a
     * single tenant): every received VNI maps to it.
     */
    public int addNetwork(final int vni, final boolean groupPolicy, final boolean identityInVni)
    {
        checkVni(vni);
        final int existing = tables.networks().find(vni);
        final int identityNetwork = tables.networks().identityNetwork();
        if (existing != NetworkTable.MISSING && tables.networks().identityInVni(existing) != identityInVni)
        {
            throw new TableException("VNI " + vni + " exists with identityInVni=" + !identityInVni + "; delete it before changing the mode");
        }
        if (existing == NetworkTable.MISSING && (identityNetwork != NetworkTable.MISSING || identityInVni && tables.networks().size() > 0))
        {
            throw new TableException("VNI " + vni + ": a network whose VNI carries the identity must be the only network (single tenant)");
        }
        if (identityInVni && groupPolicy)
        {
            throw new TableException("VNI " + vni + ": identityInVni and gbp are two ways to carry the identity; choose one");
        }
        if (existing != NetworkTable.MISSING && tables.networks().groupPolicy(existing) != groupPolicy)
        {
            // Templates and endpoint identities were checked for the old setting.
            throw new TableException("VNI " + vni + " exists with gbp=" + !groupPolicy + "; delete it before changing GBP");
        }
        final int network = tables.networks().add(vni, groupPolicy, identityInVni);
        if (network < 0)
        {
            throw TableException.full("network table full (" + tables.networks().highestIndex() + " networks created, removed ones included): VNI " + vni);
        }
        return network;
    }

    /** What {@link #removeNetwork} took away with a network, to put it back ({@link #restoreNetwork}). */
    public record RemovedNetwork(int vni, boolean groupPolicy, boolean identityInVni, Map<Long, InetAddress> remoteMacs, List<InetAddress> flood,
                                 Map<InetAddress, Long> neighbours)
    {
    }

    /**
     * Removes a network with its remote MACs, flood list and ARP/ND proxy entries, as deleting a
     * vxlan device takes its FDB with it (a BGP speaker keeps learning them for as long as peers
     * have the VNI); refused while a local endpoint is in it.
     */
    public RemovedNetwork removeNetwork(final int vni)
    {
        final int network = requireNetwork(vni);
        final Map<String, Long> endpoints = localEndpoints.getOrDefault(network, Map.of());
        if (!endpoints.isEmpty())
        {
            throw new TableException("VNI " + vni + " still has endpoints " + endpoints.keySet() + "; remove them first");
        }
        final Map<Long, InetAddress> remoteMacs = new LinkedHashMap<>();
        fdbRemote.forEach((key, template) ->
        {
            if (FdbTable.networkOf(key) == network)
            {
                remoteMacs.put(FdbTable.macOf(key), template.vtep());
            }
        });
        final RemovedNetwork removed = new RemovedNetwork(vni, tables.networks().groupPolicy(network), tables.networks().identityInVni(network),
            remoteMacs, floodVteps(vni), neighbours(vni));
        remoteMacs.keySet().forEach(mac -> removeMac(vni, mac));
        removed.flood().forEach(vtep -> removeFloodVtep(vni, vtep));
        removeNeighbours(network);
        tables.networks().remove(vni);
        localEndpoints.remove(network);
        floodVteps.remove(network);
        return removed;
    }

    /** Puts back a network {@link #removeNetwork} took away, with its remote MACs, flood list and proxy entries. */
    public void restoreNetwork(final RemovedNetwork removed)
    {
        final int vni = removed.vni();
        addNetwork(vni, removed.groupPolicy(), removed.identityInVni());
        removed.remoteMacs().forEach((mac, vtep) -> addRemoteMac(vni, mac, vtep));
        removed.flood().forEach(vtep -> addFloodVtep(vni, vtep));
        removed.neighbours().forEach((ip, mac) -> putNeighbour(vni, ip, mac));
    }

    /** Adds a port with no endpoint yet (an interface an endpoint will be put on later). */
    public int addPort(final String portName)
    {
        if (tables.ports().find(portName) < 0 && tables.ports().count() == PortTable.MAX_PORTS)
        {
            throw TableException.full("port table full (" + PortTable.MAX_PORTS + " ports): " + portName);
        }
        return tables.ports().add(portName);
    }

    /** Adds a local endpoint: its port joins the network, its MAC gets a local FDB entry. */
    public void addEndpoint(final String portName, final int vni, final long mac, final int identity)
    {
        checkVni(vni);
        addEndpoint(portName, vni, mac, identity, -1);
    }

    /**
     * Adds a local endpoint.
     *
     * @param vni the endpoint's L2 network, or -1 for an endpoint reached only through ILA
     * @param ilaTenant the VNID of its ILA tenant (VIRT_UNI_V6 identifiers), or -1
     */
    public void addEndpoint(final String portName, final int vni, final long mac, final int identity, final int ilaTenant)
    {
        checkMac(mac);
        if (vni < 0)
        {
            addIlaOnlyEndpoint(portName, mac, identity, ilaTenant);
            return;
        }
        final int network = requireNetwork(vni);
        if (ilaTenant >= 0 && tables.ila().domain().tenant(ilaTenant) < 0)
        {
            throw TableException.notFound("endpoint " + portName + ": no ILA tenant with VNID " + ilaTenant);
        }
        if (tables.networks().identityInVni(network) && (identity < 1 || identity > VxlanHeader.MAX_VNI))
        {
            throw new TableException("endpoint " + portName + ": identity " + identity + " does not fit the 24-bit VNI that carries it in VNI " + vni + " (1.." + VxlanHeader.MAX_VNI + ")");
        }
        if (tables.networks().groupPolicy(network) && (identity < 0 || identity > VxlanHeader.MAX_GROUP_POLICY_ID))
        {
            throw new TableException("endpoint " + portName + ": identity " + identity + " does not fit the 16-bit VXLAN-GBP policy id of VNI " + vni);
        }
        final int existing = tables.ports().find(portName);
        if (existing >= 0 && tables.ports().role(existing) == PortTable.ROLE_UNDERLAY)
        {
            throw new TableException("port " + portName + " is the underlay port");
        }
        if (existing >= 0 && tables.ports().role(existing) == PortTable.ROLE_ENDPOINT)
        {
            final int oldNetwork = tables.ports().network(existing);
            final Long oldMac = localEndpoints.getOrDefault(oldNetwork, Map.of()).get(portName);
            if (oldNetwork != network || oldMac == null || oldMac != mac)
            {
                throw new TableException("port " + portName + " already holds an endpoint (VNI " + tables.networks().vni(oldNetwork) + ", MAC " +
                    (oldMac == null ? "?" : Macs.format(oldMac)) + "); remove it first");
            }
        }
        final long key = FdbTable.key(network, mac);
        final int current = tables.fdb().get(key);
        if (current == FdbTable.MISSING && tables.fdb().size() >= tables.fdb().maxEntries())
        {
            throw TableException.full("FDB full (" + tables.fdb().maxEntries() + " entries): endpoint " + portName);
        }
        if (current != FdbTable.MISSING && !FdbTable.isRemote(current) && !tables.ports().name(FdbTable.portOf(current)).equals(portName))
        {
            throw new TableException("MAC " + Macs.format(mac) + " in VNI " + vni + " already belongs to endpoint port " + tables.ports().name(FdbTable.portOf(current)));
        }
        final int port = tables.ports().add(portName);
        putEndpoint(port, network, identity, mac, ilaTenant);
        releaseRemote(key);
        tables.fdb().put(key, FdbTable.local(port));
        localEndpoints.computeIfAbsent(network, n -> new LinkedHashMap<>()).put(portName, mac);
        publishFloodPorts(network);
    }

    private void addIlaOnlyEndpoint(final String portName, final long mac, final int identity, final int ilaTenant)
    {
        if (ilaTenant >= 0 && tables.ila().domain().tenant(ilaTenant) < 0)
        {
            throw TableException.notFound("endpoint " + portName + ": no ILA tenant with VNID " + ilaTenant);
        }
        final int existing = tables.ports().find(portName);
        if (existing >= 0 && tables.ports().role(existing) != PortTable.ROLE_NONE)
        {
            throw new TableException("port " + portName + " is already in use");
        }
        final int port = tables.ports().add(portName);
        putEndpoint(port, -1, identity, mac, ilaTenant);
    }

    /**
     * Takes the endpoint off {@code portName}: its role goes to none (frames from it are no
     * longer an endpoint's), its local FDB entry and its place in the flood list go. The port
     * stays (it is an interface). Refused while an ILA mapping delivers to it.
     */
    public void removeEndpoint(final String portName)
    {
        final int port = tables.ports().find(portName);
        if (port < 0 || tables.ports().role(port) != PortTable.ROLE_ENDPOINT)
        {
            throw TableException.notFound("no endpoint on port " + portName);
        }
        for (final IlaTable.Stored stored : tables.ila().mappings())
        {
            if (stored.local() && stored.mapping().port() == port)
            {
                throw new TableException("endpoint " + portName + ": an ILA mapping delivers to it (" + IpCache.address(stored.mapping().sirHigh(),
                    stored.mapping().sirLow()).getHostAddress() + "); remove the mapping first");
            }
        }
        final int network = tables.ports().network(port);
        tables.ports().retireEndpoint(port);
        if (network >= 0)
        {
            final long key = FdbTable.key(network, tables.ports().mac(port));
            final int value = tables.fdb().get(key);
            if (value != FdbTable.MISSING && !FdbTable.isRemote(value) && FdbTable.portOf(value) == port)
            {
                tables.fdb().remove(key);
            }
            localEndpoints.getOrDefault(network, new LinkedHashMap<>()).remove(portName);
            publishFloodPorts(network);
        }
        retiredPorts.put(port, tables.epochs().snapshot());
    }

    /**
     * Puts an endpoint on a port without a worker ever pairing its role with other fields
     * (workers read the port table with plain loads, per frame):
     * <ol>
     *   <li>if the port's previous endpoint was removed, wait until no worker is still in a
     *       batch that saw its role (unless the fields are the same again);</li>
     *   <li>write the fields (the role is still none);</li>
     *   <li>wait until every worker has started a new batch (its batch-start fence makes the
     *       fields visible), then publish the role.</li>
     * </ol>
     * Each wait is a worker's batch (microseconds); after 100 ms the request is refused.
     */
    private void putEndpoint(final int port, final int network, final int identity, final long mac, final int ilaTenant)
    {
        final PortTable ports = tables.ports();
        final long[] retired = retiredPorts.get(port);
        final boolean same = ports.network(port) == network && ports.identity(port) == identity && ports.mac(port) == mac && ports.ilaTenant(port) == ilaTenant;
        if (retired != null && !same)
        {
            awaitGrace(retired, port);
        }
        ports.writeEndpoint(port, network, identity, mac, ilaTenant);
        if (!same || retired == null)
        {
            final long[] written = tables.epochs().snapshot();
            retiredPorts.put(port, written);
            awaitGrace(written, port);
        }
        retiredPorts.remove(port);
        ports.publishEndpoint(port);
    }

    private void awaitGrace(final long[] snapshot, final int port)
    {
        final long deadline = System.nanoTime() + 100_000_000L;
        while (!tables.epochs().passed(snapshot))
        {
            if (System.nanoTime() > deadline)
            {
                throw new TableException("port " + tables.ports().name(port) + ": a worker did not finish its batch within 100 ms; retry");
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Sets the ILA domain: this host's locators, the SIR prefixes of IID/LUID identifiers,
     * the /96 SIR prefix of each VIRT_UNI_V6 tenant, and the router MAC that endpoints send
     * routed IPv6 to (and that delivered packets come from). Must precede ILA mappings; while
     * mappings exist the domain can only grow (see {@link IlaDomainGrowth}).
     *
     * @param tenants VNID to {upper 64 bits, bits 64-95} of the tenant's /96 SIR prefix
     */
    public void setIlaDomain(final long[] localLocators, final long[] sirPrefixes, final Map<Integer, long[]> tenants, final long routerMac)
    {
        setIlaDomain(localLocators, sirPrefixes, tenants, Map.of(), routerMac);
    }

    /**
     * Sets the ILA domain with IPv4 tenants too (VIRT_V4): a VNID in {@code ipv4Tenants} is a
     * tenant whose endpoints speak IPv4, translated to IPv6 at the edge; a VNID in both maps is
     * one dual-stack tenant (one ILA zone).
     *
     * @param tenants VNID to {upper 64 bits, bits 64-95} of the tenant's /96 SIR prefix
     * @param ipv4Tenants VNID to the tenant's IPv4 prefixes and the /64 of its translated addresses
     */
    public void setIlaDomain(final long[] localLocators, final long[] sirPrefixes, final Map<Integer, long[]> tenants,
        final Map<Integer, IlaTable.Ipv4Tenant> ipv4Tenants, final long routerMac)
    {
        requireUnderlay();
        if (tables.ila().size() > 0)
        {
            tables.ila().domain(IlaDomainGrowth.grow(tables.ila().domain(), localLocators, sirPrefixes, tenants, ipv4Tenants, routerMac, tables.ila().mappings()));
            return;
        }
        checkMac(routerMac);
        final IlaTable.Domain empty = new IlaTable.Domain(new long[0], new long[0], new int[0], new long[0], routerMac, tables.underlay().portId());
        tables.ila().domain(IlaDomainGrowth.grow(empty, localLocators, sirPrefixes, tenants, ipv4Tenants, routerMac, List.of()));
    }

    /**
     * Puts back a domain this writer replaced (undoing a growth: the mappings made under the
     * grown domain are gone again by then).
     */
    public void restoreIlaDomain(final IlaTable.Domain previous)
    {
        tables.ila().domain(previous);
    }

    static void checkVnid(final int vnid)
    {
        if (vnid < 0 || vnid > IlaIdentifier.MAX_VNID)
        {
            throw new TableException("ILA tenant VNID out of range [0, " + IlaIdentifier.MAX_VNID + "]: " + vnid);
        }
    }

    /**
     * Adds or replaces an ILA mapping. A locator of this host makes it local: {@code endpointPort}
     * must name the endpoint that owns the identifier. Otherwise packets go to the underlay,
     * to {@code nextHopMac} (or the underlay gateway MAC when it is -1). For VIRT_V4 the low 32
     * bits of {@code sirLow} are the IPv4 address and {@code sirHigh} is ignored (the tenant's
     * IPv4 /64 is used).
     */
    public void addIlaMapping(final int type, final long sirHigh, final long sirLow, final int vnid, final long locator,
        final IlaTable.ChecksumMode mode, final String endpointPort, final long nextHopMac)
    {
        requireUnderlay();
        final IlaTable.Domain domain = tables.ila().domain();
        if (domain.routerMac() < 0)
        {
            throw TableException.notFound("no ILA domain configured (locators, SIR prefixes, router MAC)");
        }
        if (type == IlaIdentifier.TYPE_VIRT_V4)
        {
            // The SIR address of an IPv4 tenant's address is its translated form: the tenant's
            // IPv4 /64 and VIRT_V4(VNID, IPv4); callers give the IPv4 address in the low 32 bits.
            final int tenant = domain.tenant(vnid);
            if (!domain.tenantHasIpv4(tenant))
            {
                throw TableException.notFound("no ILA IPv4 tenant with VNID " + vnid);
            }
            putIlaMapping(type, domain.tenantIpv4Sir()[tenant], IlaIdentifier.virtualV4(vnid, (int)sirLow), vnid, locator, mode, endpointPort, nextHopMac);
            return;
        }
        putIlaMapping(type, sirHigh, sirLow, vnid, locator, mode, endpointPort, nextHopMac);
    }

    private void putIlaMapping(final int type, final long sirHigh, final long sirLow, final int vnid, final long locator,
        final IlaTable.ChecksumMode mode, final String endpointPort, final long nextHopMac)
    {
        final IlaTable.Domain domain = tables.ila().domain();
        final boolean local = domain.isLocalLocator(locator);
        final int port;
        final long mac;
        if (local)
        {
            if (endpointPort == null)
            {
                throw new TableException("ILA mapping to local locator " + Long.toHexString(locator) + " needs the endpoint port that owns it");
            }
            port = tables.ports().find(endpointPort);
            if (port < 0 || tables.ports().role(port) != PortTable.ROLE_ENDPOINT)
            {
                throw TableException.notFound("ILA mapping: " + endpointPort + " is not an endpoint port");
            }
            if ((type == IlaIdentifier.TYPE_VIRT_UNI_V6 || type == IlaIdentifier.TYPE_VIRT_V4) && tables.ports().ilaTenant(port) != vnid)
            {
                throw new TableException("ILA mapping: endpoint " + endpointPort + " is not in ILA tenant " + vnid);
            }
            mac = tables.ports().mac(port);
        }
        else
        {
            port = tables.underlay().portId();
            mac = nextHopMac >= 0 ? nextHopMac : defaultNextHopMac;
            if (mac < 0)
            {
                throw new TableException("ILA mapping to locator " + Long.toHexString(locator) + ": no next-hop MAC and the underlay has no gateway MAC");
            }
        }
        if ((type == IlaIdentifier.TYPE_VIRT_UNI_V6 || type == IlaIdentifier.TYPE_VIRT_V4) && (vnid < 0 || vnid > IlaIdentifier.MAX_VNID))
        {
            throw new TableException("VNID out of range [0, " + IlaIdentifier.MAX_VNID + "]: " + vnid);
        }
        tables.ila().put(new IlaTable.Mapping(type, sirHigh, sirLow, vnid, locator, mode, port, mac), local);
    }

    public boolean removeIlaMapping(final int type, final long sirHigh, final long sirLow, final int vnid)
    {
        return tables.ila().remove(type, sirHigh, sirLow, vnid);
    }

    /**
     * Sets the security identity of {@code ip} in {@code zone} (insert or replace). Zones: the
     * network index for VXLAN tenants, {@code FilterStage.ilaZone} for ILA; IPv4 and its
     * IPv4-mapped IPv6 form are the same key.
     */
    public void setIpIdentity(final int zone, final InetAddress ip, final int identity)
    {
        if (ip == null)
        {
            throw new TableException("ipcache: address missing (zone " + zone + ")");
        }
        if (identity < 1 || identity > IpCache.MAX_IDENTITY)
        {
            throw new TableException("ipcache identity out of range [1, " + IpCache.MAX_IDENTITY + "]: " + identity + " for " + ip.getHostAddress() +
                " in zone " + zone);
        }
        tables.ipCache().put(zone, IpCache.high(ip), IpCache.low(ip), identity);
    }

    /** Removes {@code ip} from {@code zone}'s ipcache entries; false when it was not there. */
    public boolean removeIpIdentity(final int zone, final InetAddress ip)
    {
        if (ip == null)
        {
            throw new TableException("ipcache: address missing (zone " + zone + ")");
        }
        return tables.ipCache().remove(zone, IpCache.high(ip), IpCache.low(ip));
    }

    /**
     * Sets the MAC the ARP/ND proxy answers for {@code ip} in the network of {@code vni}
     * (insert or replace). IPv4 and its IPv4-mapped IPv6 form are the same key.
     *
     * @return the previous MAC, or {@link NeighbourTable#MISSING} when the address was new
     * @throws TableException NOT_FOUND for an unknown VNI, FULL when the table is full, CONFLICT
     *         for an address no one can own (multicast, unspecified, broadcast) or a MAC that is
     *         not unicast
     */
    public long putNeighbour(final int vni, final InetAddress ip, final long mac)
    {
        final int network = requireNetwork(vni);
        checkNeighbourAddress(ip);
        checkMac(mac);
        return tables.neighbours().put(network, IpCache.high(ip), IpCache.low(ip), mac);
    }

    /** Removes {@code ip} from the proxy entries of {@code vni}; returns its MAC or {@link NeighbourTable#MISSING}. */
    public long removeNeighbour(final int vni, final InetAddress ip)
    {
        final int network = requireNetwork(vni);
        if (ip == null)
        {
            throw new TableException("neighbour: address missing (VNI " + vni + ")");
        }
        return tables.neighbours().remove(network, IpCache.high(ip), IpCache.low(ip));
    }

    /** The MAC the proxy answers for {@code ip} in {@code vni}, or {@link NeighbourTable#MISSING}. */
    public long neighbour(final int vni, final InetAddress ip)
    {
        final int network = requireNetwork(vni);
        return ip == null ? NeighbourTable.MISSING : tables.neighbours().lookup(network, IpCache.high(ip), IpCache.low(ip));
    }

    /** The proxy entries of {@code vni}: address to MAC, in table order. */
    public Map<InetAddress, Long> neighbours(final int vni)
    {
        final int network = requireNetwork(vni);
        final Map<InetAddress, Long> entries = new LinkedHashMap<>();
        tables.neighbours().forEach((n, high, low, mac) ->
        {
            if (n == network)
            {
                entries.put(IpCache.address(high, low), mac);
            }
        });
        return entries;
    }

    private void removeNeighbours(final int network)
    {
        final List<long[]> keys = new ArrayList<>();
        tables.neighbours().forEach((n, high, low, mac) ->
        {
            if (n == network)
            {
                keys.add(new long[] {high, low});
            }
        });
        for (final long[] key : keys)
        {
            tables.neighbours().remove(network, key[0], key[1]);
        }
    }

    /** An address a neighbour can own: not multicast, unspecified or the IPv4 broadcast address. */
    static void checkNeighbourAddress(final InetAddress ip)
    {
        if (ip == null)
        {
            throw new TableException("neighbour: address missing");
        }
        if (ip.isMulticastAddress() || ip.isAnyLocalAddress()
            || ip instanceof java.net.Inet4Address && IpCache.low(ip) == IpCache.v4MappedLow(0xFFFF_FFFF))
        {
            throw new TableException("neighbour: " + ip.getHostAddress() + " is not a unicast address (no host answers for it)");
        }
    }

    /**
     * Publishes a newly compiled policy: workers pick it up from their next batch. The old table
     * is freed by the GC once no worker holds it (its memory is an automatic arena).
     */
    public void setPolicy(final PolicyTable policy)
    {
        tables.policy(Objects.requireNonNull(policy, "policy"));
    }

    /** Points {@code (vni, mac)} at a remote VTEP, replacing what was there. */
    public void addRemoteMac(final int vni, final long mac, final InetAddress vtep)
    {
        final int network = requireNetwork(vni);
        checkMac(mac);
        final long key = FdbTable.key(network, mac);
        final int current = tables.fdb().get(key);
        if (current != FdbTable.MISSING && !FdbTable.isRemote(current))
        {
            throw new TableException("MAC " + Macs.format(mac) + " in VNI " + vni + " is a local endpoint");
        }
        if (current == FdbTable.MISSING && tables.fdb().size() >= tables.fdb().maxEntries())
        {
            throw TableException.full("FDB full (" + tables.fdb().maxEntries() + " entries)");
        }
        final TemplateKey templateKey = new TemplateKey(vtep, network);
        final int template = acquireTemplate(templateKey);
        tables.fdb().put(key, FdbTable.remote(template));
        releaseRemote(key);
        fdbRemote.put(key, templateKey);
    }

    public boolean removeMac(final int vni, final long mac)
    {
        final int network = requireNetwork(vni);
        final long key = FdbTable.key(network, mac);
        final int old = tables.fdb().remove(key);
        releaseRemote(key);
        return old != FdbTable.MISSING;
    }

    /** The remote VTEP {@code (vni, mac)} points at, or null (no entry, or a local endpoint). */
    public InetAddress remoteVtep(final int vni, final long mac)
    {
        final int network = requireNetwork(vni);
        final TemplateKey key = fdbRemote.get(FdbTable.key(network, mac));
        return key == null ? null : key.vtep();
    }

    /** The VNI's flood list, in the order of replication. */
    public List<InetAddress> floodVteps(final int vni)
    {
        return List.copyOf(floodVteps.getOrDefault(requireNetwork(vni), List.of()));
    }

    /** Adds a remote VTEP to the VNI's flood list (head-end replication). */
    public void addFloodVtep(final int vni, final InetAddress vtep)
    {
        final int network = requireNetwork(vni);
        final List<InetAddress> list = floodVteps.computeIfAbsent(network, n -> new ArrayList<>());
        if (list.contains(vtep))
        {
            return;
        }
        acquireTemplate(new TemplateKey(vtep, network));
        list.add(vtep);
        publishFloodTemplates(network);
    }

    public boolean removeFloodVtep(final int vni, final InetAddress vtep)
    {
        final int network = requireNetwork(vni);
        final List<InetAddress> list = floodVteps.getOrDefault(network, List.of());
        if (!list.remove(vtep))
        {
            return false;
        }
        publishFloodTemplates(network);
        releaseTemplate(new TemplateKey(vtep, network));
        return true;
    }

    private int acquireTemplate(final TemplateKey key)
    {
        final int[] ref = templateRefs.get(key);
        if (ref != null)
        {
            ref[1]++;
            return ref[0];
        }
        requireUnderlay();
        if (tables.underlay().vteps().contains(key.vtep()))
        {
            throw new TableException("VTEP " + key.vtep().getHostAddress() + " is one of our own addresses");
        }
        Long nextHop = remoteVtepNextHop.get(key.vtep());
        if (nextHop == null)
        {
            if (defaultNextHopMac < 0)
            {
                throw new TableException("remote VTEP " + key.vtep().getHostAddress() + " has no next-hop MAC and the underlay has no gateway MAC");
            }
            if (tables.underlay().localVtepFor(key.vtep()) == null)
            {
                throw new TableException("remote VTEP " + key.vtep().getHostAddress() + ": no local VTEP address of that family");
            }
            nextHop = defaultNextHopMac;
        }
        reclaimTemplates(0);
        final int vni = tables.networks().vni(key.network());
        if (tables.templates().available() == 0)
        {
            // only retired templates are waited for, and a batch takes microseconds; but on a
            // loaded host the worker may not run for a while (100 ms was seen to be too short)
            reclaimTemplates(RECLAIM_WAIT_MILLIS);
        }
        final int template = tables.templates().create(tables.underlay(), key.vtep(), nextHop, vni, tables.networks().groupPolicy(key.network()),
            tables.networks().identityInVni(key.network()));
        if (template < 0)
        {
            throw TableException.full("encapsulation template table full (" + tables.templates().capacity() + ")");
        }
        templateRefs.put(key, new int[] {template, 1});
        return template;
    }

    private void releaseRemote(final long fdbKey)
    {
        final TemplateKey old = fdbRemote.remove(fdbKey);
        if (old != null)
        {
            releaseTemplate(old);
        }
    }

    private void releaseTemplate(final TemplateKey key)
    {
        final int[] ref = templateRefs.get(key);
        if (ref != null && --ref[1] == 0)
        {
            templateRefs.remove(key);
            // a worker may have read the index in its current batch: reuse after its grace period
            retiredTemplates.addLast(new Retired(ref[0], tables.epochs().snapshot()));
            templatesRetired++;
        }
    }

    /**
     * Frees retired templates whose grace period has passed; with {@code waitMillis} > 0 waits
     * up to that long for the oldest (a worker's batch takes microseconds; an idle worker holds
     * nothing).
     */
    private void reclaimTemplates(final long waitMillis)
    {
        final long deadline = System.nanoTime() + waitMillis * 1_000_000L;
        while (!retiredTemplates.isEmpty())
        {
            if (tables.epochs().passed(retiredTemplates.peekFirst().snapshot()))
            {
                tables.templates().release(retiredTemplates.pollFirst().template());
            }
            else if (System.nanoTime() < deadline)
            {
                Thread.onSpinWait();
            }
            else
            {
                return;
            }
        }
    }

    /** Templates waiting for their grace period (tests, counters). */
    public int retiredTemplates()
    {
        return retiredTemplates.size();
    }

    /** Templates retired since the start (each one freed for reuse after its grace period). */
    public long templatesRetired()
    {
        return templatesRetired;
    }

    private void publishFloodPorts(final int network)
    {
        final Map<String, Long> endpoints = localEndpoints.getOrDefault(network, Map.of());
        tables.networks().setFloodPorts(network, endpoints.keySet().stream().mapToInt(name -> tables.ports().find(name)).distinct().toArray());
    }

    private void publishFloodTemplates(final int network)
    {
        final List<InetAddress> list = floodVteps.getOrDefault(network, List.of());
        tables.networks().setFloodTemplates(network, list.stream().mapToInt(vtep -> templateRefs.get(new TemplateKey(vtep, network))[0]).toArray());
    }

    private int requireNetwork(final int vni)
    {
        checkVni(vni);
        final int network = tables.networks().find(vni);
        if (network == NetworkTable.MISSING)
        {
            throw TableException.notFound("unknown VNI " + vni + " (add the network first)");
        }
        return network;
    }

    private void requireUnderlay()
    {
        if (tables.underlay() == null)
        {
            throw TableException.notFound("no underlay configured");
        }
    }

    private static void checkVni(final int vni)
    {
        if (vni < 0 || vni > VxlanHeader.MAX_VNI)
        {
            throw new TableException("VNI out of range [0, 16777215]: " + vni);
        }
    }

    private static void checkMac(final long mac)
    {
        if ((mac & ~0xFFFF_FFFF_FFFFL) != 0 || mac == 0)
        {
            throw new TableException("invalid MAC address: " + Long.toHexString(mac));
        }
        if ((mac & 0x0100_0000_0000L) != 0)
        {
            throw new TableException("MAC " + Macs.format(mac) + " is a multicast/broadcast address");
        }
    }

    private record Retired(int template, long[] snapshot)
    {
    }

    private record TemplateKey(InetAddress vtep, int network)
    {
        TemplateKey
        {
            Objects.requireNonNull(vtep);
        }
    }
}
