package dev.nve.dataplane.policy;

import java.util.List;
import java.util.Map;

/**
 * A Kubernetes-style label selector with Cilium's label sources: a key may carry a source
 * prefix ({@code k8s:app}, {@code reserved:host}, {@code any:app}).
 * <ul>
 *   <li>A selector key without a source, or with {@code any:}, matches a label of that key
 *       from any source.</li>
 *   <li>{@code k8s:app} matches {@code app} and {@code k8s:app}: nve's labels come from its
 *       configuration, not from Kubernetes, so a label without a source counts as a k8s one.</li>
 *   <li>Any other source must be the label's own ({@code reserved:host} matches only the
 *       host identity's label).</li>
 * </ul>
 * Reserved identities (whose labels have the {@code reserved:} source) are matched only by a
 * selector that names a {@code reserved:} key. In Kubernetes Cilium scopes every endpoint
 * selector to a namespace, which reserved identities lack, so an empty selector or a lone
 * {@code NotIn} never reaches world or host there either; use entities for them. So the empty
 * selector {@code {}} matches every identity that has labels and is not reserved.
 */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions)
{
    public static final LabelSelector ALL_ENDPOINTS = new LabelSelector(Map.of(), List.of());

    public enum Operator
    {
        IN, NOT_IN, EXISTS, DOES_NOT_EXIST
    }

    /** One {@code matchExpressions} entry. In and NotIn need values; Exists and DoesNotExist take none. */
    public record Requirement(String key, Operator op, List<String> values)
    {
        public Requirement
        {
            checkKey(key);
            if (op == null)
            {
                throw new IllegalArgumentException("matchExpressions " + key + ": operator required");
            }
            values = values == null ? List.of() : List.copyOf(values);
            final boolean needsValues = op == Operator.IN || op == Operator.NOT_IN;
            if (needsValues && values.isEmpty())
            {
                throw new IllegalArgumentException("matchExpressions " + key + ": operator " + op + " needs values");
            }
            if (!needsValues && !values.isEmpty())
            {
                throw new IllegalArgumentException("matchExpressions " + key + ": operator " + op + " takes no values");
            }
        }

        boolean matches(final Map<String, String> labels)
        {
            boolean present = false;
            boolean valueIn = false;
            for (final Map.Entry<String, String> label : labels.entrySet())
            {
                if (keyMatches(key, label.getKey()))
                {
                    present = true;
                    valueIn |= values.contains(label.getValue());
                }
            }
            return switch (op)
            {
                case IN -> valueIn;
                case NOT_IN -> !valueIn;
                case EXISTS -> present;
                case DOES_NOT_EXIST -> !present;
            };
        }
    }

    public LabelSelector
    {
        matchLabels = matchLabels == null ? Map.of() : Map.copyOf(matchLabels);
        matchExpressions = matchExpressions == null ? List.of() : List.copyOf(matchExpressions);
        for (final String key : matchLabels.keySet())
        {
            checkKey(key);
        }
    }

    public static LabelSelector of(final Map<String, String> matchLabels)
    {
        return new LabelSelector(matchLabels, List.of());
    }

    /** True when an identity with these labels is selected; an empty label set never is. */
    public boolean matches(final Map<String, String> labels)
    {
        if (labels == null || labels.isEmpty())
        {
            return false;
        }
        if (isReserved(labels) && !namesReservedKey())
        {
            return false;
        }
        for (final Map.Entry<String, String> wanted : matchLabels.entrySet())
        {
            boolean found = false;
            for (final Map.Entry<String, String> label : labels.entrySet())
            {
                if (keyMatches(wanted.getKey(), label.getKey()) && wanted.getValue().equals(label.getValue()))
                {
                    found = true;
                    break;
                }
            }
            if (!found)
            {
                return false;
            }
        }
        for (final Requirement requirement : matchExpressions)
        {
            if (!requirement.matches(labels))
            {
                return false;
            }
        }
        return true;
    }

    /** The source of a label or selector key: the text before the first ':', or "" without one. */
    public static String sourceOf(final String key)
    {
        final int colon = key.indexOf(':');
        return colon < 0 ? "" : key.substring(0, colon);
    }

    static boolean keyMatches(final String selectorKey, final String labelKey)
    {
        final int selectorColon = selectorKey.indexOf(':');
        final int labelColon = labelKey.indexOf(':');
        if (!selectorKey.substring(selectorColon + 1).equals(labelKey.substring(labelColon + 1)))
        {
            return false;
        }
        final String selectorSource = selectorColon < 0 ? "" : selectorKey.substring(0, selectorColon);
        final String labelSource = labelColon < 0 ? "" : labelKey.substring(0, labelColon);
        return switch (selectorSource)
        {
            case "", "any" -> true;
            case "k8s" -> labelSource.isEmpty() || labelSource.equals("k8s");
            default -> selectorSource.equals(labelSource);
        };
    }

    private boolean namesReservedKey()
    {
        for (final String key : matchLabels.keySet())
        {
            if (sourceOf(key).equals(Identities.RESERVED_SOURCE))
            {
                return true;
            }
        }
        for (final Requirement requirement : matchExpressions)
        {
            if (sourceOf(requirement.key()).equals(Identities.RESERVED_SOURCE))
            {
                return true;
            }
        }
        return false;
    }

    private static boolean isReserved(final Map<String, String> labels)
    {
        for (final String key : labels.keySet())
        {
            if (sourceOf(key).equals(Identities.RESERVED_SOURCE))
            {
                return true;
            }
        }
        return false;
    }

    private static void checkKey(final String key)
    {
        if (key == null || key.isEmpty() || key.endsWith(":"))
        {
            throw new IllegalArgumentException("selector key \"" + key + "\": must be non-empty");
        }
    }
}
