package dev.nve.dataplane.conntrack;

import dev.nve.dataplane.conntrack.ConntrackTableTest.Tuple;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static dev.nve.dataplane.conntrack.ConntrackTable.FULL;
import static dev.nve.dataplane.conntrack.ConntrackTable.MISS;
import static dev.nve.dataplane.conntrack.ConntrackTable.OK;
import static dev.nve.dataplane.conntrack.ConntrackTable.ORIGINAL;
import static dev.nve.dataplane.conntrack.ConntrackTable.REPLY;
import static dev.nve.dataplane.conntrack.ConntrackTable.direction;
import static dev.nve.dataplane.conntrack.ConntrackTable.isEntry;
import static dev.nve.dataplane.conntrack.ConntrackTable.slot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random create / packet / clock / sweep sequences on small tables (16 to 48 slots, so probe
 * runs are long, wrap around the end, and sweeps shift whole clusters) against a plain
 * {@link HashMap} model keyed by an independently built connection key. After every step,
 * every tuple of the universe, in both directions, is looked up and must agree with the model:
 * hit or miss, direction, reply seen, time left; live connections have distinct slots; the
 * batch form (a {@link ConntrackKey} computed once, home-line lookup, then the rest of the
 * probe) answers as the tuple lookup does.
 * Timeouts and clock steps are whole ticks, so the model's expiry is exact: alive while
 * {@code now < last packet + timeout}.
 */
final class ConntrackPropertyTest
{
    static final long TICK = 1L << ConntrackTable.TICK_SHIFT;
    static final long TIMEOUT = 10 * TICK;
    static final ConntrackTimeouts TIMEOUTS = new ConntrackTimeouts(TIMEOUT, TIMEOUT, TIMEOUT, TIMEOUT);
    static final List<Tuple> UNIVERSE = universe();
    static final ConntrackKey KEY = new ConntrackKey();

    sealed interface Op permits Create, Packet, Advance, Sweep
    {
    }

    record Create(int tuple, boolean reversed) implements Op
    {
    }

    record Packet(int tuple, boolean reversed, int bytes) implements Op
    {
    }

    record Advance(int ticks) implements Op
    {
    }

    /** maxSlots 0 stands for a sweep of the whole table. */
    record Sweep(int maxSlots) implements Op
    {
    }

    /** What the model knows of a live connection. */
    static final class Connection
    {
        final Tuple opener;
        long deadline;
        long originalPackets;
        long replyPackets;

        Connection(final Tuple opener, final long deadline)
        {
            this.opener = opener;
            this.deadline = deadline;
        }
    }

