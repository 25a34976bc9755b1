package dev.nve.dataplane.policy;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class IdentitiesTest
{
    @Test
    void reservedNumbersAreCilium()
    {
        assertEquals(0, Identities.UNKNOWN);
        assertEquals(1, Identities.HOST);
        assertEquals(2, Identities.WORLD);
        assertEquals(6, Identities.REMOTE_NODE);
        assertEquals(8, Identities.INGRESS);
        assertEquals(256, Identities.FIRST_USER);
        assertEquals(0xFFFFFF, Identities.MAX);
        assertEquals(0xFFFF, Identities.MAX_GBP);
    }

    /** Values computed by a separate implementation of the formula: a change of the hash shows here. */
    @Test
    void derivedIdentitiesArePinned()
    {
        assertEquals(2865, Identities.derive(Map.of("id", "service1")));
        assertEquals(61574, Identities.derive(Map.of("id", "service2")));
        assertEquals(56040, Identities.derive(Map.of("app", "web", "tier", "frontend")));
        assertEquals(14427, Identities.derive(Map.of("k8s:app", "db")));
        assertEquals("app=web\ntier=frontend\n", Identities.canonical(Map.of("tier", "frontend", "app", "web")));
    }

    @Test
    void derivationIgnoresMapOrderAndFitsGbp()
    {
        final Map<String, String> forward = new LinkedHashMap<>();
        forward.put("a", "1");
        forward.put("b", "2");
        final Map<String, String> backward = new LinkedHashMap<>();
        backward.put("b", "2");
        backward.put("a", "1");
        assertEquals(Identities.derive(forward), Identities.derive(backward));
        for (int i = 0; i < 2000; i++)
        {
            final int id = Identities.derive(Map.of("app", "app" + i));
            assertTrue(id >= Identities.FIRST_USER && id <= Identities.MAX_GBP, "identity " + id);
        }
    }

    @Test
    void refusesAmbiguousLabelSets()
    {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Identities.derive(Map.of())).getMessage().contains("at least one label"));
        assertThrows(IllegalArgumentException.class, () -> Identities.derive(Map.of("a=b", "c")));
        assertThrows(IllegalArgumentException.class, () -> Identities.derive(Map.of("a", "b\nc=d")));
        assertThrows(IllegalArgumentException.class, () -> Identities.derive(Map.of("", "x")));
    }

    @Test
    void registryHasReservedIdentities()
    {
        final IdentityRegistry registry = new IdentityRegistry();
        assertEquals(Map.of("reserved:host", ""), registry.labels(Identities.HOST));
        assertEquals(Map.of("reserved:world", ""), registry.labels(Identities.WORLD));
        assertEquals(Map.of("reserved:remote-node", ""), registry.labels(Identities.REMOTE_NODE));
        assertEquals(Map.of("reserved:kube-apiserver", ""), registry.labels(Identities.KUBE_APISERVER));
        assertNull(registry.labels(Identities.UNKNOWN));
        assertEquals(Identities.WORLD, registry.identityOf(Map.of("reserved:world", "")));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> registry.register(Map.of("reserved:world", ""))).getMessage()
            .contains("reserved: source"));
    }

    @Test
    void sameLabelsGetTheSameIdentity()
    {
        final IdentityRegistry registry = new IdentityRegistry();
        final int first = registry.register(Map.of("id", "service1"));
        assertEquals(2865, first);
        assertEquals(first, registry.register(new TreeMap<>(Map.of("id", "service1"))));
        assertEquals(first, registry.register(Map.of("id", "service1"), 2865));
        assertEquals(Map.of("id", "service1"), registry.labels(first));
    }

    @Test
    void derivedCollisionIsRefusedNamingBothLabelSets()
    {
        // app=app309 and app=app882 both derive 21426 (found by search, pinned here).
        final IdentityRegistry registry = new IdentityRegistry();
        assertEquals(21426, registry.register(Map.of("app", "app309")));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> registry.register(Map.of("app", "app882")));
        assertTrue(e.getMessage().contains("{app=app882}") && e.getMessage().contains("{app=app309}") && e.getMessage().contains("explicit"),
            e.getMessage());
        assertEquals(-1, registry.identityOf(Map.of("app", "app882")));
        assertEquals(70000, registry.register(Map.of("app", "app882"), 70000));
        assertEquals(70000, registry.register(Map.of("app", "app882")), "an explicit identity is kept on later derived registrations");
    }

    @Test
    void explicitIdentitiesAreChecked()
    {
        final IdentityRegistry registry = new IdentityRegistry();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> registry.register(Map.of("a", "1"), 255)).getMessage().contains("out of range"));
        assertThrows(IllegalArgumentException.class, () -> registry.register(Map.of("a", "1"), Identities.MAX + 1));
        assertEquals(Identities.MAX, registry.register(Map.of("a", "1"), Identities.MAX));
        final IllegalArgumentException taken = assertThrows(IllegalArgumentException.class, () -> registry.register(Map.of("b", "2"), Identities.MAX));
        assertTrue(taken.getMessage().contains("{a=1}") && taken.getMessage().contains("{b=2}"), taken.getMessage());
        final IllegalArgumentException moved = assertThrows(IllegalArgumentException.class, () -> registry.register(Map.of("a", "1"), 300));
        assertTrue(moved.getMessage().contains("already have identity " + Identities.MAX), moved.getMessage());
        assertNull(registry.labels(300), "nothing stored by a refused registration");
    }
}
