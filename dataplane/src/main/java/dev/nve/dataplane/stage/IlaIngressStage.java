package dev.nve.dataplane.stage;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.table.IlaIdentifier;
import dev.nve.dataplane.table.IlaTable;
import dev.nve.dataplane.table.LongIntHashTable;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.Bytes;
import dev.nve.dataplane.wire.EthernetHeader;
import dev.nve.dataplane.wire.Ipv6Header;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U64_BE;
import static dev.nve.dataplane.wire.Bytes.U8;

/**
 * ILA to SIR translation of IPv6 arriving on the underlay for one of this host's locators:
 * the identifier as it is on the wire selects the local mapping, whose stored SIR address
 * (prefix and original identifier) replaces the destination — exact by construction, also for
 * neutral-map — and the frame goes to the endpoint that owns the identifier, untagged, from
 * the router MAC. The packet's locator must be the one the mapping was made for. Classify
 * validated the IPv6 header; {@code l3Offset} says where it starts (after underlay VLAN tags).
 * A VIRT_V4 identifier's owner speaks IPv4: the packet is translated (RFC 7915 §5).
 * <p>
 * Passes over the batch, so that cache misses overlap: keys, hashes and touches of the index
 * slots; the index lookups ({@link LongIntHashTable#getBatch}, validated once); touches of the
 * entries found; then the rewrites.
 */
public final class IlaIngressStage implements Stage
{
    private final Tables tables;
    private final StageCounters counters;
    private final Ipv6Header ipv6 = new Ipv6Header();
    private final long[] keys;
    private final long[] hashes;
    private final int[] entryIndexes;
    private long sink;

    public IlaIngressStage(final Tables tables, final StageCounters counters, final int batchCapacity)
    {
        this.tables = tables;
        this.counters = counters;
        this.keys = new long[batchCapacity];
        this.hashes = new long[batchCapacity];
        this.entryIndexes = new int[batchCapacity];
    }

    @Override
    public String name()
    {
        return "ila-ingress";
    }

    @Override
    public void process(final PacketBatch batch)
    {
        final IlaTable ila = tables.ila();
        final LongIntHashTable index = ila.ingressIndex();
        final MemorySegment segment = batch.segment();
        final int count = batch.count();
        for (int i = 0; i < count; i++)
        {
            if (batch.next[i] != Next.ILA_INGRESS)
            {
                continue;
            }
            counters.packet();
            final long ip = batch.address[i] + batch.l3Offset[i];
            keys[i] = segment.get(U64_BE, ip + Ipv6Header.DESTINATION_OFFSET + 8);
            hashes[i] = LongIntHashTable.hash(keys[i]);
            touch(index, hashes[i]);
        }
        index.getBatch(batch.next, Next.ILA_INGRESS, keys, hashes, entryIndexes, count);
        // The entries the index pointed to: touched together, so that their misses overlap
        // instead of stalling the rewrites one by one.
        final MemorySegment entrySegment = ila.ingressEntries();
        long touched = 0;
        for (int i = 0; i < count; i++)
        {
            if (batch.next[i] == Next.ILA_INGRESS && entryIndexes[i] != IlaTable.MISSING)
            {
                touched += IlaTable.upper(entrySegment, entryIndexes[i]);
            }
        }
        sink += touched;
        rewrite(batch, ila, segment, count);
        counters.flush();
    }

