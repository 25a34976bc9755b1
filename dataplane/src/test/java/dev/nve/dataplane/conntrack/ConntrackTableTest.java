package dev.nve.dataplane.conntrack;

import dev.nve.dataplane.wire.TcpHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.nve.dataplane.conntrack.ConntrackTable.BAD_TUPLE;
import static dev.nve.dataplane.conntrack.ConntrackTable.CLOSING;
import static dev.nve.dataplane.conntrack.ConntrackTable.ESTABLISHED;
import static dev.nve.dataplane.conntrack.ConntrackTable.FULL;
import static dev.nve.dataplane.conntrack.ConntrackTable.INVALID;
import static dev.nve.dataplane.conntrack.ConntrackTable.MISS;
import static dev.nve.dataplane.conntrack.ConntrackTable.NON_TCP;
import static dev.nve.dataplane.conntrack.ConntrackTable.NO_ENTRY;
import static dev.nve.dataplane.conntrack.ConntrackTable.OK;
import static dev.nve.dataplane.conntrack.ConntrackTable.ORIGINAL;
import static dev.nve.dataplane.conntrack.ConntrackTable.REPLY;
import static dev.nve.dataplane.conntrack.ConntrackTable.SYN_SENT;
import static dev.nve.dataplane.conntrack.ConntrackTable.direction;
import static dev.nve.dataplane.conntrack.ConntrackTable.isEntry;
import static dev.nve.dataplane.conntrack.ConntrackTable.slot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class ConntrackTableTest
{
    static final int TCP = 6;
    static final int UDP = 17;
    static final int ICMP = 1;
    static final int ICMPV6 = 58;
    static final int SYN = TcpHeader.SYN;
    static final int ACK = TcpHeader.ACK;
    static final int FIN = TcpHeader.FIN;
    static final int RST = TcpHeader.RST;
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    static final long TICK = 1L << ConntrackTable.TICK_SHIFT;
    /** An arbitrary, unaligned start so that tick rounding is exercised. */
    static final long T0 = 123_456_789_012_345L;

    /** One direction of a flow; {@link #reversed} is the other. */
    record Tuple(int zone, int version, long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort, int protocol)
    {
        Tuple reversed()
        {
            return new Tuple(zone, version, dstHi, dstLo, srcHi, srcLo, dstPort, srcPort, protocol);
        }

        long lookup(final ConntrackTable table, final long now)
        {
            return table.lookup(zone, version, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol, now);
        }

        long create(final ConntrackTable table, final int tcpFlags, final long now)
        {
            return table.create(zone, version, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol, tcpFlags, now);
        }

        long hash(final ConntrackTable table)
        {
            return table.hash(zone, version, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol);
        }
    }

    static long ip4(final int a, final int b, final int c, final int d)
    {
        return ((long)a << 24) | (b << 16) | (c << 8) | d;
    }

    static Tuple v4(final int zone, final long src, final long dst, final int srcPort, final int dstPort, final int protocol)
    {
        return new Tuple(zone, 4, 0, src, 0, dst, srcPort, dstPort, protocol);
    }

    /** fd00::/8 (hi) and 2001:db8::/32 (lo) style halves; exact values do not matter. */
    static Tuple v6(final int zone, final long srcLo, final long dstLo, final int srcPort, final int dstPort, final int protocol)
    {
        return new Tuple(zone, 6, 0xFD00_0000_0000_0001L, srcLo, 0x2001_0DB8_0000_0000L, dstLo, srcPort, dstPort, protocol);
    }

    static final Tuple CLIENT_TO_SERVER = v4(1, ip4(198, 19, 0, 1), ip4(198, 19, 0, 2), 40_000, 5201, TCP);

    private ConntrackTable table;

    @AfterEach
    void close()
    {
        if (table != null)
        {
            table.close();
        }
    }

    /** Connections opened by the numerically smaller and by the larger endpoint, every protocol. */
    @ParameterizedTest
    @CsvSource({
        "4, 6, 40000, 5201", "4, 6, 5201, 40000", "6, 6, 40000, 5201", "6, 6, 5201, 40000",
        "4, 17, 53000, 53", "6, 17, 53, 53000", "4, 1, 7, 7", "6, 58, 4242, 4242", "4, 47, 0, 0"})
    void bothDirectionsFindTheEntryWithItsDirection(final int version, final int protocol, final int srcPort, final int dstPort)
    {
        table = new ConntrackTable(64);
        for (final boolean smallerOpens : new boolean[] {true, false})
        {
            final long low = ip4(198, 19, 0, 1);
            final long high = ip4(198, 19, 0, 9);
            // Another zone for the second connection: with equal ports it would be the first's reverse.
            final int zone = smallerOpens ? 3 : 4;
            final Tuple t = version == 4
                ? v4(zone, smallerOpens ? low : high, smallerOpens ? high : low, srcPort, dstPort, protocol)
                : v6(zone, smallerOpens ? low : high, smallerOpens ? high : low, srcPort, dstPort, protocol);
            assertEquals(MISS, t.lookup(table, T0));
            assertEquals(MISS, t.reversed().lookup(table, T0));

            final long created = t.create(table, SYN, T0);
            assertTrue(isEntry(created));
            assertEquals(ORIGINAL, direction(created));

            final long original = t.lookup(table, T0 + SECOND);
            final long reply = t.reversed().lookup(table, T0 + SECOND);
            assertEquals(created, original);
            assertEquals(REPLY, direction(reply));
            assertEquals(slot(created), slot(reply));
            assertEquals(t.hash(table), t.reversed().hash(table), "one hash for both directions");
            assertEquals(reply, t.reversed().lookup(table, T0));
        }
        assertEquals(2, table.size());
    }

    @Test
    void icmpEchoRequestAndReplyShareTheEntry()
    {
        table = new ConntrackTable(16);
        final Tuple request = v4(1, ip4(198, 19, 0, 1), ip4(198, 19, 0, 2), 0x1234, 0x1234, ICMP);
        final long created = request.create(table, 0, T0);
        assertEquals(REPLY, direction(request.reversed().lookup(table, T0)));
        assertEquals(MISS, v4(1, ip4(198, 19, 0, 1), ip4(198, 19, 0, 2), 0x1235, 0x1235, ICMP).lookup(table, T0),
            "another echo identifier is another connection");
        assertEquals(NON_TCP, table.state(created));
    }

    @Test
    void equalTuplesInOtherZonesVersionsOrProtocolsAreApart()
    {
        table = new ConntrackTable(64);
        final long a = ip4(198, 19, 0, 1);
        final long b = ip4(198, 19, 0, 2);
        final Tuple[] distinct = {
            v4(1, a, b, 1000, 2000, UDP),
            v4(2, a, b, 1000, 2000, UDP),
            v4(0xFF_FFFF, a, b, 1000, 2000, UDP),
            v4(1, a, b, 1000, 2000, TCP),
            v4(1, a, b, 1000, 2001, UDP),
            new Tuple(1, 6, 0, a, 0, b, 1000, 2000, UDP), // ::198.19.0.1 is not 198.19.0.1
        };
        final Set<Integer> slots = new HashSet<>();
        for (final Tuple t : distinct)
        {
            assertEquals(MISS, t.lookup(table, T0), "not created yet: " + t);
            final long r = t.create(table, SYN, T0);
            assertTrue(isEntry(r));
            assertTrue(slots.add(slot(r)));
        }
        for (final Tuple t : distinct)
        {
            assertEquals(ORIGINAL, direction(t.lookup(table, T0)));
            assertEquals(REPLY, direction(t.reversed().lookup(table, T0)));
        }
        assertEquals(distinct.length, table.size());
    }

    @Test
    void tcpHandshakeEstablishesAndFinCloses()
    {
        table = new ConntrackTable(16);
        final Tuple c2s = CLIENT_TO_SERVER;
        final Tuple s2c = c2s.reversed();
        long now = T0;
        final long syn = c2s.create(table, SYN, now);
        assertEquals(OK, table.update(syn, SYN, now));
        assertEquals(SYN_SENT, table.state(syn));
        assertTimeout(syn, now, 60 * SECOND);

        now += SECOND;
        assertEquals(OK, table.update(c2s.lookup(table, now), SYN, now), "SYN retransmission");
        assertEquals(SYN_SENT, table.state(syn));

        now += SECOND;
        final long synAck = s2c.lookup(table, now);
        assertEquals(OK, table.update(synAck, SYN | ACK, now));
        assertEquals(ESTABLISHED, table.state(synAck));
        assertTimeout(synAck, now, 21_600 * SECOND);

        assertEquals(OK, table.update(c2s.lookup(table, now), ACK, now));
        assertEquals(OK, table.update(s2c.lookup(table, now), ACK, now));
        assertEquals(ESTABLISHED, table.state(syn));

        now += SECOND;
        assertEquals(OK, table.update(c2s.lookup(table, now), FIN | ACK, now));
        assertEquals(CLOSING, table.state(syn));
        assertTimeout(syn, now, 10 * SECOND);
        assertEquals(OK, table.update(s2c.lookup(table, now), ACK, now), "half close: the other side may still send");
        assertEquals(CLOSING, table.state(syn));

        assertTrue(table.replySeen(syn));

        now += SECOND;
        assertEquals(OK, table.update(c2s.lookup(table, now), SYN, now), "port reuse re-opens");
        assertEquals(SYN_SENT, table.state(syn));
    }

    @Test
    void rstClosesFromEitherSideAndState()
    {
        table = new ConntrackTable(16);
        final long refused = CLIENT_TO_SERVER.create(table, SYN, T0);
        assertEquals(OK, table.update(CLIENT_TO_SERVER.reversed().lookup(table, T0), RST | ACK, T0));
        assertEquals(CLOSING, table.state(refused));

        final Tuple other = v4(1, ip4(198, 19, 0, 3), ip4(198, 19, 0, 4), 1, 2, TCP);
        final long r = other.create(table, SYN, T0);
        assertEquals(OK, table.update(other.reversed().lookup(table, T0), SYN | ACK, T0));
        assertEquals(OK, table.update(other.lookup(table, T0), RST, T0));
        assertEquals(CLOSING, table.state(r));
        assertTimeout(r, T0, 10 * SECOND);
    }

    @Test
    void impossibleRepliesToASynAreInvalidAndChangeNothing()
    {
        table = new ConntrackTable(16);
        final long r = CLIENT_TO_SERVER.create(table, SYN, T0);
        table.update(r, SYN, T0);
        final long reply = CLIENT_TO_SERVER.reversed().lookup(table, T0 + SECOND);
        assertEquals(INVALID, table.update(reply, ACK, T0 + SECOND), "bare ACK before SYN+ACK");
        assertEquals(INVALID, table.update(reply, 0, T0 + SECOND), "data before SYN+ACK");
        assertEquals(INVALID, table.update(reply, SYN, T0 + SECOND), "simultaneous open is not supported");
        assertEquals(SYN_SENT, table.state(r));
        assertFalse(table.replySeen(r));
        assertTimeout(r, T0, 60 * SECOND);
        assertEquals(OK, table.update(reply, SYN | ACK, T0 + SECOND));
    }

    @Test
    void createStatesFollowTheFirstPacketsFlags()
    {
        table = new ConntrackTable(16);
        assertEquals(SYN_SENT, table.state(tcp(1).create(table, SYN, T0)));
        assertEquals(ESTABLISHED, table.state(tcp(2).create(table, ACK, T0)), "mid-stream pick-up, caller's choice");
        assertEquals(ESTABLISHED, table.state(tcp(3).create(table, SYN | ACK, T0)));
        assertEquals(CLOSING, table.state(tcp(4).create(table, FIN | ACK, T0)));
        assertEquals(CLOSING, table.state(tcp(5).create(table, RST, T0)));
        assertEquals(NON_TCP, table.state(v4(1, 1, 2, 3, 4, UDP).create(table, SYN, T0)), "flags mean nothing for UDP");
    }

    @Test
    void createOfALiveConnectionReturnsItUnchanged()
    {
        table = new ConntrackTable(16);
        final long r = CLIENT_TO_SERVER.create(table, SYN, T0);
        table.update(CLIENT_TO_SERVER.reversed().lookup(table, T0), SYN | ACK, T0);
        final long again = CLIENT_TO_SERVER.reversed().create(table, SYN, T0 + SECOND);
        assertEquals(slot(r), slot(again));
        assertEquals(REPLY, direction(again));
        assertEquals(ESTABLISHED, table.state(r));
        assertEquals(1, table.size());
    }

    static Tuple tcp(final int n)
    {
        return v4(1, ip4(198, 19, 1, n), ip4(198, 19, 2, n), 40_000 + n, 80, TCP);
    }

    /** Each state's timeout: alive just before it, gone (lookup misses, sweep removes) just after. */
    @ParameterizedTest
    @CsvSource({"6, 2, 0, 60", "6, 18, 1, 21600", "6, 17, 0, 10", "6, 4, 0, 10", "17, 0, 0, 60", "1, 0, 0, 60"})
    void entriesExpireAfterTheirStatesTimeout(final int protocol, final int flags, final int fromReply, final long seconds)
    {
        table = new ConntrackTable(16);
        final Tuple t = v4(7, ip4(198, 19, 0, 1), ip4(198, 19, 0, 2), 1111, 2222, protocol);
        final long r = t.create(table, protocol == TCP ? SYN : 0, T0);
        final long last = T0 + 5 * SECOND;
        assertEquals(OK, table.update(fromReply == 1 ? t.reversed().lookup(table, last) : r, flags, last));
        final long timeout = seconds * SECOND;

        assertTrue(isEntry(t.lookup(table, last + timeout - 1)));
        assertEquals(0, table.sweep(last + timeout - 1, table.capacity()));
        assertEquals(1, table.size());

        final long after = last + timeout + TICK;
        assertEquals(MISS, t.lookup(table, after));
        assertEquals(MISS, t.reversed().lookup(table, after));
        assertEquals(1, table.size(), "expired, not yet swept");
        assertEquals(1, table.sweep(after, table.capacity()));
        assertEquals(0, table.size());
        assertEquals(MISS, t.lookup(table, after));
    }

    @Test
    void anExpiredTupleIsCreatedAfreshInPlace()
    {
        table = new ConntrackTable(16);
        final long r = CLIENT_TO_SERVER.create(table, SYN, T0);
        table.update(r, SYN, T0);
        final long later = T0 + 61 * SECOND;
        final long again = CLIENT_TO_SERVER.reversed().create(table, SYN, later);
        assertEquals(slot(r), slot(again));
        assertEquals(ORIGINAL, direction(again), "the new opener is the other side");
        assertEquals(SYN_SENT, table.state(again));
        assertFalse(table.replySeen(again), "a fresh entry");
        assertEquals(1, table.size());
        assertEquals(REPLY, direction(CLIENT_TO_SERVER.lookup(table, later)));
    }

    @Test
    void fullTableRefusesNewConnectionsAndKeepsExistingOnes()
    {
        table = new ConntrackTable(8);
        for (int i = 1; i <= 8; i++)
        {
            assertTrue(isEntry(tcp(i).create(table, SYN, T0)));
        }
        assertEquals(FULL, tcp(9).create(table, SYN, T0 + SECOND));
        assertEquals(MISS, tcp(9).lookup(table, T0 + SECOND));
        for (int i = 1; i <= 8; i++)
        {
            final long reply = tcp(i).reversed().lookup(table, T0 + SECOND);
            assertEquals(REPLY, direction(reply));
            assertEquals(OK, table.update(reply, SYN | ACK, T0 + SECOND));
        }
        assertEquals(8, table.size());

        // Once the established connections time out and a sweep removes them, new ones fit again.
        final long later = T0 + SECOND + 21_601 * SECOND;
        // A removal re-examines its slot (an entry may have shifted into it), so a whole pass may take more.
        assertEquals(8, table.sweep(later, 2 * table.capacity()));
        assertTrue(isEntry(tcp(9).create(table, SYN, later)));
    }

    @Test
    void fullTableReusesAnExpiredEntryOnTheProbePath()
    {
        table = new ConntrackTable(1);
        final Tuple first = v4(1, 1, 2, 3, 4, UDP);
        final Tuple second = v4(1, 5, 6, 7, 8, UDP);
        assertTrue(isEntry(first.create(table, 0, T0)));
        assertEquals(FULL, second.create(table, 0, T0 + SECOND));
        // Not swept: the expired entry only counts as free if the new tuple's probe meets it.
        final long later = T0 + 61 * SECOND;
        final long r = second.create(table, 0, later);
        if (r == FULL)
        {
            assertEquals(1, table.sweep(later, table.capacity()));
            assertTrue(isEntry(second.create(table, 0, later)));
        }
        assertEquals(MISS, first.lookup(table, later));
        assertTrue(isEntry(second.lookup(table, later)));
        assertEquals(1, table.size());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 16})
    void sweepExaminesAtMostMaxSlotsAndResumesWhereItStopped(final int maxSlots)
    {
        table = new ConntrackTable(16);
        for (int i = 1; i <= 16; i++)
        {
            assertTrue(isEntry(v4(1, i, 100, i, 9, UDP).create(table, 0, T0)));
        }
        final long later = T0 + 61 * SECOND;
        int removed = 0;
        int calls = 0;
        while (table.size() > 0)
        {
            final int now = table.sweep(later, maxSlots);
            assertTrue(now <= maxSlots);
            removed += now;
            calls++;
            assertTrue(calls <= (table.capacity() + 16) / maxSlots + 1, "sweep does not resume");
        }
        assertEquals(16, removed);
        assertEquals(0, table.sweep(later, table.capacity()));
    }

    @Test
    void sweepKeepsLiveEntriesFindableWhenItShiftsClusters()
    {
        table = new ConntrackTable(200);
        for (int i = 0; i < 200; i++)
        {
            assertTrue(isEntry(v4(1, i, 1000 + i, i, 80, i % 2 == 0 ? UDP : TCP).create(table, i % 2 == 0 ? 0 : ACK, T0)));
        }
        final long later = T0 + 61 * SECOND; // UDP expired, established TCP not
        assertEquals(100, table.sweep(later, 2 * table.capacity()));
        for (int i = 0; i < 200; i++)
        {
            final Tuple t = v4(1, i, 1000 + i, i, 80, i % 2 == 0 ? UDP : TCP);
            assertEquals(i % 2 == 1, isEntry(t.lookup(table, later)), t.toString());
            assertEquals(i % 2 == 1, isEntry(t.reversed().lookup(table, later)), t.toString());
        }
    }

    @Test
    void timeIsWrapSafeAcrossTheTickCounterOverflowAndNegativeClocks()
    {
        table = new ConntrackTable(16);
        for (final long start : new long[] {((long)Integer.MAX_VALUE << ConntrackTable.TICK_SHIFT) - 30 * SECOND, -45 * SECOND})
        {
            final Tuple t = v4(1, 1, 2, 3, 4, UDP);
            final long r = t.create(table, 0, start);
            assertTrue(isEntry(t.lookup(table, start + 60 * SECOND - 1)));
            assertEquals(MISS, t.lookup(table, start + 60 * SECOND + TICK));
            assertEquals(1, table.sweep(start + 60 * SECOND + TICK, table.capacity()));
            assertNotEquals(MISS, r);
        }
    }

    @Test
    void badTuplesAreRefusedWithoutExceptions()
    {
        table = new ConntrackTable(16);
        assertEquals(BAD_TUPLE, v4(1 << 24, 1, 2, 3, 4, UDP).create(table, 0, T0), "zone above 24 bits");
        assertEquals(BAD_TUPLE, v4(-1, 1, 2, 3, 4, UDP).create(table, 0, T0));
        assertEquals(BAD_TUPLE, new Tuple(1, 5, 0, 1, 0, 2, 3, 4, UDP).create(table, 0, T0), "version 5");
        assertEquals(BAD_TUPLE, new Tuple(1, 4, 1, 1, 0, 2, 3, 4, UDP).create(table, 0, T0), "IPv4 with hi bits");
        assertEquals(BAD_TUPLE, new Tuple(1, 4, 0, 1L << 32, 0, 2, 3, 4, UDP).create(table, 0, T0), "IPv4 above 32 bits");
        assertEquals(MISS, v4(1 << 24, 1, 2, 3, 4, UDP).lookup(table, T0));
        assertEquals(0, table.size());
        assertEquals(NO_ENTRY, table.update(MISS, 0, T0));
        assertEquals(NO_ENTRY, table.update(FULL, 0, T0));
        assertEquals(NO_ENTRY, table.update(Long.MAX_VALUE, 0, T0));
        assertEquals(NO_ENTRY, table.update(4, 0, T0), "empty slot");
        assertThrows(IllegalArgumentException.class, () -> table.state(MISS));
        assertThrows(IllegalArgumentException.class, () -> table.replySeen(-5));
    }

    /** The table reads its memory raw: a result or line offset out of range must be answered, never dereferenced. */
    @Test
    void resultsAndLineOffsetsOutOfRangeAreNeverDereferenced()
    {
        table = new ConntrackTable(16);
        final long entry = v4(1, 1, 2, 3, 4, UDP).create(table, 0, T0);
        final long beyond = (long)table.capacity() << 1;
        for (final long result : new long[] {MISS, FULL, BAD_TUPLE, beyond, beyond | 1, Long.MAX_VALUE, Long.MIN_VALUE})
        {
            assertEquals(ConntrackTable.NO_VERDICT, table.cachedVerdict(result, 0), "cachedVerdict " + result);
            table.cacheVerdict(result, 7, 0);
            assertEquals(NO_ENTRY, table.update(result, 0, T0), "update " + result);
            assertThrows(IllegalArgumentException.class, () -> table.state(result), "state " + result);
        }
        table.cacheVerdict(entry, 7, 0);
        assertEquals(7, table.cachedVerdict(entry, 0), "the entry itself is untouched");
        final long lastLine = table.capacity() * (long)ConntrackTable.SLOT_SIZE - 2L * ConntrackTable.SLOT_SIZE;
        final long[] lines = {0, lastLine, lastLine + 64, -64, Long.MAX_VALUE, Long.MIN_VALUE};
        assertEquals(table.touchLines(new long[] {0, lastLine, 0, 0, 0, 0}, lines.length), table.touchLines(lines, lines.length),
            "offsets outside the slots touch line 0");
    }

    @Test
    void constructorValidatesItsArguments()
    {
        assertThrows(IllegalArgumentException.class, () -> new ConntrackTable(0));
        assertThrows(IllegalArgumentException.class, () -> new ConntrackTable(ConntrackTable.MAX_ENTRIES + 1));
        assertThrows(IllegalArgumentException.class, () -> new ConntrackTable(16, null));
        assertThrows(IllegalArgumentException.class, () -> new ConntrackTimeouts(0, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ConntrackTimeouts(1, 1, 1, ConntrackTimeouts.MAX_NANOS + 1));
    }

    @Test
    void oneMillionEntriesFitIn128MiB()
    {
        final int entries = 1_000_000;
        table = new ConntrackTable(entries);
        assertEquals(entries, table.maxEntries());
        assertEquals(96_000_000L + 32_000_000L, table.bytes(), "32-byte slots at load 1/3 and a 32-byte IPv6 address record per entry");
        assertTrue(table.bytes() <= 128L << 20);
        assertEquals(table.bytes(), ConntrackTable.bytesFor(entries));
        for (int i = 0; i < entries; i++)
        {
            assertTrue(isEntry(flow(i).create(table, SYN, T0)), "flow " + i);
        }
        assertEquals(entries, table.size());
        assertEquals(FULL, flow(entries).create(table, SYN, T0));
        for (int i = 0; i < entries; i += 7)
        {
            final long r = flow(i).reversed().lookup(table, T0 + SECOND);
            assertEquals(REPLY, direction(r), "flow " + i);
        }
    }

    /**
     * IPv6 address records are never lost: a table filled with IPv6 connections, emptied by
     * expiry (expired slots reused in place by IPv4 and IPv6 connections, then swept), fills
     * with IPv6 again, round after round, and every connection is found with its own addresses.
     */
    @Test
    void ipv6AddressRecordsAreReusedAcrossExpiryReuseAndSweeps()
    {
        final int entries = 40;
        table = new ConntrackTable(entries);
        long now = T0;
        for (int round = 0; round < 5; round++)
        {
            for (int i = 0; i < entries; i++)
            {
                assertTrue(isEntry(v6(round, i, 1000 + i, 40_000, 53, UDP).create(table, 0, now)), "round " + round + " flow " + i);
            }
            assertEquals(FULL, v6(round, 99, 99, 1, 2, UDP).create(table, 0, now));
            for (int i = 0; i < entries; i++)
            {
                final Tuple t = v6(round, i, 1000 + i, 40_000, 53, UDP);
                assertEquals(ORIGINAL, direction(t.lookup(table, now)));
                assertEquals(REPLY, direction(t.reversed().lookup(table, now)));
                assertEquals(MISS, v6(round, i, 2000 + i, 40_000, 53, UDP).lookup(table, now), "other addresses");
            }
            now += 61 * SECOND;
            // The table is full of expired entries: new connections reuse those on their probe paths in place.
            int reused = 0;
            for (int i = 0; i < entries; i++)
            {
                reused += isEntry(v4(round, i, 7, 1, 2, UDP).create(table, 0, now)) ? 1 : 0;
                final Tuple six = v6(round + 100, i, 7, 1, 2, UDP);
                if (isEntry(six.create(table, 0, now)))
                {
                    reused++;
                    assertEquals(ORIGINAL, direction(six.lookup(table, now)));
                }
            }
            assertTrue(reused > 0, "expired slots on the probe paths are reused");
            assertEquals(entries, table.size(), "reuse in place does not grow the table");
            now += 61 * SECOND;
            table.sweep(now, 4 * table.capacity());
            assertEquals(0, table.size());
        }
    }

    /** Distinct IPv4 TCP flows 198.19.x.y:port -> 198.18.0.1:443 over 32 zones. */
    static Tuple flow(final int i)
    {
        return v4(i & 31, ip4(198, 19, (i >>> 13) & 0xFF, (i >>> 5) & 0xFF), ip4(198, 18, 0, 1), 1024 + ((i >>> 21) & 0xFF), 443, TCP);
    }

    private void assertTimeout(final long result, final long now, final long timeout)
    {
        final long left = table.expiresInNanos(result, now);
        assertTrue(left >= timeout - TICK && left <= timeout + TICK, "expires in " + left + " ns, expected ~" + timeout);
    }

    /**
     * The verdict cached in an IPv4 entry: returned for the same epoch only, kept by updates in
     * both directions, dropped when the slot is reused, kept when other entries' removal shifts
     * the entry, and never mistaken for a key (lookups in both directions still find the entry);
     * IPv6 entries cache too.
     */
    @Test
    void cachedVerdictNeedsTheSameEpoch()
    {
        table = new ConntrackTable(64);
        final long epoch = table.nextVerdictEpoch();
        assertTrue(table.nextVerdictEpoch() > epoch, "a new epoch each time");
        final Tuple t = v4(5, ip4(198, 19, 0, 1), ip4(198, 19, 1, 9), 40_000, 443, TCP);
        final long entry = t.create(table, SYN, T0);
        assertEquals(ConntrackTable.NO_VERDICT, table.cachedVerdict(entry, epoch));
        table.cacheVerdict(entry, 0xAB_CDEF, epoch);
        assertEquals(0xAB_CDEF, table.cachedVerdict(entry, epoch));
        assertEquals(0xAB_CDEF, table.cachedVerdict(t.lookup(table, T0), epoch + (1L << 32)), "low 32 bits of the epoch");
        assertEquals(ConntrackTable.NO_VERDICT, table.cachedVerdict(entry, epoch + 1), "another epoch");
        assertEquals(entry, t.lookup(table, T0));
        assertEquals(REPLY, direction(t.reversed().lookup(table, T0)));
        assertEquals(OK, table.update(t.reversed().lookup(table, T0), SYN | ACK, T0));
        assertEquals(OK, table.update(entry, ACK, T0));
        assertEquals(ESTABLISHED, table.state(entry), "the cached verdict leaves the state alone");
        assertEquals(0xAB_CDEF, table.cachedVerdict(entry, epoch), "updates keep it");
        table.cacheVerdict(entry, 0x1FF_FFFF, epoch);
        assertEquals(ConntrackTable.MAX_VERDICT, table.cachedVerdict(entry, epoch), "24 bits kept, the rest dropped");
        assertEquals(ESTABLISHED, table.state(entry));
        table.cacheVerdict(entry, 0, epoch + 2);
        assertEquals(0, table.cachedVerdict(entry, epoch + 2), "verdict 0 is a verdict");
        // Entries sharing the probe run; the expired ones are removed by a sweep, which shifts the rest back.
        for (int port = 1; port < 40; port++)
        {
            v4(5, ip4(198, 19, 0, 1), ip4(198, 19, 1, 9), 40_000 + port, 443, UDP).create(table, 0, T0 - 100 * SECOND);
        }
        table.sweep(T0, 1 << 10);
        final long moved = t.lookup(table, T0);
        assertTrue(moved >= 0);
        assertEquals(0, table.cachedVerdict(moved, epoch + 2), "moved with its entry");
        final Tuple six = v6(5, 1, 2, 40_000, 443, TCP);
        final long entry6 = six.create(table, SYN, T0);
        assertEquals(ConntrackTable.NO_VERDICT, table.cachedVerdict(entry6, epoch + 2));
        table.cacheVerdict(entry6, 42, epoch + 2);
        assertEquals(42, table.cachedVerdict(entry6, epoch + 2), "IPv6 entries cache too");
        assertEquals(entry6, six.lookup(table, T0));
        assertEquals(42, table.cachedVerdict(six.reversed().lookup(table, T0), epoch + 2), "the entry's, whichever direction found it");
        // An expired slot taken by a new connection starts without one.
        final Tuple old = v4(6, ip4(198, 19, 0, 1), ip4(198, 19, 1, 9), 41_000, 443, UDP);
        final long expired = old.create(table, 0, T0 - 100 * SECOND);
        table.cacheVerdict(expired, 9, epoch + 2);
        assertEquals(expired, old.create(table, 0, T0), "the expired slot reused");
        assertEquals(ConntrackTable.NO_VERDICT, table.cachedVerdict(expired, epoch + 2), "a new connection has none");
    }

    /** The home-line lookup of a batch, finished by a full lookup when it says FURTHER, answers as lookup does. */
    @Test
    void homeSlotLookupThenFinishAnswersAsLookup()
    {
        table = new ConntrackTable(256);
        final java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        final java.util.List<Tuple> tuples = new java.util.ArrayList<>();
        for (int n = 0; n < 240; n++)
        {
            final Tuple t = n % 4 == 3 ? v6(random.nextInt(4), 1 + random.nextInt(4), random.nextInt(256), 1024 + random.nextInt(60_000), 443, TCP)
                : v4(random.nextInt(4), ip4(198, 19, 0, 1 + random.nextInt(4)), ip4(198, 19, 1, random.nextInt(256)), 1024 + random.nextInt(60_000),
                443, random.nextBoolean() ? TCP : UDP);
            if (t.create(table, SYN, T0 - (n % 3 == 0 ? 100 * SECOND : 0)) >= 0)
            {
                tuples.add(t);
            }
            tuples.add(v4(9, ip4(198, 19, 2, 1), ip4(198, 19, 3, n), 5, 6, UDP)); // never created: misses
        }
        int further = 0;
        int decided = 0;
        // Hits decided at home in each slot of the line, per IP version: the select between the two slots is arithmetic.
        final int[][] homeHits = new int[2][2];
        for (final Tuple t : tuples)
        {
            for (final Tuple u : java.util.List.of(t, t.reversed()))
            {
                final ConntrackKey key = new ConntrackKey();
                key.of(u.zone, u.version, u.srcHi, u.srcLo, u.dstHi, u.dstLo, u.srcPort, u.dstPort, u.protocol);
                long r = table.lookupHome(key, T0);
                if (r == ConntrackTable.FURTHER)
                {
                    further++;
                    r = table.lookup(key, T0);
                }
                else
                {
                    decided++;
                    if (r >= 0)
                    {
                        homeHits[u.version == 6 ? 1 : 0][(int)(r >>> 1) & 1]++;
                    }
                }
                assertEquals(u.lookup(table, T0), r);
            }
        }
        assertTrue(further > 20 && decided > 20, further + " went further, " + decided + " decided at home");
        for (final int[] version : homeHits)
        {
            assertTrue(version[0] > 5 && version[1] > 5, "hits at home in the first and the second slot: " + java.util.Arrays.deepToString(homeHits));
        }
    }
}
