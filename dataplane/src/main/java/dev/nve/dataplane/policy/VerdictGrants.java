package dev.nve.dataplane.policy;

import dev.nve.dataplane.table.LongIntHashTable;

/**
 * One worker's grants for the current epoch of its filter: a grant is what let a connection's
 * opening direction through, (key, rules). The key is what the verdict depended on besides the
 * connection's tuple and the tables of the epoch (the filter's: the local ports, the identity
 * the frame carried); the rules are the ones to count for each such packet. Equal grants share
 * one id, so the conntrack entries of many connections name the same few grants, and a packet
 * of an established connection reads its grant (ids are given out in order, so the grants in
 * use lie together) instead of asking the policy again. Each grant also counts the packets and
 * bytes it let through until {@link #drainCounts} hands them to its rules, so a batch adds to
 * each grant in use once, without looking its rules up in the batch's list.
 * <p>
 * {@link #find} adds on the slow path (a verdict just computed); {@link #matches} and
 * {@link #count} are the packet path. {@link #clear} forgets every grant (a new epoch: the ids
 * cached in conntrack entries are not asked for again, they carry the old epoch). When full,
 * {@link #find} answers {@link #NONE} until the next clear: the filter then asks the policy
 * for those connections, as without grants.
 * <p>
 * Allocates nothing after construction, throws nothing; not thread-safe (one per worker).
 */
public final class VerdictGrants
{
    /** {@link #find}: no room for another grant. */
    public static final int NONE = -1;

    /** Grant id: key at 4 x id, rules (two rule ids, high and low 32 bits) at + 1, packets at + 2, bytes at + 3: one line holds two grants. */
    private final long[] grants;
    /** The grants counted since the last {@link #drainCounts}. */
    private final int[] counted;
    private int countedCount;
    /** Open addressing over the grants (id + 1; 0 empty), twice as many slots as grants. */
    private final int[] index;
    /** The {@link #index} slot of each grant, so {@link #clear} empties only those. */
    private final int[] indexSlots;
    private final int capacity;
    private int count;

    public VerdictGrants(final int capacity)
    {
        if (capacity <= 0 || Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        this.capacity = capacity;
        this.grants = new long[4 * capacity];
        // One more than grants: count writes the slot after the list before it knows whether it keeps it.
        this.counted = new int[capacity + 1];
        this.index = new int[2 * capacity];
        this.indexSlots = new int[capacity];
    }

    /** The id of grant (key, rules), added if new; {@link #NONE} when it is new and the grants are full. */
    public int find(final long key, final long rules)
    {
        final int mask = index.length - 1;
        int slot = (int)LongIntHashTable.hash(key ^ Long.rotateLeft(rules, 29)) & mask;
        for (int taken = index[slot]; taken != 0; taken = index[slot])
        {
            final int id = taken - 1;
            if (grants[4 * id] == key && grants[4 * id + 1] == rules)
            {
                return id;
            }
            slot = slot + 1 & mask;
        }
        if (count == capacity)
        {
            return NONE;
        }
        final int id = count++;
        grants[4 * id] = key;
        grants[4 * id + 1] = rules;
        index[slot] = id + 1;
        indexSlots[id] = slot;
        return id;
    }

    /** Whether {@code id} names a grant of this epoch with key {@code key}. */
    public boolean matches(final int id, final long key)
    {
        return id >= 0 && id < count && grants[4 * id] == key;
    }

    /** Counts a packet of {@code bytes} against grant {@code id} (one that {@link #matches}). */
    public void count(final int id, final int bytes)
    {
        final int at = 4 * id;
        final long packets = grants[at + 2];
        grants[at + 2] = packets + 1;
        grants[at + 3] += bytes;
        // Listed on its first packet, without a branch: whether a grant was counted before in
        // the batch is as random as the traffic (and the reply grant's always was).
        counted[countedCount] = id;
        countedCount += (int)((packets - 1) >>> 63);
    }

    /**
     * Appends the counts since the last drain to {@code rules}, {@code packets} and
     * {@code bytes} from index {@code from}, one entry per rule of each grant counted (rule id
     * {@link PolicyVerdict#NO_RULE} left out), resets them and returns the new end. The arrays
     * must have room for two entries per grant counted: at most two per packet counted.
     */
    public int drainCounts(final int[] rules, final long[] packets, final long[] bytes, final int from)
    {
        int end = from;
        for (int n = 0; n < countedCount; n++)
        {
            final int at = 4 * counted[n];
            final long pair = grants[at + 1];
            end = append((int)(pair >>> 32), grants[at + 2], grants[at + 3], rules, packets, bytes, end);
            end = append((int)pair, grants[at + 2], grants[at + 3], rules, packets, bytes, end);
            grants[at + 2] = 0;
            grants[at + 3] = 0;
        }
        countedCount = 0;
        return end;
    }

    private static int append(final int rule, final long packets, final long bytes, final int[] rules, final long[] packetCounts, final long[] byteCounts,
        final int at)
    {
        if (rule == PolicyVerdict.NO_RULE)
        {
            return at;
        }
        rules[at] = rule;
        packetCounts[at] = packets;
        byteCounts[at] = bytes;
        return at + 1;
    }

    /** Forgets every grant; call it between a {@link #drainCounts} and the next {@link #count}. */
    public void clear()
    {
        for (int id = 0; id < count; id++)
        {
            index[indexSlots[id]] = 0;
        }
        count = 0;
    }

    public int size()
    {
        return count;
    }

    public int capacity()
    {
        return capacity;
    }
}
