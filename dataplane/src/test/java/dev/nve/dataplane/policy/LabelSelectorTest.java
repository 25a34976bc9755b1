package dev.nve.dataplane.policy;

import dev.nve.dataplane.policy.LabelSelector.Operator;
import dev.nve.dataplane.policy.LabelSelector.Requirement;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class LabelSelectorTest
{
    private static final Map<String, String> WEB = Map.of("app", "web", "tier", "frontend");
    private static final Map<String, String> WORLD = Map.of("reserved:world", "");
    private static final Map<String, String> HOST = Map.of("reserved:host", "");

    private static LabelSelector expression(final String key, final Operator op, final String... values)
    {
        return new LabelSelector(Map.of(), List.of(new Requirement(key, op, List.of(values))));
    }

    @Test
    void matchLabelsNeedsEveryPair()
    {
        assertTrue(LabelSelector.of(Map.of("app", "web")).matches(WEB));
        assertTrue(LabelSelector.of(WEB).matches(WEB));
        assertFalse(LabelSelector.of(Map.of("app", "web", "tier", "backend")).matches(WEB));
        assertFalse(LabelSelector.of(Map.of("app", "db")).matches(WEB));
        assertFalse(LabelSelector.of(Map.of("app", "web")).matches(Map.of()));
        assertFalse(LabelSelector.of(Map.of("app", "web")).matches(null));
    }

    @Test
    void sourcePrefixes()
    {
        assertTrue(LabelSelector.of(Map.of("any:app", "web")).matches(WEB));
        assertTrue(LabelSelector.of(Map.of("k8s:app", "web")).matches(WEB), "labels without source count as k8s labels");
        assertTrue(LabelSelector.of(Map.of("k8s:app", "web")).matches(Map.of("k8s:app", "web")));
        assertTrue(LabelSelector.of(Map.of("app", "web")).matches(Map.of("container:app", "web")), "no prefix = any source");
        assertFalse(LabelSelector.of(Map.of("k8s:app", "web")).matches(Map.of("container:app", "web")));
        assertFalse(LabelSelector.of(Map.of("container:app", "web")).matches(WEB));
        assertTrue(LabelSelector.of(Map.of("container:app", "web")).matches(Map.of("container:app", "web")));
        assertFalse(LabelSelector.of(Map.of("app", "web")).matches(Map.of("application", "web")));
    }

    @Test
    void expressions()
    {
        assertTrue(expression("app", Operator.IN, "web", "db").matches(WEB));
        assertFalse(expression("app", Operator.IN, "db").matches(WEB));
        assertFalse(expression("app", Operator.NOT_IN, "web").matches(WEB));
        assertTrue(expression("app", Operator.NOT_IN, "db").matches(WEB));
        assertTrue(expression("env", Operator.NOT_IN, "prod").matches(WEB), "NotIn matches when the key is absent");
        assertTrue(expression("tier", Operator.EXISTS).matches(WEB));
        assertFalse(expression("env", Operator.EXISTS).matches(WEB));
        assertTrue(expression("env", Operator.DOES_NOT_EXIST).matches(WEB));
        assertFalse(expression("k8s:tier", Operator.DOES_NOT_EXIST).matches(WEB));
        final LabelSelector both = new LabelSelector(Map.of("app", "web"), List.of(new Requirement("tier", Operator.IN, List.of("backend"))));
        assertFalse(both.matches(WEB), "matchLabels and matchExpressions are ANDed");
    }

    @Test
    void emptySelectorMatchesLabelledNonReservedIdentities()
    {
        assertTrue(LabelSelector.ALL_ENDPOINTS.matches(WEB));
        assertFalse(LabelSelector.ALL_ENDPOINTS.matches(WORLD));
        assertFalse(LabelSelector.ALL_ENDPOINTS.matches(HOST));
        assertFalse(LabelSelector.ALL_ENDPOINTS.matches(Map.of()));
    }

    @Test
    void reservedIdentitiesOnlyThroughReservedKeys()
    {
        assertFalse(expression("app", Operator.DOES_NOT_EXIST).matches(WORLD));
        assertFalse(expression("app", Operator.NOT_IN, "web").matches(HOST));
        assertTrue(LabelSelector.of(Map.of("reserved:world", "")).matches(WORLD));
        assertFalse(LabelSelector.of(Map.of("reserved:world", "")).matches(HOST));
        assertTrue(expression("reserved:host", Operator.EXISTS).matches(HOST));
        assertFalse(LabelSelector.of(Map.of("reserved:world", "")).matches(Map.of("world", "")));
    }

    @Test
    void refusesBadRequirements()
    {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Requirement("app", Operator.IN, List.of())).getMessage().contains("needs values"));
        assertThrows(IllegalArgumentException.class, () -> new Requirement("app", Operator.NOT_IN, null));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Requirement("app", Operator.EXISTS, List.of("x"))).getMessage().contains("takes no values"));
        assertThrows(IllegalArgumentException.class, () -> new Requirement("", Operator.EXISTS, List.of()));
        assertThrows(IllegalArgumentException.class, () -> LabelSelector.of(Map.of("k8s:", "x")));
    }
}
