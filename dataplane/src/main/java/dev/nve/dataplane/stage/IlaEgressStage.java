package dev.nve.dataplane.stage;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.table.IlaEgressTable;
import dev.nve.dataplane.table.IlaIdentifier;
import dev.nve.dataplane.table.IlaTable;
import dev.nve.dataplane.table.LongIntHashTable;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.table.Underlay;
import dev.nve.dataplane.wire.Bytes;
import dev.nve.dataplane.wire.Checksum;
import dev.nve.dataplane.wire.EthernetHeader;
import dev.nve.dataplane.wire.Ipv4Header;
import dev.nve.dataplane.wire.Ipv6Header;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U32_BE;
import static dev.nve.dataplane.wire.Bytes.U64_BE;
import static dev.nve.dataplane.wire.Bytes.U8;

/**
 * SIR to ILA translation of IPv6 that a local endpoint routes through the host (sent to the
 * router MAC): the destination's SIR prefix is replaced by the locator of the host that owns
 * the identifier, the identifier by its wire form (C bit and neutral-map adjustment
 * precomputed), the transport checksum fixed for adjust-transport, the hop limit decremented,
 * and the frame re-addressed to the underlay next hop. An identifier owned by a local
 * endpoint is delivered directly without rewriting the address. IPv4 from an endpoint of an
 * IPv4 tenant (VIRT_V4) is looked up by VIRT_V4(tenant VNID, IPv4 destination) and translated
 * to IPv6 (RFC 7915, {@link Ipv4Translator}) when the owner is remote.
 * <p>
 * Lookups run in passes over the batch, so that with a large table the cache misses of the 64
 * lookups overlap instead of queueing: keys and hashes; touches of every home slot (a tight
 * loop of independent loads, nothing else, so many misses are in flight at once); copies of
 * the mappings out of their slots ({@link IlaEgressTable#lookup}, validated once for the
 * batch, redone slot by slot under the slots' seqlocks if the control thread wrote meanwhile);
 * then the rewrites, from the copies.
 */
public final class IlaEgressStage implements Stage
{
    private static final int IP = EthernetHeader.HEADER_LENGTH;

    private final Tables tables;
    private final StageCounters counters;
    private final Ipv6Header ipv6 = new Ipv6Header();
    private final long[] keys;
    private final long[] hashes;
    private final boolean[] virtual;
    private final boolean[] ipv4;
    private final boolean[] found;
    private final long[] mappings;
    private long sink;

    public IlaEgressStage(final Tables tables, final StageCounters counters, final int batchCapacity)
    {
        this.tables = tables;
        this.counters = counters;
        this.keys = new long[batchCapacity];
        this.hashes = new long[batchCapacity];
        this.virtual = new boolean[batchCapacity];
        this.ipv4 = new boolean[batchCapacity];
        this.found = new boolean[batchCapacity];
        this.mappings = new long[batchCapacity * IlaEgressTable.RESULT_LONGS];
    }

    @Override
    public String name()
    {
        return "ila-egress";
    }

