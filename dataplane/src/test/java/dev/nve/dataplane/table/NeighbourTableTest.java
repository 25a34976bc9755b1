package dev.nve.dataplane.table;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class NeighbourTableTest
{
    private static final long V4_HIGH = IpCache.V4_MAPPED_HIGH;

    private static long v4(final int address)
    {
        return IpCache.v4MappedLow(address);
    }

    @Test
    void putLookupReplaceRemove()
    {
        try (NeighbourTable t = new NeighbourTable(8, 1))
        {
            assertEquals(NeighbourTable.MISSING, t.lookup(1, V4_HIGH, v4(0xC613_0032)));
            assertEquals(NeighbourTable.MISSING, t.put(1, V4_HIGH, v4(0xC613_0032), 0x02_00_C6_13_00_50L));
            assertEquals(0x02_00_C6_13_00_50L, t.lookup(1, V4_HIGH, v4(0xC613_0032)));
            // the same address in another network, and an IPv6 address with the same low bits, are other keys
            assertEquals(NeighbourTable.MISSING, t.lookup(2, V4_HIGH, v4(0xC613_0032)));
            assertEquals(NeighbourTable.MISSING, t.lookup(1, 0xFD00_0000_0000_0000L, v4(0xC613_0032)));
            assertEquals(0x02_00_C6_13_00_50L, t.put(1, V4_HIGH, v4(0xC613_0032), 0x02_00_00_00_00_51L));
            assertEquals(0x02_00_00_00_00_51L, t.lookup(1, V4_HIGH, v4(0xC613_0032)));
            assertEquals(1, t.size());
            assertEquals(0x02_00_00_00_00_51L, t.remove(1, V4_HIGH, v4(0xC613_0032)));
            assertEquals(NeighbourTable.MISSING, t.remove(1, V4_HIGH, v4(0xC613_0032)));
            assertEquals(NeighbourTable.MISSING, t.lookup(1, V4_HIGH, v4(0xC613_0032)));
            assertEquals(0, t.size());
            assertEquals(NeighbourTable.MISSING, t.lookup(0, V4_HIGH, v4(0xC613_0032)), "network 0 is never a key");
        }
    }

    @Test
    void fullTableRefusesANewKeyAndChangesNothingButStillReplaces()
    {
        try (NeighbourTable t = new NeighbourTable(3, 7))
        {
            for (int i = 1; i <= 3; i++)
            {
                t.put(1, V4_HIGH, v4(i), 0x0200_0000_0000L | i);
            }
            final TableException e = assertThrows(TableException.class, () -> t.put(1, V4_HIGH, v4(4), 0x0200_0000_0004L));
            assertEquals(TableException.Kind.FULL, e.kind());
            assertEquals(3, t.size());
            assertEquals(NeighbourTable.MISSING, t.lookup(1, V4_HIGH, v4(4)));
            assertEquals(0x0200_0000_0002L, t.put(1, V4_HIGH, v4(2), 0x0200_0000_0022L), "a replace needs no room");
            for (int i = 1; i <= 3; i++)
            {
                assertEquals(i == 2 ? 0x0200_0000_0022L : 0x0200_0000_0000L | i, t.lookup(1, V4_HIGH, v4(i)));
            }
        }
    }

    @Test
    void refusesInvalidNetworkAndMac()
    {
        try (NeighbourTable t = new NeighbourTable(4, 7))
        {
            assertThrows(IllegalArgumentException.class, () -> t.put(0, V4_HIGH, v4(1), 0x0200_0000_0001L));
            assertThrows(IllegalArgumentException.class, () -> t.put(1, V4_HIGH, v4(1), 0));
            assertThrows(IllegalArgumentException.class, () -> t.put(1, V4_HIGH, v4(1), 1L << 48));
            assertEquals(0, t.size());
        }
    }

    /** Random churn against a HashMap, in a small table so that probe chains, tombstones and their reclaim all happen. */
    @Test
    void churnMatchesAReferenceMapAndTombstonesDoNotPileUp()
    {
        final Random random = new Random(42);
        try (NeighbourTable t = new NeighbourTable(64, 3))
        {
            final Map<Long, Long> reference = new HashMap<>();
            for (int step = 0; step < 200_000; step++)
            {
                final int network = 1 + random.nextInt(3);
                final int address = random.nextInt(100);
                final long key = (long)network << 32 | address;
                final long high = address % 2 == 0 ? V4_HIGH : 0xFD00_0000_0000_0000L;
                if (random.nextBoolean())
                {
                    final long mac = 0x0200_0000_0000L | random.nextInt(1 << 20) + 1;
                    try
                    {
                        final long old = t.put(network, high, v4(address), mac);
                        assertEquals(reference.getOrDefault(key, NeighbourTable.MISSING), old);
                        reference.put(key, mac);
                    }
                    catch (final TableException e)
                    {
                        assertEquals(64, reference.size());
                        assertTrue(!reference.containsKey(key));
                    }
                }
                else
                {
                    assertEquals(reference.getOrDefault(key, NeighbourTable.MISSING), t.remove(network, high, v4(address)));
                    reference.remove(key);
                }
                assertEquals(reference.size(), t.size());
                assertTrue(t.tombstones() <= 128 / 4, "tombstones stay below a quarter of the 128 slots: " + t.tombstones());
            }
            assertTrue(t.rebuilds() > 0, "the churn made the table rebuild itself");
            for (final Map.Entry<Long, Long> e : reference.entrySet())
            {
                final int address = (int)(long)e.getKey();
                assertEquals(e.getValue(), t.lookup((int)(e.getKey() >>> 32), address % 2 == 0 ? V4_HIGH : 0xFD00_0000_0000_0000L, v4(address)));
            }
            final Map<Long, Long> seen = new HashMap<>();
            t.forEach((network, high, low, mac) -> seen.put((long)network << 32 | (low & 0xFFFF_FFFFL), mac));
            assertEquals(reference, seen);
            for (final Long key : reference.keySet())
            {
                final int address = (int)(long)key;
                t.remove((int)(key >>> 32), address % 2 == 0 ? V4_HIGH : 0xFD00_0000_0000_0000L, v4(address));
            }
            assertEquals(0, t.size());
            assertTrue(t.tombstones() <= 128 / 4);
            for (int a = 0; a < 100; a++)
            {
                assertEquals(NeighbourTable.MISSING, t.lookup(1, V4_HIGH, v4(a)));
            }
        }
    }

    /**
     * A reader never sees a key with a MAC that was never its own: the writer keeps replacing
     * and removing keys whose MACs encode the key, while a reader looks them up.
     */
    @Test
    void readersNeverSeeATornEntry() throws Exception
    {
        try (NeighbourTable t = new NeighbourTable(32, 5))
        {
            final AtomicReference<String> failure = new AtomicReference<>();
            final AtomicLong lookups = new AtomicLong();
            final long deadline = System.nanoTime() + 1_000_000_000L;
            final Thread reader = new Thread(() ->
            {
                long n = 0;
                while (System.nanoTime() < deadline && failure.get() == null)
                {
                    for (int a = 0; a < 40; a++)
                    {
                        final long mac = t.lookup(1, 0xFD00_0000_0000_0000L, a);
                        if (mac != NeighbourTable.MISSING && (mac & 0xFFFF) != a)
                        {
                            failure.set("address " + a + " read MAC " + Long.toHexString(mac));
                        }
                        n++;
                    }
                }
                lookups.set(n);
            });
            reader.start();
            final Random random = new Random(1);
            long version = 1;
            while (System.nanoTime() < deadline && failure.get() == null)
            {
                final int a = random.nextInt(40);
                if (random.nextInt(4) == 0)
                {
                    t.remove(1, 0xFD00_0000_0000_0000L, a);
                }
                else
                {
                    try
                    {
                        t.put(1, 0xFD00_0000_0000_0000L, a, 0x0200_0000_0000L | (version++ & 0xFFFF_FFFFL) << 16 | a);
                    }
                    catch (final TableException full)
                    {
                        t.remove(1, 0xFD00_0000_0000_0000L, random.nextInt(40));
                    }
                }
            }
            reader.join(5_000);
            assertEquals(null, failure.get());
            assertTrue(lookups.get() > 0);
        }
    }
}
