package dev.nve.dataplane.policy;

import dev.nve.dataplane.table.LongIntHashTable;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The off-heap, immutable form of a {@link CompiledPolicy}. A lookup is one hash probe for
 * the specific peer, one for the wildcard peer when the first misses, and a binary search
 * over that key's own intervals: its cost depends on neither the number of rules nor the
 * number of keys. All fields are in native byte order: the table never leaves the process.
 * <pre>
 *  slots (16 bytes each, a power of two >= 2 x keys, linear probing, key 0 = empty):
 *  +-------------------------------+---------------------------+---------------------+
 *  | key: u64 native (PolicyKey)   | first interval: i32 native | count: i32 native   |
 *  +-------------------------------+---------------------------+---------------------+
 *  intervals (8 bytes each; equal lists are stored once):
 *  +----------------------+----------------------+-------------------------------+
 *  | low port: u16 native | high port: u16 native | verdict: i32 native (PolicyVerdict) |
 *  +----------------------+----------------------+-------------------------------+
 * </pre>
 * Memory comes from {@link Arena#ofAuto()}: workers hold a reference while they read, so a
 * table swapped out by the control thread is freed by the GC once no worker can reach it.
 */
public final class PolicyTable
{
    static final int SLOT_SIZE = 16;
    static final int INTERVAL_SIZE = 8;
    private static final int KEY_OFFSET = 0;
    private static final int FIRST_OFFSET = 8;
    private static final int COUNT_OFFSET = 12;
    private static final int LOW_OFFSET = 0;
    private static final int HIGH_OFFSET = 2;
    private static final int VERDICT_OFFSET = 4;
    private static final ValueLayout.OfLong U64_NATIVE = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt I32_NATIVE = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfShort U16_NATIVE = ValueLayout.JAVA_SHORT;
    private static final int DENIED_BY_DEFAULT = PolicyVerdict.of(PolicyVerdict.DENIED_BY_DEFAULT, PolicyVerdict.NO_RULE);

    private final MemorySegment slots;
    private final MemorySegment intervals;
    private final int mask;
    private final int keyCount;
    private final int missingVerdict;
    private final List<String> ruleNames;
    private final boolean enforcesAnything;
    /** Packets and bytes per rule id, added once per batch by each worker. */
    private final RuleCounts ruleCounts;

    private PolicyTable(final MemorySegment slots, final MemorySegment intervals, final int keyCount, final int missingVerdict, final List<String> ruleNames)
    {
        this.enforcesAnything = keyCount > 0 || PolicyVerdict.kind(missingVerdict) != PolicyVerdict.NOT_ENFORCED;
        this.ruleCounts = new RuleCounts(ruleNames.size());
        this.slots = slots;
        this.intervals = intervals;
        this.mask = (int)(slots.byteSize() / SLOT_SIZE) - 1;
        this.keyCount = keyCount;
        this.missingVerdict = missingVerdict;
        this.ruleNames = ruleNames;
    }

    /** A table that enforces nothing (no policies, default mode). */
    public static PolicyTable none()
    {
        return of(new CompiledPolicy(EnforcementMode.DEFAULT, List.of(), Map.of()));
    }

    /** Builds the table (control thread). */
    public static PolicyTable of(final CompiledPolicy policy)
    {
        final Map<PolicyKey, List<PortInterval>> entries = policy.entries();
        if (entries.size() > (1 << 28))
        {
            throw new IllegalArgumentException("policy: " + entries.size() + " keys exceed the maximum of 2^28");
        }
        final Map<List<PortInterval>, Integer> shared = new HashMap<>();
        long intervalCount = 0;
        for (final List<PortInterval> list : entries.values())
        {
            if (!shared.containsKey(list))
            {
                shared.put(list, (int)intervalCount);
                intervalCount += list.size();
            }
        }
        if (intervalCount > Integer.MAX_VALUE / INTERVAL_SIZE)
        {
            throw new IllegalArgumentException("policy: " + intervalCount + " port intervals exceed the maximum of " + Integer.MAX_VALUE / INTERVAL_SIZE);
        }
        final int slotCount = Integer.highestOneBit(Math.max(16, entries.size() * 2 - 1)) << 1;
        final Arena arena = Arena.ofAuto();
        final MemorySegment slots = arena.allocate((long)slotCount * SLOT_SIZE, 64);
        final MemorySegment intervals = arena.allocate(Math.max(INTERVAL_SIZE, intervalCount * INTERVAL_SIZE), 64);
        for (final Map.Entry<List<PortInterval>, Integer> list : shared.entrySet())
        {
            long at = (long)list.getValue() * INTERVAL_SIZE;
            for (final PortInterval interval : list.getKey())
            {
                intervals.set(U16_NATIVE, at + LOW_OFFSET, (short)interval.low());
                intervals.set(U16_NATIVE, at + HIGH_OFFSET, (short)interval.high());
                intervals.set(I32_NATIVE, at + VERDICT_OFFSET, interval.verdict());
                at += INTERVAL_SIZE;
            }
        }
        final int mask = slotCount - 1;
        for (final Map.Entry<PolicyKey, List<PortInterval>> entry : entries.entrySet())
        {
            final long key = entry.getKey().packed();
            int index = (int)LongIntHashTable.hash(key) & mask;
            while (slots.get(U64_NATIVE, (long)index * SLOT_SIZE + KEY_OFFSET) != 0)
            {
                index = (index + 1) & mask;
            }
            final long base = (long)index * SLOT_SIZE;
            slots.set(U64_NATIVE, base + KEY_OFFSET, key);
            slots.set(I32_NATIVE, base + FIRST_OFFSET, shared.get(entry.getValue()));
            slots.set(I32_NATIVE, base + COUNT_OFFSET, entry.getValue().size());
        }
        return new PolicyTable(slots, intervals, entries.size(), policy.missingVerdict(), policy.ruleNames());
    }

    /**
     * The verdict for a packet (packet path: no allocation, no exception). {@code direction}
     * is {@link PolicyDirection#INGRESS} or {@link PolicyDirection#EGRESS} (read as
     * {@code direction & 1}); for protocols other than TCP and UDP the port is ignored. An
     * identity above 24 bits has no key: such an endpoint gets the mode's default, such a
     * peer the wildcard's answer.
     */
    public int lookup(final int endpointIdentity, final int direction, final int peerIdentity, final int ipProtocol, final int destinationPort)
    {
        if ((endpointIdentity & ~Identities.MAX) != 0)
        {
            return missingVerdict;
        }
        final int protocolClass = ProtocolClass.of(ipProtocol);
        final int port = protocolClass == ProtocolClass.OTHER ? 0 : destinationPort & 0xFFFF;
        long slot = -1;
        if ((peerIdentity & ~Identities.MAX) == 0)
        {
            slot = find(PolicyKey.pack(endpointIdentity, direction & 1, peerIdentity, protocolClass));
        }
        if (slot < 0)
        {
            slot = find(PolicyKey.pack(endpointIdentity, direction & 1, PolicyKey.WILDCARD_PEER, protocolClass));
            if (slot < 0)
            {
                return missingVerdict;
            }
        }
        return search(slots.get(I32_NATIVE, slot + FIRST_OFFSET), slots.get(I32_NATIVE, slot + COUNT_OFFSET), port);
    }

    /** False when no endpoint is enforced in any direction: the filter then skips whole batches. */
    public boolean enforcesAnything()
    {
        return enforcesAnything;
    }

    /**
     * Whether {@code identity}'s traffic in {@code direction} is filtered at all (packet path).
     * The compiler writes a wildcard-peer key for every class of an enforced endpoint and
     * direction, so one probe answers; without keys the mode's default decides (ALWAYS).
     */
    public boolean enforced(final int identity, final int direction)
    {
        if ((identity & ~Identities.MAX) != 0)
        {
            return PolicyVerdict.kind(missingVerdict) != PolicyVerdict.NOT_ENFORCED;
        }
        return find(PolicyKey.pack(identity, direction & 1, PolicyKey.WILDCARD_PEER, ProtocolClass.TCP)) >= 0 ||
            PolicyVerdict.kind(missingVerdict) != PolicyVerdict.NOT_ENFORCED;
    }

    /** The packets and bytes per rule counted since this table was published. */
    public RuleCounts ruleCounts()
    {
        return ruleCounts;
    }

    /** Adds a batch's per-rule packet and byte counts (worker {@code worker}, once per batch; see {@link RuleCounts}). */
    public void addRuleCounts(final int worker, final int[] rules, final long[] packets, final long[] bytes, final int count)
    {
        ruleCounts.add(worker, rules, packets, bytes, count);
    }

    /** Packets that rule {@code rule} decided (allowed or denied) since this table was published, all workers together. */
    public long rulePackets(final int rule)
    {
        return ruleCounts.packets(rule);
    }

    public long ruleBytes(final int rule)
    {
        return ruleCounts.bytes(rule);
    }

    /** Byte offset of the key's slot, or -1. */
    private long find(final long key)
    {
        int index = (int)LongIntHashTable.hash(key) & mask;
        while (true)
        {
            final long base = (long)index * SLOT_SIZE;
            final long slotKey = slots.get(U64_NATIVE, base + KEY_OFFSET);
            if (slotKey == key)
            {
                return base;
            }
            if (slotKey == 0)
            {
                return -1;
            }
            index = (index + 1) & mask;
        }
    }

    /** Binary search for the last interval starting at or below {@code port}. */
    private int search(final int first, final int count, final int port)
    {
        int low = 0;
        int high = count - 1;
        int found = -1;
        while (low <= high)
        {
            final int middle = (low + high) >>> 1;
            if ((intervals.get(U16_NATIVE, (long)(first + middle) * INTERVAL_SIZE + LOW_OFFSET) & 0xFFFF) <= port)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        if (found < 0)
        {
            return DENIED_BY_DEFAULT;
        }
        final long at = (long)(first + found) * INTERVAL_SIZE;
        if ((intervals.get(U16_NATIVE, at + HIGH_OFFSET) & 0xFFFF) < port)
        {
            return DENIED_BY_DEFAULT;
        }
        return intervals.get(I32_NATIVE, at + VERDICT_OFFSET);
    }

    public int keyCount()
    {
        return keyCount;
    }

    /** Off-heap bytes: slots and intervals. */
    public long bytes()
    {
        return slots.byteSize() + intervals.byteSize();
    }

    /** Rule names by rule id, for counters and flow events. */
    public List<String> ruleNames()
    {
        return ruleNames;
    }
}
