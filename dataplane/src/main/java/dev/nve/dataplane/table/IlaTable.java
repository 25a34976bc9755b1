package dev.nve.dataplane.table;

import dev.nve.dataplane.wire.Checksum;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static dev.nve.dataplane.wire.Bytes.U64_BE;

/**
 * ILA mappings with everything the packet path needs computed at insert time, so that a
 * translation is one hash lookup, two 64-bit stores and, for adjust-transport, one checksum
 * update with a stored difference.
 * <p>
 * Egress (a local endpoint sends to a SIR address): keyed by the SIR identifier — the low 64
 * bits for IID and LUID; for VIRT_UNI_V6 the identifier built from the sender's tenant VNID
 * and the tenant address's low 32 bits, so tenants may share a SIR prefix; for VIRT_V4 the
 * sender's tenant VNID and the IPv4 destination (the SIR address of a VIRT_V4 mapping is the
 * tenant's IPv4 /64 followed by that identifier; the stages translate IPv4 to IPv6 and back,
 * see {@code Ipv4Translator}). Ingress (from the
 * underlay to one of our locators): keyed by the identifier exactly as it is on the wire
 * (C bit and neutral-map adjustment included) and restoring the original SIR address stored
 * in the entry: the round trip is exact by construction, no arithmetic is undone at run time.
 * <p>
 * Egress mappings live whole in the slots of an {@link IlaEgressTable} (one cache miss per
 * lookup, see there for the slot layout); ingress entries are reached through an index:
 * <pre>
 *  ingress entry (32 bytes; addresses big-endian, the rest native order):
 *   0: u64 new upper 64 bits (egress: locator; ingress: SIR prefix)
 *   8: u64 new identifier    (egress: wire identifier; ingress: SIR identifier)
 *  16: u64 next-hop MAC in bits 0-47 (egress remote: underlay next hop; else the endpoint's),
 *          output port in bits 48-63
 *  24: u16 transport checksum difference (folded, adjust-transport)
 *  26: u8 checksum mode   27: u8 flags (bit 0: local delivery without rewrite; bit 1: VIRT_V4, IPv4 endpoint)
 *  28: u8 index of the upper 64 bits the packet must carry, in the domain's arrays
 *      (egress IID/LUID: its SIR prefix; ingress: our locator), 0xFF for none
 * </pre>
 * Egress entries exist for every mapping, ingress entries only for local identifiers, so the
 * two have their own capacities (1,000,000 remote mappings take 61.0 MiB: 2,000,002 slots of 32 bytes).
 */
public final class IlaTable implements AutoCloseable
{
    public static final int MISSING = LongIntHashTable.MISSING;
    public static final int ENTRY_SIZE = 32;
    public static final int NO_UPPER = 0xFF;
    public static final int DEFAULT_LOCAL_CAPACITY = 4096;
    static final int SPARE_ENTRIES = 64;
    public static final int FLAG_LOCAL = 1;
    /** A VIRT_V4 mapping: the endpoint speaks IPv4, the wire IPv6 (RFC 7915 translation at the edge). */
    public static final int FLAG_IPV4 = 2;
    private static final int UPPER_OFFSET = 0;
    private static final int IDENTIFIER_OFFSET = 8;
    private static final int MAC_PORT_OFFSET = 16;
    private static final int DIFF_OFFSET = 24;
    private static final int MODE_OFFSET = 26;
    private static final int FLAGS_OFFSET = 27;
    private static final int UPPER_INDEX_OFFSET = 28;

    /** How transport checksums are kept valid (draft-herbert-intarea-ila §5). */
    public enum ChecksumMode
    {
        /** Incrementally fix the TCP, UDP (unless zero) or ICMPv6 checksum. */
        ADJUST_TRANSPORT,
        /** Fold the difference into the identifier's low 16 bits and set the C bit. */
        NEUTRAL_MAP,
        /** Fold the difference into the low 16 bits, no C bit (both ends configured so). */
        NEUTRAL_MAP_AUTO,
        /** Leave checksums alone: wrong on the wire, right again after the reverse mapping. */
        NO_ACTION
    }

