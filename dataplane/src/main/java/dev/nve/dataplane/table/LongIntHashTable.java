package dev.nve.dataplane.table;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.nve.dataplane.wire.Bytes.U64_BE;

/**
 * Off-heap open-addressing hash table from a 64-bit key to a 32-bit value, for one writer
 * (the control thread) and any number of lock-free readers (the workers).
 * <pre>
 *  slot (16 bytes), slots = power of two >= 2 x maximum entries:
 *  +--------------------------------+----------------+----------------+
 *  | key: u64, network byte order   | value: i32     | sequence: i32  |
 *  | 0 = empty (all ones reserved)  | native order   | odd = writing  |
 *  +--------------------------------+----------------+----------------+
 * </pre>
 * Readers never see a half-written slot: the writer makes the slot's sequence odd, writes key
 * and value, then publishes the even sequence with release semantics; a reader retries when
 * the sequence it read before and after differs or is odd (a seqlock per slot).
 * <p>
 * A removal leaves no tombstone: the entries after the hole in its probe cluster move back
 * (backward-shift deletion, Knuth 6.4 Algorithm R), so churn never fills the table with dead
 * slots that every miss (unknown unicast) would have to scan. An entry is copied into the hole
 * before its old slot is overwritten, so it is always somewhere on its probe path, but a
 * reader's probe may pass the hole before the copy and reach the old slot after it: so a miss
 * counts only if the table-wide write sequence did not move during the probe, else the probe
 * is redone. A hit is always right (per-slot seqlock).
 * Key 0 and key -1 are reserved; callers build keys that avoid them.
 */
public final class LongIntHashTable implements AutoCloseable
{
    public static final int MISSING = Integer.MIN_VALUE;
    static final int SLOT_SIZE = 16;
    private static final long EMPTY = 0L;
    private static final long RESERVED = -1L;
    private static final int KEY_OFFSET = 0;
    private static final int VALUE_OFFSET = 8;
    private static final int SEQUENCE_OFFSET = 12;

    private final Arena arena;
    private final MemorySegment slots;
    private final int mask;
    private final int maxEntries;
    private int size;
    /** Table-wide write sequence: lets a batch validate once. */
    private final TableWriteSequence writes = new TableWriteSequence();

    /** A table that holds up to {@code maxEntries} keys at a load factor of at most 0.5. */
    public LongIntHashTable(final int maxEntries)
    {
        if (maxEntries < 1 || maxEntries > (1 << 28))
        {
            throw new IllegalArgumentException("maxEntries out of range [1, 2^28]: " + maxEntries);
        }
        final int slotCount = Integer.highestOneBit(Math.max(16, maxEntries * 2 - 1)) << 1;
        this.arena = Arena.ofShared();
        this.slots = arena.allocate((long)slotCount * SLOT_SIZE, 64);
        this.mask = slotCount - 1;
        this.maxEntries = maxEntries;
    }

    public static boolean isValidKey(final long key)
    {
        return key != EMPTY && key != RESERVED;
    }

    /** Spreads the key bits so that sequential MACs and VNIs land far apart. */
    public static long hash(final long key)
    {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        h ^= h >>> 29;
        h *= 0xBF58_476D_1CE4_E5B9L;
        return h ^ (h >>> 32);
    }

    /** Value for {@code key}, or {@link #MISSING}. Lock-free; safe while the writer works. */
    public int get(final long key)
    {
        return getHashed(key, hash(key));
    }

    /** {@link #get} with the hash already computed (batched lookups compute hashes first). */
    public int getHashed(final long key, final long hash)
    {
        if (!isValidKey(key))
        {
            return MISSING;
        }
        while (true)
        {
            final long begin = readBegin();
            final int value = probe(key, hash);
            if (value != MISSING || validate(begin))
            {
                return value;
            }
            Thread.onSpinWait(); // an entry may have moved past the probe: look again
        }
    }

    /** One probe with per-slot seqlocks: a hit is right; a miss only if no entry moved meanwhile. */
    private int probe(final long key, final long hash)
    {
        int index = (int)hash & mask;
        for (int probes = 0; probes <= mask; probes++)
        {
            final long base = (long)index * SLOT_SIZE;
            final int before = SlotSeqlock.readBegin(slots, base + SEQUENCE_OFFSET);
            final long slotKey = slots.get(U64_BE, base + KEY_OFFSET);
            final int value = slots.get(ValueLayout.JAVA_INT, base + VALUE_OFFSET);
            if (!SlotSeqlock.readValid(slots, base + SEQUENCE_OFFSET, before))
            {
                probes--;
                Thread.onSpinWait();
                continue;
            }
            if (slotKey == key)
            {
                return value;
            }
            if (slotKey == EMPTY)
            {
                return MISSING;
            }
            index = (index + 1) & mask;
        }
        return MISSING;
    }

    /**
     * Starts a batch of {@link #getUnvalidated} lookups: the table's write sequence, to be
     * passed to {@link #validate} after them. Costs one acquire load per batch instead of the
     * per-probe barriers of {@link #getHashed}.
     */
    private long readBegin()
    {
        return writes.begin();
    }

    /**
     * A lookup without per-slot checks: its answer counts only if {@link #validate} confirms
     * that no write happened since {@link #readBegin}; otherwise redo with {@link #getHashed}.
     */
    private int getUnvalidated(final long key, final long hash)
    {
        if (!isValidKey(key))
        {
            return MISSING;
        }
        int index = (int)hash & mask;
        for (int probes = 0; probes <= mask; probes++)
        {
            final long base = (long)index * SLOT_SIZE;
            final long slotKey = slots.get(U64_BE, base + KEY_OFFSET);
            if (slotKey == key)
            {
                return slots.get(ValueLayout.JAVA_INT, base + VALUE_OFFSET);
            }
            if (slotKey == EMPTY)
            {
                return MISSING;
            }
            index = (index + 1) & mask;
        }
        return MISSING;
    }

