package dev.nve.dataplane.stage;

import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.table.IpCache;
import dev.nve.dataplane.table.NeighbourTable;
import dev.nve.dataplane.table.PortTable;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.ArpHeader;
import dev.nve.dataplane.wire.Bytes;
import dev.nve.dataplane.wire.Checksum;
import dev.nve.dataplane.wire.EthernetHeader;
import dev.nve.dataplane.wire.Icmpv6Header;
import dev.nve.dataplane.wire.Ipv6Header;
import org.agrona.concurrent.status.AtomicCounter;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U32_BE;
import static dev.nve.dataplane.wire.Bytes.U8;

/**
 * ARP and IPv6 neighbour-discovery suppression (the EVPN ARP/ND proxy, RFC 7432 §10): a
 * request from a local endpoint for an address in its network's {@link NeighbourTable} is
 * answered on the port it came from, in place, instead of being flooded across the overlay.
 * Runs after the filter (a request the sender's egress policy drops is not answered, as it
 * would not have been flooded) and before flooding; the reply is nve's own frame and is not
 * filtered. Frames it looks at: from a local endpoint port (not from the overlay, not routed
 * by ILA), on their way to flooding, encapsulation or a local port.
 * <p>
 * Answered:
 * <ul>
 *   <li>an ARP request (untagged Ethernet, HTYPE 1, PTYPE 0x0800, HLEN 6, PLEN 4, OPER 1)
 *       whose sender IP is neither 0.0.0.0 (an RFC 5227 probe) nor the target (a gratuitous
 *       ARP): it becomes the reply {@code target is-at MAC}: Ethernet destination = the
 *       requester (the request's Ethernet source), Ethernet source = SHA = the proxied MAC,
 *       SPA = the target, THA/TPA = the request's SHA/SPA; 42 bytes (the port pads);</li>
 *   <li>an IPv6 Neighbor Solicitation (ICMPv6 type 135, code 0, directly after the IPv6
 *       header, hop limit 255, at least 24 bytes, options of non-zero length filling the
 *       payload, a correct ICMPv6 checksum, RFC 4861 §7.1.1) whose source is a unicast address
 *       (never the unspecified address: duplicate address detection must reach the real owner)
 *       and whose target is not multicast: it becomes a Neighbor Advertisement from the target
 *       to the solicitation's source, hop limit 255, flags R=0 S=1 O=1, one Target Link-Layer
 *       Address option with the proxied MAC, payload length 32 and a fresh checksum; 86 bytes.
 *       O=1 as Linux's vxlan ND proxy sets it, where RFC 4861 §7.2.8 says a proxy SHOULD
 *       send O=0: that rule lets an owner on the same link override a proxy, but here the
 *       owner is remote and its own advertisements are suppressed too, while the table is the
 *       control plane's authoritative answer (an EVPN route); with O=0 a host holding a stale
 *       MAC (the address moved) would keep it (§7.2.5).</li>
 * </ul>
 * Not answered (the frame goes on unchanged): other ARP operations, ARP probes and gratuitous
 * ARP, DAD solicitations, VLAN-tagged frames, unknown targets, a target whose MAC is the
 * requester's own, and anything truncated or malformed (the normal path floods it as before).
 * <p>
 * Packet path: no allocation, no locks, no exceptions; an empty table skips the batch. Counters,
 * published once per batch: {@code stage/neigh-proxy/packets} (ARP frames and ICMPv6 neighbour
 * solicitations looked at while the table holds entries),
 * {@code .../arp_replies} and {@code .../nd_replies}.
 */
public final class NeighbourProxyStage implements Stage
{
    public static final String NAME = "neigh-proxy";
    /** Ethernet + ARP: the reply's length. */
    public static final int ARP_FRAME_LENGTH = EthernetHeader.HEADER_LENGTH + ArpHeader.HEADER_LENGTH;
    /** ICMPv6 NA (24) + one Target Link-Layer Address option (8). */
    public static final int NA_PAYLOAD_LENGTH = Icmpv6Header.ND_MESSAGE_LENGTH + 8;
    public static final int NA_FRAME_LENGTH = EthernetHeader.HEADER_LENGTH + Ipv6Header.HEADER_LENGTH + NA_PAYLOAD_LENGTH;
    public static final int ND_HOP_LIMIT = 255;
    public static final int OPTION_SOURCE_LINK_LAYER_ADDRESS = 1;
    public static final int OPTION_TARGET_LINK_LAYER_ADDRESS = 2;
    /** R=0, S=1, O=1 (see the class comment). */
    public static final int NA_FLAGS = Icmpv6Header.NA_FLAG_SOLICITED | Icmpv6Header.NA_FLAG_OVERRIDE;
    private static final int MIN_NS_FRAME_LENGTH = EthernetHeader.HEADER_LENGTH + Ipv6Header.HEADER_LENGTH + Icmpv6Header.ND_MESSAGE_LENGTH;
    private static final int IPV6_VERSION_WORD = 0x6000_0000;
    private static final int ICMPV6_OFFSET = EthernetHeader.HEADER_LENGTH + Ipv6Header.HEADER_LENGTH;