    /**
     * One mapping as configured: the SIR address (the one endpoints use), the identifier type,
     * the tenant VNID for VIRT_UNI_V6, the locator of the host that owns the identifier and the
     * checksum mode. {@code port} and {@code mac} name the local endpoint when the locator is
     * ours, else {@code mac} is the underlay next hop and {@code port} the underlay port.
     */
    public record Mapping(int type, long sirHigh, long sirLow, int vnid, long locator, ChecksumMode mode, int port, long mac)
    {
    }

    private final Arena arena = Arena.ofShared();
    private final IlaEgressTable egress;
    private final LongIntHashTable ingressIndex;
    private final MemorySegment ingressEntries;
    private final int capacity;
    private final int localCapacity;
    private final ArrayDeque<Integer> freeIngress = new ArrayDeque<>();
    private final Map<Long, Stored> stored = new HashMap<>();
    private final Map<Long, Long> localWireOwner = new HashMap<>();
    private int nextIngress;
    private volatile Domain domain = new Domain(new long[0], new long[0], new int[0], new long[0], -1, -1);

    /**
     * The small sets the classifier checks on every frame, replaced whole on change. Tenants
     * are one list (index = the tenant's ILA zone): a tenant has an IPv6 /96 SIR prefix
     * (VIRT_UNI_V6), IPv4 prefixes with the /64 its translated addresses live in (VIRT_V4), or both.
     *
     * @param tenantPrefixes upper 64 bits and bits 64-95 of each tenant's /96 SIR prefix (2 per
     *                       tenant); bits 64-95 are {@link #NO_IPV6} for a tenant without one
     * @param tenantIpv4Sir the /64 of each tenant's translated IPv4 addresses, 0 for a tenant without IPv4
     * @param ipv4PrefixTenant tenant index of each IPv4 prefix (parallel to the next two)
     * @param ipv4PrefixAddress network address of each IPv4 prefix
     * @param ipv4PrefixMask netmask of each IPv4 prefix
     */
    public record Domain(long[] localLocators, long[] sirPrefixes, int[] tenantVnids, long[] tenantPrefixes, long routerMac, int underlayPort,
        long[] tenantIpv4Sir, int[] ipv4PrefixTenant, int[] ipv4PrefixAddress, int[] ipv4PrefixMask)
    {
        /** Bits 64-95 of a tenant without an IPv6 /96: no address's bits 64-95 equal it. */
        public static final long NO_IPV6 = -1L;

        /** A domain of IPv6 tenants only. */
        public Domain(final long[] localLocators, final long[] sirPrefixes, final int[] tenantVnids, final long[] tenantPrefixes, final long routerMac,
            final int underlayPort)
        {
            this(localLocators, sirPrefixes, tenantVnids, tenantPrefixes, routerMac, underlayPort, new long[tenantVnids.length], new int[0], new int[0], new int[0]);
        }

        public boolean isLocalLocator(final long upper)
        {
            for (final long locator : localLocators)
            {
                if (locator == upper)
                {
                    return true;
                }
            }
            return false;
        }

        public boolean isSirPrefix(final long upper)
        {
            for (final long prefix : sirPrefixes)
            {
                if (prefix == upper)
                {
                    return true;
                }
            }
            return false;
        }

        /** Index of tenant {@code vnid}, or -1. */
        public int tenant(final int vnid)
        {
            for (int i = 0; i < tenantVnids.length; i++)
            {
                if (tenantVnids[i] == vnid)
                {
                    return i;
                }
            }
            return -1;
        }

        /** True when the address's upper 96 bits are tenant {@code index}'s SIR prefix. */
        public boolean inTenantPrefix(final int index, final long high, final long low)
        {
            return tenantPrefixes[2 * index] == high && tenantPrefixes[2 * index + 1] == (low >>> 32);
        }

        /** True when tenant {@code index} (-1: none) has an IPv6 /96. */
        public boolean tenantHasIpv6(final int index)
        {
            return index >= 0 && tenantPrefixes[2 * index + 1] != NO_IPV6;
        }

        /** True when tenant {@code index} (-1: none) has IPv4 prefixes (VIRT_V4). */
        public boolean tenantHasIpv4(final int index)
        {
            return index >= 0 && tenantIpv4Sir[index] != 0;
        }

        /** True when {@code ipv4} is in one of tenant {@code index}'s IPv4 prefixes. */
        public boolean inTenantIpv4Prefix(final int index, final int ipv4)
        {
            for (int p = 0; p < ipv4PrefixTenant.length; p++)
            {
                if (ipv4PrefixTenant[p] == index && (ipv4 & ipv4PrefixMask[p]) == ipv4PrefixAddress[p])
                {
                    return true;
                }
            }
            return false;
        }

        /** Tenant {@code index}'s IPv4 prefixes (control thread). */
        public Ipv4Tenant ipv4Tenant(final int index)
        {
            if (!tenantHasIpv4(index))
            {
                return null;
            }
            final java.util.List<int[]> prefixes = new java.util.ArrayList<>();
            for (int p = 0; p < ipv4PrefixTenant.length; p++)
            {
                if (ipv4PrefixTenant[p] == index)
                {
                    prefixes.add(new int[] {ipv4PrefixAddress[p], Integer.bitCount(ipv4PrefixMask[p])});
                }
            }
            return new Ipv4Tenant(tenantIpv4Sir[index], prefixes.stream().mapToInt(x -> x[0]).toArray(), prefixes.stream().mapToInt(x -> x[1]).toArray());
        }
    }

