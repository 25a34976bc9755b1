package dev.nve.dataplane.table;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.SecureRandom;

import static dev.nve.dataplane.wire.Bytes.U64_BE;

/**
 * The ARP/ND proxy table: {@code (network, IP address) -> MAC}, the answers the neighbour
 * proxy ({@code NeighbourProxyStage}) gives on a local port instead of flooding a request
 * across the overlay. Addresses are 16 bytes as two big-endian halves, IPv4 as IPv4-mapped
 * IPv6 ({@code ::ffff:a.b.c.d}, {@link IpCache#v4MappedLow}), so one table holds both families.
 * <p>
 * Open addressing with linear probing over 32-byte slots, the full key in the slot (no
 * fingerprint: a lookup compares the whole key, so a collision only lengthens a probe):
 * <pre>
 *  slot (32 bytes, half a cache line), slots = power of two >= 2 x maximum entries:
 *   0: u64 address bits 0-63    big-endian (network byte order)
 *   8: u64 address bits 64-127  big-endian
 *  16: u64 MAC                  native order; the low 48 bits, first wire byte most
 *                               significant (as {@code Bytes.mac48} reads it)
 *  24: i32 network              native order; 0 = empty, -1 = deleted (network indexes start at 1)
 *  28: i32 sequence             native order; odd while the writer changes the slot
 * </pre>
 * One writer (the control thread, through {@link TableWriter}), any number of lock-free
 * readers (the workers), with the discipline of {@link LongIntHashTable} and {@link IpCache}:
 * <ul>
 *   <li><b>No torn reads.</b> A slot has a sequence lock: the writer makes it odd, writes the
 *       fields, then publishes the next even value with release semantics; a reader retries a
 *       slot whose sequence was odd or changed while it read. So a reader sees the old entry or
 *       the new one, never a key with another key's MAC.</li>
 *   <li><b>No missed keys.</b> A live key never moves. A removal leaves a tombstone, which a
 *       later insert reuses; tombstones directly before an empty slot become empty again
 *       (no live key's probe sequence runs through them, so no reader can be cut short). When
 *       a quarter of the slots are tombstones anyway, the live entries are copied into a fresh
 *       segment that replaces the old one whole ({@link #rebuild}): under churn a probe never
 *       degenerates into a scan of the whole table.</li>
 *   <li><b>No reuse hazard.</b> The value is the MAC itself, copied into the frame within the
 *       batch; nothing a reader holds points into the table after the lookup, so no grace
 *       period ({@link WorkerEpochs}) is needed.</li>
 * </ul>
 * The hash is keyed with a secret random seed: the keys come from the control plane (EVPN
 * routes a remote speaker chooses), and a chosen set of addresses must not build one long
 * probe chain that every ARP request then walks. The capacity is fixed; an insert beyond it
 * is refused with a {@link TableException} of kind FULL and changes nothing.
 */
public final class NeighbourTable implements AutoCloseable
{
    /** No entry (a MAC is 48 bits, never negative). */
    public static final long MISSING = -1L;
    public static final int DEFAULT_ENTRIES = 65536;
    public static final int MAX_ENTRIES = 1 << 24;
    static final int SLOT_SIZE = 32;
    private static final int HIGH_OFFSET = 0;
    private static final int LOW_OFFSET = 8;
    private static final int MAC_OFFSET = 16;
    private static final int NETWORK_OFFSET = 24;
    private static final int SEQUENCE_OFFSET = 28;
    private static final int EMPTY = 0;
    private static final int DELETED = -1;
    private static final long MAC_MASK = 0xFFFF_FFFF_FFFFL;

    /**
     * The slots; replaced whole when tombstones pile up ({@link #rebuild}). Memory of an
     * automatic arena: a replaced segment is freed by the GC once no reader holds it, so a
     * worker in the middle of a lookup never reads freed memory.
     */
    private volatile MemorySegment slots;
    private final int mask;
    private final int maxEntries;
    private final long seed;
    private int size;
    /** Whether any key is in the table, for workers: one volatile read per batch lets them skip the stage. */
    private volatile boolean holdsKeys;
    private int tombstones;
    private int rebuilds;

    /** A table for {@code maxEntries} keys with a hash seed from {@link SecureRandom}. */
    public NeighbourTable(final int maxEntries)
    {
        this(maxEntries, new SecureRandom().nextLong());
    }

    /** For tests: a fixed seed. */
    NeighbourTable(final int maxEntries, final long seed)
    {
        if (maxEntries < 1 || maxEntries > MAX_ENTRIES)
        {
            throw new IllegalArgumentException("neighbour table maxEntries out of range [1, " + MAX_ENTRIES + "]: " + maxEntries);
        }
        final int slotCount = Integer.highestOneBit(Math.max(16, maxEntries * 2 - 1)) << 1;
        this.slots = Arena.ofAuto().allocate((long)slotCount * SLOT_SIZE, 64);
        this.mask = slotCount - 1;
        this.maxEntries = maxEntries;
        this.seed = seed;
    }

