package dev.nve.dataplane.conntrack;

import dev.nve.dataplane.wire.Ipv4Header;
import dev.nve.dataplane.wire.TcpHeader;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One worker's connection tracking table: off-heap, open addressing with linear probing over
 * 64-byte slots (one cache line each), {@code 2 x maxEntries} slots, so the load never exceeds
 * 0.5 and 1,000,000 entries take 128,000,000 bytes (122.1 MiB).
 * <p>
 * <b>Threads.</b> Everything, including {@link #sweep}, runs on the owning worker: no locks, no
 * atomics. Other threads must not touch the table (a dump goes through the worker).
 * <p>
 * <b>Key.</b> (zone, IP version, endpoint A, endpoint B, protocol), an endpoint being (address,
 * port). The two endpoints are stored ordered (A is the smaller by address, then port, unsigned)
 * so that both directions of a connection find the same slot with one probe sequence; a flag
 * remembers which endpoint opened the connection, so a hit says {@link #ORIGINAL} or
 * {@link #REPLY}. Addresses are two longs, big-endian halves (hi, lo); IPv4 sits in the low 32
 * bits of lo with hi = 0. Ports are 0 for protocols without ports; for ICMP/ICMPv6 echo pass the
 * identifier as both ports (request and reply then share the entry; such an entry has equal
 * endpoints only when the addresses are equal too, and then every packet reads as ORIGINAL).
 * <pre>
 *  slot (64 bytes, 64-byte aligned; all fields native byte order, the memory never leaves the
 *  process):
 *   0: u64 A address hi (IPv4: the cached peer identity word, see below)
 *   8: u64 A address lo    16: u64 B address hi    24: u64 B address lo
 *  32: u64 A port (bits 48-63) | B port (32-47) | zone (8-31) | protocol (0-7)
 *  40: i32 flags: bit 0 used, bit 1 IPv6, bit 2 B opened the connection, bits 3-4 state,
 *          bit 5 a reply was seen
 *  44: i32 expiry tick (nanos &gt;&gt; 24, wrapping; see below)
 *  48: u32 packets ORIGINAL  52: u32 bytes ORIGINAL  56: u32 packets REPLY  60: u32 bytes REPLY
 *      (counters wrap modulo 2^32)
 * </pre>
 * <b>Cached peer identity</b> (IPv4 entries, whose address hi halves are 0 and not compared):
 * the A address hi word holds the identity the caller last resolved from the ipcache for the
 * connection's remote endpoint ({@link #cachePeer}): bits 0-23 identity, bit 24 set when valid,
 * bit 25 which endpoint (the packet's source 0, destination 1, in the ORIGINAL direction), bits
 * 32-63 the low 32 bits of the ipcache version it was read under ({@code IpCache.version()});
 * {@link #cachedPeer} returns it only for the same endpoint and version, so established
 * connections skip the ipcache until it changes. IPv6 entries cache nothing. A version that
 * came back to the same low 32 bits (2^32 ipcache writes later) while the connection saw no
 * packet in the opening direction would return a stale identity: that needs billions of
 * ipcache writes within one established timeout.
 * <p>
 * <b>Time</b> comes from the caller ({@code nowNanos}, e.g. {@code System.nanoTime()} or a
 * capture's timestamps), so a replay is deterministic. Expiry is kept in ticks of 2^24 ns
 * (16.8 ms): an entry outlives its last packet by at least its timeout and by less than
 * timeout + 16.8 ms. Ticks wrap after 2^32 ticks (about 834 days); comparisons are wrap-safe
 * as long as {@link #sweep} visits every slot within 417 days, which any sweep schedule does.
 * <p>
 * <b>Packet path</b> ({@link #lookup}, {@link #create}, {@link #update}, {@link #hash},
 * {@link #touch}, {@link #touchHome}, {@link #lookupHome}, {@link #touchNext},
 * {@link #cachedPeer}, {@link #cachePeer}): allocates nothing, throws nothing; results are longs or ints. A lookup
 * result ({@code slot << 1 | direction}) stays valid until the next {@link #sweep} (which moves
 * entries); {@link #create} never moves other entries.
 * <p>
 * <b>TCP</b> (protocol 6) follows a deliberately small state machine; other protocols have the
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
 * refreshes the expiry with the timeout of the resulting state.
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
    /** {@link #lookupHome}: the home slot holds another live key; the probe goes on (next slot). */
    public static final long FURTHER = -4L;

    public static final int ORIGINAL = 0;
    public static final int REPLY = 1;

    /** {@link #update}: state and expiry updated, packet counted. */
    public static final int OK = 0;
    /** {@link #update}: impossible for the connection's TCP state; nothing changed. */
    public static final int INVALID = 1;
    /** {@link #update}: the argument is not an entry (MISS, FULL, BAD_TUPLE, an empty slot). */
    public static final int NO_ENTRY = 2;

    public static final int NON_TCP = 0;
    public static final int SYN_SENT = 1;
    public static final int ESTABLISHED = 2;
    public static final int CLOSING = 3;

    public static final int SLOT_SIZE = 64;
    public static final int MAX_ENTRIES = 1 << 28;
    /** Expiry resolution: 2^24 ns = 16.8 ms. */
    public static final int TICK_SHIFT = 24;

    private static final int A_HI_OFFSET = 0;
    private static final int A_LO_OFFSET = 8;
    private static final int B_HI_OFFSET = 16;
    private static final int B_LO_OFFSET = 24;
    private static final int PORTS_ZONE_PROTOCOL_OFFSET = 32;
    private static final int FLAGS_OFFSET = 40;
    private static final int EXPIRY_OFFSET = 44;
    private static final int PACKETS_ORIGINAL_OFFSET = 48;
    private static final int BYTES_ORIGINAL_OFFSET = 52;
    private static final int COUNTERS_PER_DIRECTION = 8;

    private static final int USED = 1;
    private static final int IPV6 = 1 << 1;
    private static final int OPENED_BY_B = 1 << 2;
    private static final int STATE_SHIFT = 3;
    private static final int STATE_MASK = 3 << STATE_SHIFT;
    private static final int REPLY_SEEN = 1 << 5;
    private static final int KEY_FLAGS = USED | IPV6;
    private static final long PEER_VALID = 1L << 24;
    private static final int PEER_SIDE_SHIFT = 25;
    /** {@link #cachePeer}: the remote endpoint is the packet's source or destination (ORIGINAL direction). */
    public static final int PEER_SOURCE = 0;
    public static final int PEER_DESTINATION = 1;

    /**
     * {@link #nextTcpState} for every (state, direction, FIN/SYN/RST/ACK combination), so that
     * the packet path looks the answer up instead of branching on random flags; the NON_TCP
     * rows keep NON_TCP.
     */
    private static final byte[] TRANSITIONS = transitions();

    private static final ValueLayout.OfLong U64_NATIVE = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt I32_NATIVE = ValueLayout.JAVA_INT;

    private final Arena arena;
    private final MemorySegment slots;
    private final int capacity;
    private final int maxEntries;
    /** Timeout per state, indexed by NON_TCP .. CLOSING. */
    private final long[] timeoutNanos;
    private int size;
    private int sweepCursor;

    // The normalized key of the current call (single-threaded table, so fields instead of objects).
    private long keyAHi;
    private long keyALo;
    private long keyBHi;
    private long keyBLo;
    private long keyPortsZoneProtocol;
    private int keyFlags;
    /** 1 when the packet's source is endpoint B, else 0. */
    private int sourceIsB;

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
        this.maxEntries = maxEntries;
        this.timeoutNanos = new long[] {
            timeouts.nonTcpNanos(), timeouts.tcpSynNanos(), timeouts.tcpEstablishedNanos(), timeouts.tcpClosingNanos()};
        this.arena = Arena.ofShared();
        this.slots = arena.allocate((long)capacity * SLOT_SIZE, SLOT_SIZE);
    }

    /** Slots for {@code maxEntries}: twice as many (load at most 0.5), at least 16. */
    public static int slotsFor(final int maxEntries)
    {
        return Math.max(16, maxEntries * 2);
    }

    /** Off-heap bytes of a table for {@code maxEntries}. */
    public static long bytesFor(final int maxEntries)
    {
        return (long)slotsFor(maxEntries) * SLOT_SIZE;
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

    // ---- packet path -----------------------------------------------------------------------

    /**
     * A hash of the tuple that is the same for both directions, for batched lookups: hash every
     * packet, {@link #touch} every hash, then {@link #lookupHashed}, so the cache misses of a
     * batch overlap. Returns 0 for a bad tuple (the lookup then misses anyway).
     */
    public long hash(
        final int zone, final int version, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort, final int protocol)
    {
        if (!normalize(zone, version, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol))
        {
            return 0;
        }
        return mix(keyAHi, keyALo, keyBHi, keyBLo, keyPortsZoneProtocol, keyFlags);
    }

    /**
     * Loads the home slot of {@code hash} and the slot after it so that their cache lines are on
     * their way (at load 0.5 about a third of the hits are in the second slot); the value means
     * nothing.
     */
    public int touch(final long hash)
    {
        final int home = home(hash);
        return slots.get(I32_NATIVE, (long)home * SLOT_SIZE + FLAGS_OFFSET)
            + slots.get(I32_NATIVE, (long)next(home) * SLOT_SIZE + FLAGS_OFFSET);
    }

    /**
     * Loads the home slot of {@code hash} only (see {@link #lookupHome}); the value means nothing.
     */
    public int touchHome(final long hash)
    {
        return slots.get(I32_NATIVE, (long)home(hash) * SLOT_SIZE + FLAGS_OFFSET);
    }

    /** Loads the slot after the home slot of {@code hash} (for a {@link #FURTHER} result); the value means nothing. */
    public int touchNext(final long hash)
    {
        return slots.get(I32_NATIVE, (long)next(home(hash)) * SLOT_SIZE + FLAGS_OFFSET);
    }

    /**
     * {@link #lookupHashed} that reads the home slot only: the entry (or {@link #MISS}) when the
     * home slot decides, {@link #FURTHER} when it holds another live key, and the probe must go
     * on with {@link #lookupHashed}. A batch touches every home slot ({@link #touchHome}), looks
     * every packet up here, touches the next slot of the ones that go further
     * ({@link #touchNext}) and finishes those: each slot is a cache line of its own, and this
     * loads about 1.3 lines per packet at load 0.5 instead of the 2 of {@link #touch}, with the
     * second misses still overlapping.
     */
    public long lookupHome(
        final long hash, final int zone, final int version, final long srcHi, final long srcLo, final long dstHi,
        final long dstLo, final int srcPort, final int dstPort, final int protocol, final long nowNanos)
    {
        if (!normalize(zone, version, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol))
        {
            return MISS;
        }
        final int index = home(hash);
        final long base = (long)index * SLOT_SIZE;
        final int flags = slots.get(I32_NATIVE, base + FLAGS_OFFSET);
        if ((flags & USED) == 0)
        {
            return MISS;
        }
        if (matches(base, flags))
        {
            return isExpired(base, tick(nowNanos)) ? MISS : result(index, flags);
        }
        return FURTHER;
    }

    /**
     * The live entry of the tuple, seen from the packet's direction, or {@link #MISS} (also for
     * an expired entry that no sweep removed yet, and for a bad tuple).
     */
    public long lookup(
        final int zone, final int version, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort, final int protocol, final long nowNanos)
    {
        if (!normalize(zone, version, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol))
        {
            return MISS;
        }
        return find(mix(keyAHi, keyALo, keyBHi, keyBLo, keyPortsZoneProtocol, keyFlags), nowNanos);
    }

    /** {@link #lookup} with the {@link #hash} of the same tuple already computed. */
    public long lookupHashed(
        final long hash, final int zone, final int version, final long srcHi, final long srcLo, final long dstHi,
        final long dstLo, final int srcPort, final int dstPort, final int protocol, final long nowNanos)
    {
        if (!normalize(zone, version, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol))
        {
            return MISS;
        }
        return find(hash, nowNanos);
    }

    /**
     * A new entry for the tuple, opened by its source: the result has direction ORIGINAL. The
     * packet is not counted; call {@link #update} for it as for every other packet. Returns
     * {@link #FULL} when the table holds {@link #maxEntries()} entries and no expired entry lies
     * on the tuple's probe path (expired entries there are reused; live ones are never evicted),
     * {@link #BAD_TUPLE} for an invalid tuple. If a live entry for the tuple exists it is
     * returned unchanged, as {@link #lookup} would.
     */
    public long create(
        final int zone, final int version, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort, final int protocol, final int tcpFlags, final long nowNanos)
    {
        if (!normalize(zone, version, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol))
        {
            return BAD_TUPLE;
        }
        final int nowTick = tick(nowNanos);
        int index = home(mix(keyAHi, keyALo, keyBHi, keyBLo, keyPortsZoneProtocol, keyFlags));
        int expiredSlot = -1;
        for (int probes = 0; probes < capacity; probes++)
        {
            final long base = (long)index * SLOT_SIZE;
            final int flags = slots.get(I32_NATIVE, base + FLAGS_OFFSET);
            if ((flags & USED) == 0)
            {
                break;
            }
            final boolean expired = isExpired(base, nowTick);
            if (matches(base, flags))
            {
                if (!expired)
                {
                    return result(index, flags);
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
            initialize(expiredSlot, protocol, tcpFlags, nowNanos);
            return (long)expiredSlot << 1;
        }
        if (size == maxEntries)
        {
            return FULL;
        }
        initialize(index, protocol, tcpFlags, nowNanos);
        size++;
        return (long)index << 1;
    }

    /**
     * Applies one packet of {@code packetBytes} bytes to the entry {@code result} (from lookup or
     * create, in that packet's direction): TCP state machine (see the class comment), expiry
     * refreshed with the timeout of the new state, counters of the direction incremented.
     *
     * @return {@link #OK}, {@link #INVALID} (nothing changed) or {@link #NO_ENTRY}.
     */
    public int update(final long result, final int tcpFlags, final int packetBytes, final long nowNanos)
    {
        if (result < 0 || (result >>> 1) >= capacity)
        {
            return NO_ENTRY;
        }
        final long base = (long)slot(result) * SLOT_SIZE;
        final int flags = slots.get(I32_NATIVE, base + FLAGS_OFFSET);
        if ((flags & USED) == 0)
        {
            return NO_ENTRY;
        }
        final int direction = direction(result);
        final int state = (flags & STATE_MASK) >>> STATE_SHIFT;
        final int newState = TRANSITIONS[transitionIndex(state, direction, tcpFlags)];
        if (newState < 0)
        {
            return INVALID;
        }
        final int replySeen = direction << 5; // REPLY_SEEN for REPLY, without a branch
        slots.set(I32_NATIVE, base + FLAGS_OFFSET, (flags & ~STATE_MASK) | replySeen | (newState << STATE_SHIFT));
        slots.set(I32_NATIVE, base + EXPIRY_OFFSET, expiryTick(nowNanos, timeoutNanos[newState]));
        final long counters = base + PACKETS_ORIGINAL_OFFSET + (long)direction * COUNTERS_PER_DIRECTION;
        slots.set(I32_NATIVE, counters, slots.get(I32_NATIVE, counters) + 1);
        slots.set(I32_NATIVE, counters + 4, slots.get(I32_NATIVE, counters + 4) + packetBytes);
        return OK;
    }

    /**
     * The peer identity cached in entry {@code result} for endpoint {@code side}
     * ({@link #PEER_SOURCE} or {@link #PEER_DESTINATION}) under ipcache version
     * {@code version}, or -1 (none, another endpoint or version, an IPv6 entry).
     */
    public int cachedPeer(final long result, final int side, final long version)
    {
        final long base = (long)slot(result) * SLOT_SIZE;
        if ((slots.get(I32_NATIVE, base + FLAGS_OFFSET) & IPV6) != 0)
        {
            return -1;
        }
        final long word = slots.get(U64_NATIVE, base + A_HI_OFFSET);
        final long expected = ((long)(int)version << 32) | PEER_VALID | ((long)side << PEER_SIDE_SHIFT);
        return (word & ~0xFF_FFFFL) == expected ? (int)word & 0xFF_FFFF : -1;
    }

    /** Caches {@code identity} (0 to 2^24 - 1) for endpoint {@code side} of entry {@code result} under {@code version}; IPv4 entries only. */
    public void cachePeer(final long result, final int side, final int identity, final long version)
    {
        final long base = (long)slot(result) * SLOT_SIZE;
        if ((slots.get(I32_NATIVE, base + FLAGS_OFFSET) & IPV6) != 0)
        {
            return;
        }
        slots.set(U64_NATIVE, base + A_HI_OFFSET, ((long)(int)version << 32) | PEER_VALID | ((long)(side & 1) << PEER_SIDE_SHIFT) | (identity & 0xFF_FFFFL));
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
            final int flags = slots.get(I32_NATIVE, base + FLAGS_OFFSET);
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
        int hole = removed;
        int index = removed;
        while (true)
        {
            index = next(index);
            final long base = (long)index * SLOT_SIZE;
            final int flags = slots.get(I32_NATIVE, base + FLAGS_OFFSET);
            if ((flags & USED) == 0)
            {
                break;
            }
            final int home = home(mix(
                (flags & IPV6) != 0 ? slots.get(U64_NATIVE, base + A_HI_OFFSET) : 0L,
                slots.get(U64_NATIVE, base + A_LO_OFFSET),
                slots.get(U64_NATIVE, base + B_HI_OFFSET),
                slots.get(U64_NATIVE, base + B_LO_OFFSET),
                slots.get(U64_NATIVE, base + PORTS_ZONE_PROTOCOL_OFFSET),
                flags & KEY_FLAGS));
            if (distance(home, index) >= distance(hole, index))
            {
                MemorySegment.copy(slots, base, slots, (long)hole * SLOT_SIZE, SLOT_SIZE);
                hole = index;
            }
        }
        final long holeBase = (long)hole * SLOT_SIZE;
        for (int offset = 0; offset < SLOT_SIZE; offset += 8)
        {
            slots.set(U64_NATIVE, holeBase + offset, 0L);
        }
    }

    // ---- entry fields (tests, dumps; same thread) ---------------------------------------------

    public int state(final long result)
    {
        return (slots.get(I32_NATIVE, baseOf(result) + FLAGS_OFFSET) & STATE_MASK) >>> STATE_SHIFT;
    }

    public boolean replySeen(final long result)
    {
        return (slots.get(I32_NATIVE, baseOf(result) + FLAGS_OFFSET) & REPLY_SEEN) != 0;
    }

    /** Packets counted in {@code direction} (ORIGINAL or REPLY), modulo 2^32. */
    public long packets(final long result, final int direction)
    {
        return Integer.toUnsignedLong(slots.get(I32_NATIVE, counterBase(result, direction)));
    }

    /** Bytes counted in {@code direction} (ORIGINAL or REPLY), modulo 2^32. */
    public long bytes(final long result, final int direction)
    {
        return Integer.toUnsignedLong(slots.get(I32_NATIVE, counterBase(result, direction) + 4));
    }

    /** Time left before the entry expires, at tick resolution; zero or negative once expired. */
    public long expiresInNanos(final long result, final long nowNanos)
    {
        return (long)(slots.get(I32_NATIVE, baseOf(result) + EXPIRY_OFFSET) - tick(nowNanos)) << TICK_SHIFT;
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

    /** Off-heap bytes of the slots. */
    public long bytes()
    {
        return slots.byteSize();
    }

    @Override
    public void close()
    {
        arena.close();
    }

    // ---- internals -------------------------------------------------------------------------

    private long baseOf(final long result)
    {
        if (result < 0 || (result >>> 1) >= capacity)
        {
            throw new IllegalArgumentException("not an entry: " + result);
        }
        return (long)slot(result) * SLOT_SIZE;
    }

    private long counterBase(final long result, final int direction)
    {
        if (direction != ORIGINAL && direction != REPLY)
        {
            throw new IllegalArgumentException("direction must be ORIGINAL (0) or REPLY (1): " + direction);
        }
        return baseOf(result) + PACKETS_ORIGINAL_OFFSET + (long)direction * COUNTERS_PER_DIRECTION;
    }

    /** Orders the endpoints into the key fields; false for a tuple that is not valid. */
    private boolean normalize(
        final int zone, final int version, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort, final int protocol)
    {
        final boolean ipv6 = version == 6;
        if ((zone >>> 24) != 0 || (!ipv6 && (version != 4 || (srcHi | dstHi | (srcLo >>> 32) | (dstLo >>> 32)) != 0)))
        {
            return false;
        }
        final int sPort = srcPort & 0xFFFF;
        final int dPort = dstPort & 0xFFFF;
        // Branch-free: the direction of a packet is random, a mispredicted branch costs more
        // than these few operations. The weighted sum has the sign of the lexicographic
        // comparison of (hi, lo, port); swap is all ones when the source is the larger (B).
        final int order = (Long.compareUnsigned(srcHi, dstHi) << 2) + (Long.compareUnsigned(srcLo, dstLo) << 1)
            + Integer.signum(sPort - dPort);
        final long swap = (-order) >> 31;
        final long hiDiff = (srcHi ^ dstHi) & swap;
        final long loDiff = (srcLo ^ dstLo) & swap;
        final long sourceFirst = ((long)sPort << 16) | dPort;
        final long destinationFirst = ((long)dPort << 16) | sPort;
        sourceIsB = (int)swap & 1;
        keyAHi = srcHi ^ hiDiff;
        keyALo = srcLo ^ loDiff;
        keyBHi = dstHi ^ hiDiff;
        keyBLo = dstLo ^ loDiff;
        final long ports = sourceFirst ^ ((sourceFirst ^ destinationFirst) & swap);
        keyPortsZoneProtocol = (ports << 32) | ((long)zone << 8) | (protocol & 0xFF);
        keyFlags = ipv6 ? USED | IPV6 : USED;
        return true;
    }

    private long find(final long hash, final long nowNanos)
    {
        int index = home(hash);
        for (int probes = 0; probes < capacity; probes++)
        {
            final long base = (long)index * SLOT_SIZE;
            final int flags = slots.get(I32_NATIVE, base + FLAGS_OFFSET);
            if ((flags & USED) == 0)
            {
                return MISS;
            }
            if (matches(base, flags))
            {
                return isExpired(base, tick(nowNanos)) ? MISS : result(index, flags);
            }
            index = next(index);
        }
        return MISS;
    }

    private boolean matches(final long base, final int flags)
    {
        return (flags & KEY_FLAGS) == keyFlags
            && slots.get(U64_NATIVE, base + PORTS_ZONE_PROTOCOL_OFFSET) == keyPortsZoneProtocol
            && slots.get(U64_NATIVE, base + A_LO_OFFSET) == keyALo
            && slots.get(U64_NATIVE, base + B_LO_OFFSET) == keyBLo
            && ((flags & IPV6) == 0 || slots.get(U64_NATIVE, base + A_HI_OFFSET) == keyAHi)
            && slots.get(U64_NATIVE, base + B_HI_OFFSET) == keyBHi;
    }

    /** The packet's direction relative to the side that opened the entry. */
    private long result(final int index, final int flags)
    {
        return ((long)index << 1) | (((flags & OPENED_BY_B) >>> 2) ^ sourceIsB);
    }

    private void initialize(final int index, final int protocol, final int tcpFlags, final long nowNanos)
    {
        final long base = (long)index * SLOT_SIZE;
        final int state = (protocol & 0xFF) == Ipv4Header.PROTOCOL_TCP ? initialTcpState(tcpFlags) : NON_TCP;
        slots.set(U64_NATIVE, base + A_HI_OFFSET, keyAHi);
        slots.set(U64_NATIVE, base + A_LO_OFFSET, keyALo);
        slots.set(U64_NATIVE, base + B_HI_OFFSET, keyBHi);
        slots.set(U64_NATIVE, base + B_LO_OFFSET, keyBLo);
        slots.set(U64_NATIVE, base + PORTS_ZONE_PROTOCOL_OFFSET, keyPortsZoneProtocol);
        slots.set(I32_NATIVE, base + FLAGS_OFFSET, keyFlags | (sourceIsB << 2) | (state << STATE_SHIFT));
        slots.set(I32_NATIVE, base + EXPIRY_OFFSET, expiryTick(nowNanos, timeoutNanos[state]));
        slots.set(U64_NATIVE, base + PACKETS_ORIGINAL_OFFSET, 0L);
        slots.set(U64_NATIVE, base + PACKETS_ORIGINAL_OFFSET + COUNTERS_PER_DIRECTION, 0L);
    }

    private static int initialTcpState(final int tcpFlags)
    {
        if ((tcpFlags & (TcpHeader.FIN | TcpHeader.RST)) != 0)
        {
            return CLOSING;
        }
        return (tcpFlags & (TcpHeader.SYN | TcpHeader.ACK)) == TcpHeader.SYN ? SYN_SENT : ESTABLISHED;
    }

    /** The state after a TCP packet, or -1 when the packet is impossible in {@code state}. */
    private static int nextTcpState(final int state, final int direction, final int tcpFlags)
    {
        final boolean closing = (tcpFlags & (TcpHeader.FIN | TcpHeader.RST)) != 0;
        final boolean synAck = (tcpFlags & (TcpHeader.SYN | TcpHeader.ACK)) == (TcpHeader.SYN | TcpHeader.ACK);
        final boolean bareSyn = (tcpFlags & (TcpHeader.SYN | TcpHeader.ACK)) == TcpHeader.SYN;
        return switch (state)
        {
            case SYN_SENT ->
            {
                if (direction == REPLY)
                {
                    if ((tcpFlags & TcpHeader.RST) != 0)
                    {
                        yield CLOSING;
                    }
                    yield synAck && (tcpFlags & TcpHeader.FIN) == 0 ? ESTABLISHED : -1;
                }
                yield closing ? CLOSING : SYN_SENT;
            }
            case ESTABLISHED -> closing ? CLOSING : ESTABLISHED;
            default -> direction == ORIGINAL && bareSyn && !closing ? SYN_SENT : CLOSING;
        };
    }

    /** state (2 bits) | direction (1 bit) | ACK, RST, SYN, FIN (4 bits). */
    private static int transitionIndex(final int state, final int direction, final int tcpFlags)
    {
        final int finSynRst = tcpFlags & (TcpHeader.FIN | TcpHeader.SYN | TcpHeader.RST);
        final int ack = (tcpFlags & TcpHeader.ACK) >>> 1;
        return (state << 5) | (direction << 4) | ack | finSynRst;
    }

    private static byte[] transitions()
    {
        final byte[] table = new byte[4 << 5];
        for (int state = NON_TCP; state <= CLOSING; state++)
        {
            for (int direction = ORIGINAL; direction <= REPLY; direction++)
            {
                for (int bits = 0; bits < 16; bits++)
                {
                    final int tcpFlags = (bits & 0x07) | ((bits & 0x08) << 1);
                    table[transitionIndex(state, direction, tcpFlags)] =
                        (byte)(state == NON_TCP ? NON_TCP : nextTcpState(state, direction, tcpFlags));
                }
            }
        }
        return table;
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
        return nowTick - slots.get(I32_NATIVE, base + EXPIRY_OFFSET) >= 0;
    }

    /** Spreads every key bit into the high 32 bits, which pick the home slot. */
    private static long mix(final long aHi, final long aLo, final long bHi, final long bLo, final long portsZoneProtocol, final int keyFlags)
    {
        long h = aLo * 0x9E37_79B9_7F4A_7C15L
            + bLo * 0xC2B2_AE3D_27D4_EB4FL
            + aHi * 0x1656_67B1_9E37_79F9L
            + bHi * 0xD6E8_FEB8_6659_FD93L
            + portsZoneProtocol * 0x27D4_EB2F_1656_67C5L
            + keyFlags;
        h ^= h >>> 32;
        h *= 0xBF58_476D_1CE4_E5B9L;
        return h ^ (h >>> 29);
    }

    /** Maps the high 32 bits of the hash onto [0, capacity) without a division. */
    private int home(final long hash)
    {
        return (int)(((hash >>> 32) * capacity) >>> 32);
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