    /**
     * An IPv4 tenant (VIRT_V4): the IPv4 prefixes its endpoints use and the /64 under which its
     * addresses appear translated to IPv6, as {@code sirPrefix : VIRT_V4(VNID, IPv4)}.
     *
     * @param addresses network address of each prefix (host bits zero)
     * @param lengths prefix length of each, 0-32
     */
    public record Ipv4Tenant(long sirPrefix, int[] addresses, int[] lengths)
    {
        public Ipv4Tenant
        {
            if (sirPrefix == 0)
            {
                throw new TableException("the IPv4 tenant's SIR prefix must not be ::/64");
            }
            if (addresses.length != lengths.length || addresses.length == 0)
            {
                throw new TableException("an IPv4 tenant needs at least one IPv4 prefix");
            }
            for (int i = 0; i < addresses.length; i++)
            {
                if (lengths[i] < 0 || lengths[i] > 32 || (addresses[i] & ~mask(lengths[i])) != 0)
                {
                    throw new TableException("IPv4 prefix " + ipv4Text(addresses[i]) + "/" + lengths[i] + " has host bits set or a bad length");
                }
            }
        }

        public static int mask(final int length)
        {
            return length == 0 ? 0 : -1 << (32 - length);
        }

        public boolean sameAs(final Ipv4Tenant other)
        {
            return other != null && sirPrefix == other.sirPrefix && Arrays.equals(addresses, other.addresses) && Arrays.equals(lengths, other.lengths);
        }
    }

    /** Dotted-quad text of an IPv4 address held as a big-endian int. */
    public static String ipv4Text(final int ipv4)
    {
        return (ipv4 >>> 24) + "." + (ipv4 >>> 16 & 0xFF) + "." + (ipv4 >>> 8 & 0xFF) + "." + (ipv4 & 0xFF);
    }

    /** A table for {@code capacity} mappings of which up to 4096 are local. */
    public IlaTable(final int capacity)
    {
        this(capacity, Math.min(capacity, DEFAULT_LOCAL_CAPACITY));
    }