    /**
     * The lookups of one batch of frames: {@code values[i]} for every {@code i < count} whose
     * {@code next[i]} is {@code selected}. Without per-probe barriers and validated once for the
     * batch (one acquire load instead of two and a fence per probe); redone with the per-slot
     * seqlocks of {@link #getHashed} when the writer worked meanwhile (rare).
     */
    public void getBatch(final byte[] next, final byte selected, final long[] keys, final long[] hashes, final int[] values, final int count)
    {
        final long begin = readBegin();
        for (int i = 0; i < count; i++)
        {
            if (next[i] == selected)
            {
                values[i] = getUnvalidated(keys[i], hashes[i]);
            }
        }
        if (!validate(begin))
        {
            for (int i = 0; i < count; i++)
            {
                if (next[i] == selected)
                {
                    values[i] = getHashed(keys[i], hashes[i]);
                }
            }
        }
    }

    /** True when no write started or finished since {@code begin} (a seqlock over the table). */
    private boolean validate(final long begin)
    {
        return writes.unchanged(begin);
    }

    /**
     * Touches the slot a key hashes to so that its cache line is on its way before the real
     * lookup; returns a value only so the JIT keeps the load.
     */
    public long touch(final long hash)
    {
        return slots.get(ValueLayout.JAVA_LONG, (long)((int)hash & mask) * SLOT_SIZE);
    }

    /**
     * Inserts or replaces (writer thread only).
     *
     * @return false when the key is new and the table already holds {@code maxEntries} keys.
     */
    public boolean put(final long key, final int value)
    {
        if (!isValidKey(key))
        {
            throw new IllegalArgumentException("reserved key: " + key);
        }
        int index = (int)hash(key) & mask;
        for (int probes = 0; probes <= mask; probes++)
        {
            final long base = (long)index * SLOT_SIZE;
            final long slotKey = slots.get(U64_BE, base + KEY_OFFSET);
            if (slotKey == key)
            {
                write(base, key, value);
                return true;
            }
            if (slotKey == EMPTY)
            {
                if (size == maxEntries)
                {
                    return false;
                }
                write(base, key, value);
                size++;
                return true;
            }
            index = (index + 1) & mask;
        }
        return false;
    }

    /** Removes a key (writer thread only); returns its old value or {@link #MISSING}. */
    public int remove(final long key)
    {
        if (!isValidKey(key))
        {
            return MISSING;
        }
        int index = (int)hash(key) & mask;
        for (int probes = 0; probes <= mask; probes++)
        {
            final long base = (long)index * SLOT_SIZE;
            final long slotKey = slots.get(U64_BE, base + KEY_OFFSET);
            if (slotKey == key)
            {
                final int old = slots.get(ValueLayout.JAVA_INT, base + VALUE_OFFSET);
                shiftBackInto(index);
                size--;
                return old;
            }
            if (slotKey == EMPTY)
            {
                return MISSING;
            }
            index = (index + 1) & mask;
        }
        return MISSING;
    }

    /**
     * Empties slot {@code hole} without a tombstone: each later entry of the cluster whose home is
     * not cyclically in (hole, its slot] moves back into the hole, which moves on to its old slot;
     * the first empty slot ends the cluster, and the last hole becomes empty.
     */
    private void shiftBackInto(final int firstHole)
    {
        int hole = firstHole;
        int index = hole;
        while (true)
        {
            index = (index + 1) & mask;
            final long base = (long)index * SLOT_SIZE;
            final long slotKey = slots.get(U64_BE, base + KEY_OFFSET);
            if (slotKey == EMPTY)
            {
                break;
            }
            final int home = (int)hash(slotKey) & mask;
            final boolean staysBehindHole = hole <= index ? hole < home && home <= index : hole < home || home <= index;
            if (!staysBehindHole)
            {
                write((long)hole * SLOT_SIZE, slotKey, slots.get(ValueLayout.JAVA_INT, base + VALUE_OFFSET));
                hole = index;
            }
        }
        write((long)hole * SLOT_SIZE, EMPTY, 0);
    }

    private void write(final long base, final long key, final int value)
    {
        final long tableWrites = writes.startWrite();
        final int sequence = SlotSeqlock.beginWrite(slots, base + SEQUENCE_OFFSET);
        slots.set(U64_BE, base + KEY_OFFSET, key);
        slots.set(ValueLayout.JAVA_INT, base + VALUE_OFFSET, value);
        SlotSeqlock.endWrite(slots, base + SEQUENCE_OFFSET, sequence);
        writes.endWrite(tableWrites);
    }

    /** Calls {@code visitor} for every live entry (writer thread, for dumps). */
    public void forEach(final EntryVisitor visitor)
    {
        for (int index = 0; index <= mask; index++)
        {
            final long base = (long)index * SLOT_SIZE;
            final long key = slots.get(U64_BE, base + KEY_OFFSET);
            if (isValidKey(key))
            {
                visitor.accept(key, slots.get(ValueLayout.JAVA_INT, base + VALUE_OFFSET));
            }
        }
    }

    public int size()
    {
        return size;
    }

    public int maxEntries()
    {
        return maxEntries;
    }

    public long offHeapBytes()
    {
        return slots.byteSize();
    }

    @Override
    public void close()
    {
        arena.close();
    }

    @FunctionalInterface
    public interface EntryVisitor
    {
        void accept(long key, int value);
    }
}
