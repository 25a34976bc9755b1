package dev.nve.dataplane.stage;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.table.EncapTemplates;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.Checksum;
import dev.nve.dataplane.wire.EthernetHeader;
import dev.nve.dataplane.wire.Ipv4Header;
import dev.nve.dataplane.wire.Ipv6Header;
import dev.nve.dataplane.wire.UdpHeader;
import dev.nve.dataplane.wire.VxlanHeader;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U32_BE;

/**
 * Prepends the outer headers of the frame's template into the frame's headroom, then fills
 * the per-frame fields: lengths, the IPv4 header checksum (template partial sum plus the
 * length), the UDP source port from the inner flow hash, the Group Policy ID when the network
 * uses VXLAN-GBP, and for an IPv6 underlay the UDP checksum (mandatory there unless both ends
 * agree otherwise, RFC 6935; Linux requires it by default). The IPv4 UDP checksum stays zero
 * (RFC 7348 §5). A frame whose outer packet would exceed the underlay MTU is dropped with
 * FRAG_NEEDED: VTEPs must not fragment and nve never truncates.
 */
public final class VxlanEncapStage implements Stage
{
    /** Source ports from the dynamic range (RFC 7348 §5 recommends 49152-65535). */
    private static final int SOURCE_PORT_BASE = 49152;
    private static final int SOURCE_PORT_MASK = 0x3FFF;
    private static final int IP_OFFSET = EthernetHeader.HEADER_LENGTH;

    private final Tables tables;
    private final StageCounters counters;

    public VxlanEncapStage(final Tables tables, final StageCounters counters)
    {
        this.tables = tables;
        this.counters = counters;
    }

    @Override
    public String name()
    {
        return "vxlan-encap";
    }

    @Override
    public void process(final PacketBatch batch)
    {
        final EncapTemplates templates = tables.templates();
        final MemorySegment templateSegment = templates.segment();
        final MemorySegment segment = batch.segment();
        final int count = batch.count();
        // Template fields are read once per run of frames with the same template (most of a
        // batch goes to few VTEPs); a template change is seen from the next batch on.
        int lastTemplate = -1;
        int headerLength = 0;
        int flags = 0;
        int mtu = 0;
        long partialSum = 0;
        int underlayPort = 0;
        for (int i = 0; i < count; i++)
        {
            if (batch.next[i] != Next.VXLAN_ENCAP)
            {
                continue;
            }
            counters.packet();
            final int template = batch.encapTemplate[i];
            if (template != lastTemplate)
            {
                lastTemplate = template;
                headerLength = templates.headerLength(template);
                flags = templates.flags(template);
                mtu = templates.mtu(template);
                partialSum = templates.partialSum(template);
                underlayPort = templates.underlayPort(template);
            }
            final int innerLength = batch.length[i];
            final int ipLength = innerLength + headerLength - EthernetHeader.HEADER_LENGTH;
            if (ipLength > mtu)
            {
                drop(batch, i, DropReason.FRAG_NEEDED);
                continue;
            }
            final long inner = batch.address[i];
            final long outer = inner - headerLength;
            if (outer < batch.memory().frameBaseOf(inner))
            {
                drop(batch, i, DropReason.NO_HEADROOM);
                continue;
            }
            final boolean gbp = (flags & EncapTemplates.FLAG_GBP) != 0;
            final boolean vniIdentity = (flags & EncapTemplates.FLAG_VNI_IDENTITY) != 0;
            final int identity = batch.srcIdentity[i];
            if (gbp && identity > VxlanHeader.MAX_GROUP_POLICY_ID || vniIdentity && (identity < 1 || identity > VxlanHeader.MAX_VNI))
            {
                drop(batch, i, DropReason.INVALID_IDENTITY);
                continue;
            }
            final int sourcePort = SOURCE_PORT_BASE | (InnerFlowHash.hash(segment, inner, innerLength) & SOURCE_PORT_MASK);
            MemorySegment.copy(templateSegment, EncapTemplates.slotOffset(template) + EncapTemplates.HEADER_OFFSET, segment, outer, headerLength);
            final long ip = outer + IP_OFFSET;
            final boolean ipv6 = (flags & EncapTemplates.FLAG_IPV6) != 0;
            final long udp = ip + (ipv6 ? Ipv6Header.HEADER_LENGTH : Ipv4Header.MIN_HEADER_LENGTH);
            final int udpLength = ipLength - (ipv6 ? Ipv6Header.HEADER_LENGTH : Ipv4Header.MIN_HEADER_LENGTH);
            segment.set(U16_BE, udp + UdpHeader.SOURCE_PORT_OFFSET, (short)sourcePort);
            segment.set(U16_BE, udp + UdpHeader.LENGTH_OFFSET, (short)udpLength);
            final long vxlan = udp + UdpHeader.HEADER_LENGTH;
            if (gbp)
            {
                segment.set(U16_BE, vxlan + VxlanHeader.GROUP_POLICY_ID_OFFSET, (short)Math.max(identity, 0));
            }
            if (vniIdentity)
            {
                // the 24-bit VNI field, then the reserved byte, kept 0
                segment.set(U32_BE, vxlan + VxlanHeader.VNI_OFFSET, identity << 8);
            }
            if (!ipv6)
            {
                segment.set(U16_BE, ip + Ipv4Header.TOTAL_LENGTH_OFFSET, (short)ipLength);
                segment.set(U16_BE, ip + Ipv4Header.CHECKSUM_OFFSET, (short)Checksum.finish(partialSum + ipLength));
            }
            else
            {
                // the UDP checksum covers the VXLAN header: written after it
                segment.set(U16_BE, ip + Ipv6Header.PAYLOAD_LENGTH_OFFSET, (short)udpLength);
                final int checksum = Checksum.finish(partialSum + udpLength + Checksum.sum(segment, udp, udpLength));
                // A computed 0 is sent as all ones: zero means "no checksum" (RFC 768).
                segment.set(U16_BE, udp + UdpHeader.CHECKSUM_OFFSET, (short)(checksum == 0 ? 0xFFFF : checksum));
            }
            batch.address[i] = outer;
            batch.length[i] = innerLength + headerLength;
            batch.transmit(i, underlayPort);
        }
        counters.flush();
    }

    private void drop(final PacketBatch batch, final int i, final DropReason reason)
    {
        batch.drop(i, reason);
        counters.drop(reason);
    }
}