    /**
     * @param capacity mappings in all (egress entries)
     * @param localCapacity mappings of identifiers owned by local endpoints (ingress entries)
     */
    public IlaTable(final int capacity, final int localCapacity)
    {
        if (localCapacity > capacity || localCapacity > 65535 || capacity < 1)
        {
            throw new IllegalArgumentException("ILA capacities: need 1 <= local <= min(all, 65535): " + localCapacity + "/" + capacity);
        }
        this.capacity = capacity;
        this.localCapacity = localCapacity;
        // Egress mappings are rewritten in place under the slot's seqlock. Ingress: a spare key
        // slot: a replacement writes its new key before removing the old one. SPARE_ENTRIES extra entries, reused oldest-freed first, keep a freed entry intact for
        // SPARE_ENTRIES further replacements, so a worker that resolved an index a moment ago
        // still reads that mapping (a grace period counted in updates, not in time; the
        // control-socket issue replaces it with worker epochs).
        this.egress = new IlaEgressTable(capacity);
        this.ingressIndex = new LongIntHashTable(localCapacity + 1);
        this.ingressEntries = arena.allocate((long)(localCapacity + SPARE_ENTRIES + 1) * ENTRY_SIZE, 64);
    }

    public Domain domain()
    {
        return domain;
    }

    public void domain(final Domain domain)
    {
        this.domain = domain;
    }

    public IlaEgressTable egress()
    {
        return egress;
    }

    public LongIntHashTable ingressIndex()
    {
        return ingressIndex;
    }

    public MemorySegment ingressEntries()
    {
        return ingressEntries;
    }

    // ----- entry accessors (packet path) -----

    public static long upper(final MemorySegment entries, final int entry)
    {
        return entries.get(U64_BE, (long)entry * ENTRY_SIZE + UPPER_OFFSET);
    }

    public static long identifier(final MemorySegment entries, final int entry)
    {
        return entries.get(U64_BE, (long)entry * ENTRY_SIZE + IDENTIFIER_OFFSET);
    }

    public static long mac(final MemorySegment entries, final int entry)
    {
        return entries.get(ValueLayout.JAVA_LONG_UNALIGNED, (long)entry * ENTRY_SIZE + MAC_PORT_OFFSET) & 0xFFFF_FFFF_FFFFL;
    }

    public static int port(final MemorySegment entries, final int entry)
    {
        return (int)(entries.get(ValueLayout.JAVA_LONG_UNALIGNED, (long)entry * ENTRY_SIZE + MAC_PORT_OFFSET) >>> 48);
    }

    /** Index of the upper 64 bits the packet must carry ({@link #NO_UPPER} for none). */
    public static int upperIndex(final MemorySegment entries, final int entry)
    {
        return entries.get(ValueLayout.JAVA_BYTE, (long)entry * ENTRY_SIZE + UPPER_INDEX_OFFSET) & 0xFF;
    }

    public static int checksumDifference(final MemorySegment entries, final int entry)
    {
        return entries.get(ValueLayout.JAVA_SHORT_UNALIGNED, (long)entry * ENTRY_SIZE + DIFF_OFFSET) & 0xFFFF;
    }

    public static int mode(final MemorySegment entries, final int entry)
    {
        return entries.get(ValueLayout.JAVA_BYTE, (long)entry * ENTRY_SIZE + MODE_OFFSET);
    }

    public static int flags(final MemorySegment entries, final int entry)
    {
        return entries.get(ValueLayout.JAVA_BYTE, (long)entry * ENTRY_SIZE + FLAGS_OFFSET);
    }

    // ----- precomputation (control thread) -----

    /** The egress lookup key of a mapping: what the packet path computes from the SIR address. */
    public static long egressKey(final Mapping m)
    {
        return switch (m.type())
        {
            case IlaIdentifier.TYPE_VIRT_UNI_V6 -> IlaIdentifier.virtualUnicastV6(m.vnid(), (int)m.sirLow());
            case IlaIdentifier.TYPE_VIRT_V4 -> IlaIdentifier.virtualV4(m.vnid(), (int)m.sirLow());
            default -> m.sirLow();
        };
    }

