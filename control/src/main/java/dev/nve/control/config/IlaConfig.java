package dev.nve.control.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nve.dataplane.table.IlaIdentifier;
import dev.nve.dataplane.table.IlaTable;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static dev.nve.control.config.JsonFields.array;
import static dev.nve.control.config.JsonFields.integer;
import static dev.nve.control.config.JsonFields.ip;
import static dev.nve.control.config.JsonFields.mac;
import static dev.nve.control.config.JsonFields.onlyKnown;
import static dev.nve.control.config.JsonFields.string;

/** The {@code ila} section of a host config (docs/CONFIG.md). */
public final class IlaConfig
{
    private static final Map<String, Integer> TYPES = Map.of("iid", IlaIdentifier.TYPE_IID, "luid", IlaIdentifier.TYPE_LUID,
        "virt-v4", IlaIdentifier.TYPE_VIRT_V4, "virt-uni-v6", IlaIdentifier.TYPE_VIRT_UNI_V6);
    private static final Map<String, IlaTable.ChecksumMode> MODES = Map.of(
        "adjust-transport", IlaTable.ChecksumMode.ADJUST_TRANSPORT,
        "neutral-map", IlaTable.ChecksumMode.NEUTRAL_MAP,
        "neutral-map-auto", IlaTable.ChecksumMode.NEUTRAL_MAP_AUTO,
        "no-action", IlaTable.ChecksumMode.NO_ACTION);

    private IlaConfig()
    {
    }

    /** The {@code ila} section (the control socket's {@code ila.domain.set} too). */
    public static HostConfig.Ila parse(final JsonNode node) throws ConfigException
    {
        onlyKnown(node, "ila", Set.of("routerMac", "locators", "sirPrefixes", "tenants", "mappings"));
        final long routerMac = mac(string(node, "ila", "routerMac"), "ila.routerMac");
        final List<Long> locators = new ArrayList<>();
        final JsonNode locatorArray = array(node, "ila", "locators");
        for (int i = 0; i < locatorArray.size(); i++)
        {
            locators.add(prefix(locatorArray.get(i), "ila.locators[" + i + "]", 64)[0]);
        }
        final List<Long> sirPrefixes = new ArrayList<>();
        final JsonNode sirArray = array(node, "ila", "sirPrefixes");
        for (int i = 0; i < sirArray.size(); i++)
        {
            sirPrefixes.add(prefix(sirArray.get(i), "ila.sirPrefixes[" + i + "]", 64)[0]);
        }
        final Map<Integer, long[]> tenants = new LinkedHashMap<>();
        final Map<Integer, IlaTable.Ipv4Tenant> ipv4Tenants = new LinkedHashMap<>();
        final Set<Integer> vnids = new java.util.HashSet<>();
        final JsonNode tenantArray = array(node, "ila", "tenants");
        for (int i = 0; i < tenantArray.size(); i++)
        {
            final String path = "ila.tenants[" + i + "]";
            final JsonNode t = tenantArray.get(i);
            onlyKnown(t, path, Set.of("vnid", "sirPrefix", "ipv4Prefixes", "ipv4SirPrefix"));
            final int vnid = integer(t, path, "vnid", 0, IlaIdentifier.MAX_VNID, null);
            if (!vnids.add(vnid))
            {
                throw new ConfigException(path + ".vnid: tenant " + vnid + " appears twice");
            }
            final boolean ipv4 = t.has("ipv4Prefixes") || t.has("ipv4SirPrefix");
            if (!t.has("sirPrefix") && !ipv4)
            {
                throw new ConfigException(path + ": give \"sirPrefix\" (an IPv6 tenant, /96), \"ipv4Prefixes\" with \"ipv4SirPrefix\" (an IPv4 tenant), or both");
            }
            if (t.has("sirPrefix"))
            {
                final long[] p = prefix(t.get("sirPrefix"), path + ".sirPrefix", 96);
                tenants.put(vnid, new long[] {p[0], p[1] >>> 32});
            }
            if (ipv4)
            {
                ipv4Tenants.put(vnid, ipv4Tenant(t, path));
            }
        }
        final List<HostConfig.IlaMapping> mappings = new ArrayList<>();
        final JsonNode mappingArray = array(node, "ila", "mappings");
        for (int i = 0; i < mappingArray.size(); i++)
        {
            mappings.add(parseMapping(mappingArray.get(i), "ila.mappings[" + i + "]"));
        }
        return new HostConfig.Ila(routerMac, locators, sirPrefixes, tenants, ipv4Tenants, mappings);
    }

