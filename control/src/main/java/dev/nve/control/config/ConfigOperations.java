package dev.nve.control.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A host config written as a list of control operations ({@code [{"op": ..., "params":
 * {...}}, ...]}), the form {@code nve ctl apply} takes. The operations that only make sense at
 * start (the underlay, remote VTEP next hops, the ILA domain, security settings, table sizes,
 * spare ports, the BGP speaker) become the config's sections; every other operation is kept, in order, for the
 * control socket's operations to apply once the tables exist, so a config file and a later
 * {@code nve ctl apply} go through the same code. Errors name the operation
 * ({@code operations[3] (underlay.set): underlay.mac: ...}).
 *
 * @param runtime the operations applied after the sections, with their index in the file
 * @param setup   the params of each start-only operation, for comparing a later request with
 *                what nve started with
 */
public record ConfigOperations(List<Item> runtime, Map<String, List<JsonNode>> setup)
{
    /** One operation of the file. */
    public record Item(int index, String op, ObjectNode params)
    {
    }

    /** Start-only operations and the config section each one fills. */
    public static final Map<String, String> SECTIONS = Map.of(
        "underlay.set", "underlay",
        "remoteVtep.add", "remoteVteps",
        "ila.domain.set", "ila",
        "security.set", "security",
        "tables.set", "tables",
        "port.add", "ports",
        "bgp.set", "bgp");

    private static final Set<String> SINGLE = Set.of("underlay.set", "ila.domain.set", "security.set", "tables.set", "bgp.set");

    static final ConfigOperations NONE = new ConfigOperations(List.of(), Map.of());

    /** The start-only parts of a config written as an object (for comparisons at run time). */
    static ConfigOperations ofObject(final JsonNode root)
    {
        final Map<String, List<JsonNode>> setup = new LinkedHashMap<>();
        setup.put("underlay.set", List.of(root.get("underlay")));
        final List<JsonNode> remotes = new ArrayList<>();
        root.path("remoteVteps").forEach(remotes::add);
        setup.put("remoteVtep.add", remotes);
        if (root.hasNonNull("ila"))
        {
            final ObjectNode domain = root.get("ila").deepCopy();
            domain.remove("mappings");
            setup.put("ila.domain.set", List.of(domain));
        }
        if (root.hasNonNull("security"))
        {
            final ObjectNode settings = root.get("security").deepCopy();
            settings.remove(List.of("policies", "remoteEndpoints"));
            setup.put("security.set", List.of(settings));
        }
        if (root.hasNonNull("tables"))
        {
            setup.put("tables.set", List.of(root.get("tables")));
        }
        if (root.hasNonNull("bgp"))
        {
            setup.put("bgp.set", List.of(root.get("bgp")));
        }
        return new ConfigOperations(List.of(), setup);
    }

    /** Parses the list form into a config whose {@link HostConfig#operations()} holds the rest. */
    static HostConfig parse(final JsonNode list) throws ConfigException
    {
        final JsonNodeFactory f = JsonNodeFactory.instance;
        final ObjectNode root = f.objectNode();
        final Map<String, String> origin = new LinkedHashMap<>();
        final Map<String, List<JsonNode>> setup = new LinkedHashMap<>();
        final List<Item> runtime = new ArrayList<>();
        for (int i = 0; i < list.size(); i++)
        {
            final JsonNode item = list.get(i);
            final String at = "operations[" + i + "]";
            if (!item.isObject() || !item.path("op").isTextual() || item.has("params") && !item.get("params").isObject()
                || item.size() > (item.has("params") ? 2 : 1))
            {
                throw new ConfigException(at + ": expected {\"op\": NAME, \"params\": {...}} and nothing else");
            }
            final String op = item.get("op").asText();
            final ObjectNode params = item.has("params") ? (ObjectNode)item.get("params") : f.objectNode();
            final String section = SECTIONS.get(op);
            final String label = at + " (" + op + ")";
            if (section == null)
            {
                runtime.add(new Item(i, op, params));
                if (op.equals("endpoint.add") && params.path("port").isTextual())
                {
                    // the endpoint's interface is one nve opens at start
                    root.withArray("ports").add(params.get("port").asText());
                    origin.put("ports[" + (root.get("ports").size() - 1) + "]", label);
                }
                continue;
            }
            setup.computeIfAbsent(op, k -> new ArrayList<>()).add(params);
            if (SINGLE.contains(op))
            {
                if (root.has(section))
                {
                    throw new ConfigException(label + ": given twice (" + origin.get(section) + ")");
                }
                final ObjectNode copy = params.deepCopy();
                if (op.equals("ila.domain.set"))
                {
                    copy.putArray("mappings");
                }
                root.set(section, copy);
                origin.put(section, label);
            }
            else if (op.equals("port.add"))
            {
                if (!params.path("name").isTextual() || params.size() != 1)
                {
                    throw new ConfigException(label + ": params: expected {\"name\": PORT}");
                }
                final ArrayNode ports = root.withArray("ports");
                ports.add(params.get("name").asText());
                origin.put("ports[" + (ports.size() - 1) + "]", label);
            }
            else
            {
                final ArrayNode entries = root.withArray(section);
                entries.add(params);
                origin.put(section + "[" + (entries.size() - 1) + "]", label);
            }
        }
        if (!root.has("underlay"))
        {
            throw new ConfigException("operations: an underlay.set operation is required (the underlay is fixed at start)");
        }
        try
        {
            return HostConfig.parseObject(root).withOperations(new ConfigOperations(List.copyOf(runtime), setup));
        }
        catch (final ConfigException e)
        {
            throw new ConfigException(relabel(e.getMessage(), origin));
        }
    }

    /** {@code remoteVteps[1].mac: ...} becomes {@code operations[4] (remoteVtep.add): remoteVteps[1].mac: ...}. */
    private static String relabel(final String message, final Map<String, String> origin)
    {
        String best = null;
        for (final String path : origin.keySet())
        {
            if (message.startsWith(path) && (best == null || path.length() > best.length()))
            {
                best = path;
            }
        }
        return best == null ? message : origin.get(best) + ": " + message;
    }
}