    @Override
    public void process(final PacketBatch batch)
    {
        final IlaTable ila = tables.ila();
        final IlaTable.Domain domain = ila.domain();
        final IlaEgressTable table = ila.egress();
        final MemorySegment segment = batch.segment();
        final int count = batch.count();
        for (int i = 0; i < count; i++)
        {
            hashes[i] = 0; // frames without a lookup touch slot 0: the touch loop has no branch
            if (batch.next[i] != Next.ILA_EGRESS)
            {
                continue;
            }
            counters.packet();
            final long ip = batch.address[i] + IP;
            if ((segment.get(U16_BE, batch.address[i] + EthernetHeader.ETHER_TYPE_OFFSET) & 0xFFFF) == EthernetHeader.TYPE_IPV4)
            {
                // VIRT_V4: classify sent IPv4 here only from a port of an IPv4 tenant.
                final int vnid = tables.ports().ilaTenant(batch.inPort[i]);
                final int tenant = domain.tenant(vnid);
                final int destination = segment.get(U32_BE, ip + Ipv4Header.DESTINATION_OFFSET);
                if (!domain.tenantHasIpv4(tenant) || !domain.inTenantIpv4Prefix(tenant, destination))
                {
                    drop(batch, i, DropReason.NO_ROUTE);
                    continue;
                }
                ipv4[i] = true;
                virtual[i] = true;
                keys[i] = IlaIdentifier.virtualV4(vnid, destination);
                hashes[i] = LongIntHashTable.hash(keys[i]);
                batch.sirDestinationHigh[i] = domain.tenantIpv4Sir()[tenant];
                batch.sirDestinationLow[i] = keys[i];
                continue;
            }
            ipv4[i] = false;
            final long high = segment.get(U64_BE, ip + Ipv6Header.DESTINATION_OFFSET);
            final long low = segment.get(U64_BE, ip + Ipv6Header.DESTINATION_OFFSET + 8);
            long key = low;
            // In a SIR prefix only IID and LUID identifiers exist: any other type bits would let
            // a sender name another tenant's VIRT key.
            final int type = IlaIdentifier.type(low);
            boolean routed = domain.isSirPrefix(high) && (type == IlaIdentifier.TYPE_IID || type == IlaIdentifier.TYPE_LUID);
            virtual[i] = !routed;
            if (!routed)
            {
                final int vnid = tables.ports().ilaTenant(batch.inPort[i]);
                final int tenant = vnid < 0 ? -1 : domain.tenant(vnid);
                routed = tenant >= 0 && domain.inTenantPrefix(tenant, high, low);
                key = IlaIdentifier.virtualUnicastV6(vnid, (int)low);
            }
            if (!routed)
            {
                drop(batch, i, DropReason.NO_ROUTE);
                continue;
            }
            keys[i] = key;
            hashes[i] = LongIntHashTable.hash(key);
            // The filter after this stage needs the SIR destination the rewrite replaces.
            batch.sirDestinationHigh[i] = high;
            batch.sirDestinationLow[i] = low;
        }
        long touched = 0;
        for (int i = 0; i < count; i++)
        {
            touched += table.touch(hashes[i]);
        }
        sink = touched;
        final long[] m = mappings;
        final long begin = table.readBegin();
        for (int i = 0; i < count; i++)
        {
            if (batch.next[i] == Next.ILA_EGRESS)
            {
                found[i] = table.lookup(keys[i], hashes[i], m, i);
            }
        }
        if (!table.validate(begin))
        {
            // The control thread wrote during the copies (rare): redo them, each slot under its seqlock.
            for (int i = 0; i < count; i++)
            {
                if (batch.next[i] == Next.ILA_EGRESS)
                {
                    found[i] = table.lookupChecked(keys[i], hashes[i], m, i);
                }
            }
        }
        rewrite(batch, domain, segment, count);
        counters.flush();
    }

    /**
     * The translations, from the copies of the mappings. A method of its own so that the JIT
     * compiles it with its own inlining budget: inlined into the lookup passes, the calls at its
     * end (transmit, counters) were left as calls once adjust-transport's checksum code was in.
     */
    private void rewrite(final PacketBatch batch, final IlaTable.Domain domain, final MemorySegment segment, final int count)
    {
        final long[] m = mappings;
        final Underlay underlay = tables.underlay();
        for (int i = 0; i < count; i++)
        {
            if (batch.next[i] != Next.ILA_EGRESS)
            {
                continue;
            }
            if (ipv4[i])
            {
                egressIpv4(batch, i, segment, domain, underlay);
                continue;
            }
            final long frame = batch.address[i];
            final long ip = frame + IP;
            // The identifier names the mapping; its SIR prefix must be the packet's too (VIRT
            // keys carry the tenant, whose prefix classify already matched).
            if (!found[i] || (!virtual[i] && !sameSirPrefix(domain, IlaEgressTable.upperIndex(m, i), segment.get(U64_BE, ip + Ipv6Header.DESTINATION_OFFSET))))
            {
                drop(batch, i, DropReason.ILA_UNKNOWN_IDENTIFIER);
                continue;
            }
            final int hopLimit = segment.get(U8, ip + Ipv6Header.HOP_LIMIT_OFFSET) & 0xFF;
            if (hopLimit <= 1)
            {
                drop(batch, i, DropReason.TTL_EXCEEDED);
                continue;
            }
            final int port = IlaEgressTable.port(m, i);
            batch.viaIla[i] = true;
            if ((IlaEgressTable.flags(m, i) & IlaTable.FLAG_LOCAL) != 0)
            {
                if (port == batch.inPort[i])
                {
                    drop(batch, i, DropReason.SAME_PORT);
                    continue;
                }
                segment.set(U8, ip + Ipv6Header.HOP_LIMIT_OFFSET, (byte)(hopLimit - 1));
                Bytes.putMac48(segment, frame + EthernetHeader.DESTINATION_OFFSET, IlaEgressTable.mac(m, i));
                Bytes.putMac48(segment, frame + EthernetHeader.SOURCE_OFFSET, domain.routerMac());
                batch.transmit(i, port);
                continue;
            }
            if (IlaEgressTable.mode(m, i) == IlaTable.ChecksumMode.ADJUST_TRANSPORT.ordinal())
            {
                final DropReason refused = TransportChecksum.adjustPacket(segment, ipv6, ip, batch.length[i] - IP, IlaEgressTable.checksumDifference(m, i));
                if (refused != null)
                {
                    drop(batch, i, refused);
                    continue;
                }
            }
            segment.set(U8, ip + Ipv6Header.HOP_LIMIT_OFFSET, (byte)(hopLimit - 1));
            segment.set(U64_BE, ip + Ipv6Header.DESTINATION_OFFSET, IlaEgressTable.upper(m, i));
            segment.set(U64_BE, ip + Ipv6Header.DESTINATION_OFFSET + 8, IlaEgressTable.wireIdentifier(m, i, keys[i]));
            Bytes.putMac48(segment, frame + EthernetHeader.DESTINATION_OFFSET, IlaEgressTable.mac(m, i));
            Bytes.putMac48(segment, frame + EthernetHeader.SOURCE_OFFSET, underlay.mac());
            batch.transmit(i, port);
        }
    }

