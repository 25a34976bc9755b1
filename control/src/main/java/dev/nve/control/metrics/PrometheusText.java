package dev.nve.control.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * nve's counters in the Prometheus text exposition format (version 0.0.4): the label paths
 * become metric names with labels, e.g. {@code port/c1/rx_packets} is
 * {@code nve_port_rx_packets_total{port="c1"}}, {@code stage/filter/drop/POLICY_DENY} is
 * {@code nve_stage_drops_total{stage="filter",reason="POLICY_DENY"}} and
 * {@code policy/RULE/packets} is {@code nve_policy_rule_packets_total{rule="RULE"}}.
 */
public final class PrometheusText
{
    private PrometheusText()
    {
    }

    private record Sample(String labels, long value)
    {
    }

    public static String format(final Map<String, Long> counters)
    {
        final Map<String, List<Sample>> families = new TreeMap<>();
        for (final Map.Entry<String, Long> e : counters.entrySet())
        {
            final String[] parts = e.getKey().split("/", -1);
            final String name;
            final String labels;
            if (parts.length == 4 && parts[2].equals("drop"))
            {
                name = "nve_" + metric(parts[0]) + "_drops_total";
                labels = "{" + parts[0] + "=\"" + escape(parts[1]) + "\",reason=\"" + escape(parts[3]) + "\"}";
            }
            else if (parts.length == 3 && parts[0].equals("policy"))
            {
                name = "nve_policy_rule_" + metric(parts[2]) + "_total";
                labels = "{rule=\"" + escape(parts[1]) + "\"}";
            }
            else if (parts.length == 3)
            {
                name = "nve_" + metric(parts[0]) + "_" + metric(parts[2]) + "_total";
                labels = "{" + metric(parts[0]) + "=\"" + escape(parts[1]) + "\"}";
            }
            else
            {
                name = "nve_" + metric(e.getKey()) + "_total";
                labels = "";
            }
            families.computeIfAbsent(name, n -> new java.util.ArrayList<>()).add(new Sample(labels, e.getValue()));
        }
        final StringBuilder s = new StringBuilder();
        for (final Map.Entry<String, List<Sample>> family : families.entrySet())
        {
            s.append("# TYPE ").append(family.getKey()).append(" counter\n");
            final Map<String, Long> merged = new LinkedHashMap<>();
            for (final Sample sample : family.getValue())
            {
                merged.merge(sample.labels(), sample.value(), Long::sum);
            }
            merged.forEach((labels, value) -> s.append(family.getKey()).append(labels).append(' ').append(value).append('\n'));
        }
        return s.toString();
    }

    /** A metric-name part: lower case, anything but [a-z0-9_] becomes '_'. */
    static String metric(final String text)
    {
        final String lower = text.toLowerCase(Locale.ROOT);
        final StringBuilder s = new StringBuilder(lower.length());
        for (int i = 0; i < lower.length(); i++)
        {
            final char c = lower.charAt(i);
            s.append(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' ? c : '_');
        }
        return s.toString();
    }

    /** A label value: backslash, double quote and newline escaped as the format asks. */
    static String escape(final String value)
    {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
