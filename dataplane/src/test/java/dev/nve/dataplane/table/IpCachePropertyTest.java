package dev.nve.dataplane.table;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Model test: random put/remove sequences against a {@link HashMap}, with real fingerprints and
 * with masks that force collisions (mask 0: one fingerprint for all keys), and capacities that
 * make both the full table and the full collision overflow reachable. After every operation
 * every key of the key space must look up exactly as the model says.
 */
final class IpCachePropertyTest
{
    private static final List<Key> KEYS = keySpace();

    private record Key(int zone, long high, long low)
    {
    }

    private record Op(boolean put, int key, int identity)
    {
    }

    /** 30 keys: IPv4-mapped and IPv6, the same addresses in several zones, adjacent addresses. */
    private static List<Key> keySpace()
    {
        final List<Key> keys = new ArrayList<>();
        final int[] zones = {0, 1, 0x0100_0001};
        for (final int zone : zones)
        {
            for (int i = 0; i < 4; i++)
            {
                keys.add(new Key(zone, IpCache.V4_MAPPED_HIGH, IpCache.v4MappedLow(0xC613_0000 | i)));
            }
            for (int i = 0; i < 6; i++)
            {
                keys.add(new Key(zone, 0x2001_0DB8_0000_0000L | (i & 1), 0x10L + i));
            }
        }
        return keys;
    }

    @Provide
    Arbitrary<List<Op>> operations()
    {
        final Arbitrary<Op> op = Combinators.combine(
            Arbitraries.integers().between(0, 99).map(p -> p < 65),
            Arbitraries.integers().between(0, KEYS.size() - 1),
            Arbitraries.integers().between(1, IpCache.MAX_IDENTITY)).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(120);
    }

    @Provide
    Arbitrary<Long> masks()
    {
        return Arbitraries.of(-1L, 0x3L, 0L);
    }

    @Provide
    Arbitrary<Integer> capacities()
    {
        return Arbitraries.of(4, 10, 24);
    }

    @Property(tries = 600)
    void behavesLikeAMap(@ForAll("operations") final List<Op> ops, @ForAll("masks") final long mask, @ForAll("capacities") final int capacity,
        @ForAll final long seed)
    {
        final Map<Key, Integer> model = new HashMap<>();
        try (IpCache cache = new IpCache(capacity, seed, mask))
        {
            for (final Op op : ops)
            {
                final Key key = KEYS.get(op.key());
                if (op.put())
                {
                    final Integer old = model.get(key);
                    try
                    {
                        final int returned = cache.put(key.zone(), key.high(), key.low(), op.identity());
                        assertEquals(old == null ? IpCache.MISSING : old, returned, "previous identity");
                        assertTrue(old != null || model.size() < capacity, "insert beyond capacity accepted");
                        model.put(key, op.identity());
                    }
                    catch (final TableException e)
                    {
                        if (old != null)
                        {
                            fail("replace refused: " + e.getMessage());
                        }
                        if (model.size() >= capacity)
                        {
                            assertTrue(e.getMessage().startsWith("ipcache full (" + capacity + " entries)"), e.getMessage());
                        }
                        else
                        {
                            assertTrue(e.getMessage().startsWith("ipcache fingerprint-collision overflow full"), e.getMessage());
                            assertEquals(IpCache.OVERFLOW_ENTRIES, cache.overflowSize());
                        }
                    }
                }
                else
                {
                    assertEquals(model.remove(key) != null, cache.remove(key.zone(), key.high(), key.low()), "remove result");
                }
                assertEquals(model.size(), cache.size());
                for (final Key k : KEYS)
                {
                    assertEquals(model.getOrDefault(k, IpCache.MISSING), cache.lookup(k.zone(), k.high(), k.low()), () -> "lookup " + k);
                }
            }
            final Map<Key, Integer> dumped = new HashMap<>();
            cache.forEach((zone, high, low, identity) -> dumped.put(new Key(zone, high, low), identity));
            assertEquals(model, dumped);
        }
    }
}