    /** An IPv4 tenant: {@code ipv4Prefixes} (CIDR strings) and {@code ipv4SirPrefix} (the /64 of its translated addresses). */
    private static IlaTable.Ipv4Tenant ipv4Tenant(final JsonNode t, final String path) throws ConfigException
    {
        if (!t.has("ipv4SirPrefix") || !t.has("ipv4Prefixes"))
        {
            throw new ConfigException(path + ": an IPv4 tenant needs both \"ipv4Prefixes\" and \"ipv4SirPrefix\"");
        }
        final long sir = prefix(t.get("ipv4SirPrefix"), path + ".ipv4SirPrefix", 64)[0];
        if (sir == 0)
        {
            throw new ConfigException(path + ".ipv4SirPrefix: ::/64 is not allowed");
        }
        final JsonNode list = array(t, path, "ipv4Prefixes");
        if (list.isEmpty())
        {
            throw new ConfigException(path + ".ipv4Prefixes: at least one IPv4 prefix");
        }
        final int[] addresses = new int[list.size()];
        final int[] lengths = new int[list.size()];
        for (int i = 0; i < list.size(); i++)
        {
            final String at = path + ".ipv4Prefixes[" + i + "]";
            final String text = list.get(i) != null && list.get(i).isTextual() ? list.get(i).asText() : "";
            final int slash = text.indexOf('/');
            if (slash < 0)
            {
                throw new ConfigException(at + ": expected an IPv4 prefix string like \"198.19.1.0/24\"");
            }
            final InetAddress address = ip(text.substring(0, slash), at);
            if (address.getAddress().length != 4)
            {
                throw new ConfigException(at + ": expected an IPv4 prefix, got \"" + text + "\"");
            }
            final int length;
            try
            {
                length = Integer.parseInt(text.substring(slash + 1));
            }
            catch (final NumberFormatException e)
            {
                throw new ConfigException(at + ": bad prefix length in \"" + text + "\"");
            }
            if (length < 0 || length > 32)
            {
                throw new ConfigException(at + ": prefix length must be 0-32: \"" + text + "\"");
            }
            addresses[i] = ByteBuffer.wrap(address.getAddress()).getInt();
            lengths[i] = length;
            if ((addresses[i] & ~IlaTable.Ipv4Tenant.mask(length)) != 0)
            {
                throw new ConfigException(at + ": \"" + text + "\" has bits set past /" + length);
            }
        }
        return new IlaTable.Ipv4Tenant(sir, addresses, lengths);
    }

    /** A locator (upper 64 bits) as its four groups, e.g. {@code 2001:db8:1:0}. */
    public static String locatorText(final long locator)
    {
        return String.format(Locale.ROOT, "%x:%x:%x:%x", locator >>> 48 & 0xFFFF, locator >>> 32 & 0xFFFF, locator >>> 16 & 0xFFFF, locator & 0xFFFF);
    }

    /** The config's name of an identifier type ({@code iid}, {@code luid}, {@code virt-v4}, {@code virt-uni-v6}). */
    public static String typeName(final int type)
    {
        return TYPES.entrySet().stream().filter(e -> e.getValue() == type).map(Map.Entry::getKey).findFirst().orElse(String.valueOf(type));
    }

    /** The config's name of a checksum mode ({@code adjust-transport}, ...). */
    public static String modeName(final IlaTable.ChecksumMode mode)
    {
        return MODES.entrySet().stream().filter(e -> e.getValue() == mode).map(Map.Entry::getKey).findFirst().orElse(mode.name());
    }