    /**
     * The identifier on the wire: the type-specific identifier, with the C bit and the
     * low 16 bits adjusted for the neutral modes so that the one's-complement sum of the whole
     * address equals that of the SIR address.
     */
    public static long wireIdentifier(final Mapping m)
    {
        long identifier = egressKey(m);
        if (m.mode() == ChecksumMode.NEUTRAL_MAP)
        {
            identifier |= IlaIdentifier.C_BIT;
        }
        if (m.mode() == ChecksumMode.NEUTRAL_MAP || m.mode() == ChecksumMode.NEUTRAL_MAP_AUTO)
        {
            final int sirSum = Checksum.fold(IlaIdentifier.wordSum(m.sirHigh()) + IlaIdentifier.wordSum(m.sirLow()));
            final int restSum = Checksum.fold(IlaIdentifier.wordSum(m.locator()) + IlaIdentifier.wordSum(identifier & ~0xFFFFL));
            final int low16 = IlaIdentifier.addCanonical(sirSum, ~restSum & 0xFFFF);
            identifier = (identifier & ~0xFFFFL) | low16;
        }
        return identifier;
    }

    /** RFC 1624 difference that turns a checksum over address {@code from} into one over {@code to}. */
    static int addressDifference(final long fromHigh, final long fromLow, final long toHigh, final long toLow)
    {
        final long notFrom = 8L * 0xFFFF - IlaIdentifier.wordSum(fromHigh) - IlaIdentifier.wordSum(fromLow);
        return Checksum.fold(notFrom + IlaIdentifier.wordSum(toHigh) + IlaIdentifier.wordSum(toLow));
    }

    /**
     * Inserts or replaces a mapping (control thread). Local mappings (locator is ours) also get
     * an ingress entry. Refusals leave the table unchanged. A replacement writes a new entry,
     * then repoints the key (one seqlocked slot write), then frees the old entry: a worker sees
     * the old or the new mapping, never a mix.
     */
    public void put(final Mapping m, final boolean local)
    {
        validate(m);
        final long key = egressKey(m);
        final long wire = wireIdentifier(m);
        if (local && !LongIntHashTable.isValidKey(wire))
        {
            throw new TableException("ILA identifier " + Long.toHexString(wire) + " is reserved");
        }
        final Stored owner = local ? ownerOfWire(wire) : null;
        if (owner != null && egressKey(owner.mapping()) != key)
        {
            throw new TableException("ILA identifier " + Long.toHexString(key) + " maps to wire identifier " + Long.toHexString(wire) +
                ", already used by " + Long.toHexString(egressKey(owner.mapping())) + " (low words 0x0000 and 0xFFFF are the same in one's complement)");
        }
        final Stored old = stored.get(key);
        if (old == null && stored.size() >= capacity)
        {
            throw TableException.full("ILA mapping table full (" + capacity + " mappings)");
        }
        if (local && (old == null || !old.local()) && (localWireOwner.size() >= localCapacity || !canAllocate(freeIngress, nextIngress, localCapacity + SPARE_ENTRIES)))
        {
            throw TableException.full("ILA local identifier table full (" + localCapacity + ")");
        }
        final int sirIndex = indexOf(domain.sirPrefixes(), m.sirHigh());
        final int locatorIndex = indexOf(domain.localLocators(), m.locator());

        final int family = m.type() == IlaIdentifier.TYPE_VIRT_V4 ? FLAG_IPV4 : 0;
        final long macPort = (m.mac() & 0xFFFF_FFFF_FFFFL) | ((long)(m.port() & 0xFFFF) << 48);
        final boolean written;
        if (local)
        {
            written = egress.put(key, m.sirHigh(), macPort, IlaEgressTable.misc(0, 0, sirIndex, m.mode().ordinal(), FLAG_LOCAL | family));
        }
        else
        {
            // The wire identifier is the key with new low 16 bits and perhaps the C bit: 17 bits stored.
            if ((wire & ~(0xFFFFL | IlaIdentifier.C_BIT)) != (key & ~0xFFFFL))
            {
                throw new IllegalStateException("wire identifier " + Long.toHexString(wire) + " differs from key " + Long.toHexString(key) + " above bit 15");
            }
            final int cBit = (wire & IlaIdentifier.C_BIT) != 0 ? IlaEgressTable.FLAG_C_BIT : 0;
            written = egress.put(key, m.locator(), macPort, IlaEgressTable.misc((int)wire, addressDifference(m.sirHigh(), m.sirLow(), m.locator(), wire),
                sirIndex, m.mode().ordinal(), family | cBit));
        }
        if (!written)
        {
            throw new IllegalStateException("ILA egress table full although capacity was checked: " + Long.toHexString(key));
        }
        if (local)
        {
            final int ingress = allocate(freeIngress);
            writeEntry(ingressEntries, (long)ingress * ENTRY_SIZE, m.sirHigh(), m.sirLow(), m.mac(), locatorIndex, m.port(),
                addressDifference(m.locator(), wire, m.sirHigh(), m.sirLow()), m.mode(), family);
            final int oldIngress = ingressIndex.get(wire);
            putOrFail(ingressIndex, wire, ingress);
            if (oldIngress != MISSING)
            {
                freeIngress.addLast(oldIngress);
            }
        }
        if (old != null && old.local() && (!local || wireIdentifier(old.mapping()) != wire))
        {
            final long oldWire = wireIdentifier(old.mapping());
            final int oldIngress = ingressIndex.remove(oldWire);
            if (oldIngress != MISSING)
            {
                freeIngress.addLast(oldIngress);
            }
            localWireOwner.remove(oldWire);
        }
        if (local)
        {
            localWireOwner.put(wire, key);
        }
        stored.put(key, new Stored(m, local));
    }

