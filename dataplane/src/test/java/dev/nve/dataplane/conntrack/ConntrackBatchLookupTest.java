package dev.nve.dataplane.conntrack;

import dev.nve.dataplane.table.RecordingLinePrefetcher;
import dev.nve.dataplane.wire.TcpHeader;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The batch lookup gives every packet the answer of a plain {@link ConntrackTable#lookup}: a
 * full table (load 1/3, so still some probes go on to the next line), IPv4 and IPv6 keys, both
 * directions, keys that are not there, expired entries, refused tuples, and a selection of
 * packets that skips some; with lines touched by loads and with a prefetcher, which must be
 * given exactly the lines the lookups then read (a recording one, which prefetches nothing).
 */
final class ConntrackBatchLookupTest
{
    private static final int ENTRIES = 2_000;
    private static final int BATCH = 64;
    private static final long T0 = 1_000_000_000_000L;

    @Test
    void everyPacketGetsThePlainLookupsAnswerWithLinesTouchedByLoads()
    {
        assertLookups(null);
    }

    @Test
    void everyPacketGetsThePlainLookupsAnswerWithLinesPrefetched()
    {
        final RecordingLinePrefetcher prefetcher = new RecordingLinePrefetcher(2 * BATCH);
        assertLookups(prefetcher);
        assertTrue(prefetcher.calls() > 2_000 && prefetcher.otherBases() == 0, prefetcher.calls() + " calls, " + prefetcher.otherBases() + " with another base");
    }

    /** The prefetcher got the packets' home lines, then the next lines of those whose probe went further, in packet order. */
    private static void assertPrefetched(final ConntrackTable table, final ConntrackKey[] keys, final int[] packets, final int count,
        final RecordingLinePrefetcher prefetcher, final int round)
    {
        int expected = count;
        for (int n = 0; n < count; n++)
        {
            final long home = table.homeLine(keys[packets[n]].hash);
            assertEquals(home, prefetcher.offset(n), "round " + round + ": the home line of packet " + packets[n]);
            if (table.lookupHome(keys[packets[n]], T0) == ConntrackTable.FURTHER)
            {
                assertEquals(table.nextLine(home), prefetcher.offset(expected++), "round " + round + ": the next line of packet " + packets[n]);
            }
        }
        assertEquals(expected, prefetcher.recorded(), "round " + round + ": lines prefetched");
    }

    private static void assertLookups(final RecordingLinePrefetcher prefetcher)
    {
        try (ConntrackTable table = new ConntrackTable(ENTRIES, new ConntrackTimeouts(60_000_000_000L, 60_000_000_000L, 10_000_000_000L, 1_000_000_000L)))
        {
            final SplittableRandom random = new SplittableRandom(11);
            final ConntrackKey key = new ConntrackKey();
            final long[][] tuples = new long[ENTRIES + ENTRIES / 2][];
            for (int n = 0; n < tuples.length; n++)
            {
                tuples[n] = tuple(random);
                // The first ENTRIES are created (the table is then full), the rest never.
                if (n < ENTRIES)
                {
                    assertTrue(of(key, tuples[n], false));
                    // All created 2 s before the lookups: the UDP ones (timeout 1 s) have expired
                    // by then, the TCP ones (SYN, 60 s) have not.
                    assertTrue(ConntrackTable.isEntry(table.create(key, tuples[n][8] == 6 ? TcpHeader.SYN : 0, T0 - 2_000_000_000L)));
                }
            }
            assertEquals(ENTRIES, table.size());
            final ConntrackBatchLookup lookups = new ConntrackBatchLookup(BATCH, prefetcher);
            final ConntrackKey[] keys = new ConntrackKey[BATCH];
            for (int i = 0; i < BATCH; i++)
            {
                keys[i] = new ConntrackKey();
            }
            final int[] packets = new int[BATCH];
            final long[] times = new long[BATCH];
            final long[] found = new long[BATCH];
            int further = 0;
            int hits = 0;
            int expired = 0;
            for (int round = 0; round < 2_000; round++)
            {
                int count = 0;
                for (int i = 0; i < BATCH; i++)
                {
                    final long[] tuple = tuples[random.nextInt(tuples.length)];
                    if (random.nextInt(50) == 0)
                    {
                        keys[i].ofIpv4(1 << 24, 1, 2, 3, 4, 17); // a refused tuple (zone too large)
                    }
                    else
                    {
                        of(keys[i], tuple, random.nextBoolean());
                    }
                    times[i] = T0;
                    found[i] = Long.MIN_VALUE;
                    packets[count] = i;
                    count += random.nextInt(8) == 0 ? 0 : 1;
                }
                if (prefetcher != null)
                {
                    prefetcher.clear();
                }
                lookups.lookUp(table, keys, packets, count, times, found);
                if (prefetcher != null)
                {
                    assertPrefetched(table, keys, packets, count, prefetcher, round);
                }
                int next = 0;
                for (int i = 0; i < BATCH; i++)
                {
                    final boolean selected = next < count && packets[next] == i;
                    if (!selected)
                    {
                        assertEquals(Long.MIN_VALUE, found[i], "packet " + i + " was not asked for");
                        continue;
                    }
                    next++;
                    final long plain = table.lookup(keys[i], T0);
                    assertEquals(plain, found[i], "round " + round + " packet " + i);
                    hits += ConntrackTable.isEntry(plain) ? 1 : 0;
                    expired += !ConntrackTable.isEntry(plain) && ConntrackTable.isEntry(table.lookup(keys[i], T0 - 2_000_000_000L)) ? 1 : 0;
                    further += table.lookupHome(keys[i], T0) == ConntrackTable.FURTHER ? 1 : 0;
                }
            }
            assertTrue(hits > 10_000 && expired > 10_000 && further > 1_000, "hits " + hits + ", expired " + expired + ", probes into the next line " + further);
        }
    }

    /** zone, version, src hi, src lo, dst hi, dst lo, src port, dst port, protocol (TCP or UDP) */
    private static long[] tuple(final SplittableRandom random)
    {
        final boolean ipv6 = random.nextInt(3) == 0;
        final long zone = random.nextInt(4);
        final long protocol = random.nextBoolean() ? 6 : 17;
        if (ipv6)
        {
            return new long[] {zone, 6, 0xFD00_0000_0000_0000L, random.nextLong(), 0x2001_0DB8_0000_0000L, random.nextLong(), random.nextInt(65_536),
                random.nextInt(65_536), protocol};
        }
        return new long[] {zone, 4, 0, 0xC613_0000L | random.nextInt(65_536), 0, 0xC612_0000L | random.nextInt(65_536), random.nextInt(65_536),
            random.nextInt(65_536), protocol};
    }

    private static boolean of(final ConntrackKey key, final long[] t, final boolean reversed)
    {
        return reversed
            ? key.of((int)t[0], (int)t[1], t[4], t[5], t[2], t[3], (int)t[7], (int)t[6], (int)t[8])
            : key.of((int)t[0], (int)t[1], t[2], t[3], t[4], t[5], (int)t[6], (int)t[7], (int)t[8]);
    }
}
