package dev.nve.dataplane.table;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;

import static dev.nve.dataplane.wire.Bytes.U32_BE;
import static dev.nve.dataplane.wire.Bytes.U64_BE;

/**
 * The ipcache: {@code (zone, IP address) -> security identity}, for the peer of a packet that
 * carries no identity of its own. A zone keeps tenants apart (the caller picks the numbers);
 * addresses are 16 bytes as two big-endian halves, IPv4 as IPv4-mapped IPv6
 * ({@code ::ffff:a.b.c.d}, see {@link #v4MappedLow}).
 * <p>
 * Lookup: a keyed 64-bit fingerprint of the key finds an entry index in a
 * {@link LongIntHashTable}, and the entry is read under its own seqlock and compared in FULL.
 * The fingerprint only locates; it never decides: an attacker who picks IPv6 source
 * addresses could otherwise search for one whose fingerprint equals a trusted entry's.
 * <pre>
 *  entry (32 bytes, half a cache line):
 *   0: u64 address bits 0-63    big-endian (network byte order)
 *   8: u64 address bits 64-127  big-endian
 *  16: i32 zone                 native order
 *  20: i32 identity             native order, 0 = no key ({@link #FREE})
 *  24: i32 sequence             native order, odd while the writer changes the entry
 *  28: unused
 * </pre>
 * Entries {@code [0, maxEntries)} are primary (reached through the index); entries
 * {@code [maxEntries, maxEntries + OVERFLOW_ENTRIES)} are the collision overflow, scanned only
 * when a fingerprint leads to a primary entry holding another key. Two keys with the same
 * fingerprint are both kept: the first in a primary entry, the rest in the overflow (full
 * overflow: {@link TableException}). With a secret random fingerprint seed per table a
 * collision among 1,000,000 keys has a probability of about 3e-8, so 16 overflow entries are
 * plenty.
 * <p>
 * A key never moves between entries while it is in the table, so a reader never misses a key
 * that the writer is not changing: when the primary key of a fingerprint is removed while
 * overflow keys share that fingerprint, its entry stays in the index, empty ("hollow"), until
 * the last of them goes, and a new key with that fingerprint refills it. Freed entries are
 * reused at once: a reader holding a stale index reads another key (or none) under the
 * seqlock, which the full compare rejects.
 */
public final class IpCache implements AutoCloseable
{
    public static final int MISSING = LongIntHashTable.MISSING;
    /** Identity of an entry that holds no key; valid identities are 1..{@link #MAX_IDENTITY}. */
    public static final int FREE = 0;
    public static final int MAX_IDENTITY = 0xFF_FFFF;
    public static final int DEFAULT_ENTRIES = 65536;
    public static final int MAX_ENTRIES = 1 << 24;
    public static final int OVERFLOW_ENTRIES = 16;
    public static final int ENTRY_SIZE = 32;
    /** Upper half of every IPv4-mapped address. */
    public static final long V4_MAPPED_HIGH = 0L;
    private static final long V4_MAPPED_PREFIX = 0x0000_FFFF_0000_0000L;
    private static final int HIGH_OFFSET = 0;
    private static final int LOW_OFFSET = 8;
    private static final int ZONE_OFFSET = 16;
    private static final int IDENTITY_OFFSET = 20;
    private static final int SEQUENCE_OFFSET = 24;

    private final Arena arena = Arena.ofShared();
    private final LongIntHashTable index;
    private final MemorySegment entries;
    private final int maxEntries;
    private final long seed;
    private final long fingerprintMask;
    /** Primary entries freed for reuse (writer only); entries from {@link #nextUnused} on were never used. */
    private final int[] freeEntries;
    private int freeCount;
    private int nextUnused;
    private int size;
    /** Overflow entries in use (written by the writer only): readers scan the overflow only when not 0. */
    private volatile int overflowUsed;
    /**
     * Bumped after every {@link #put} and {@link #remove} has finished (writer only): a reader
     * that kept a lookup result tagged with the version it read before the lookup knows the
     * result may be stale when the version has moved (FilterStage caches peer identities in
     * conntrack entries this way).
     */
    private volatile long version;

    /** A table for {@code maxEntries} keys with a fingerprint seed from {@link SecureRandom}. */
    public IpCache(final int maxEntries)
    {
        this(maxEntries, new SecureRandom().nextLong(), -1L);
    }