    /** Removes the mapping of a SIR address (control thread); false if there was none. */
    public boolean remove(final int type, final long sirHigh, final long sirLow, final int vnid)
    {
        final long key = egressKey(new Mapping(type, sirHigh, sirLow, vnid, 0, ChecksumMode.NO_ACTION, 0, 0));
        final Stored old = stored.remove(key);
        if (old == null)
        {
            return false;
        }
        egress.remove(key);
        if (old.local())
        {
            localWireOwner.remove(wireIdentifier(old.mapping()));
            final int ingress = ingressIndex.remove(wireIdentifier(old.mapping()));
            if (ingress != MISSING)
            {
                freeIngress.addLast(ingress);
            }
        }
        return true;
    }

    public int size()
    {
        return stored.size();
    }

    public int capacity()
    {
        return capacity;
    }

    public long offHeapBytes()
    {
        return egress.offHeapBytes() + ingressIndex.offHeapBytes() + ingressEntries.byteSize();
    }

    /** Every configured mapping with whether it is local (control thread, for dumps). */
    public Iterable<Stored> mappings()
    {
        return java.util.List.copyOf(stored.values());
    }

    private Stored ownerOfWire(final long wire)
    {
        final Long key = localWireOwner.get(wire);
        return key == null ? null : stored.get(key);
    }

    private static boolean canAllocate(final ArrayDeque<Integer> free, final int next, final int limit)
    {
        return next <= limit || !free.isEmpty();
    }

    private static void putOrFail(final LongIntHashTable index, final long key, final int entry)
    {
        if (!index.put(key, entry))
        {
            throw new IllegalStateException("ILA index full although capacity was checked: " + Long.toHexString(key));
        }
    }

    private static int indexOf(final long[] values, final long value)
    {
        for (int i = 0; i < values.length && i < NO_UPPER; i++)
        {
            if (values[i] == value)
            {
                return i;
            }
        }
        return NO_UPPER;
    }

    public int localCapacity()
    {
        return localCapacity;
    }

    /** A mapping as configured, and whether its locator is one of ours. */
    public record Stored(Mapping mapping, boolean local)
    {
    }

    private int allocate(final ArrayDeque<Integer> free)
    {
        // Oldest freed first: a worker that read the old index a moment ago still finds the old entry intact.
        if (!free.isEmpty() && nextIngress > localCapacity + SPARE_ENTRIES)
        {
            return free.pollFirst();
        }
        return nextIngress++;
    }