    /**
     * The translations, from the entries the lookups found. A method of its own so that the
     * JIT compiles it with its own inlining budget (inlined into the lookup passes, the calls
     * at its end were left as calls).
     */
    private void rewrite(final PacketBatch batch, final IlaTable ila, final MemorySegment segment, final int count)
    {
        final MemorySegment entries = ila.ingressEntries();
        final long routerMac = ila.domain().routerMac();
        final long[] localLocators = ila.domain().localLocators();
        for (int i = 0; i < count; i++)
        {
            if (batch.next[i] != Next.ILA_INGRESS)
            {
                continue;
            }
            final int entry = entryIndexes[i];
            if (entry == IlaTable.MISSING)
            {
                final IlaTable.Domain domain = ila.domain();
                final boolean noIpv4Tenant = IlaIdentifier.type(keys[i]) == IlaIdentifier.TYPE_VIRT_V4 &&
                    !domain.tenantHasIpv4(domain.tenant(IlaIdentifier.vnid(keys[i])));
                drop(batch, i, noIpv4Tenant ? DropReason.ILA_NO_IPV4_TENANT : DropReason.ILA_UNKNOWN_IDENTIFIER);
                continue;
            }
            final int l3 = batch.l3Offset[i];
            final long ip = batch.address[i] + l3;
            final int locator = IlaTable.upperIndex(entries, entry);
            if (locator == IlaTable.NO_UPPER || segment.get(U64_BE, ip + Ipv6Header.DESTINATION_OFFSET) != localLocators[locator])
            {
                drop(batch, i, DropReason.ILA_LOCATOR_MISMATCH);
                continue;
            }
            final int hopLimit = segment.get(U8, ip + Ipv6Header.HOP_LIMIT_OFFSET) & 0xFF;
            if (hopLimit <= 1)
            {
                drop(batch, i, DropReason.TTL_EXCEEDED);
                continue;
            }
            if ((IlaTable.flags(entries, entry) & IlaTable.FLAG_IPV4) != 0)
            {
                ingressIpv4(batch, i, segment, entries, entry, l3, routerMac);
                continue;
            }
            if (IlaTable.mode(entries, entry) == IlaTable.ChecksumMode.ADJUST_TRANSPORT.ordinal())
            {
                final DropReason refused = TransportChecksum.adjustPacket(segment, ipv6, ip, batch.length[i] - l3, IlaTable.checksumDifference(entries, entry));
                if (refused != null)
                {
                    drop(batch, i, refused);
                    continue;
                }
            }
            segment.set(U8, ip + Ipv6Header.HOP_LIMIT_OFFSET, (byte)(hopLimit - 1));
            segment.set(U64_BE, ip + Ipv6Header.DESTINATION_OFFSET, IlaTable.upper(entries, entry));
            segment.set(U64_BE, ip + Ipv6Header.DESTINATION_OFFSET + 8, IlaTable.identifier(entries, entry));
            // Endpoints get untagged frames: a tagged underlay header shrinks to plain Ethernet.
            final long frame = ip - EthernetHeader.HEADER_LENGTH;
            Bytes.putMac48(segment, frame + EthernetHeader.DESTINATION_OFFSET, IlaTable.mac(entries, entry));
            Bytes.putMac48(segment, frame + EthernetHeader.SOURCE_OFFSET, routerMac);
            segment.set(U16_BE, frame + EthernetHeader.ETHER_TYPE_OFFSET, (short)EthernetHeader.TYPE_IPV6);
            batch.length[i] -= l3 - EthernetHeader.HEADER_LENGTH;
            batch.address[i] = frame;
            batch.viaIla[i] = true;
            batch.transmit(i, IlaTable.port(entries, entry));
        }
    }

    /**
     * VIRT_V4: the IPv6 source must be the tenant's translated form of an IPv4 address (the
     * tenant's IPv4 /64 and VIRT_V4 with the same VNID), then the packet becomes IPv4 to the
     * owner's address (RFC 7915 §5, {@link Ipv4Translator}), from the router MAC.
     */
    private void ingressIpv4(final PacketBatch batch, final int i, final MemorySegment segment, final MemorySegment entries, final int entry, final int l3,
        final long routerMac)
    {
        final long ip = batch.address[i] + l3;
        final long identifier = IlaTable.identifier(entries, entry);
        if (segment.get(U64_BE, ip + Ipv6Header.SOURCE_OFFSET) != IlaTable.upper(entries, entry) ||
            segment.get(U64_BE, ip + Ipv6Header.SOURCE_OFFSET + 8) >>> 32 != identifier >>> 32)
        {
            drop(batch, i, DropReason.ILA_SOURCE_NOT_TRANSLATABLE);
            return;
        }
        final int packetLength = ipv6.wrap(segment, ip).walk(batch.length[i] - l3);
        final DropReason refused = packetLength < 0 ? DropReason.INVALID_IPV6_EXTENSION_HEADER :
            Ipv4Translator.toIpv4(segment, batch, i, ipv6, packetLength, (int)identifier);
        if (refused != null)
        {
            drop(batch, i, refused);
            return;
        }
        final long frame = batch.address[i];
        Bytes.putMac48(segment, frame + EthernetHeader.DESTINATION_OFFSET, IlaTable.mac(entries, entry));
        Bytes.putMac48(segment, frame + EthernetHeader.SOURCE_OFFSET, routerMac);
        batch.viaIla[i] = true;
        batch.transmit(i, IlaTable.port(entries, entry));
    }

    private void touch(final LongIntHashTable index, final long hash)
    {
        sink += index.touch(hash);
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
