package dev.nve.control.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Iterator;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Strict reading of JSON objects: every value is type-checked and range-checked, unknown
 * fields are refused, and each error names its path ({@code endpoints[2].mac}).
 */
public final class JsonFields
{
    private static final Pattern IPV6_CHARACTERS = Pattern.compile("[0-9a-fA-F:.]+");
    private static final Pattern OCTET = Pattern.compile("[0-9]{1,3}");

    private JsonFields()
    {
    }

    static void onlyKnown(final JsonNode node, final String path, final Set<String> known) throws ConfigException
    {
        if (!node.isObject())
        {
            throw new ConfigException(path + ": expected an object");
        }
        final Iterator<String> names = node.fieldNames();
        while (names.hasNext())
        {
            final String name = names.next();
            if (!known.contains(name))
            {
                throw new ConfigException(path + "." + name + ": unknown field (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    static JsonNode required(final JsonNode node, final String path, final String field) throws ConfigException
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            throw new ConfigException(path + "." + field + ": required");
        }
        return value;
    }

    static String string(final JsonNode node, final String path, final String field) throws ConfigException
    {
        final JsonNode value = required(node, path, field);
        if (!value.isTextual())
        {
            throw new ConfigException(path + "." + field + ": expected a string");
        }
        return value.asText();
    }

    static int integer(final JsonNode node, final String path, final String field, final long min, final long max, final Integer fallback) throws ConfigException
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            if (fallback == null)
            {
                throw new ConfigException(path + "." + field + ": required");
            }
            return fallback;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong())
        {
            throw new ConfigException(path + "." + field + ": expected an integer");
        }
        final long v = value.asLong();
        if (v < min || v > max)
        {
            throw new ConfigException(path + "." + field + ": " + v + " out of range [" + min + ", " + max + "]");
        }
        return (int)v;
    }

    static boolean bool(final JsonNode node, final String path, final String field, final boolean fallback) throws ConfigException
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            return fallback;
        }
        if (!value.isBoolean())
        {
            throw new ConfigException(path + "." + field + ": expected true or false");
        }
        return value.asBoolean();
    }

    static JsonNode array(final JsonNode node, final String path, final String field) throws ConfigException
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        }
        if (!value.isArray())
        {
            throw new ConfigException(path + "." + field + ": expected an array");
        }
        return value;
    }

    static long mac(final String text, final String path) throws ConfigException
    {
        try
        {
            return dev.nve.dataplane.table.Macs.parse(text);
        }
        catch (final IllegalArgumentException e)
        {
            throw new ConfigException(path + ": " + e.getMessage());
        }
    }

    /** A literal IPv4 or IPv6 address; never a host name (no DNS lookups from config). */
    public static InetAddress ip(final String text, final String path) throws ConfigException
    {
        try
        {
            if (text.contains(":"))
            {
                // A string with a colon is parsed as an IPv6 literal, never resolved.
                return InetAddress.getByName(IPV6_CHARACTERS.matcher(text).matches() ? text : "[invalid]");
            }
            final String[] parts = text.split("\\.", -1);
            if (parts.length != 4)
            {
                throw new UnknownHostException(text);
            }
            final byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++)
            {
                if (!OCTET.matcher(parts[i]).matches() || Integer.parseInt(parts[i]) > 255)
                {
                    throw new UnknownHostException(text);
                }
                bytes[i] = (byte)Integer.parseInt(parts[i]);
            }
            return InetAddress.getByAddress(bytes);
        }
        catch (final UnknownHostException e)
        {
            throw new ConfigException(path + ": invalid IP address \"" + text + "\"");
        }
    }
}
