package dev.nve.dataplane.table;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class LongIntHashTableTest
{
    private LongIntHashTable table;

    @AfterEach
    void close()
    {
        if (table != null)
        {
            table.close();
        }
    }

    @Test
    void putGetReplaceRemove()
    {
        table = new LongIntHashTable(16);
        assertEquals(LongIntHashTable.MISSING, table.get(42));
        assertTrue(table.put(42, 7));
        assertEquals(7, table.get(42));
        assertEquals(1, table.size());

        assertTrue(table.put(42, -5), "replace");
        assertEquals(-5, table.get(42));
        assertEquals(1, table.size(), "replace does not grow the table");

        assertTrue(table.put(43, 0));
        assertEquals(0, table.get(43), "value 0 is a value, not MISSING");
        assertEquals(2, table.size());

        assertEquals(-5, table.remove(42));
        assertEquals(LongIntHashTable.MISSING, table.get(42));
        assertEquals(0, table.get(43));
        assertEquals(1, table.size());
        assertEquals(LongIntHashTable.MISSING, table.remove(42), "second remove finds nothing");
        assertEquals(1, table.size());
    }

    @Test
    void getHashedAndTouchAgreeWithGet()
    {
        table = new LongIntHashTable(64);
        for (long k = 1; k <= 50; k++)
        {
            assertTrue(table.put(k * 0x1_0000_0001L, (int)k));
        }
        for (long k = 1; k <= 60; k++)
        {
            final long key = k * 0x1_0000_0001L;
            final long hash = LongIntHashTable.hash(key);
            table.touch(hash);
            assertEquals(table.get(key), table.getHashed(key, hash));
            assertEquals(k <= 50 ? (int)k : LongIntHashTable.MISSING, table.get(key));
        }
    }

    @Test
    void aRemovalShiftsItsClusterBackAndLeavesEveryOtherKeyFindable()
    {
        // keys that collide: the same home slot in a 32-slot table, so they form one cluster
        table = new LongIntHashTable(16);
        final java.util.List<Long> cluster = new java.util.ArrayList<>();
        final long home = LongIntHashTable.hash(1) & 31;
        for (long k = 1; cluster.size() < 5; k++)
        {
            if ((LongIntHashTable.hash(k) & 31) == home)
            {
                cluster.add(k);
                assertTrue(table.put(k, (int)k));
            }
        }
        assertEquals((int)(long)cluster.get(1), table.remove(cluster.get(1)), "a key in the middle of the cluster");
        assertEquals((int)(long)cluster.get(0), table.remove(cluster.get(0)), "the one in the home slot");
        assertEquals(3, table.size());
        for (final long k : cluster.subList(2, 5))
        {
            assertEquals((int)k, table.get(k), "moved back, still found: " + k);
        }
        assertEquals(LongIntHashTable.MISSING, table.get(cluster.get(0)));
        assertEquals(LongIntHashTable.MISSING, table.get(cluster.get(1)));
        assertTrue(table.put(cluster.get(1), 55));
        assertEquals(55, table.get(cluster.get(1)));
    }

    @Test
    void randomChurnAgreesWithAMapAndNeverSlowsMisses()
    {
        // An FDB learning from BGP churns for days; with tombstones (before) a 1,024-entry table
        // peaked at 1,466 dead slots of 2,048 after 300,000 of these operations, and each miss
        // (unknown unicast) probed through them.
        table = new LongIntHashTable(1024);
        final java.util.Map<Long, Integer> model = new java.util.HashMap<>();
        final java.util.Random random = new java.util.Random(7);
        final java.util.List<Long> live = new java.util.ArrayList<>();
        for (int op = 0; op < 300_000; op++)
        {
            if (live.size() < 900 && (live.isEmpty() || random.nextInt(100) < 52))
            {
                final long key = 1 + (random.nextLong() >>> 1);
                assertTrue(table.put(key, op));
                model.put(key, op);
                live.add(key);
            }
            else
            {
                final long key = live.remove(random.nextInt(live.size()));
                assertEquals((int)model.remove(key), table.remove(key));
                assertEquals(LongIntHashTable.MISSING, table.get(key));
            }
        }
        model.forEach((k, v) -> assertEquals((int)v, table.get(k)));
        assertEquals(model.size(), table.size());
        final int[] visited = {0};
        table.forEach((k, v) -> visited[0]++);
        assertEquals(model.size(), visited[0], "no dead slot is left behind as a key");
    }

    @Test
    void churnOfDistinctKeysNeverFillsTheTable()
    {
        // Lookups of missing keys must terminate and inserts must find a slot, however long the churn.
        table = new LongIntHashTable(4);
        assertTrue(table.put(0xABCDL, 1));
        for (long k = 100; k < 20_000; k++)
        {
            assertTrue(table.put(k, (int)k), "insert " + k);
            assertEquals((int)k, table.get(k));
            assertEquals((int)k, table.remove(k));
            assertEquals(LongIntHashTable.MISSING, table.get(k));
            assertEquals(1, table.get(0xABCDL), "a live key survives the churn");
        }
        assertEquals(1, table.size());
        assertEquals(LongIntHashTable.MISSING, table.get(999_999L));
        assertTrue(table.put(999_999L, 9));
        assertEquals(9, table.get(999_999L));
    }

    @Test
    void fullTableRefusesNewKeysButReplacesExistingOnes()
    {
        table = new LongIntHashTable(4);
        for (long k = 1; k <= 4; k++)
        {
            assertTrue(table.put(k, (int)k));
        }
        assertFalse(table.put(5, 5), "fifth key refused");
        assertEquals(LongIntHashTable.MISSING, table.get(5));
        assertEquals(4, table.size());
        assertTrue(table.put(3, 33), "replace while full");
        assertEquals(33, table.get(3));
        assertEquals(4, table.size());
        assertEquals(1, table.remove(1));
        assertTrue(table.put(5, 5), "room again after a remove");
        assertEquals(5, table.get(5));
        assertEquals(4, table.size());
        assertFalse(table.put(6, 6));
    }

    @Test
    void reservedKeysAreRejectedByPut()
    {
        table = new LongIntHashTable(4);
        assertFalse(LongIntHashTable.isValidKey(0));
        assertFalse(LongIntHashTable.isValidKey(-1));
        assertTrue(LongIntHashTable.isValidKey(1));
        assertTrue(LongIntHashTable.isValidKey(Long.MIN_VALUE));
        assertThrows(IllegalArgumentException.class, () -> table.put(0, 1));
        assertThrows(IllegalArgumentException.class, () -> table.put(-1, 1));
        assertEquals(0, table.size());
    }

    /**
     * Reserved keys are never stored, so a lookup must answer MISSING, not the value field of
     * an empty slot (0) or of a tombstone. Fails until {@code getHashed} rejects reserved keys.
     */
    @Test
    void reservedKeysAreNeverFound()
    {
        table = new LongIntHashTable(4);
        assertEquals(LongIntHashTable.MISSING, table.get(0), "get(0) on an empty table");
        table.put(7, 70);
        table.remove(7);
        assertEquals(LongIntHashTable.MISSING, table.get(-1), "get(-1) after a removal");
    }

    /**
     * remove() of a reserved key must not change the table: today remove(0) matches an EMPTY
     * slot and remove(-1) a tombstone, and both decrement size. Fails until remove rejects
     * reserved keys (either by throwing like put or by returning MISSING).
     */
    @Test
    void removeOfReservedKeysChangesNothing()
    {
        table = new LongIntHashTable(4);
        table.put(7, 70);
        table.put(8, 80);
        table.remove(8);
        final int size = table.size();
        for (final long reserved : new long[] {0L, -1L})
        {
            try
            {
                assertEquals(LongIntHashTable.MISSING, table.remove(reserved), "remove(" + reserved + ")");
            }
            catch (final IllegalArgumentException expected)
            {
                // also acceptable: refused like put
            }
            assertEquals(size, table.size(), "size after remove(" + reserved + ")");
        }
        assertEquals(70, table.get(7));
    }

    @Test
    void forEachVisitsExactlyTheLiveEntries()
    {
        table = new LongIntHashTable(32);
        final Map<Long, Integer> expected = new HashMap<>();
        final Random random = new Random(7);
        for (int i = 0; i < 32; i++)
        {
            long key;
            do
            {
                key = random.nextLong();
            }
            while (!LongIntHashTable.isValidKey(key) || expected.containsKey(key));
            expected.put(key, i);
            assertTrue(table.put(key, i));
        }
        int removed = 0;
        for (final Long key : expected.keySet().toArray(new Long[0]))
        {
            if (removed++ % 3 == 0)
            {
                assertEquals((int)expected.remove(key), table.remove(key));
            }
        }
        final Map<Long, Integer> seen = new HashMap<>();
        table.forEach((key, value) -> assertEquals(null, seen.put(key, value), "visited twice: " + key));
        assertEquals(expected, seen);
        assertEquals(expected.size(), table.size());
    }

    @Test
    void constructorBounds()
    {
        assertThrows(IllegalArgumentException.class, () -> new LongIntHashTable(0));
        assertThrows(IllegalArgumentException.class, () -> new LongIntHashTable((1 << 28) + 1));
        table = new LongIntHashTable(1);
        assertTrue(table.put(1, 1));
        assertFalse(table.put(2, 2));
        assertTrue(table.offHeapBytes() >= 2L * LongIntHashTable.SLOT_SIZE);
        assertEquals(1, table.maxEntries());
    }

    @Test
    void keysDifferingOnlyInHighBitsDoNotCollide()
    {
        table = new LongIntHashTable(512);
        for (int network = 1; network <= 16; network++)
        {
            for (long mac = 1; mac <= 16; mac++)
            {
                assertTrue(table.put(FdbTable.key(network, mac), network * 100 + (int)mac));
            }
        }
        for (int network = 1; network <= 16; network++)
        {
            for (long mac = 1; mac <= 16; mac++)
            {
                assertEquals(network * 100 + (int)mac, table.get(FdbTable.key(network, mac)));
            }
        }
    }
}