    private static void writeEntry(final MemorySegment entries, final long e, final long upper, final long identifier, final long mac, final int upperIndex,
        final int port, final int diff, final ChecksumMode mode, final int flags)
    {
        entries.set(U64_BE, e + UPPER_OFFSET, upper);
        entries.set(U64_BE, e + IDENTIFIER_OFFSET, identifier);
        entries.set(ValueLayout.JAVA_LONG_UNALIGNED, e + MAC_PORT_OFFSET, (mac & 0xFFFF_FFFF_FFFFL) | ((long)port << 48));
        entries.set(ValueLayout.JAVA_BYTE, e + UPPER_INDEX_OFFSET, (byte)upperIndex);
        entries.set(ValueLayout.JAVA_SHORT_UNALIGNED, e + DIFF_OFFSET, (short)diff);
        entries.set(ValueLayout.JAVA_BYTE, e + MODE_OFFSET, (byte)mode.ordinal());
        entries.set(ValueLayout.JAVA_BYTE, e + FLAGS_OFFSET, (byte)flags);
    }

    private void validate(final Mapping m)
    {
        switch (m.type())
        {
            case IlaIdentifier.TYPE_IID, IlaIdentifier.TYPE_LUID ->
            {
                if (IlaIdentifier.type(m.sirLow()) != m.type())
                {
                    throw new TableException("SIR identifier " + Long.toHexString(m.sirLow()) + " has type field " + IlaIdentifier.type(m.sirLow()) +
                        ", not " + m.type() + " (the top 3 bits of the identifier)");
                }
                if (!domain.isSirPrefix(m.sirHigh()))
                {
                    throw new TableException("SIR prefix " + Long.toHexString(m.sirHigh()) + " is not configured");
                }
            }
            case IlaIdentifier.TYPE_VIRT_UNI_V6 ->
            {
                final int tenant = domain.tenant(m.vnid());
                if (tenant < 0)
                {
                    throw TableException.notFound("no ILA tenant with VNID " + m.vnid());
                }
                if (!domain.inTenantPrefix(tenant, m.sirHigh(), m.sirLow()))
                {
                    throw new TableException("SIR address is not in the /96 SIR prefix of tenant " + m.vnid());
                }
            }
            case IlaIdentifier.TYPE_VIRT_V4 ->
            {
                final int tenant = domain.tenant(m.vnid());
                if (!domain.tenantHasIpv4(tenant))
                {
                    throw TableException.notFound("no ILA IPv4 tenant with VNID " + m.vnid());
                }
                if (m.sirHigh() != domain.tenantIpv4Sir()[tenant] || (m.sirLow() >>> 32) != (IlaIdentifier.virtualV4(m.vnid(), 0) >>> 32))
                {
                    throw new TableException("VIRT_V4 SIR address is not tenant " + m.vnid() + "'s translated form of an IPv4 address");
                }
                if (!domain.inTenantIpv4Prefix(tenant, (int)m.sirLow()))
                {
                    throw new TableException("IPv4 address " + ipv4Text((int)m.sirLow()) + " is not in an IPv4 prefix of tenant " + m.vnid());
                }
                if (m.mode() != ChecksumMode.ADJUST_TRANSPORT)
                {
                    throw new TableException("a virt-v4 mapping translates between IPv4 and IPv6 and always fixes the transport checksum: checksum must be adjust-transport, not "
                        + m.mode().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
                }
            }
            default -> throw new TableException("unsupported ILA identifier type " + m.type() + " (IID 0, LUID 1, VIRT_V4 2, VIRT_UNI_V6 3)");
        }
        if ((egressKey(m) & IlaIdentifier.C_BIT) != 0)
        {
            throw new TableException("SIR identifier " + Long.toHexString(egressKey(m)) + " has the C bit set; it is reserved for checksum-neutral mapping");
        }
        if (!LongIntHashTable.isValidKey(egressKey(m)))
        {
            throw new TableException("ILA identifier " + Long.toHexString(egressKey(m)) + " is reserved");
        }
    }

    @Override
    public void close()
    {
        egress.close();
        ingressIndex.close();
        arena.close();
    }

    static long[] append(final long[] values, final long value)
    {
        final long[] copy = Arrays.copyOf(values, values.length + 1);
        copy[values.length] = value;
        return copy;
    }
}
