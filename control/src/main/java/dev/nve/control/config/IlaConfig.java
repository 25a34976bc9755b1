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
        "virt-uni-v6", IlaIdentifier.TYPE_VIRT_UNI_V6);
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
        final JsonNode tenantArray = array(node, "ila", "tenants");
        for (int i = 0; i < tenantArray.size(); i++)
        {
            final String path = "ila.tenants[" + i + "]";
            final JsonNode t = tenantArray.get(i);
            onlyKnown(t, path, Set.of("vnid", "sirPrefix"));
            final int vnid = integer(t, path, "vnid", 0, IlaIdentifier.MAX_VNID, null);
            final long[] p = prefix(t.get("sirPrefix"), path + ".sirPrefix", 96);
            if (tenants.put(vnid, new long[] {p[0], p[1] >>> 32}) != null)
            {
                throw new ConfigException(path + ".vnid: tenant " + vnid + " appears twice");
            }
        }
        final List<HostConfig.IlaMapping> mappings = new ArrayList<>();
        final JsonNode mappingArray = array(node, "ila", "mappings");
        for (int i = 0; i < mappingArray.size(); i++)
        {
            mappings.add(parseMapping(mappingArray.get(i), "ila.mappings[" + i + "]"));
        }
        return new HostConfig.Ila(routerMac, locators, sirPrefixes, tenants, mappings);
    }

    /** A locator (upper 64 bits) as its four groups, e.g. {@code 2001:db8:1:0}. */
    public static String locatorText(final long locator)
    {
        return String.format(Locale.ROOT, "%x:%x:%x:%x", locator >>> 48 & 0xFFFF, locator >>> 32 & 0xFFFF, locator >>> 16 & 0xFFFF, locator & 0xFFFF);
    }

    /** The config's name of an identifier type ({@code iid}, {@code luid}, {@code virt-uni-v6}). */
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
        final long[] sir = address(ip(string(m, path, "sir"), path + ".sir"), path + ".sir");
        final int vnid = type == IlaIdentifier.TYPE_VIRT_UNI_V6 ? integer(m, path, "vnid", 0, IlaIdentifier.MAX_VNID, null) : -1;
        if (type != IlaIdentifier.TYPE_VIRT_UNI_V6 && m.has("vnid"))
        {
            throw new ConfigException(path + ".vnid: only for type virt-uni-v6");
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