    /** Where {@code (network, high, low)} starts probing. */
    private int home(final int network, final long high, final long low)
    {
        long h = mix(seed ^ high);
        h = mix(h ^ low);
        h = mix(h ^ (network & 0xFFFF_FFFFL));
        return (int)h & mask;
    }

    private static long mix(final long value)
    {
        long h = (value ^ (value >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        h = (h ^ (h >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return h ^ (h >>> 31);
    }

    // ----- packet path -----

    /**
     * The MAC of {@code (network, high, low)} ({@code high}, {@code low}: the address as two
     * big-endian halves, IPv4 mapped), or {@link #MISSING}. Lock-free, allocates nothing, safe
     * while the writer works.
     */
    public long lookup(final int network, final long high, final long low)
    {
        if (network <= 0)
        {
            return MISSING;
        }
        final MemorySegment slots = this.slots;
        int index = home(network, high, low);
        for (int probes = 0; probes <= mask; probes++)
        {
            final long base = (long)index * SLOT_SIZE;
            final int before = SlotSeqlock.readBegin(slots, base + SEQUENCE_OFFSET);
            final int slotNetwork = slots.get(ValueLayout.JAVA_INT, base + NETWORK_OFFSET);
            final long slotHigh = slots.get(U64_BE, base + HIGH_OFFSET);
            final long slotLow = slots.get(U64_BE, base + LOW_OFFSET);
            final long mac = slots.get(ValueLayout.JAVA_LONG, base + MAC_OFFSET);
            if (!SlotSeqlock.readValid(slots, base + SEQUENCE_OFFSET, before))
            {
                probes--;
                Thread.onSpinWait();
                continue;
            }
            if (slotNetwork == EMPTY)
            {
                return MISSING;
            }
            if (slotNetwork == network && slotHigh == high && slotLow == low)
            {
                return mac;
            }
            index = (index + 1) & mask;
        }
        return MISSING;
    }

    // ----- writer (control thread) -----

    /**
     * Inserts or replaces the MAC of a key (writer thread only). A refusal changes nothing.
     *
     * @return the previous MAC, or {@link #MISSING} when the key is new
     * @throws IllegalArgumentException for a network index below 1 or a MAC that is 0 or
     *         wider than 48 bits
     * @throws TableException (FULL) when the key is new and the table holds {@code maxEntries} keys
     */
    public long put(final int network, final long high, final long low, final long mac)
    {
        if (network <= 0)
        {
            throw new IllegalArgumentException("neighbour table: network index must be >= 1: " + network);
        }
        if (mac == 0 || (mac & ~MAC_MASK) != 0)
        {
            throw new IllegalArgumentException("neighbour table: not a 48-bit MAC: " + Long.toHexString(mac));
        }
        int index = home(network, high, low);
        int firstFree = -1;
        for (int probes = 0; probes <= mask; probes++)
        {
            final long base = (long)index * SLOT_SIZE;
            final int slotNetwork = networkAt(base);
            if (slotNetwork == EMPTY)
            {
                if (firstFree < 0)
                {
                    firstFree = index;
                }
                break;
            }
            if (slotNetwork == DELETED)
            {
                if (firstFree < 0)
                {
                    firstFree = index;
                }
            }
            else if (slotNetwork == network && slots.get(U64_BE, base + HIGH_OFFSET) == high && slots.get(U64_BE, base + LOW_OFFSET) == low)
            {
                final long old = slots.get(ValueLayout.JAVA_LONG, base + MAC_OFFSET);
                write(base, network, high, low, mac);
                return old;
            }
            index = (index + 1) & mask;
        }
        if (size >= maxEntries || firstFree < 0)
        {
            throw TableException.full("neighbour table full (" + maxEntries + " entries): network " + network + ", "
                + IpCache.address(high, low).getHostAddress());
        }
        final long base = (long)firstFree * SLOT_SIZE;
        if (networkAt(base) == DELETED)
        {
            tombstones--;
        }
        write(base, network, high, low, mac);
        size++;
        holdsKeys = true;
        return MISSING;
    }

    /** Removes a key (writer thread only); returns its MAC, or {@link #MISSING} when it was not there. */
    public long remove(final int network, final long high, final long low)
    {
        if (network <= 0)
        {
            return MISSING;
        }
        int index = home(network, high, low);
        for (int probes = 0; probes <= mask; probes++)
        {
            final long base = (long)index * SLOT_SIZE;
            final int slotNetwork = networkAt(base);
            if (slotNetwork == EMPTY)
            {
                return MISSING;
            }
            if (slotNetwork == network && slots.get(U64_BE, base + HIGH_OFFSET) == high && slots.get(U64_BE, base + LOW_OFFSET) == low)
            {
                final long old = slots.get(ValueLayout.JAVA_LONG, base + MAC_OFFSET);
                write(base, DELETED, 0, 0, 0);
                size--;
                holdsKeys = size > 0;
                tombstones++;
                reclaimTombstonesBefore(index);
                if (tombstones > (mask + 1) / 4)
                {
                    rebuild();
                }
                return old;
            }
            index = (index + 1) & mask;
        }
        return MISSING;
    }

    /**
     * Turns the tombstones ending at {@code index} into empty slots when the slot after
     * {@code index} is empty: a live key's probe sequence never crosses an empty slot, so no
     * live key lies beyond them and a reader that now stops earlier misses nothing.
     */
    private void reclaimTombstonesBefore(final int index)
    {
        if (networkAt((long)((index + 1) & mask) * SLOT_SIZE) != EMPTY)
        {
            return;
        }
        int at = index;
        for (int steps = 0; steps <= mask && networkAt((long)at * SLOT_SIZE) == DELETED; steps++)
        {
            write((long)at * SLOT_SIZE, EMPTY, 0, 0, 0);
            tombstones--;
            at = (at - 1) & mask;
        }
    }

    /**
     * Copies the live entries into a fresh segment without tombstones and publishes it with
     * one volatile store (its plain stores happen before it). Runs when a quarter of the slots
     * are tombstones, so that under churn no probe sequence degenerates into a scan of the
     * whole table; amortised over those removals it costs O(1) per removal. Readers holding
     * the old segment finish on it (it no longer changes, and stays valid until they drop it).
     */
    private void rebuild()
    {
        final MemorySegment old = slots;
        final MemorySegment fresh = Arena.ofAuto().allocate(old.byteSize(), 64);
        for (int index = 0; index <= mask; index++)
        {
            final long base = (long)index * SLOT_SIZE;
            final int network = old.get(ValueLayout.JAVA_INT, base + NETWORK_OFFSET);
            if (network == EMPTY || network == DELETED)
            {
                continue;
            }
            final long high = old.get(U64_BE, base + HIGH_OFFSET);
            final long low = old.get(U64_BE, base + LOW_OFFSET);
            int to = home(network, high, low);
            while (fresh.get(ValueLayout.JAVA_INT, (long)to * SLOT_SIZE + NETWORK_OFFSET) != EMPTY)
            {
                to = (to + 1) & mask;
            }
            final long target = (long)to * SLOT_SIZE;
            fresh.set(U64_BE, target + HIGH_OFFSET, high);
            fresh.set(U64_BE, target + LOW_OFFSET, low);
            fresh.set(ValueLayout.JAVA_LONG, target + MAC_OFFSET, old.get(ValueLayout.JAVA_LONG, base + MAC_OFFSET));
            fresh.set(ValueLayout.JAVA_INT, target + NETWORK_OFFSET, network);
        }
        slots = fresh;
        tombstones = 0;
        rebuilds++;
    }

    /** Times the slots were rebuilt without tombstones (tests). */
    int rebuilds()
    {
        return rebuilds;
    }

    private int networkAt(final long base)
    {
        return slots.get(ValueLayout.JAVA_INT, base + NETWORK_OFFSET);
    }

    /** Seqlocked write: odd sequence, fields, then the next even sequence with release. */
    private void write(final long base, final int network, final long high, final long low, final long mac)
    {
        final MemorySegment slots = this.slots;
        final int sequence = SlotSeqlock.beginWrite(slots, base + SEQUENCE_OFFSET);
        slots.set(U64_BE, base + HIGH_OFFSET, high);
        slots.set(U64_BE, base + LOW_OFFSET, low);
        slots.set(ValueLayout.JAVA_LONG, base + MAC_OFFSET, mac);
        slots.set(ValueLayout.JAVA_INT, base + NETWORK_OFFSET, network);
        SlotSeqlock.endWrite(slots, base + SEQUENCE_OFFSET, sequence);
    }

    /** Calls {@code visitor} for every entry (writer thread: dumps, removing a network). */
    public void forEach(final EntryVisitor visitor)
    {
        final MemorySegment slots = this.slots;
        for (int index = 0; index <= mask; index++)
        {
            final long base = (long)index * SLOT_SIZE;
            final int network = networkAt(base);
            if (network != EMPTY && network != DELETED)
            {
                visitor.accept(network, slots.get(U64_BE, base + HIGH_OFFSET), slots.get(U64_BE, base + LOW_OFFSET),
                    slots.get(ValueLayout.JAVA_LONG, base + MAC_OFFSET));
            }
        }
    }

    /** Whether the table holds any key; any thread (a worker skips the proxy stage when not). */
    public boolean isEmpty()
    {
        return !holdsKeys;
    }

    /** Keys in the table. */
    public int size()
    {
        return size;
    }

    /** Deleted slots not yet reused or reclaimed (tests). */
    int tombstones()
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

    /** Nothing to close: the slots' memory is freed by the GC once no one holds it. */
    @Override
    public void close()
    {
    }

    @FunctionalInterface
    public interface EntryVisitor
    {
        void accept(int network, long high, long low, long mac);
    }
}