    /** One ILA mapping object (the config's {@code ila.mappings[i]}, the control socket's {@code ila.add}); errors name {@code path}. */
    public static HostConfig.IlaMapping parseMapping(final JsonNode m, final String path) throws ConfigException
    {
        onlyKnown(m, path, Set.of("sir", "type", "vnid", "locator", "checksum", "endpoint", "nextHopMac"));
        final Integer type = TYPES.get(string(m, path, "type"));
        if (type == null)
        {
            throw new ConfigException(path + ".type: \"" + m.get("type").asText() + "\" is not one of " + TYPES.keySet().stream().sorted().toList());
        }
        final IlaTable.ChecksumMode mode = m.hasNonNull("checksum") ? MODES.get(string(m, path, "checksum")) : IlaTable.ChecksumMode.ADJUST_TRANSPORT;
        if (mode == null)
        {
            throw new ConfigException(path + ".checksum: \"" + m.get("checksum").asText() + "\" is not one of " + MODES.keySet().stream().sorted().toList());
        }
        final boolean virtual = type == IlaIdentifier.TYPE_VIRT_UNI_V6 || type == IlaIdentifier.TYPE_VIRT_V4;
        final int vnid = virtual ? integer(m, path, "vnid", 0, IlaIdentifier.MAX_VNID, null) : -1;
        if (!virtual && m.has("vnid"))
        {
            throw new ConfigException(path + ".vnid: only for types virt-uni-v6 and virt-v4");
        }
        final long[] sir;
        if (type == IlaIdentifier.TYPE_VIRT_V4)
        {
            // An IPv4 tenant's address; its SIR form (the tenant's IPv4 /64 and VIRT_V4) comes from the domain.
            final InetAddress v4 = ip(string(m, path, "sir"), path + ".sir");
            if (v4.getAddress().length != 4)
            {
                throw new ConfigException(path + ".sir: a virt-v4 mapping names an IPv4 address, got " + v4.getHostAddress());
            }
            sir = new long[] {0, IlaIdentifier.virtualV4(vnid, ByteBuffer.wrap(v4.getAddress()).getInt())};
        }
        else
        {
            sir = address(ip(string(m, path, "sir"), path + ".sir"), path + ".sir");
        }
        return new HostConfig.IlaMapping(type, sir[0], sir[1], vnid,
            prefix(m.get("locator"), path + ".locator", 64)[0], mode,
            m.hasNonNull("endpoint") ? string(m, path, "endpoint") : null,
            m.hasNonNull("nextHopMac") ? mac(string(m, path, "nextHopMac"), path + ".nextHopMac") : -1);
    }

    /** An IPv6 prefix written as {@code ADDR} or {@code ADDR/LEN} with LEN = {@code length}; bits past it must be zero. */
    private static long[] prefix(final JsonNode node, final String path, final int length) throws ConfigException
    {
        if (node == null || !node.isTextual())
        {
            throw new ConfigException(path + ": expected an IPv6 prefix string like \"2001:db8:1::/" + length + "\"");
        }
        String text = node.asText();
        final int slash = text.indexOf('/');
        if (slash >= 0)
        {
            if (!text.substring(slash + 1).equals(Integer.toString(length)))
            {
                throw new ConfigException(path + ": prefix length must be /" + length + ": \"" + text + "\"");
            }
            text = text.substring(0, slash);
        }
        final long[] words = address(ip(text, path), path);
        final long hostBits = length == 64 ? words[1] : words[1] & 0xFFFF_FFFFL;
        if (hostBits != 0)
        {
            throw new ConfigException(path + ": \"" + node.asText() + "\" has bits set past /" + length);
        }
        return words;
    }

    private static long[] address(final InetAddress address, final String path) throws ConfigException
    {
        final byte[] bytes = address.getAddress();
        if (bytes.length != 16)
        {
            throw new ConfigException(path + ": expected an IPv6 address, got " + address.getHostAddress());
        }
        final ByteBuffer b = ByteBuffer.wrap(bytes);
        return new long[] {b.getLong(), b.getLong()};
    }
}
