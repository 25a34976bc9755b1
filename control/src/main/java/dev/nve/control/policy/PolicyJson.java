package dev.nve.control.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.nve.control.config.ConfigException;

import java.util.Iterator;
import java.util.Set;

/** Strict JSON reading for policies: type checks and refusal of every field nve does not implement, each error naming its path. */
final class PolicyJson
{
    private PolicyJson()
    {
    }

    static JsonNode object(final JsonNode node, final String path) throws ConfigException
    {
        if (node == null || !node.isObject())
        {
            throw new ConfigException(path + ": expected an object");
        }
        return node;
    }

    /** Refuses any field outside {@code supported}: Cilium fields nve lacks and typos alike. */
    static void onlySupported(final JsonNode node, final String path, final Set<String> supported) throws ConfigException
    {
        final Iterator<String> names = node.fieldNames();
        while (names.hasNext())
        {
            final String name = names.next();
            if (!supported.contains(name))
            {
                throw new ConfigException(path + "." + name + ": not supported (supported here: " + String.join(", ", supported.stream().sorted().toList()) + ")");
            }
        }
    }

    static String text(final JsonNode node, final String path, final String field) throws ConfigException
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            throw new ConfigException(path + "." + field + ": required");
        }
        if (!value.isTextual())
        {
            throw new ConfigException(path + "." + field + ": expected a string");
        }
        return value.asText();
    }

    /** The array at {@code field}, or an empty one when absent. */
    static JsonNode array(final JsonNode node, final String path, final String field) throws ConfigException
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            return JsonNodeFactory.instance.arrayNode();
        }
        if (!value.isArray())
        {
            throw new ConfigException(path + "." + field + ": expected an array");
        }
        return value;
    }
}
