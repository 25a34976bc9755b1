package dev.nve.dataplane.conntrack;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The key the filter computes once per packet: the IPv4 form equals the general one, both
 * directions of a connection share every key word but the source-is-B bit, and refused tuples
 * leave a key no lookup can match.
 */
final class ConntrackKeyTest
{
    @Test
    void bothDirectionsShareTheKeyAndTheIpv4FormEqualsTheGeneralOne()
    {
        final SplittableRandom random = new SplittableRandom(11);
        final ConntrackKey forward = new ConntrackKey();
        final ConntrackKey backward = new ConntrackKey();
        final ConntrackKey general = new ConntrackKey();
        for (int n = 0; n < 100_000; n++)
        {
            // Few distinct values, so equal addresses and equal ports occur often.
            final long src = random.nextBoolean() ? 0xC613_0001L + random.nextInt(3) : random.nextLong() >>> 32;
            final long dst = random.nextBoolean() ? 0xC613_0001L + random.nextInt(3) : random.nextLong() >>> 32;
            final int srcPort = random.nextBoolean() ? random.nextInt(3) : random.nextInt(65_536);
            final int dstPort = random.nextBoolean() ? random.nextInt(3) : random.nextInt(65_536);
            final int zone = random.nextInt(1 << 24);
            final int protocol = random.nextInt(256);
            assertTrue(forward.ofIpv4(zone, src, dst, srcPort, dstPort, protocol));
            assertTrue(backward.ofIpv4(zone, dst, src, dstPort, srcPort, protocol));
            assertTrue(general.of(zone, 4, 0, src, 0, dst, srcPort, dstPort, protocol));
            assertSameSlotWords(forward, general);
            assertEquals(forward.flags, general.flags);
            assertSameSlotWords(forward, backward);
            final boolean sameEndpoint = src == dst && srcPort == dstPort;
            assertEquals(sameEndpoint, forward.flags == backward.flags, "only a connection with itself reads the same both ways");
            // A is the smaller endpoint by (address, port).
            final long a = (forward.aLow << 16) | (forward.portsZoneProtocol >>> 48);
            final long b = (forward.bLow << 16) | ((forward.portsZoneProtocol >>> 32) & 0xFFFF);
            assertTrue(a <= b);
            assertEquals(forward.addresses, (forward.aLow << 32) | forward.bLow);
        }
    }

    @Test
    void ipv6KeysShareTheKeyBothWaysAndDifferFromIpv4()
    {
        final ConntrackKey forward = new ConntrackKey();
        final ConntrackKey backward = new ConntrackKey();
        final ConntrackKey four = new ConntrackKey();
        assertTrue(forward.of(7, 6, 0xFD00_0000_0000_0000L, 1, 0x2001_0DB8_0000_0000L, 2, 40_000, 443, 6));
        assertTrue(backward.of(7, 6, 0x2001_0DB8_0000_0000L, 2, 0xFD00_0000_0000_0000L, 1, 443, 40_000, 6));
        assertSameSlotWords(forward, backward);
        assertEquals(forward.aHigh, backward.aHigh);
        assertEquals(forward.bLow, backward.bLow);
        assertNotEquals(forward.flags, backward.flags);
        assertTrue((forward.flags & ConntrackTable.KEY_IPV6) != 0);
        assertTrue(four.of(7, 6, 0, 1, 0, 2, 40_000, 443, 6), "::1 and ::2 are IPv6");
        assertTrue((four.flags & ConntrackTable.KEY_IPV6) != 0);
    }

    /** The words a slot stores and the hash that places it. */
    private static void assertSameSlotWords(final ConntrackKey expected, final ConntrackKey actual)
    {
        assertEquals(expected.addresses, actual.addresses);
        assertEquals(expected.portsZoneProtocol, actual.portsZoneProtocol);
        assertEquals(expected.hash, actual.hash);
    }

    @Test
    void refusedTuplesLeaveAKeyThatMatchesNothing()
    {
        final ConntrackKey key = new ConntrackKey();
        assertFalse(key.ofIpv4(1 << 24, 1, 2, 3, 4, 17), "zone above 24 bits");
        assertEquals(0, key.flags);
        assertFalse(key.ofIpv4(1, 1L << 32, 2, 3, 4, 17), "address above 32 bits");
        assertFalse(key.of(1, 4, 1, 1, 0, 2, 3, 4, 17), "IPv4 with a high half");
        assertFalse(key.of(1, 5, 0, 1, 0, 2, 3, 4, 17), "version 5");
        assertFalse(key.of(1 << 24, 6, 0, 1, 0, 2, 3, 4, 17), "IPv6 zone above 24 bits");
        assertEquals(0, key.flags);
        assertEquals(0, key.hash);
        try (ConntrackTable table = new ConntrackTable(16))
        {
            assertEquals(ConntrackTable.BAD_TUPLE, table.create(key, 0, 0));
            assertEquals(ConntrackTable.MISS, table.lookupHome(key, 0), "an empty slot is no match");
            assertEquals(ConntrackTable.MISS, table.lookup(key, 0));
        }
    }
}
