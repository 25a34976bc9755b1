package dev.nve.control.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.config.ConfigException;
import dev.nve.control.config.JsonFields;
import dev.nve.control.socket.ControlException;
import dev.nve.control.socket.ErrorCode;
import dev.nve.dataplane.table.Macs;
import dev.nve.dataplane.wire.VxlanHeader;

import java.net.InetAddress;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Strict reading of an operation's {@code params}: unknown fields, wrong types and values out
 * of range are refused with {@link ErrorCode#BAD_PARAM} and a message that names the field
 * ({@code fdb.add: params.vni: out of range [0, 16777215]: 16777216}).
 */
final class Params
{
    private final String op;
    private final ObjectNode node;

    private Params(final String op, final ObjectNode node)
    {
        this.op = op;
        this.node = node;
    }

    /** The params of {@code op}, refusing any field not in {@code known}. */
    static Params of(final String op, final ObjectNode node, final String... known) throws ControlException
    {
        final Set<String> allowed = Set.of(known);
        final Iterator<String> names = node.fieldNames();
        while (names.hasNext())
        {
            final String name = names.next();
            if (!allowed.contains(name))
            {
                throw new ControlException(ErrorCode.BAD_PARAM, op + ": params." + name + ": unknown field (known: "
                    + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
        }
        return new Params(op, node);
    }

    ControlException bad(final String field, final String problem)
    {
        return new ControlException(ErrorCode.BAD_PARAM, op + ": params." + field + ": " + problem);
    }

    boolean has(final String field)
    {
        return node.hasNonNull(field);
    }

    JsonNode required(final String field) throws ControlException
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            throw bad(field, "required");
        }
        return value;
    }

    String string(final String field) throws ControlException
    {
        final JsonNode value = required(field);
        if (!value.isTextual() || value.asText().isEmpty())
        {
            throw bad(field, "expected a non-empty string");
        }
        return value.asText();
    }

    String string(final String field, final String fallback) throws ControlException
    {
        return has(field) ? string(field) : fallback;
    }

    long integer(final String field, final long min, final long max) throws ControlException
    {
        final JsonNode value = required(field);
        if (!value.isIntegralNumber() || !value.canConvertToLong())
        {
            throw bad(field, "expected an integer");
        }
        final long v = value.asLong();
        if (v < min || v > max)
        {
            throw bad(field, "out of range [" + min + ", " + max + "]: " + v);
        }
        return v;
    }

    long integer(final String field, final long min, final long max, final long fallback) throws ControlException
    {
        return has(field) ? integer(field, min, max) : fallback;
    }

    boolean bool(final String field, final boolean fallback) throws ControlException
    {
        if (!has(field))
        {
            return fallback;
        }
        final JsonNode value = node.get(field);
        if (!value.isBoolean())
        {
            throw bad(field, "expected true or false");
        }
        return value.asBoolean();
    }

    int vni(final String field) throws ControlException
    {
        return (int)integer(field, 0, VxlanHeader.MAX_VNI);
    }

    /** A unicast MAC written {@code 02:00:00:00:00:01}. */
    long mac(final String field) throws ControlException
    {
        final String text = string(field);
        final long mac;
        try
        {
            mac = Macs.parse(text);
        }
        catch (final IllegalArgumentException e)
        {
            throw bad(field, "\"" + text + "\" is not a MAC address like 02:00:00:00:00:01");
        }
        if (mac == 0 || (mac & 0x0100_0000_0000L) != 0)
        {
            throw bad(field, "\"" + text + "\" is not a unicast MAC address");
        }
        return mac;
    }

    /** An IPv4 or IPv6 address literal (never a host name: nothing is resolved). */
    InetAddress ip(final String field) throws ControlException
    {
        final String text = string(field);
        try
        {
            return JsonFields.ip(text, field);
        }
        catch (final ConfigException e)
        {
            throw bad(field, "\"" + text + "\" is not an IP address");
        }
    }

    /** An object of {@code "key": "value"} labels (checked further by the identity registry). */
    Map<String, String> labels(final String field) throws ControlException
    {
        final JsonNode value = required(field);
        if (!value.isObject() || value.isEmpty())
        {
            throw bad(field, "expected a non-empty object of \"key\": \"value\" labels");
        }
        final Map<String, String> labels = new TreeMap<>();
        for (final Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); )
        {
            final Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual())
            {
                throw bad(field + "." + e.getKey(), "expected a string");
            }
            labels.put(e.getKey(), e.getValue().asText());
        }
        return labels;
    }
}