    private final Tables tables;
    private final StageCounters counters;
    private final AtomicCounter arpReplies;
    private final AtomicCounter ndReplies;
    private final ArpHeader arp = new ArpHeader();
    private final Ipv6Header ipv6 = new Ipv6Header();
    private final Icmpv6Header icmp = new Icmpv6Header();
    private long batchArpReplies;
    private long batchNdReplies;

    public NeighbourProxyStage(final Tables tables, final StageCounters counters)
    {
        this.tables = tables;
        this.counters = counters;
        this.arpReplies = counters.counter("arp_replies");
        this.ndReplies = counters.counter("nd_replies");
    }

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public void process(final PacketBatch batch)
    {
        if (tables.neighbours().isEmpty())
        {
            return; // nothing to answer from: hosts without suppression pay one volatile read per batch
        }
        final MemorySegment segment = batch.segment();
        final int count = batch.count();
        for (int i = 0; i < count; i++)
        {
            final byte next = batch.next[i];
            if (next != Next.FLOOD && next != Next.VXLAN_ENCAP && next != Next.TRANSMIT || batch.fromOverlay[i] || batch.viaIla[i])
            {
                continue;
            }
            final int length = batch.length[i];
            final long frame = batch.address[i];
            if (length < ARP_FRAME_LENGTH)
            {
                // shorter than the shortest request handled (ARP); a truncated one goes on unchanged
                continue;
            }
            final int etherType = segment.get(U16_BE, frame + EthernetHeader.ETHER_TYPE_OFFSET) & 0xFFFF;
            if (etherType == EthernetHeader.TYPE_ARP)
            {
                counters.packet();
                if (fromEndpoint(batch, i))
                {
                    answerArp(batch, i, segment, frame);
                }
            }
            else if (etherType == EthernetHeader.TYPE_IPV6 && length >= MIN_NS_FRAME_LENGTH
                && (segment.get(U8, frame + EthernetHeader.HEADER_LENGTH + Ipv6Header.NEXT_HEADER_OFFSET) & 0xFF) == Ipv6Header.NH_ICMPV6
                && (segment.get(U8, frame + ICMPV6_OFFSET + Icmpv6Header.TYPE_OFFSET) & 0xFF) == Icmpv6Header.NEIGHBOR_SOLICIT)
            {
                counters.packet();
                if (fromEndpoint(batch, i))
                {
                    answerSolicitation(batch, i, segment, frame, length);
                }
            }
        }
        counters.flush();
        if (batchArpReplies != 0)
        {
            arpReplies.getAndAddRelease(batchArpReplies);
            batchArpReplies = 0;
        }
        if (batchNdReplies != 0)
        {
            ndReplies.getAndAddRelease(batchNdReplies);
            batchNdReplies = 0;
        }
    }

    private boolean fromEndpoint(final PacketBatch batch, final int i)
    {
        return batch.network[i] > 0 && tables.ports().role(batch.inPort[i]) == PortTable.ROLE_ENDPOINT;
    }

    private void answerArp(final PacketBatch batch, final int i, final MemorySegment segment, final long frame)
    {
        // batch.length[i] >= ARP_FRAME_LENGTH: checked by the caller
        arp.wrap(segment, frame + EthernetHeader.HEADER_LENGTH);
        if (!arp.isEthernetIpv4() || arp.oper() != ArpHeader.OPER_REQUEST)
        {
            return;
        }
        final int senderIp = arp.spa();
        final int targetIp = arp.tpa();
        if (senderIp == 0 || senderIp == targetIp)
        {
            return;
        }
        final long mac = tables.neighbours().lookup(batch.network[i], IpCache.V4_MAPPED_HIGH, IpCache.v4MappedLow(targetIp));
        final long requester = Bytes.mac48(segment, frame + EthernetHeader.SOURCE_OFFSET);
        if (mac == NeighbourTable.MISSING || mac == requester || EthernetHeader.isMulticast(requester))
        {
            return;
        }
        final long senderMac = arp.sha();
        EthernetHeader.putDestination(segment, frame, requester);
        EthernetHeader.putSource(segment, frame, mac);
        arp.oper(ArpHeader.OPER_REPLY);
        arp.sha(mac);
        arp.spa(targetIp);
        arp.tha(senderMac);
        arp.tpa(senderIp);
        batch.length[i] = ARP_FRAME_LENGTH;
        batch.transmit(i, batch.inPort[i]);
        batchArpReplies++;
    }

