package dev.nve.control.replay;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * Turns a counters snapshot ({@code port/NAME/...}, {@code stage/NAME/...} labels) into the
 * JSON of {@code counters.json}: per port, per stage, and drop totals per reason. Zero drop
 * counters are left out so a file lists what happened.
 */
public final class CountersJson
{
    private CountersJson()
    {
    }

    public static ObjectNode toJson(final Map<String, Long> snapshot)
    {
        final JsonNodeFactory f = JsonNodeFactory.instance;
        final ObjectNode root = f.objectNode();
        final ObjectNode ports = root.putObject("ports");
        final ObjectNode stages = root.putObject("stages");
        final ObjectNode drops = root.putObject("drops");
        for (final Map.Entry<String, Long> entry : snapshot.entrySet())
        {
            final String[] parts = entry.getKey().split("/");
            final long value = entry.getValue();
            if (parts.length < 3)
            {
                continue;
            }
            final ObjectNode owner = switch (parts[0])
            {
                case "port" -> objectIn(ports, parts[1]);
                case "stage" -> objectIn(stages, parts[1]);
                default -> objectIn(objectIn(root, parts[0]), parts[1]);
            };
            if (parts.length == 4 && parts[2].equals("drop"))
            {
                final ObjectNode ownerDrops = objectIn(owner, "drops");
                if (value != 0)
                {
                    ownerDrops.put(parts[3], value);
                    if (parts[0].equals("stage"))
                    {
                        drops.put(parts[3], drops.path(parts[3]).asLong(0) + value);
                    }
                }
            }
            else
            {
                owner.put(String.join("/", java.util.Arrays.copyOfRange(parts, 2, parts.length)), value);
            }
        }
        return root;
    }

    private static ObjectNode objectIn(final ObjectNode parent, final String name)
    {
        final ObjectNode existing = (ObjectNode)parent.get(name);
        return existing != null ? existing : parent.putObject(name);
    }
}
