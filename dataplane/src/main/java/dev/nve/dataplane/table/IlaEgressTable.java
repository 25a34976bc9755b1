package dev.nve.dataplane.table;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The ILA egress mappings, each held whole in its hash slot, so that a lookup with a large
 * table costs one cache miss (the slot) instead of two dependent ones (an index slot, then the
 * entry it names). One writer (the control thread), any number of lock-free readers.
 * <pre>
 *  slot (32 bytes, 32-aligned: never straddles a cache line; all fields little-endian):
 *   0: u64 key (the egress key, see {@link IlaTable#egressKey}); 0 = empty, all ones = deleted
 *   8: u64 new upper 64 bits (remote: the locator; local: the SIR prefix)
 *  16: u64 next-hop MAC in bits 0-47, output port in bits 48-63
 *  24: u64 "misc":  bits  0-15 low 16 bits of the wire identifier
 *                   bits 16-31 transport checksum difference (folded, adjust-transport)
 *                   bits 32-39 index of the upper 64 bits the packet must carry (0xFF: none)
 *                   bits 40-41 checksum mode   bits 42-44 flags ({@link IlaTable#FLAG_LOCAL},
 *                              {@link IlaTable#FLAG_IPV4}, bit 44: the wire identifier has the C bit)
 *                   bits 48-63 sequence: odd while the writer changes the slot (u16 at offset 30)
 *  slots: 2 x (maximum entries + 1), not a power of two; a key's probe starts at the first slot
 *  of its home cache line (multiply-high over the lines), linear probing with tombstones, so a
 *  probe never skips a live key.
 * </pre>
 * The wire identifier is the key with its low 16 bits replaced and, for neutral-map, the C bit
 * set ({@link IlaTable#wireIdentifier}), so 17 bits of it are stored.
 * <p>
 * Readers copy a slot's fields out and use only the copy. A batch of lookups validates once
 * against the table-wide write sequence ({@link #readBegin}, {@link #lookup}, {@link #validate});
 * when a write overlapped, the batch redoes its lookups with {@link #lookupChecked}, which
 * checks each slot's own sequence (a seqlock per slot) and never returns a half-written slot.
 * A replacement rewrites the slot in place, so a reader sees the old or the new mapping.
 */
public final class IlaEgressTable implements AutoCloseable
{
    public static final int SLOT_SIZE = 32;
    /** Longs per result in a lookup's output array: upper, MAC and port, misc. */
    public static final int RESULT_LONGS = 3;
    public static final int FLAG_C_BIT = 4;
    private static final long EMPTY = 0L;
    private static final long TOMBSTONE = -1L;
    private static final int KEY_OFFSET = 0;
    private static final int UPPER_OFFSET = 8;
    private static final int MAC_PORT_OFFSET = 16;
    private static final int MISC_OFFSET = 24;
    private static final int SEQUENCE_OFFSET = 30;
    /** The misc word without the sequence. */
    private static final long MISC_MASK = 0xFFFF_FFFF_FFFFL;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SEQUENCE = U16.varHandle();

    private final Arena arena = Arena.ofShared();
    private final MemorySegment slots;
    private final long slotCount;
    private final int maxEntries;
    private int size;
    private int tombstones;
    /** Table-wide write sequence: lets a batch validate once. */
    private final TableWriteSequence writes = new TableWriteSequence();

    /** A table for up to {@code maxEntries} keys at a load factor of at most 0.5. */
    public IlaEgressTable(final int maxEntries)
    {
        if (maxEntries < 1 || maxEntries > (1 << 27))
        {
            throw new IllegalArgumentException("maxEntries out of range [1, 2^27]: " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.slotCount = Math.max(16, 2L * (maxEntries + 1));
        this.slots = arena.allocate(slotCount * SLOT_SIZE, 64);
    }

    // ----- the fields of a result (packet path) -----

    public static long upper(final long[] result, final int at)
    {
        return result[RESULT_LONGS * at];
    }

    public static long mac(final long[] result, final int at)
    {
        return result[RESULT_LONGS * at + 1] & 0xFFFF_FFFF_FFFFL;
    }

    public static int port(final long[] result, final int at)
    {
        return (int)(result[RESULT_LONGS * at + 1] >>> 48);
    }

    /** The identifier to write: {@code key} with the stored low 16 bits and C bit. */
    public static long wireIdentifier(final long[] result, final int at, final long key)
    {
        final long misc = result[RESULT_LONGS * at + 2];
        return (key & ~0xFFFFL) | (misc & 0xFFFFL) | ((misc >>> 44 & 1) << 60);
    }

    public static int checksumDifference(final long[] result, final int at)
    {
        return (int)(result[RESULT_LONGS * at + 2] >>> 16) & 0xFFFF;
    }

    public static int upperIndex(final long[] result, final int at)
    {
        return (int)(result[RESULT_LONGS * at + 2] >>> 32) & 0xFF;
    }

    public static int mode(final long[] result, final int at)
    {
        return (int)(result[RESULT_LONGS * at + 2] >>> 40) & 0x3;
    }

    public static int flags(final long[] result, final int at)
    {
        return (int)(result[RESULT_LONGS * at + 2] >>> 42) & 0x7;
    }

    // ----- readers -----

    /**
     * The slot a hash starts probing at: the first of a cache line's two (multiply-high over the
     * lines: the slot count is not a power of two).
     */
    private long home(final long hash)
    {
        return (((hash >>> 32) * (slotCount >>> 1)) >>> 32) << 1;
    }

    /**
     * Loads the first slot a key's probe reads, so that its cache line is on its way before the
     * lookup; returns the loaded value only so that the JIT keeps the load. A loop of touches
     * has no dependence between iterations: the misses overlap.
     */
    public long touch(final long hash)
    {
        return slots.get(U64, home(hash) * SLOT_SIZE);
    }

    /** Starts a batch of {@link #lookup}s: the table's write sequence, for {@link #validate}. */
    public long readBegin()
    {
        return writes.begin();
    }

    /** True when no write started or finished since {@code begin}: the batch's copies are whole. */
    public boolean validate(final long begin)
    {
        return writes.unchanged(begin);
    }

    /**
     * Copies the mapping of {@code key} into {@code result} at {@code at} without per-slot
     * checks: the copy counts only if {@link #validate} then confirms that no write overlapped.
     *
     * @return whether the key was found
     */
    public boolean lookup(final long key, final long hash, final long[] result, final int at)
    {
        if (key == EMPTY || key == TOMBSTONE)
        {
            return false;
        }
        long index = home(hash);
        for (long probes = 0; probes < slotCount; probes++)
        {
            final long base = index * SLOT_SIZE;
            final long slotKey = slots.get(U64, base + KEY_OFFSET);
            if (slotKey == key)
            {
                final int r = RESULT_LONGS * at;
                result[r] = slots.get(U64, base + UPPER_OFFSET);
                result[r + 1] = slots.get(U64, base + MAC_PORT_OFFSET);
                result[r + 2] = slots.get(U64, base + MISC_OFFSET) & MISC_MASK;
                return true;
            }
            if (slotKey == EMPTY)
            {
                return false;
            }
            index = index + 1 == slotCount ? 0 : index + 1;
        }
        return false;
    }

    /** {@link #lookup} with each slot read under its own seqlock: safe while the writer works. */
    public boolean lookupChecked(final long key, final long hash, final long[] result, final int at)
    {
        if (key == EMPTY || key == TOMBSTONE)
        {
            return false;
        }
        long index = home(hash);
        for (long probes = 0; probes < slotCount; probes++)
        {
            final long base = index * SLOT_SIZE;
            final short before = (short)SEQUENCE.getAcquire(slots, base + SEQUENCE_OFFSET);
            final long slotKey = slots.get(U64, base + KEY_OFFSET);
            final long upper = slots.get(U64, base + UPPER_OFFSET);
            final long macPort = slots.get(U64, base + MAC_PORT_OFFSET);
            final long misc = slots.get(U64, base + MISC_OFFSET);
            VarHandle.loadLoadFence();
            final short after = (short)SEQUENCE.getAcquire(slots, base + SEQUENCE_OFFSET);
            if (before != after || (before & 1) != 0)
            {
                probes--;
                Thread.onSpinWait();
                continue;
            }
            if (slotKey == key)
            {
                final int r = RESULT_LONGS * at;
                result[r] = upper;
                result[r + 1] = macPort;
                result[r + 2] = misc & MISC_MASK;
                return true;
            }
            if (slotKey == EMPTY)
            {
                return false;
            }
            index = index + 1 == slotCount ? 0 : index + 1;
        }
        return false;
    }

    // ----- the writer (control thread only) -----

    /**
     * Inserts or replaces the mapping of {@code key}.
     *
     * @return false when the key is new and the table already holds {@code maxEntries} keys
     */
    public boolean put(final long key, final long upper, final long macPort, final long misc)
    {
        if (key == EMPTY || key == TOMBSTONE)
        {
            throw new IllegalArgumentException("reserved key: " + key);
        }
        long index = home(LongIntHashTable.hash(key));
        long firstFree = -1;
        for (long probes = 0; probes < slotCount; probes++)
        {
            final long slotKey = slots.get(U64, index * SLOT_SIZE + KEY_OFFSET);
            if (slotKey == key)
            {
                write(index * SLOT_SIZE, key, upper, macPort, misc);
                return true;
            }
            if (slotKey == TOMBSTONE && firstFree < 0)
            {
                firstFree = index;
            }
            if (slotKey == EMPTY)
            {
                if (firstFree < 0)
                {
                    firstFree = index;
                }
                break;
            }
            index = index + 1 == slotCount ? 0 : index + 1;
        }
        if (size == maxEntries || firstFree < 0)
        {
            return false;
        }
        final long base = firstFree * SLOT_SIZE;
        if (slots.get(U64, base + KEY_OFFSET) == TOMBSTONE)
        {
            tombstones--;
        }
        write(base, key, upper, macPort, misc);
        size++;
        return true;
    }

    /** Removes a key; false if it was not there. */
    public boolean remove(final long key)
    {
        if (key == EMPTY || key == TOMBSTONE)
        {
            return false;
        }
        long index = home(LongIntHashTable.hash(key));
        for (long probes = 0; probes < slotCount; probes++)
        {
            final long base = index * SLOT_SIZE;
            final long slotKey = slots.get(U64, base + KEY_OFFSET);
            if (slotKey == key)
            {
                write(base, TOMBSTONE, 0, 0, 0);
                size--;
                tombstones++;
                return true;
            }
            if (slotKey == EMPTY)
            {
                return false;
            }
            index = index + 1 == slotCount ? 0 : index + 1;
        }
        return false;
    }

    private void write(final long base, final long key, final long upper, final long macPort, final long misc)
    {
        final long tableWrites = writes.startWrite();
        final short sequence = slots.get(U16, base + SEQUENCE_OFFSET);
        SEQUENCE.setOpaque(slots, base + SEQUENCE_OFFSET, (short)(sequence + 1));
        VarHandle.storeStoreFence();
        slots.set(U64, base + KEY_OFFSET, key);
        slots.set(U64, base + UPPER_OFFSET, upper);
        slots.set(U64, base + MAC_PORT_OFFSET, macPort);
        // misc without the sequence (bits 48-63), which only the seqlock writes
        slots.set(U32, base + MISC_OFFSET, (int)misc);
        slots.set(U16, base + MISC_OFFSET + 4, (short)(misc >>> 32));
        SEQUENCE.setRelease(slots, base + SEQUENCE_OFFSET, (short)(sequence + 2));
        writes.endWrite(tableWrites);
    }

    /** The misc word of a mapping (bits 0-47; the sequence bits are the table's). */
    public static long misc(final int wireLow16, final int checksumDifference, final int upperIndex, final int mode, final int flags)
    {
        return (wireLow16 & 0xFFFFL) | (long)(checksumDifference & 0xFFFF) << 16 | (long)(upperIndex & 0xFF) << 32 | (long)(mode & 0x3) << 40
            | (long)(flags & 0x7) << 42;
    }

    public int size()
    {
        return size;
    }

    public int tombstones()
    {
        return tombstones;
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
}