    private void answerSolicitation(final PacketBatch batch, final int i, final MemorySegment segment, final long frame, final int length)
    {
        final long ip = frame + EthernetHeader.HEADER_LENGTH;
        ipv6.wrap(segment, ip);
        final int payloadLength = ipv6.payloadLength();
        if (ipv6.version() != 6 || ipv6.hopLimit() != ND_HOP_LIMIT || payloadLength < Icmpv6Header.ND_MESSAGE_LENGTH
            || EthernetHeader.HEADER_LENGTH + Ipv6Header.HEADER_LENGTH + payloadLength > length)
        {
            return;
        }
        final long message = ip + Ipv6Header.HEADER_LENGTH;
        icmp.wrap(segment, message);
        if (icmp.code() != 0 || !optionsValid(segment, message + Icmpv6Header.ND_MESSAGE_LENGTH, payloadLength - Icmpv6Header.ND_MESSAGE_LENGTH))
        {
            return;
        }
        final long sourceHigh = ipv6.sourceHigh();
        final long sourceLow = ipv6.sourceLow();
        final long targetHigh = icmp.ndTargetHigh();
        final long targetLow = icmp.ndTargetLow();
        if (sourceHigh == 0 && sourceLow == 0 || isMulticast(sourceHigh) || isMulticast(targetHigh))
        {
            return;
        }
        if (Checksum.fold(Checksum.ipv6PseudoHeaderSum(segment, ip, Ipv6Header.NH_ICMPV6, payloadLength) + Checksum.sum(segment, message, payloadLength)) != 0xFFFF)
        {
            return;
        }
        final long mac = tables.neighbours().lookup(batch.network[i], targetHigh, targetLow);
        final long requester = Bytes.mac48(segment, frame + EthernetHeader.SOURCE_OFFSET);
        if (mac == NeighbourTable.MISSING || mac == requester || EthernetHeader.isMulticast(requester))
        {
            return;
        }
        // The advertisement is longer than a solicitation without options: it must fit the frame buffer.
        if (frame + NA_FRAME_LENGTH > batch.memory().frameBaseOf(frame) + batch.memory().frameSize())
        {
            return;
        }
        EthernetHeader.putDestination(segment, frame, requester);
        EthernetHeader.putSource(segment, frame, mac);
        segment.set(U32_BE, ip + Ipv6Header.VERSION_CLASS_FLOW_OFFSET, IPV6_VERSION_WORD);
        ipv6.payloadLength(NA_PAYLOAD_LENGTH);
        segment.set(U8, ip + Ipv6Header.NEXT_HEADER_OFFSET, (byte)Ipv6Header.NH_ICMPV6);
        segment.set(U8, ip + Ipv6Header.HOP_LIMIT_OFFSET, (byte)ND_HOP_LIMIT);
        ipv6.source(targetHigh, targetLow);
        ipv6.destination(sourceHigh, sourceLow);
        icmp.type(Icmpv6Header.NEIGHBOR_ADVERT);
        icmp.code(0);
        icmp.checksum(0);
        icmp.body(NA_FLAGS);
        icmp.ndTarget(targetHigh, targetLow);
        final long option = message + Icmpv6Header.ND_MESSAGE_LENGTH;
        segment.set(U8, option, (byte)OPTION_TARGET_LINK_LAYER_ADDRESS);
        segment.set(U8, option + 1, (byte)1);
        Bytes.putMac48(segment, option + 2, mac);
        icmp.checksum(Checksum.finish(Checksum.ipv6PseudoHeaderSum(segment, ip, Ipv6Header.NH_ICMPV6, NA_PAYLOAD_LENGTH)
            + Checksum.sum(segment, message, NA_PAYLOAD_LENGTH)));
        batch.length[i] = NA_FRAME_LENGTH;
        batch.transmit(i, batch.inPort[i]);
        batchNdReplies++;
    }

    /** RFC 4861 §7.1.1: every option has a length (in units of 8 bytes) above zero, and they fill the rest exactly. */
    private static boolean optionsValid(final MemorySegment segment, final long options, final int length)
    {
        int offset = 0;
        while (offset < length)
        {
            if (offset + 2 > length)
            {
                return false;
            }
            final int units = segment.get(U8, options + offset + 1) & 0xFF;
            if (units == 0)
            {
                return false;
            }
            offset += units * 8;
        }
        return offset == length;
    }

    /** ff00::/8, from the upper 64 bits of an address (big-endian, first byte on top). */
    private static boolean isMulticast(final long high)
    {
        return (high >>> 56) == 0xFF;
    }
}
