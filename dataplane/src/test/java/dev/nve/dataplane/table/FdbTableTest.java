package dev.nve.dataplane.table;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class FdbTableTest
{
    @Test
    void keyIsNetworkInTheTop16BitsAndTheMacInTheLow48()
    {
        final long mac = 0x02_00_5E_10_20_30L;
        final long key = FdbTable.key(1, mac);
        assertEquals(0x0001_0200_5E10_2030L, key);
        assertEquals(1, FdbTable.networkOf(key));
        assertEquals(mac, FdbTable.macOf(key));
        assertEquals(0xFFFF, FdbTable.networkOf(FdbTable.key(0xFFFF, 0x1L)));
        assertEquals(0xFFFF_FFFF_FFFFL, FdbTable.macOf(FdbTable.key(4095, -1L)), "MAC masked to 48 bits");
        assertEquals(4095, FdbTable.networkOf(FdbTable.key(4095, -1L)), "MAC bits do not leak into the network");
    }

    @Test
    void keysOfValidNetworksAreNeverReserved()
    {
        // network indexes start at 1, so even the all-zero MAC gives a usable key
        assertTrue(LongIntHashTable.isValidKey(FdbTable.key(1, 0)));
        assertTrue(LongIntHashTable.isValidKey(FdbTable.key(4096, 0xFFFF_FFFF_FFFFL)));
        assertNotEquals(FdbTable.key(1, 0x0A), FdbTable.key(2, 0x0A));
    }

    @Test
    void localValuesCarryThePort()
    {
        for (final int port : new int[] {0, 1, 5, 1023, 0xFFFF})
        {
            final int value = FdbTable.local(port);
            assertNotEquals(FdbTable.MISSING, value);
            assertFalse(FdbTable.isRemote(value));
            assertEquals(port, FdbTable.portOf(value));
        }
    }

    @Test
    void remoteValuesCarryTheTemplateAndTemplateZeroIsReservedForMissing()
    {
        for (final int template : new int[] {1, 2, 4096, 0x7FFF_FFFF})
        {
            final int value = FdbTable.remote(template);
            assertNotEquals(FdbTable.MISSING, value, "template " + template);
            assertTrue(FdbTable.isRemote(value));
            assertEquals(template, FdbTable.templateOf(value));
        }
        // remote(0) would be indistinguishable from MISSING: that is why templates start at 1
        assertEquals(FdbTable.MISSING, FdbTable.remote(0));
        assertEquals(LongIntHashTable.MISSING, FdbTable.MISSING);
        assertTrue(FdbTable.isRemote(FdbTable.MISSING), "documented: test != MISSING before isRemote");
    }

    @Test
    void storesLocalAndRemoteEntries()
    {
        try (FdbTable fdb = new FdbTable(8))
        {
            final long a = FdbTable.key(1, 0x02_00_00_00_00_0AL);
            final long b = FdbTable.key(2, 0x02_00_00_00_00_0AL);
            assertEquals(FdbTable.MISSING, fdb.get(a));
            assertTrue(fdb.put(a, FdbTable.local(3)));
            assertTrue(fdb.put(b, FdbTable.remote(7)));
            assertEquals(FdbTable.local(3), fdb.get(a));
            assertEquals(FdbTable.remote(7), fdb.getHashed(b, LongIntHashTable.hash(b)));
            assertEquals(2, fdb.size());
            assertEquals(8, fdb.maxEntries());
            assertTrue(fdb.offHeapBytes() > 0);
            final int[] visited = new int[1];
            fdb.forEach((key, value) -> visited[0]++);
            assertEquals(2, visited[0]);
            assertEquals(FdbTable.local(3), fdb.remove(a));
            assertEquals(FdbTable.MISSING, fdb.get(a));
            assertEquals(1, fdb.size());
        }
    }
}