    @Provide
    Arbitrary<List<Op>> operations()
    {
        final Arbitrary<Integer> tuple = Arbitraries.integers().between(0, UNIVERSE.size() - 1);
        final Arbitrary<Boolean> reversed = Arbitraries.of(false, true);
        final Arbitrary<Op> create = Combinators.combine(tuple, reversed).as(Create::new);
        final Arbitrary<Op> packet = Combinators.combine(tuple, reversed, Arbitraries.integers().between(40, 1500)).as(Packet::new);
        final Arbitrary<Op> advance = Arbitraries.integers().between(0, 4).map(Advance::new);
        final Arbitrary<Op> sweep = Arbitraries.integers().between(0, 40).map(Sweep::new);
        return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(4, create),
            net.jqwik.api.Tuple.of(3, packet),
            net.jqwik.api.Tuple.of(2, advance),
            net.jqwik.api.Tuple.of(2, sweep)).list().ofMinSize(1).ofMaxSize(300);
    }

    @Provide
    Arbitrary<Long> startTick()
    {
        return Arbitraries.of(0L, Integer.MAX_VALUE - 200L, -1_000L, 1L << 40);
    }

    @Property(tries = 300, shrinking = ShrinkingMode.BOUNDED)
    void lookupsAlwaysAgreeWithTheModel(
        @ForAll @IntRange(min = 1, max = 24) final int maxEntries,
        @ForAll("startTick") final long startTick,
        @ForAll("operations") final List<Op> operations)
    {
        final Map<String, Connection> model = new HashMap<>();
        long now = startTick * TICK;
        try (ConntrackTable table = new ConntrackTable(maxEntries, TIMEOUTS))
        {
            for (final Op op : operations)
            {
                final long at = now;
                model.values().removeIf(c -> c.deadline <= at);
                switch (op)
                {
                    case Create c ->
                    {
                        final Tuple t = tuple(c.tuple(), c.reversed());
                        final Connection existing = model.get(key(t));
                        final int sizeBefore = table.size();
                        final long r = t.create(table, 0, now);
                        if (existing != null)
                        {
                            assertEquals(expectedDirection(existing, t), direction(r), "create of live " + t);
                        }
                        else if (r == FULL)
                        {
                            assertEquals(maxEntries, sizeBefore, "FULL below maxEntries");
                        }
                        else
                        {
                            assertTrue(model.size() < maxEntries, "a live connection was evicted");
                            assertEquals(ORIGINAL, direction(r));
                            model.put(key(t), new Connection(t, now + TIMEOUT));
                        }
                    }
                    case Packet p ->
                    {
                        final Tuple t = tuple(p.tuple(), p.reversed());
                        final long r = t.lookup(table, now);
                        final Connection connection = model.get(key(t));
                        if (connection != null)
                        {
                            assertEquals(OK, table.update(r, 0, now));
                            connection.deadline = now + TIMEOUT;
                            if (expectedDirection(connection, t) == ORIGINAL)
                            {
                                connection.originalPackets++;
                            }
                            else
                            {
                                connection.replyPackets++;
                            }
                        }
                    }
                    case Advance a -> now += a.ticks() * TICK;
                    case Sweep s ->
                    {
                        final int sizeBefore = table.size();
                        final int removed = table.sweep(now, s.maxSlots() == 0 ? 2 * table.capacity() : s.maxSlots());
                        assertEquals(sizeBefore - removed, table.size());
                        if (s.maxSlots() == 0)
                        {
                            final long after = now;
                            model.values().removeIf(c -> c.deadline <= after);
                            assertEquals(model.size(), table.size(), "a whole sweep leaves exactly the live entries");
                        }
                    }
                }
                final long after = now;
                model.values().removeIf(c -> c.deadline <= after);
                assertAgrees(table, model, now, maxEntries);
            }
        }
    }

    private static void assertAgrees(final ConntrackTable table, final Map<String, Connection> model, final long now, final int maxEntries)
    {
        assertTrue(table.size() >= model.size() && table.size() <= maxEntries, "size " + table.size() + " live " + model.size());
        final Map<String, Integer> slots = new HashMap<>();
        final Set<Integer> usedSlots = new HashSet<>();
        for (final Tuple base : UNIVERSE)
        {
            for (final Tuple t : new Tuple[] {base, base.reversed()})
            {
                final long r = t.lookup(table, now);
                KEY.of(t.zone(), t.version(), t.srcHi(), t.srcLo(), t.dstHi(), t.dstLo(), t.srcPort(), t.dstPort(), t.protocol());
                final long home = table.lookupHome(KEY, now);
                assertEquals(r, home == ConntrackTable.FURTHER ? table.lookup(KEY, now) : home, "batch form of " + t);
                final Connection connection = model.get(key(t));
                if (connection == null)
                {
                    assertEquals(MISS, r, "model has no live " + t);
                    continue;
                }
                assertTrue(isEntry(r), "model has live " + t);
                assertEquals(expectedDirection(connection, t), direction(r), t.toString());
                assertEquals(connection.replyPackets > 0, table.replySeen(r), t.toString());
                assertEquals(connection.deadline - now, table.expiresInNanos(r, now), t.toString());
                final Integer previous = slots.putIfAbsent(key(t), slot(r));
                if (previous == null)
                {
                    assertTrue(usedSlots.add(slot(r)), "two connections in slot " + slot(r));
                }
                else
                {
                    assertEquals(previous.intValue(), slot(r), "both directions share the slot");
                }
            }
        }
    }

    private static int expectedDirection(final Connection connection, final Tuple t)
    {
        return connection.opener.equals(t) ? ORIGINAL : REPLY;
    }

    private static Tuple tuple(final int index, final boolean reversed)
    {
        final Tuple t = UNIVERSE.get(index);
        return reversed ? t.reversed() : t;
    }

    /** The connection a tuple belongs to, built without the table's ordering: endpoints as a sorted pair of strings. */
    static String key(final Tuple t)
    {
        final String source = t.srcHi() + "/" + t.srcLo() + ":" + t.srcPort();
        final String destination = t.dstHi() + "/" + t.dstLo() + ":" + t.dstPort();
        final boolean sourceFirst = source.compareTo(destination) <= 0;
        return t.zone() + "|" + t.version() + "|" + t.protocol() + "|"
            + (sourceFirst ? source + "|" + destination : destination + "|" + source);
    }

    /**
     * 40 tuples over few addresses, ports, zones and protocols, so that tuples share endpoints,
     * differ only in zone, version or protocol, or are their own reverse (ICMP echo to itself).
     */
    private static List<Tuple> universe()
    {
        final long[][] v4 = {{0, 0xC613_0001L}, {0, 0xC613_0002L}, {0, 0xC613_0003L}};
        final long[][] v6 = {{0, 0xC613_0001L}, {0xFD00_0000_0000_0000L, 1}, {0x2001_0DB8_0000_0000L, 1}};
        final int[] zones = {0, 1, 0xFF_FFFF};
        final int[][] protocolsAndPorts = {{17, 53, 40_000}, {17, 40_000, 53}, {1, 7, 7}, {58, 9, 9}, {47, 0, 0}, {6, 80, 1024}};
        final SplittableRandom random = new SplittableRandom(4);
        final List<Tuple> tuples = new ArrayList<>();
        while (tuples.size() < 40)
        {
            final boolean ipv6 = random.nextBoolean();
            final long[][] addresses = ipv6 ? v6 : v4;
            final long[] source = addresses[random.nextInt(addresses.length)];
            final long[] destination = addresses[random.nextInt(addresses.length)];
            final int[] pp = protocolsAndPorts[random.nextInt(protocolsAndPorts.length)];
            final Tuple t = new Tuple(zones[random.nextInt(zones.length)], ipv6 ? 6 : 4,
                source[0], source[1], destination[0], destination[1], pp[1], pp[2], pp[0]);
            if (!tuples.contains(t))
            {
                tuples.add(t);
            }
        }
        return tuples;
    }
}
