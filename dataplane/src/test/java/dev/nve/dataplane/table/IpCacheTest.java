package dev.nve.dataplane.table;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class IpCacheTest
{
    private static final int ZONE = 7;
    private static final int OTHER_ZONE = 0x0100_0000 | 7;
    /** Every key gets the same fingerprint: all but one of them live in the overflow. */
    private static final long ONE_FINGERPRINT = 0L;

    private IpCache cache;
    private Tables tables;

    @AfterEach
    void close()
    {
        if (cache != null)
        {
            cache.close();
        }
        if (tables != null)
        {
            tables.close();
        }
    }

    private static InetAddress ip(final String text) throws Exception
    {
        return InetAddress.getByName(text);
    }

    private static int lookup(final IpCache cache, final int zone, final InetAddress ip)
    {
        return cache.lookup(zone, IpCache.high(ip), IpCache.low(ip));
    }

    /** (zone, high, low) -> identity as the dump reports it. */
    private static Map<List<Long>, Integer> dump(final IpCache cache)
    {
        final Map<List<Long>, Integer> all = new HashMap<>();
        cache.forEach((zone, high, low, identity) -> assertEquals(null, all.put(List.of((long)zone, high, low), identity), "key dumped twice"));
        return all;
    }

    @Test
    void ipv4AndIpv6InsertLookupReplaceRemoveThroughTheWriter() throws Exception
    {
        tables = new Tables(new Tables.Sizes(4, 16, 4, 16, 4, 64));
        final TableWriter writer = new TableWriter(tables);
        final IpCache ipCache = tables.ipCache();
        final InetAddress v4 = ip("198.19.0.10");
        final InetAddress v6 = ip("2001:db8::10");

        assertEquals(IpCache.MISSING, lookup(ipCache, ZONE, v4));
        writer.setIpIdentity(ZONE, v4, 256);
        writer.setIpIdentity(ZONE, v6, 257);
        assertEquals(256, lookup(ipCache, ZONE, v4));
        assertEquals(257, lookup(ipCache, ZONE, v6));
        assertEquals(2, ipCache.size());

        writer.setIpIdentity(ZONE, v4, IpCache.MAX_IDENTITY);
        assertEquals(IpCache.MAX_IDENTITY, lookup(ipCache, ZONE, v4), "replaced");
        assertEquals(2, ipCache.size(), "replace does not grow the table");

        assertTrue(writer.removeIpIdentity(ZONE, v4));
        assertFalse(writer.removeIpIdentity(ZONE, v4), "second remove finds nothing");
        assertEquals(IpCache.MISSING, lookup(ipCache, ZONE, v4));
        assertEquals(257, lookup(ipCache, ZONE, v6));
        assertEquals(1, ipCache.size());
        assertEquals(Map.of(List.of((long)ZONE, IpCache.high(v6), IpCache.low(v6)), 257), dump(ipCache));
        assertEquals(64, ipCache.maxEntries());
        assertTrue(ipCache.offHeapBytes() >= (64L + IpCache.OVERFLOW_ENTRIES) * IpCache.ENTRY_SIZE);
    }

    @Test
    void zonesAreKeptApart() throws Exception
    {
        cache = new IpCache(16);
        final InetAddress sameIp = ip("198.19.0.1");
        cache.put(ZONE, IpCache.high(sameIp), IpCache.low(sameIp), 300);
        assertEquals(IpCache.MISSING, lookup(cache, OTHER_ZONE, sameIp));
        assertEquals(IpCache.MISSING, lookup(cache, 0, sameIp));
        cache.put(OTHER_ZONE, IpCache.high(sameIp), IpCache.low(sameIp), 301);
        assertEquals(300, lookup(cache, ZONE, sameIp));
        assertEquals(301, lookup(cache, OTHER_ZONE, sameIp));
        assertTrue(cache.remove(OTHER_ZONE, IpCache.high(sameIp), IpCache.low(sameIp)));
        assertEquals(300, lookup(cache, ZONE, sameIp));
        assertEquals(IpCache.MISSING, lookup(cache, OTHER_ZONE, sameIp));
    }

    @Test
    void ipv4AndItsIpv4MappedIpv6FormAreOneKey() throws Exception
    {
        tables = new Tables(new Tables.Sizes(4, 16, 4, 16, 4, 16));
        final TableWriter writer = new TableWriter(tables);
        final InetAddress v4 = ip("198.19.1.2");
        final byte[] mappedBytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)0xFF, (byte)0xFF, (byte)198, 19, 1, 2};
        final InetAddress mapped = Inet6Address.getByAddress(null, mappedBytes, -1);

        assertEquals(IpCache.V4_MAPPED_HIGH, IpCache.high(v4));
        assertEquals(0x0000_FFFF_C613_0102L, IpCache.low(v4));
        assertEquals(IpCache.low(v4), IpCache.v4MappedLow(0xC613_0102));
        assertEquals(IpCache.high(v4), IpCache.high(mapped));
        assertEquals(IpCache.low(v4), IpCache.low(mapped));
        assertTrue(IpCache.isV4Mapped(IpCache.high(v4), IpCache.low(v4)));
        assertFalse(IpCache.isV4Mapped(IpCache.high(ip("2001:db8::1")), IpCache.low(ip("2001:db8::1"))));
        assertEquals(v4, IpCache.address(IpCache.high(v4), IpCache.low(v4)));
        assertEquals(ip("2001:db8::c613:102"), IpCache.address(0x2001_0DB8_0000_0000L, 0xC613_0102L));

        writer.setIpIdentity(ZONE, v4, 400);
        assertEquals(400, tables.ipCache().lookup(ZONE, 0, IpCache.v4MappedLow(0xC613_0102)), "packet path key from a u32 IPv4 address");
        writer.setIpIdentity(ZONE, mapped, 401);
        assertEquals(1, tables.ipCache().size(), "the mapped form replaced the IPv4 entry");
        assertEquals(401, lookup(tables.ipCache(), ZONE, v4));
        assertEquals(IpCache.MISSING, tables.ipCache().lookup(ZONE, 0, 0xC613_0102L), "the IPv4-compatible form ::a.b.c.d is another address");
        assertTrue(writer.removeIpIdentity(ZONE, mapped));
        assertEquals(0, tables.ipCache().size());
    }

    @Test
    void writerRefusesBadIdentitiesAndChangesNothing() throws Exception
    {
        tables = new Tables(new Tables.Sizes(4, 16, 4, 16, 4, 16));
        final TableWriter writer = new TableWriter(tables);
        final InetAddress v6 = ip("fd00::1");
        writer.setIpIdentity(ZONE, v6, 500);
        for (final int bad : new int[] {0, -1, IpCache.MAX_IDENTITY + 1, IpCache.MISSING})
        {
            final TableException e = assertThrows(TableException.class, () -> writer.setIpIdentity(ZONE, v6, bad));
            assertTrue(e.getMessage().contains("identity out of range") && e.getMessage().contains(String.valueOf(bad)), e.getMessage());
            assertEquals(500, lookup(tables.ipCache(), ZONE, v6));
        }
        assertThrows(TableException.class, () -> writer.setIpIdentity(ZONE, null, 5));
        assertThrows(TableException.class, () -> writer.removeIpIdentity(ZONE, null));
        assertThrows(IllegalArgumentException.class, () -> tables.ipCache().put(ZONE, 0, 1, 0), "the table checks too");
        assertEquals(1, tables.ipCache().size());
        assertThrows(IllegalArgumentException.class, () -> new IpCache(0));
        assertThrows(IllegalArgumentException.class, () -> new IpCache(IpCache.MAX_ENTRIES + 1));
    }

    @Test
    void fullTableRefusesNewKeysButStillReplacesAndRecoversAfterRemove() throws Exception
    {
        tables = new Tables(new Tables.Sizes(4, 16, 4, 16, 4, 4));
        final TableWriter writer = new TableWriter(tables);
        for (int i = 1; i <= 4; i++)
        {
            writer.setIpIdentity(ZONE, ip("2001:db8::" + i), 1000 + i);
        }
        final TableException e = assertThrows(TableException.class, () -> writer.setIpIdentity(ZONE, ip("2001:db8::5"), 1005));
        assertTrue(e.getMessage().startsWith("ipcache full (4 entries)"), e.getMessage());
        assertTrue(e.getMessage().contains("2001:db8:0:0:0:0:0:5"), e.getMessage());
        assertEquals(4, tables.ipCache().size());
        assertEquals(IpCache.MISSING, lookup(tables.ipCache(), ZONE, ip("2001:db8::5")));

        writer.setIpIdentity(ZONE, ip("2001:db8::4"), 2004);
        assertEquals(2004, lookup(tables.ipCache(), ZONE, ip("2001:db8::4")), "a replacement fits in a full table");
        assertTrue(writer.removeIpIdentity(ZONE, ip("2001:db8::1")));
        writer.setIpIdentity(ZONE, ip("2001:db8::5"), 1005);
        assertEquals(1005, lookup(tables.ipCache(), ZONE, ip("2001:db8::5")));
        for (int i = 2; i <= 3; i++)
        {
            assertEquals(1000 + i, lookup(tables.ipCache(), ZONE, ip("2001:db8::" + i)));
        }
    }

    @Test
    void fingerprintsNeverZeroOrAllOnes()
    {
        cache = new IpCache(4, 1, ONE_FINGERPRINT);
        assertEquals(1, cache.fingerprint(ZONE, 1, 2), "mask 0 folds onto 1");
        try (IpCache allOnes = new IpCache(4, 0, -1L))
        {
            for (long low = 0; low < 1000; low++)
            {
                assertTrue(LongIntHashTable.isValidKey(allOnes.fingerprint(0, 0, low)));
            }
        }
    }

    @Test
    void keysSharingAFingerprintAreAllKeptAndComparedInFull()
    {
        cache = new IpCache(32, 1, ONE_FINGERPRINT);
        final long trustedHigh = 0xFD00_0000_0000_0000L;
        // first key: primary entry; the next ones: overflow
        assertEquals(IpCache.MISSING, cache.put(ZONE, trustedHigh, 1, 100));
        assertEquals(IpCache.MISSING, cache.put(ZONE, trustedHigh, 2, 200));
        assertEquals(IpCache.MISSING, cache.put(OTHER_ZONE, trustedHigh, 1, 300));
        assertEquals(3, cache.size());
        assertEquals(2, cache.overflowSize());

        assertEquals(100, cache.lookup(ZONE, trustedHigh, 1));
        assertEquals(200, cache.lookup(ZONE, trustedHigh, 2));
        assertEquals(300, cache.lookup(OTHER_ZONE, trustedHigh, 1));
        // an "attacker" address with the same fingerprint as the trusted ones is not them
        assertEquals(IpCache.MISSING, cache.lookup(ZONE, 0x2001_0DB8_0000_0000L, 1));
        assertEquals(IpCache.MISSING, cache.lookup(ZONE, trustedHigh, 3));
        assertEquals(IpCache.MISSING, cache.lookup(ZONE + 1, trustedHigh, 1));

        assertEquals(200, cache.put(ZONE, trustedHigh, 2, 201), "replace in the overflow");
        assertEquals(201, cache.lookup(ZONE, trustedHigh, 2));
        assertEquals(3, cache.size());

        // removing the primary key leaves its entry hollow while overflow keys share the fingerprint
        assertTrue(cache.remove(ZONE, trustedHigh, 1));
        assertEquals(IpCache.MISSING, cache.lookup(ZONE, trustedHigh, 1));
        assertEquals(201, cache.lookup(ZONE, trustedHigh, 2));
        assertEquals(300, cache.lookup(OTHER_ZONE, trustedHigh, 1));
        assertFalse(cache.remove(ZONE, trustedHigh, 1));

        // a new key with that fingerprint refills the hollow primary entry, not the overflow
        cache.put(ZONE, trustedHigh, 4, 400);
        assertEquals(2, cache.overflowSize());
        assertEquals(400, cache.lookup(ZONE, trustedHigh, 4));

        assertTrue(cache.remove(ZONE, trustedHigh, 2));
        assertTrue(cache.remove(OTHER_ZONE, trustedHigh, 1));
        assertEquals(0, cache.overflowSize());
        assertEquals(400, cache.lookup(ZONE, trustedHigh, 4));
        assertTrue(cache.remove(ZONE, trustedHigh, 4));
        assertEquals(0, cache.size());
        assertEquals(IpCache.MISSING, cache.lookup(ZONE, trustedHigh, 4));
        assertEquals(Map.of(), dump(cache));
    }

    @Test
    void batchStepsAgreeWithLookupAlsoForCollidingKeys()
    {
        for (final long mask : new long[] {-1L, ONE_FINGERPRINT})
        {
            try (IpCache table = new IpCache(64, 5, mask))
            {
                for (int i = 0; i < 10; i++)
                {
                    table.put(i % 3, 0x2001_0DB8_0000_0000L, i, 100 + i);
                }
                table.remove(0, 0x2001_0DB8_0000_0000L, 0);
                for (int i = 0; i < 20; i++)
                {
                    final int zone = i % 3;
                    final long fingerprint = table.fingerprint(zone, 0x2001_0DB8_0000_0000L, i);
                    final long slotHash = IpCache.slotHash(fingerprint);
                    table.touchSlot(slotHash);
                    final int entry = table.entry(fingerprint, slotHash);
                    table.touchEntry(entry);
                    final int expected = i == 0 || i >= 10 ? IpCache.MISSING : 100 + i;
                    assertEquals(expected, table.identity(entry, zone, 0x2001_0DB8_0000_0000L, i), "mask " + mask + " key " + i);
                    assertEquals(expected, table.lookup(zone, 0x2001_0DB8_0000_0000L, i));
                }
            }
        }
    }

    @Test
    void fullCollisionOverflowIsRefusedWithAClearMessageAndChangesNothing()
    {
        cache = new IpCache(64, 1, ONE_FINGERPRINT);
        for (int i = 0; i <= IpCache.OVERFLOW_ENTRIES; i++)
        {
            cache.put(ZONE, 0, i, 10 + i);
        }
        assertEquals(IpCache.OVERFLOW_ENTRIES, cache.overflowSize());
        final TableException e = assertThrows(TableException.class, () -> cache.put(ZONE, 0, 99, 99));
        assertTrue(e.getMessage().startsWith("ipcache fingerprint-collision overflow full (16 entries)"), e.getMessage());
        assertEquals(IpCache.OVERFLOW_ENTRIES + 1, cache.size());
        assertEquals(IpCache.MISSING, cache.lookup(ZONE, 0, 99));
        for (int i = 0; i <= IpCache.OVERFLOW_ENTRIES; i++)
        {
            assertEquals(10 + i, cache.lookup(ZONE, 0, i));
        }
        assertEquals(IpCache.OVERFLOW_ENTRIES + 1, dump(cache).size());
        // replacing an overflow key still works when the overflow is full
        cache.put(ZONE, 0, IpCache.OVERFLOW_ENTRIES, 77);
        assertEquals(77, cache.lookup(ZONE, 0, IpCache.OVERFLOW_ENTRIES));
    }

    @Test
    void freedEntriesAreReusedWithoutLeaks()
    {
        cache = new IpCache(8, 3, -1L);
        for (int round = 0; round < 1000; round++)
        {
            for (int i = 0; i < 8; i++)
            {
                cache.put(round, 0x2001_0DB8_0000_0000L, i, 1 + i);
            }
            for (int i = 0; i < 8; i++)
            {
                assertEquals(1 + i, cache.lookup(round, 0x2001_0DB8_0000_0000L, i));
                assertTrue(cache.remove(round, 0x2001_0DB8_0000_0000L, i));
            }
        }
        assertEquals(0, cache.size());
        assertEquals(Map.of(), dump(cache));
    }

    @Test
    void tablesSizesKeepTheirOldConstructors()
    {
        assertEquals(IpCache.DEFAULT_ENTRIES, new Tables.Sizes(1, 2, 3).ipCacheEntries());
        assertEquals(IpCache.DEFAULT_ENTRIES, new Tables.Sizes(1, 2, 3, 4).ipCacheEntries());
        assertEquals(IpCache.DEFAULT_ENTRIES, new Tables.Sizes(1, 2, 3, 4, 4).ipCacheEntries());
        assertEquals(65536, Tables.Sizes.DEFAULT.ipCacheEntries());
        assertEquals(9, new Tables.Sizes(1, 2, 3, 4, 4, 9).ipCacheEntries());
    }
}