    /**
     * VIRT_V4 (RFC 7915 translation at the edge): a local owner gets the IPv4 packet as it is
     * (TTL - 1, header checksum updated); a remote one gets it translated to IPv6, from the
     * tenant's IPv4 /64 and VIRT_V4(VNID, source) to the locator and VIRT_V4(VNID, destination).
     */
    private void egressIpv4(final PacketBatch batch, final int i, final MemorySegment segment, final IlaTable.Domain domain, final Underlay underlay)
    {
        final long[] m = mappings;
        if (!found[i])
        {
            drop(batch, i, DropReason.ILA_UNKNOWN_IDENTIFIER);
            return;
        }
        final long frame = batch.address[i];
        final long ip = frame + IP;
        final int ttl = segment.get(U8, ip + Ipv4Header.TTL_OFFSET) & 0xFF;
        if (ttl <= 1)
        {
            drop(batch, i, DropReason.TTL_EXCEEDED);
            return;
        }
        final int port = IlaEgressTable.port(m, i);
        batch.viaIla[i] = true;
        if ((IlaEgressTable.flags(m, i) & IlaTable.FLAG_LOCAL) != 0)
        {
            if (port == batch.inPort[i])
            {
                drop(batch, i, DropReason.SAME_PORT);
                return;
            }
            final int oldWord = segment.get(U16_BE, ip + Ipv4Header.TTL_OFFSET) & 0xFFFF;
            final int newWord = oldWord - 0x100;
            segment.set(U16_BE, ip + Ipv4Header.TTL_OFFSET, (short)newWord);
            final int checksum = segment.get(U16_BE, ip + Ipv4Header.CHECKSUM_OFFSET) & 0xFFFF;
            segment.set(U16_BE, ip + Ipv4Header.CHECKSUM_OFFSET, (short)Checksum.update16(checksum, oldWord, newWord));
            Bytes.putMac48(segment, frame + EthernetHeader.DESTINATION_OFFSET, IlaEgressTable.mac(m, i));
            Bytes.putMac48(segment, frame + EthernetHeader.SOURCE_OFFSET, domain.routerMac());
            batch.transmit(i, port);
            return;
        }
        final long sourceHigh = batch.sirDestinationHigh[i];
        final long sourceUpper = keys[i] >>> 32; // VIRT_V4 type and VNID: the same for both addresses
        final DropReason refused = Ipv4Translator.toIpv6(segment, batch, i, sourceHigh, sourceUpper, IlaEgressTable.upper(m, i),
            IlaEgressTable.wireIdentifier(m, i, keys[i]), underlay.mtu());
        if (refused != null)
        {
            drop(batch, i, refused);
            return;
        }
        final long start = batch.address[i];
        Bytes.putMac48(segment, start + EthernetHeader.DESTINATION_OFFSET, IlaEgressTable.mac(m, i));
        Bytes.putMac48(segment, start + EthernetHeader.SOURCE_OFFSET, underlay.mac());
        batch.fromIpv4[i] = true;
        batch.transmit(i, port);
    }

    private static boolean sameSirPrefix(final IlaTable.Domain domain, final int index, final long upper)
    {
        return index != IlaTable.NO_UPPER && domain.sirPrefixes()[index] == upper;
    }

    public long sink()
    {
        return sink;
    }

    private void drop(final PacketBatch batch, final int i, final DropReason reason)
    {
        batch.drop(i, reason);
        counters.drop(reason);
    }
}
