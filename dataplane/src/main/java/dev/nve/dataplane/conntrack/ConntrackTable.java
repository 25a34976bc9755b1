package dev.nve.dataplane.conntrack;

import dev.nve.dataplane.table.LinePrefetcher;
import dev.nve.dataplane.table.TableMemories;
import dev.nve.dataplane.wire.Ipv4Header;
import dev.nve.dataplane.wire.TcpHeader;

import org.agrona.UnsafeApi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One worker's connection tracking table: off-heap, open addressing with linear probing over
 * 32-byte slots, two per cache line, {@code 3 x maxEntries} slots (load at most 1/3). A key's
 * probe starts at the first slot of its home line, so a lookup mostly reads one line (the
 * second slot of the line is the first probe step). IPv6 keys keep their addresses in a record
 * of their own (32 bytes, {@code maxEntries} records) that the slot names. 1,000,000 entries
 * take 96,000,000 bytes of slots + 32,000,000 bytes of IPv6 records (122.1 MiB), both from
 * {@link TableMemories}: 2 MiB pages with xdp-loader on the class path (no page walk per
 * lookup), else ordinary memory.
 * <p>
 * <b>Threads.</b> Everything, including {@link #sweep}, runs on the owning worker: no locks, no
 * atomics. Other threads must not touch the table (a dump goes through the worker).
 * <p>
 * <b>Raw access.</b> The slots and records are read and written at their raw addresses
 * (Agrona's {@code UnsafeApi}, native byte order), not through {@code MemorySegment} get/set:
 * with 1,000,000 entries the segment's checks on every access cost the filter 13-19% of its
 * time (paired A/B, docs/BENCHMARKS.md). So every offset must be in range by construction: slot
 * indexes come from {@code home} and {@code next} (below the capacity) or from a caller's
 * result, checked against the capacity on entry (a result out of range is answered as "not an
 * entry", never dereferenced); a record index comes from the free-record stack (below
 * {@code maxEntries}). {@link #close} frees the memory: call it only once the owning worker
 * has stopped using the table.
 * <p>
 * <b>Key</b> ({@link ConntrackKey}): (zone, IP version, endpoint A, endpoint B, protocol), an
 * endpoint being (address, port), stored ordered so that both directions of a connection find
 * the same slot with one probe sequence; a flag remembers which endpoint opened the
 * connection, so a hit says {@link #ORIGINAL} or {@link #REPLY}. Addresses are two longs,
 * big-endian halves (hi, lo); IPv4 sits in the low 32 bits of lo with hi = 0. Ports are 0 for
 * protocols without ports; for ICMP/ICMPv6 echo pass the identifier as both ports (request and
 * reply then share the entry; such an entry has equal endpoints only when the addresses are
 * equal too, and then every packet reads as ORIGINAL).
 * <pre>
 *  slot (32 bytes, 32-byte aligned; native byte order, the memory never leaves the process):
 *   0: u64 addresses: IPv4 A (bits 32-63) | B (0-31); IPv6 their digest ({@link ConntrackKey})
 *   8: u64 A port (bits 48-63) | B port (32-47) | zone (8-31) | protocol (0-7)
 *  16: u64 state: bits 0-31 flags: bit 0 used, bit 1 IPv6, bit 2 B opened the connection,
 *          bits 3-4 state, bit 5 a reply was seen, bit 6 cached verdict valid, bit 7 0,
 *          bits 8-31 cached verdict;
 *        bits 32-63 expiry tick (nanos &gt;&gt; 24, wrapping; see below)
 *  24: u64 bits 0-31 epoch of the cached verdict (its low 32 bits);
 *        bits 32-63 IPv6: index of the address record (A hi, A lo, B hi, B lo: 4 x u64); IPv4: 0
 * </pre>
 * The words at 16 and 24 are only ever accessed whole (one load or store each), so the layout
 * does not depend on the byte order.
 * <b>Cached verdict</b>: a 24-bit value the caller computed for the connection's packets in the
 * ORIGINAL direction (the filter's: the id of the grant that let them through), tagged with an
 * epoch from {@link #nextVerdictEpoch} ({@link #cacheVerdict}); {@link #cachedVerdict} returns
 * it only for the same epoch. The caller takes a new epoch whenever anything the value depends
 * on changes, so established connections skip that work until then. Epochs come from the
 * table, so two callers of one table never share one. An epoch that came back to the same low 32 bits
 * (2^32 epochs later) while the connection saw no packet in the opening direction would
 * return a stale value: that needs billions of changes within one established timeout.
 * <p>
 * <b>Time</b> comes from the caller ({@code nowNanos}, e.g. {@code System.nanoTime()} or a
 * capture's timestamps), so a replay is deterministic. Expiry is kept in ticks of 2^24 ns
 * (16.8 ms): an entry outlives its last packet by at least its timeout and by less than
 * timeout + 16.8 ms. Ticks wrap after 2^32 ticks (about 834 days); comparisons are wrap-safe
 * as long as {@link #sweep} visits every slot within 417 days, which any sweep schedule does.
 * <p>
 * <b>Packet path</b> (the lookups, {@link #create}, {@link #update}, {@link #hash}, the
 * touches and prefetches, {@link #cachedVerdict}, {@link #cacheVerdict}): allocates nothing, throws
 * nothing; results are longs or ints. A batch computes each packet's {@link ConntrackKey} once,
 * prefetches every home line ({@link #homeLine}, {@link #prefetchLines}; or touches it,
 * {@link #touchLines}, without a prefetcher), looks every key up in its home line
 * ({@link #lookupHome}), loads the next line of those that go {@link #FURTHER}
 * ({@link #nextLine}) and finishes them ({@link #lookup(ConntrackKey, long)}), so that the
 * misses overlap ({@link ConntrackBatchLookup} does that for the filter). A lookup result
 * ({@code slot << 1 | direction}) stays valid until the next {@link #sweep} (which moves
 * entries); {@link #create} never moves other entries.
 * <p>
 * <b>TCP</b> (protocol 6) follows a deliberately small state machine ({@link TcpStates}); other protocols have the
 * single state {@link #NON_TCP}. Flags are TCP header flags ({@link TcpHeader#SYN} etc.).
 * <ul>
 *   <li>{@link #create}: SYN without ACK gives {@link #SYN_SENT}; FIN or RST gives
 *       {@link #CLOSING}; anything else (a mid-stream pick-up, e.g. after a restart) gives
 *       {@link #ESTABLISHED}. The table never creates on its own: whether a non-SYN TCP packet
 *       without an entry may create one (pick-up) or is dropped is the caller's decision.</li>
 *   <li>{@link #SYN_SENT}: a reply with SYN+ACK gives ESTABLISHED; a reply RST gives CLOSING;
 *       any other reply (a bare ACK, data, a SYN without ACK, i.e. simultaneous open) is
 *       {@link #INVALID} and changes nothing. Original-direction packets keep SYN_SENT (FIN or
 *       RST: CLOSING).</li>
 *   <li>{@link #ESTABLISHED}: FIN or RST from either side gives CLOSING (even a half close:
 *       the 10 s closing timeout is refreshed by every packet, so a half-closed connection that
 *       keeps sending survives).</li>
 *   <li>{@link #CLOSING}: a SYN without ACK from the original side re-opens the tuple
 *       (SYN_SENT, port reuse); everything else stays CLOSING.</li>
 * </ul>
 * Sequence numbers and windows are not checked (Cilium does not either). Every accepted packet
 * refreshes the expiry with the timeout of the resulting state. Entries count no packets or
 * bytes (nothing read them; the counters per rule, endpoint and drop reason are elsewhere).
 * <p>
 * Per-worker tables assume that both directions of a flow reach the same worker (symmetric
 * RSS, or one queue); a reply arriving at another worker is a miss there.
 */
public final class ConntrackTable implements AutoCloseable
{
    /** {@link #lookup}: no live entry. */
    public static final long MISS = -1L;
    /** {@link #create}: the table holds {@link #maxEntries()} live entries; nothing was evicted. */
    public static final long FULL = -2L;
    /** {@link #create}: zone outside 24 bits, version not 4 or 6, or an IPv4 address above 32 bits. */
    public static final long BAD_TUPLE = -3L;
    /** {@link #lookupHome}: the home line holds two other live keys; the probe goes on (next line). */
    public static final long FURTHER = -4L;

    public static final int ORIGINAL = 0;
    public static final int REPLY = 1;

    /** {@link #update}: state and expiry updated. */
    public static final int OK = 0;
    /** {@link #update}: impossible for the connection's TCP state; nothing changed. */
    public static final int INVALID = 1;
    /** {@link #update}: the argument is not an entry (MISS, FULL, BAD_TUPLE, an empty slot). */
    public static final int NO_ENTRY = 2;

    public static final int NON_TCP = 0;
    public static final int SYN_SENT = 1;
    public static final int ESTABLISHED = 2;
    public static final int CLOSING = 3;

    public static final int SLOT_SIZE = 32;
    public static final int IPV6_RECORD_SIZE = 32;
    public static final int MAX_ENTRIES = 1 << 28;
    /** Slots per entry of {@code maxEntries}: the load stays at or below 1/3 ({@link #slotsFor}). */
    public static final int SLOTS_PER_ENTRY = 3;
    /** Expiry resolution: 2^24 ns = 16.8 ms. */
    public static final int TICK_SHIFT = 24;

    /** {@link ConntrackKey#flags}: a key (0: a refused tuple). */
    public static final int KEY_USED = 1;
    /** {@link ConntrackKey#flags}: an IPv6 key. */
    public static final int KEY_IPV6 = 1 << 1;
    /** {@link ConntrackKey#flags}: the packet's source is endpoint B (the slot's "B opened" bit). */
    public static final int KEY_SOURCE_IS_B = 1 << 2;

    /** {@link #cachedVerdict}: none cached for this epoch (or not an entry). */
    public static final int NO_VERDICT = -1;
    /** Largest value {@link #cacheVerdict} keeps (24 bits). */
    public static final int MAX_VERDICT = 0xFF_FFFF;

    private static final int ADDRESSES_OFFSET = 0;
    private static final int PORTS_ZONE_PROTOCOL_OFFSET = 8;
    private static final int STATE_OFFSET = 16;
    private static final int EPOCH_RECORD_OFFSET = 24;
    private static final int LINE_SIZE = 2 * SLOT_SIZE;

    private static final int USED = KEY_USED;
    private static final int IPV6 = KEY_IPV6;
    private static final int OPENED_BY_B = KEY_SOURCE_IS_B;
    private static final int STATE_SHIFT = 3;
    private static final int STATE_MASK = 3 << STATE_SHIFT;
    private static final int REPLY_SEEN = 1 << 5;
    private static final int VERDICT_VALID = 1 << 6;
    private static final int VERDICT_SHIFT = 8;
    /** The flags without the cached verdict. */
    private static final int ENTRY_FLAGS = VERDICT_VALID - 1;
    private static final int KEY_FLAGS = USED | IPV6;
    private static final int IPV6_ENTRY = USED | IPV6;

    private final Arena arena;
    private final MemorySegment slots;
    /** IPv6 address records, {@code maxEntries} of them (at most one per used slot). */
    private final MemorySegment records;
    /** Indexes of the free IPv6 records, a stack ({@code freeRecordCount} on it). */
    private final int[] freeRecords;
    private int freeRecordCount;
    private final int capacity;
    /** Lines (pairs of slots), capacity / 2. */
    private final int lines;
    private final int maxEntries;
    /** Timeout per state, indexed by NON_TCP .. CLOSING. */
    private final long[] timeoutNanos;
    private int size;
    private int sweepCursor;
    /** The last epoch {@link #nextVerdictEpoch} gave out. */
    private long verdictEpoch;
    /** The addresses of {@link #slots} and {@link #records}, for the raw accesses (see the class comment). */
    private final long slotsAddress;
    private final long recordsAddress;
    /** The key of a call with a tuple (single-threaded table, so one reused key). */
    private final ConntrackKey key = new ConntrackKey();

    /** A table for up to {@code maxEntries} live connections with Cilium's default timeouts. */
    public ConntrackTable(final int maxEntries)
    {
        this(maxEntries, ConntrackTimeouts.CILIUM_DEFAULTS);
    }

    public ConntrackTable(final int maxEntries, final ConntrackTimeouts timeouts)
    {
        if (maxEntries < 1 || maxEntries > MAX_ENTRIES)
        {
            throw new IllegalArgumentException("maxEntries out of range [1, " + MAX_ENTRIES + "]: " + maxEntries);
        }
        if (timeouts == null)
        {
            throw new IllegalArgumentException("timeouts must not be null");
        }
        this.capacity = slotsFor(maxEntries);
        this.lines = capacity / 2;
        this.maxEntries = maxEntries;
        this.timeoutNanos = new long[] {
            timeouts.nonTcpNanos(), timeouts.tcpSynNanos(), timeouts.tcpEstablishedNanos(), timeouts.tcpClosingNanos()};
        this.arena = Arena.ofShared();
        try
        {
            // Huge pages where the platform has them (TableMemories): a lookup's line needs no page walk.
            this.slots = TableMemories.allocate(arena, (long)capacity * SLOT_SIZE, LINE_SIZE);
            this.records = TableMemories.allocate(arena, (long)maxEntries * IPV6_RECORD_SIZE, IPV6_RECORD_SIZE);
        }
        catch (final RuntimeException e)
        {
            arena.close();
            throw e;
        }
        this.slotsAddress = slots.address();
        this.recordsAddress = records.address();
        this.freeRecords = new int[maxEntries];
        for (int i = 0; i < maxEntries; i++)
        {
            freeRecords[i] = maxEntries - 1 - i;
        }
        this.freeRecordCount = maxEntries;
    }

    /**
     * Slots for {@code maxEntries}: three times as many (load at most 1/3), rounded up to whole
     * lines, at least 16. At load 1/3 a key is outside its home line 5.7% of the time (11.8% at
     * load 1/2), and each of those costs a second round of misses: the lookup pass is ~13%
     * faster with 1,000,000 entries (docs/BENCHMARKS.md).
     */
    public static int slotsFor(final int maxEntries)
    {
        final int slots = maxEntries * SLOTS_PER_ENTRY;
        return Math.max(16, slots + (slots & 1));
    }

    /** Off-heap bytes of a table for {@code maxEntries}: slots and IPv6 address records. */
    public static long bytesFor(final int maxEntries)
    {
        return (long)slotsFor(maxEntries) * SLOT_SIZE + (long)maxEntries * IPV6_RECORD_SIZE;
    }

    // ---- result encoding -------------------------------------------------------------------

    /** True when {@code result} of lookup/create names an entry (not MISS, FULL or BAD_TUPLE). */
    public static boolean isEntry(final long result)
    {
        return result >= 0;
    }

    /** The packet's direction: {@link #ORIGINAL} or {@link #REPLY} (only for entries). */
    public static int direction(final long result)
    {
        return (int)result & 1;
    }

    public static int slot(final long result)
    {
        return (int)(result >>> 1);
    }

    // ---- packet path: keys ---------------------------------------------------------------------

    /** Byte offset of the home line of {@code hash} ({@link ConntrackKey#hash}), for {@link #touchLines}. */
    public long homeLine(final long hash)
    {
        return (long)home(hash) * SLOT_SIZE;
    }

    /** Byte offset of the line after the line at {@code line} (wrapping), for {@link #touchLines}. */
    public long nextLine(final long line)
    {
        final long next = line + LINE_SIZE;
        return next == slots.byteSize() ? 0 : next;
    }

    /**
     * Loads the lines at {@code lineOffsets[0 .. count)} ({@link #homeLine}, {@link #nextLine})
     * in a loop that does nothing else, so that as many of their misses as the core allows are
     * in flight together; the value means nothing. An offset outside the slots touches line 0
     * instead (a select, not a branch: the accesses are raw).
     */
    public long touchLines(final long[] lineOffsets, final int count)
    {
        final long lastLine = (long)(lines - 1) * LINE_SIZE;
        long sum = 0;
        for (int n = 0; n < count; n++)
        {
            final long line = lineOffsets[n];
            sum += loadSlot((Long.compareUnsigned(line, lastLine) <= 0 ? line : 0) + STATE_OFFSET);
        }
        return sum;
    }

    /**
     * Prefetches the lines at the {@code count} byte offsets ({@link #homeLine}, {@link #nextLine}
     * results) stored as native longs at {@code offsetsAddress}: {@link #touchLines} without
     * waiting for the lines (see {@link LinePrefetcher}).
     */
    public void prefetchLines(final LinePrefetcher prefetcher, final long offsetsAddress, final int count)
    {
        prefetcher.prefetch(slotsAddress, offsetsAddress, count);
    }

    /** Loads the home line of {@code hash} and the line after it; the value means nothing. */
    public int touch(final long hash)
    {
        final int home = home(hash);
        return (int)(loadSlot((long)home * SLOT_SIZE + STATE_OFFSET)
            + loadSlot((long)next(home + 1) * SLOT_SIZE + STATE_OFFSET));
    }

    /**
     * The live entry of {@code key} from its home line only: the entry, {@link #MISS} (also for
     * an expired entry and a refused key) when the home line decides, or {@link #FURTHER} when
     * both its slots hold other live keys and the probe must go on with
     * {@link #lookup(ConntrackKey, long)}.
     */
    public long lookupHome(final ConntrackKey key, final long nowNanos)
    {
        final int keyFlags = key.flags;
        if (keyFlags == 0)
        {
            return MISS;
        }
        final int index = home(key.hash);
        final long base = (long)index * SLOT_SIZE;
        final long first = loadSlot(base + STATE_OFFSET);
        final long second = loadSlot(base + SLOT_SIZE + STATE_OFFSET);
        // Both slots compared, then selected with arithmetic rather than booleans: which of the
        // two holds the key is random, and C2 compiled the boolean form into branches on it.
        final long firstMisses = misses(base, (int)first, key);
        final long secondMisses = misses(base + SLOT_SIZE, (int)second, key);
        if ((firstMisses & secondMisses) == 0)
        {
            return live(index + (int)firstMisses, first ^ ((first ^ second) & -firstMisses), keyFlags, nowNanos);
        }
        return ((int)first & (int)second & USED) == 0 ? MISS : FURTHER;
    }

    /**
     * The live entry of {@code key}, seen from the packet's direction, or {@link #MISS} (also
     * for an expired entry that no sweep removed yet, and for a refused key).
     */
    public long lookup(final ConntrackKey key, final long nowNanos)
    {
        if (key.flags == 0)
        {
            return MISS;
        }
        int index = home(key.hash);
        for (int probes = 0; probes < capacity; probes++)
        {
            final long base = (long)index * SLOT_SIZE;
            final long state = loadSlot(base + STATE_OFFSET);
            final int flags = (int)state;
            if ((flags & USED) == 0)
            {
                return MISS;
            }
            if (matches(base, flags, key))
            {
                return live(index, state, key.flags, nowNanos);
            }
            index = next(index);
        }
        return MISS;
    }

    /**
     * A new entry for {@code key}, opened by the packet's source: the result has direction
     * ORIGINAL. Call {@link #update} for the packet as for every other packet. Returns
     * {@link #FULL} when the table holds {@link #maxEntries()} entries and no expired entry lies
     * on the key's probe path (expired entries there are reused; live ones are never evicted),
     * {@link #BAD_TUPLE} for a refused key. If a live entry for the key exists it is returned
     * unchanged, as {@link #lookup} would.
     */
    public long create(final ConntrackKey key, final int tcpFlags, final long nowNanos)
    {
        if (key.flags == 0)
        {
            return BAD_TUPLE;
        }
        final int nowTick = tick(nowNanos);
        int index = home(key.hash);
        int expiredSlot = -1;
        for (int probes = 0; probes < capacity; probes++)
        {
            final long base = (long)index * SLOT_SIZE;
            final int flags = flagsAt(base);
            if ((flags & USED) == 0)
            {
                break;
            }
            final boolean expired = isExpired(base, nowTick);
            if (matches(base, flags, key))
            {
                if (!expired)
                {
                    return result(index, flags, key.flags);
                }
                expiredSlot = index;
                break;
            }
            if (expired && expiredSlot < 0)
            {
                expiredSlot = index;
            }
            index = next(index);
        }
        if (expiredSlot >= 0)
        {
            initialize(expiredSlot, key, tcpFlags, nowNanos);
            return (long)expiredSlot << 1;
        }
        if (size == maxEntries)
        {
            return FULL;
        }
        initialize(index, key, tcpFlags, nowNanos);
        size++;
        return (long)index << 1;
    }

    // ---- packet path: tuples (each call computes the key; tests, tools, benchmarks) ------------

    /** {@link ConntrackKey#hash} of the tuple (0 for a bad tuple), for {@link #touch}. */
    public long hash(
        final int zone, final int version, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort, final int protocol)
    {
        key.of(zone, version, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol);
        return key.hash;
    }

    /** {@link #lookup(ConntrackKey, long)} of a tuple. */
    public long lookup(
        final int zone, final int version, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort, final int protocol, final long nowNanos)
    {
        key.of(zone, version, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol);
        return lookup(key, nowNanos);
    }

    /** {@link #create(ConntrackKey, int, long)} of a tuple. */
    public long create(
        final int zone, final int version, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort, final int protocol, final int tcpFlags, final long nowNanos)
    {
        key.of(zone, version, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol);
        return create(key, tcpFlags, nowNanos);
    }

    // ---- packet path: entries ----------------------------------------------------------------

    /**
     * Applies one packet to the entry {@code result} (from lookup or create, in that packet's
     * direction): TCP state machine (see the class comment), expiry refreshed with the timeout
     * of the new state.
     *
     * @return {@link #OK}, {@link #INVALID} (nothing changed) or {@link #NO_ENTRY}.
     */
    public int update(final long result, final int tcpFlags, final long nowNanos)
    {
        if (!inRange(result))
        {
            return NO_ENTRY;
        }
        final long base = (long)slot(result) * SLOT_SIZE;
        final int flags = flagsAt(base);
        if ((flags & USED) == 0)
        {
            return NO_ENTRY;
        }
        final int direction = direction(result);
        final int state = (flags & STATE_MASK) >>> STATE_SHIFT;
        final int newState = TcpStates.next(state, direction, tcpFlags);
        if (newState < 0)
        {
            return INVALID;
        }
        // REPLY_SEEN for REPLY, without a branch; flags and expiry in one store.
        final int newFlags = (flags & ~STATE_MASK) | (direction << 5) | (newState << STATE_SHIFT);
        setState(base, newFlags, expiryTick(nowNanos, timeoutNanos[newState]));
        return OK;
    }

    /**
     * A new epoch for {@link #cacheVerdict}, never given out before by this table (until its
     * low 32 bits wrap): verdicts cached under earlier epochs are not returned for it.
     */
    public long nextVerdictEpoch()
    {
        return ++verdictEpoch;
    }

    /** The verdict cached in entry {@code result} under {@code epoch}, or {@link #NO_VERDICT} (none, another epoch, not an entry). */
    public int cachedVerdict(final long result, final long epoch)
    {
        if (!inRange(result))
        {
            return NO_VERDICT;
        }
        final long base = (long)slot(result) * SLOT_SIZE;
        final int flags = flagsAt(base);
        final boolean valid = (flags & VERDICT_VALID) != 0 && (int)loadSlot(base + EPOCH_RECORD_OFFSET) == (int)epoch;
        return valid ? flags >>> VERDICT_SHIFT : NO_VERDICT;
    }

    /**
     * Caches {@code verdict} (0 to {@link #MAX_VERDICT}; higher bits are dropped) in entry
     * {@code result} under {@code epoch}; does nothing when {@code result} is not an entry.
     */
    public void cacheVerdict(final long result, final int verdict, final long epoch)
    {
        if (!inRange(result))
        {
            return;
        }
        final long base = (long)slot(result) * SLOT_SIZE;
        final long state = loadSlot(base + STATE_OFFSET);
        setState(base, ((int)state & ENTRY_FLAGS) | VERDICT_VALID | (verdict & MAX_VERDICT) << VERDICT_SHIFT, (int)(state >>> 32));
        final long word = loadSlot(base + EPOCH_RECORD_OFFSET);
        storeSlot(base + EPOCH_RECORD_OFFSET, (word & ~0xFFFF_FFFFL) | (epoch & 0xFFFF_FFFFL));
    }

    // ---- garbage collection (same thread, between batches) -----------------------------------

    /**
     * Removes expired entries, examining at most {@code maxSlots} slots from where the previous
     * call stopped (wrapping around), and returns how many it removed. Removal shifts later
     * entries of the probe run back (no tombstones), so lookups stay correct and earlier lookup
     * results become stale.
     */
    public int sweep(final long nowNanos, final int maxSlots)
    {
        final int nowTick = tick(nowNanos);
        int removed = 0;
        int index = sweepCursor;
        for (int examined = 0; examined < maxSlots; examined++)
        {
            final long base = (long)index * SLOT_SIZE;
            final int flags = flagsAt(base);
            if ((flags & USED) != 0 && isExpired(base, nowTick))
            {
                removeAt(index);
                removed++;
                // An entry may have moved into this slot: examine it again.
                continue;
            }
            index = next(index);
        }
        sweepCursor = index;
        size -= removed;
        return removed;
    }

    /** Backward-shift deletion for linear probing: no entry may sit behind a hole on its probe path. */
    private void removeAt(final int removed)
    {
        releaseRecord((long)removed * SLOT_SIZE);
        int hole = removed;
        int index = removed;
        while (true)
        {
            index = next(index);
            final long base = (long)index * SLOT_SIZE;
            final int flags = flagsAt(base);
            if ((flags & USED) == 0)
            {
                break;
            }
            final int home = home(ConntrackKey.hash(
                loadSlot(base + ADDRESSES_OFFSET), loadSlot(base + PORTS_ZONE_PROTOCOL_OFFSET), flags));
            if (distance(home, index) >= distance(hole, index))
            {
                MemorySegment.copy(slots, base, slots, (long)hole * SLOT_SIZE, SLOT_SIZE);
                hole = index;
            }
        }
        final long holeBase = (long)hole * SLOT_SIZE;
        for (int offset = 0; offset < SLOT_SIZE; offset += 8)
        {
            storeSlot(holeBase + offset, 0L);
        }
    }

    // ---- entry fields (tests, dumps; same thread) ---------------------------------------------

    public int state(final long result)
    {
        return (flagsAt(baseOf(result)) & STATE_MASK) >>> STATE_SHIFT;
    }

    public boolean replySeen(final long result)
    {
        return (flagsAt(baseOf(result)) & REPLY_SEEN) != 0;
    }

    /** Time left before the entry expires, at tick resolution; zero or negative once expired. */
    public long expiresInNanos(final long result, final long nowNanos)
    {
        return (long)(expiryAt(baseOf(result)) - tick(nowNanos)) << TICK_SHIFT;
    }

    /** Entries in the table, expired ones that no sweep or create reclaimed yet included. */
    public int size()
    {
        return size;
    }

    public int maxEntries()
    {
        return maxEntries;
    }

    public int capacity()
    {
        return capacity;
    }

    /** Off-heap bytes: slots and IPv6 address records. */
    public long bytes()
    {
        return slots.byteSize() + records.byteSize();
    }

    /** What backs the slots, the memory every lookup reads ({@link TableMemories#pages}), for operators. */
    public String pages()
    {
        return TableMemories.pages(slots.byteSize());
    }

    @Override
    public void close()
    {
        arena.close();
    }

    // ---- internals -------------------------------------------------------------------------

    /** The u64 at {@code offset} of the slots, native byte order; the offset is below the slots' size (class comment). */
    private long loadSlot(final long offset)
    {
        return UnsafeApi.getLong(slotsAddress + offset);
    }

    private void storeSlot(final long offset, final long value)
    {
        UnsafeApi.putLong(slotsAddress + offset, value);
    }

    /** The u64 at {@code offset} of the IPv6 address records, native byte order. */
    private long loadRecord(final long offset)
    {
        return UnsafeApi.getLong(recordsAddress + offset);
    }

    private void storeRecord(final long offset, final long value)
    {
        UnsafeApi.putLong(recordsAddress + offset, value);
    }

    /** Whether {@code result} names a slot of this table (a raw access needs it: class comment). */
    private boolean inRange(final long result)
    {
        return result >= 0 && (result >>> 1) < capacity;
    }

    private long baseOf(final long result)
    {
        if (!inRange(result))
        {
            throw new IllegalArgumentException("not an entry: " + result);
        }
        return (long)slot(result) * SLOT_SIZE;
    }

    /** Whether the slot at {@code base} (flags {@code flags}) holds {@code key}. */
    private boolean matches(final long base, final int flags, final ConntrackKey key)
    {
        return misses(base, flags, key) == 0;
    }

    /**
     * 0 when the slot at {@code base} (flags {@code flags}) holds {@code key}, else 1: one
     * comparison of the combined differences for IPv4 (an unused slot differs in the used bit),
     * the address record too for IPv6.
     */
    private long misses(final long base, final int flags, final ConntrackKey key)
    {
        final long difference = (loadSlot(base + ADDRESSES_OFFSET) ^ key.addresses)
            | (loadSlot(base + PORTS_ZONE_PROTOCOL_OFFSET) ^ key.portsZoneProtocol)
            | ((flags ^ key.flags) & KEY_FLAGS);
        final long misses = (difference | -difference) >>> 63;
        if ((key.flags & IPV6) == 0)
        {
            return misses;
        }
        return misses == 0 && recordMatches(recordAt(base), key) ? 0 : 1;
    }

    private boolean recordMatches(final int record, final ConntrackKey key)
    {
        final long at = (long)record * IPV6_RECORD_SIZE;
        return loadRecord(at) == key.aHigh
            && loadRecord(at + 8) == key.aLow
            && loadRecord(at + 16) == key.bHigh
            && loadRecord(at + 24) == key.bLow;
    }

    /** A matching slot's result, or {@link #MISS} when it expired. */
    private static long live(final int index, final long state, final int keyFlags, final long nowNanos)
    {
        return tick(nowNanos) - (int)(state >>> 32) >= 0 ? MISS : result(index, (int)state, keyFlags);
    }

    /** The packet's direction relative to the side that opened the entry. */
    private static long result(final int index, final int flags, final int keyFlags)
    {
        return ((long)index << 1) | (((flags ^ keyFlags) & OPENED_BY_B) >>> 2);
    }

    private void initialize(final int index, final ConntrackKey key, final int tcpFlags, final long nowNanos)
    {
        final long base = (long)index * SLOT_SIZE;
        final int protocol = (int)key.portsZoneProtocol & 0xFF;
        final int state = protocol == Ipv4Header.PROTOCOL_TCP ? TcpStates.initial(tcpFlags) : NON_TCP;
        final boolean wasIpv6 = (flagsAt(base) & IPV6_ENTRY) == IPV6_ENTRY;
        int record = 0;
        if ((key.flags & IPV6) != 0)
        {
            // A reused expired IPv6 slot keeps its record.
            record = wasIpv6 ? recordAt(base) : freeRecords[--freeRecordCount];
            final long at = (long)record * IPV6_RECORD_SIZE;
            storeRecord(at, key.aHigh);
            storeRecord(at + 8, key.aLow);
            storeRecord(at + 16, key.bHigh);
            storeRecord(at + 24, key.bLow);
        }
        else if (wasIpv6)
        {
            releaseRecord(base);
        }
        storeSlot(base + ADDRESSES_OFFSET, key.addresses);
        storeSlot(base + PORTS_ZONE_PROTOCOL_OFFSET, key.portsZoneProtocol);
        setState(base, (key.flags & (USED | IPV6 | OPENED_BY_B)) | (state << STATE_SHIFT), expiryTick(nowNanos, timeoutNanos[state]));
        storeSlot(base + EPOCH_RECORD_OFFSET, (long)record << 32);
    }

    /** Returns the address record of the used IPv6 slot at {@code base} to the free stack (no-op for others). */
    private void releaseRecord(final long base)
    {
        if ((flagsAt(base) & IPV6_ENTRY) == IPV6_ENTRY)
        {
            freeRecords[freeRecordCount++] = recordAt(base);
        }
    }

    private static int tick(final long nanos)
    {
        return (int)(nanos >> TICK_SHIFT);
    }

    /** First tick at which the entry counts as expired: the deadline rounded up to a tick. */
    private static int expiryTick(final long nowNanos, final long timeoutNanos)
    {
        return (int)((nowNanos + timeoutNanos + (1L << TICK_SHIFT) - 1) >> TICK_SHIFT);
    }

    private boolean isExpired(final long base, final int nowTick)
    {
        return nowTick - expiryAt(base) >= 0;
    }

    private int flagsAt(final long base)
    {
        return (int)loadSlot(base + STATE_OFFSET);
    }

    private int expiryAt(final long base)
    {
        return (int)(loadSlot(base + STATE_OFFSET) >>> 32);
    }

    private void setState(final long base, final int flags, final int expiryTick)
    {
        storeSlot(base + STATE_OFFSET, (flags & 0xFFFF_FFFFL) | ((long)expiryTick << 32));
    }

    private int recordAt(final long base)
    {
        return (int)(loadSlot(base + EPOCH_RECORD_OFFSET) >>> 32);
    }

    /** The first slot of the hash's home line: the high 32 bits of the hash mapped onto [0, lines) without a division. */
    private int home(final long hash)
    {
        return (int)(((hash >>> 32) * lines) >>> 32) << 1;
    }

    private int next(final int index)
    {
        final int next = index + 1;
        return next == capacity ? 0 : next;
    }

    /** Probe steps from {@code from} forward to {@code to}, wrapping. */
    private int distance(final int from, final int to)
    {
        return to >= from ? to - from : to - from + capacity;
    }
}
