package dev.nve.control.ctl;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Results as people read them: an array of objects as a table, an object as "key value" lines. */
final class Render
{
    private Render()
    {
    }

    static void human(final JsonNode result, final PrintStream out)
    {
        if (result.isArray() && allObjects(result))
        {
            table(result, out);
        }
        else if (result.isObject())
        {
            int width = 0;
            for (final Iterator<String> it = result.fieldNames(); it.hasNext(); )
            {
                width = Math.max(width, it.next().length());
            }
            for (final Iterator<Map.Entry<String, JsonNode>> it = result.fields(); it.hasNext(); )
            {
                final Map.Entry<String, JsonNode> e = it.next();
                out.println(pad(e.getKey(), width) + "  " + text(e.getValue()));
            }
        }
        else
        {
            out.println(text(result));
        }
    }

    private static boolean allObjects(final JsonNode array)
    {
        for (final JsonNode n : array)
        {
            if (!n.isObject())
            {
                return false;
            }
        }
        return true;
    }

    private static void table(final JsonNode rows, final PrintStream out)
    {
        final Set<String> columns = new LinkedHashSet<>();
        rows.forEach(r -> r.fieldNames().forEachRemaining(columns::add));
        final List<String> names = new ArrayList<>(columns);
        final int[] widths = new int[names.size()];
        for (int i = 0; i < names.size(); i++)
        {
            widths[i] = names.get(i).length();
            for (final JsonNode r : rows)
            {
                widths[i] = Math.max(widths[i], text(r.path(names.get(i))).length());
            }
        }
        final StringBuilder header = new StringBuilder();
        for (int i = 0; i < names.size(); i++)
        {
            header.append(pad(names.get(i).toUpperCase(java.util.Locale.ROOT), widths[i])).append("  ");
        }
        out.println(header.toString().stripTrailing());
        for (final JsonNode r : rows)
        {
            final StringBuilder line = new StringBuilder();
            for (int i = 0; i < names.size(); i++)
            {
                line.append(pad(text(r.path(names.get(i))), widths[i])).append("  ");
            }
            out.println(line.toString().stripTrailing());
        }
        out.println("(" + rows.size() + " entr" + (rows.size() == 1 ? "y" : "ies") + ")");
    }

    private static String text(final JsonNode n)
    {
        return n.isMissingNode() || n.isNull() ? "-" : n.isValueNode() ? n.asText() : n.toString();
    }

    private static String pad(final String s, final int width)
    {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