    /**
     * For tests: a fixed seed, and a mask applied to every fingerprint so that a small mask
     * forces collisions (mask 0: all keys share one fingerprint).
     */
    IpCache(final int maxEntries, final long seed, final long fingerprintMask)
    {
        if (maxEntries < 1 || maxEntries > MAX_ENTRIES)
        {
            throw new IllegalArgumentException("ipcache maxEntries out of range [1, " + MAX_ENTRIES + "]: " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.seed = seed;
        this.fingerprintMask = fingerprintMask;
        this.index = new LongIntHashTable(maxEntries);
        this.entries = arena.allocate((long)(maxEntries + OVERFLOW_ENTRIES) * ENTRY_SIZE, 64);
        this.freeEntries = new int[maxEntries];
    }

    // ----- address helpers -----

    /** Lower half of the IPv4-mapped address {@code ::ffff:a.b.c.d} ({@code ipv4} as on the wire, a in the top byte). */
    public static long v4MappedLow(final int ipv4)
    {
        return V4_MAPPED_PREFIX | (ipv4 & 0xFFFF_FFFFL);
    }

    public static boolean isV4Mapped(final long high, final long low)
    {
        return high == V4_MAPPED_HIGH && (low & 0xFFFF_FFFF_0000_0000L) == V4_MAPPED_PREFIX;
    }

    /** Address bits 0-63, big-endian; IPv4 as its IPv4-mapped IPv6 address. */
    public static long high(final InetAddress address)
    {
        return address instanceof Inet4Address ? V4_MAPPED_HIGH : MemorySegment.ofArray(address.getAddress()).get(U64_BE, 0);
    }

    /** Address bits 64-127, big-endian; IPv4 as its IPv4-mapped IPv6 address. */
    public static long low(final InetAddress address)
    {
        final MemorySegment bytes = MemorySegment.ofArray(address.getAddress());
        return address instanceof Inet4Address ? v4MappedLow(bytes.get(U32_BE, 0)) : bytes.get(U64_BE, 8);
    }

    /** The address of a key, IPv4-mapped ones as {@link Inet4Address} (control path: dumps, messages). */
    public static InetAddress address(final long high, final long low)
    {
        final byte[] bytes = new byte[16];
        final MemorySegment segment = MemorySegment.ofArray(bytes);
        segment.set(U64_BE, 0, high);
        segment.set(U64_BE, 8, low);
        try
        {
            return InetAddress.getByAddress(bytes);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalStateException("16 bytes are always an address", e);
        }
    }

    // ----- packet path -----

    /** Identity of {@code (zone, high, low)}, or {@link #MISSING}. Lock-free, allocates nothing. */
    public int lookup(final int zone, final long high, final long low)
    {
        final long fingerprint = fingerprint(zone, high, low);
        return identity(entry(fingerprint, slotHash(fingerprint)), zone, high, low);
    }

    // A batch of lookups runs these steps one pass each, so that the cache misses of a pass
    // overlap: fingerprint and slotHash, touchSlot, entry, touchEntry, identity.

    /** Where the index keeps {@code fingerprint}. */
    public static long slotHash(final long fingerprint)
    {
        return LongIntHashTable.hash(fingerprint);
    }

    /** Starts loading the index slot; the value means nothing (it keeps the load alive). */
    public long touchSlot(final long slotHash)
    {
        return index.touch(slotHash);
    }

    /** The primary entry the fingerprint leads to, or {@link #MISSING}: only a candidate. */
    public int entry(final long fingerprint, final long slotHash)
    {
        return index.getHashed(fingerprint, slotHash);
    }

    /** Starts loading a candidate entry; the value means nothing. */
    public long touchEntry(final int entry)
    {
        return entry == LongIntHashTable.MISSING ? 0 : entries.get(ValueLayout.JAVA_LONG, (long)entry * ENTRY_SIZE);
    }

    /**
     * The identity of {@code (zone, high, low)} given the candidate {@link #entry} of its
     * fingerprint: the entry's identity if the entry holds exactly this key, else the
     * collision overflow's answer, else {@link #MISSING}.
     */
    public int identity(final int entry, final int zone, final long high, final long low)
    {
        if (entry == LongIntHashTable.MISSING)
        {
            return MISSING;
        }
        final int identity = identityIfKey(entry, zone, high, low);
        if (identity != MISSING || overflowUsed == 0)
        {
            return identity;
        }
        for (int overflow = maxEntries; overflow < maxEntries + OVERFLOW_ENTRIES; overflow++)
        {
            final int found = identityIfKey(overflow, zone, high, low);
            if (found != MISSING)
            {
                return found;
            }
        }
        return MISSING;
    }

    /** The entry's identity if it holds exactly this key, else {@link #MISSING}; one consistent read. */
    private int identityIfKey(final int entry, final int zone, final long high, final long low)
    {
        final long base = (long)entry * ENTRY_SIZE;
        while (true)
        {
            final int before = SlotSeqlock.readBegin(entries, base + SEQUENCE_OFFSET);
            final long entryHigh = entries.get(U64_BE, base + HIGH_OFFSET);
            final long entryLow = entries.get(U64_BE, base + LOW_OFFSET);
            final int entryZone = entries.get(ValueLayout.JAVA_INT, base + ZONE_OFFSET);
            final int identity = entries.get(ValueLayout.JAVA_INT, base + IDENTITY_OFFSET);
            if (SlotSeqlock.readValid(entries, base + SEQUENCE_OFFSET, before))
            {
                return identity != FREE && entryZone == zone && entryHigh == high && entryLow == low ? identity : MISSING;
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Keyed fingerprint of a key, never 0 or -1 (the index's reserved keys; folding them onto
     * 1 and -2 only adds collisions, which the full compare handles). Not cryptographic: the
     * secret seed makes collisions unpredictable, correctness never depends on it.
     */
    public long fingerprint(final int zone, final long high, final long low)
    {
        long h = mix(seed ^ high);
        h = mix(h ^ low);
        h = mix(h ^ (zone & 0xFFFF_FFFFL)) & fingerprintMask;
        return h == 0 ? 1 : h == -1 ? -2 : h;
    }

    private static long mix(final long value)
    {
        long h = (value ^ (value >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        h = (h ^ (h >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return h ^ (h >>> 31);
    }

    // ----- writer (control thread) -----

    /**
     * Inserts or replaces the identity of a key. Refusals change nothing.
     *
     * @return the previous identity, or {@link #MISSING} when the key is new
     * @throws IllegalArgumentException for an identity outside 1..{@link #MAX_IDENTITY}
     * @throws TableException when the table holds {@code maxEntries} keys, or the key's
     *         fingerprint is taken and the collision overflow is full
     */
    public int put(final int zone, final long high, final long low, final int identity)
    {
        try
        {
            return putEntry(zone, high, low, identity);
        }
        finally
        {
            version = version + 1;
        }
    }

    /** The version (see the field): read it before the lookups whose results are kept. */
    public long version()
    {
        return version;
    }

    private int putEntry(final int zone, final long high, final long low, final int identity)
    {
        if (identity < 1 || identity > MAX_IDENTITY)
        {
            throw new IllegalArgumentException("ipcache identity out of range [1, " + MAX_IDENTITY + "]: " + identity);
        }
        final long fingerprint = fingerprint(zone, high, low);
        final int primary = index.get(fingerprint);
        if (primary == LongIntHashTable.MISSING)
        {
            requireRoom(zone, high, low);
            final int entry = freeCount > 0 ? freeEntries[--freeCount] : nextUnused++;
            writeEntry(entry, zone, high, low, identity);
            if (!index.put(fingerprint, entry))
            {
                throw new IllegalStateException("ipcache index refused a key below its capacity");
            }
            size++;
            return MISSING;
        }
        final int existing = holdsKey(primary, zone, high, low) ? primary : findOverflow(zone, high, low);
        if (existing >= 0)
        {
            final int old = identityOf(existing);
            writeEntry(existing, zone, high, low, identity);
            return old;
        }
        requireRoom(zone, high, low);
        if (identityOf(primary) == FREE)
        {
            writeEntry(primary, zone, high, low, identity);
        }
        else
        {
            final int overflow = freeOverflow();
            if (overflow < 0)
            {
                throw TableException.full("ipcache fingerprint-collision overflow full (" + OVERFLOW_ENTRIES + " entries): zone " + zone + ", " +
                    address(high, low).getHostAddress());
            }
            writeEntry(overflow, zone, high, low, identity);
            overflowUsed = overflowUsed + 1;
        }
        size++;
        return MISSING;
    }

    /** Removes a key (writer thread); false when it was not there. */
    public boolean remove(final int zone, final long high, final long low)
    {
        try
        {
            return removeEntry(zone, high, low);
        }
        finally
        {
            version = version + 1;
        }
    }

    private boolean removeEntry(final int zone, final long high, final long low)
    {
        final long fingerprint = fingerprint(zone, high, low);
        final int primary = index.get(fingerprint);
        if (primary == LongIntHashTable.MISSING)
        {
            return false;
        }
        if (holdsKey(primary, zone, high, low))
        {
            writeEntry(primary, 0, 0, 0, FREE);
        }
        else
        {
            final int overflow = findOverflow(zone, high, low);
            if (overflow < 0)
            {
                return false;
            }
            writeEntry(overflow, 0, 0, 0, FREE);
            overflowUsed = overflowUsed - 1;
        }
        size--;
        // An empty primary entry stays indexed while overflow keys share its fingerprint.
        if (identityOf(primary) == FREE && !overflowHasFingerprint(fingerprint))
        {
            index.remove(fingerprint);
            freeEntries[freeCount++] = primary;
        }
        return true;
    }

    private void requireRoom(final int zone, final long high, final long low)
    {
        if (size >= maxEntries)
        {
            throw TableException.full("ipcache full (" + maxEntries + " entries): zone " + zone + ", " + address(high, low).getHostAddress());
        }
    }

    private boolean holdsKey(final int entry, final int zone, final long high, final long low)
    {
        final long base = (long)entry * ENTRY_SIZE;
        return identityOf(entry) != FREE && entries.get(ValueLayout.JAVA_INT, base + ZONE_OFFSET) == zone &&
            entries.get(U64_BE, base + HIGH_OFFSET) == high && entries.get(U64_BE, base + LOW_OFFSET) == low;
    }

    /** The overflow entry holding the key, or -1. */
    private int findOverflow(final int zone, final long high, final long low)
    {
        for (int entry = maxEntries; entry < maxEntries + OVERFLOW_ENTRIES; entry++)
        {
            if (holdsKey(entry, zone, high, low))
            {
                return entry;
            }
        }
        return -1;
    }

    /** A free overflow entry, or -1. */
    private int freeOverflow()
    {
        for (int entry = maxEntries; entry < maxEntries + OVERFLOW_ENTRIES; entry++)
        {
            if (identityOf(entry) == FREE)
            {
                return entry;
            }
        }
        return -1;
    }

    private boolean overflowHasFingerprint(final long fingerprint)
    {
        for (int entry = maxEntries; entry < maxEntries + OVERFLOW_ENTRIES; entry++)
        {
            final long base = (long)entry * ENTRY_SIZE;
            if (identityOf(entry) != FREE && fingerprint(entries.get(ValueLayout.JAVA_INT, base + ZONE_OFFSET),
                entries.get(U64_BE, base + HIGH_OFFSET), entries.get(U64_BE, base + LOW_OFFSET)) == fingerprint)
            {
                return true;
            }
        }
        return false;
    }

    private int identityOf(final int entry)
    {
        return entries.get(ValueLayout.JAVA_INT, (long)entry * ENTRY_SIZE + IDENTITY_OFFSET);
    }

    /** Seqlocked write: odd sequence, fields, then the next even sequence with release. */
    private void writeEntry(final int entry, final int zone, final long high, final long low, final int identity)
    {
        final long base = (long)entry * ENTRY_SIZE;
        final int sequence = SlotSeqlock.beginWrite(entries, base + SEQUENCE_OFFSET);
        entries.set(U64_BE, base + HIGH_OFFSET, high);
        entries.set(U64_BE, base + LOW_OFFSET, low);
        entries.set(ValueLayout.JAVA_INT, base + ZONE_OFFSET, zone);
        entries.set(ValueLayout.JAVA_INT, base + IDENTITY_OFFSET, identity);
        SlotSeqlock.endWrite(entries, base + SEQUENCE_OFFSET, sequence);
    }

    /** Calls {@code visitor} for every key (writer thread, for dumps). */
    public void forEach(final EntryVisitor visitor)
    {
        for (int entry = 0; entry < nextUnused; entry++)
        {
            visit(entry, visitor);
        }
        for (int entry = maxEntries; entry < maxEntries + OVERFLOW_ENTRIES; entry++)
        {
            visit(entry, visitor);
        }
    }

    private void visit(final int entry, final EntryVisitor visitor)
    {
        final int identity = identityOf(entry);
        if (identity != FREE)
        {
            final long base = (long)entry * ENTRY_SIZE;
            visitor.accept(entries.get(ValueLayout.JAVA_INT, base + ZONE_OFFSET), entries.get(U64_BE, base + HIGH_OFFSET),
                entries.get(U64_BE, base + LOW_OFFSET), identity);
        }
    }

    /** Keys in the table. */
    public int size()
    {
        return size;
    }

    public int maxEntries()
    {
        return maxEntries;
    }

    /** Keys kept in the collision overflow (0 unless fingerprints collided). */
    public int overflowSize()
    {
        return overflowUsed;
    }

    public long offHeapBytes()
    {
        return entries.byteSize() + index.offHeapBytes();
    }

    @Override
    public void close()
    {
        index.close();
        arena.close();
    }

    @FunctionalInterface
    public interface EntryVisitor
    {
        void accept(int zone, long high, long low, int identity);
    }
}
