package dev.nve.dataplane.stage;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.table.IlaTable;
import dev.nve.dataplane.table.PortTable;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.table.Underlay;
import dev.nve.dataplane.wire.Bytes;
import dev.nve.dataplane.wire.EthernetHeader;
import dev.nve.dataplane.wire.Ipv4Header;
import dev.nve.dataplane.wire.Ipv6Header;
import dev.nve.dataplane.wire.UdpHeader;

import java.lang.foreign.MemorySegment;

/**
 * First stage: decides by input port role and headers where each received frame goes.
 * Endpoint ports: IPv6 sent to the host's router MAC goes to ILA egress, and IPv4 too from an
 * endpoint of an IPv4 tenant (VIRT_V4); everything else to the bridge in the port's network. Underlay: IPv6 to one of our ILA locators goes to ILA
 * ingress; UDP to the VXLAN port on one of our VTEP addresses goes on to decapsulation; the
 * headers are validated here once (lengths, IPv4 checksum, IPv6 extension chain) so later
 * stages can trust the offsets in the batch.
 */
public final class ClassifyStage implements Stage
{
    private final Tables tables;
    private final StageCounters counters;
    private final EthernetHeader ethernet = new EthernetHeader();
    private final Ipv4Header ipv4 = new Ipv4Header();
    private final Ipv6Header ipv6 = new Ipv6Header();
    private final UdpHeader udp = new UdpHeader();

    public ClassifyStage(final Tables tables, final StageCounters counters)
    {
        this.tables = tables;
        this.counters = counters;
    }

    @Override
    public String name()
    {
        return "classify";
    }

    @Override
    public void process(final PacketBatch batch)
    {
        final PortTable ports = tables.ports();
        final Underlay underlay = tables.underlay();
        // Read once per batch: a domain change is seen from the next batch on.
        final long routerMac = tables.ila().domain().routerMac();
        final int count = batch.count();
        for (int i = 0; i < count; i++)
        {
            if (batch.next[i] != Next.CLASSIFY)
            {
                continue;
            }
            counters.packet();
            final int port = batch.inPort[i];
            final byte role = ports.role(port);
            if (role == PortTable.ROLE_ENDPOINT)
            {
                classifyEndpoint(batch, i, ports, port, routerMac);
            }
            else if (role == PortTable.ROLE_UNDERLAY && underlay != null)
            {
                classifyUnderlay(batch, i, underlay);
            }
            else
            {
                drop(batch, i, DropReason.PORT_NOT_CONFIGURED);
            }
        }
        counters.flush();
    }

    private void classifyEndpoint(final PacketBatch batch, final int i, final PortTable ports, final int port, final long routerMac)
    {
        final int length = batch.length[i];
        if (length < EthernetHeader.HEADER_LENGTH)
        {
            drop(batch, i, DropReason.TRUNCATED);
            return;
        }
        final MemorySegment segment = batch.segment();
        final long frame = batch.address[i];
        batch.network[i] = ports.network(port);
        batch.srcIdentity[i] = ports.identity(port);
        // IPv6 routed through the host (sent to its router MAC) is ILA's, and so is IPv4 from an
        // endpoint of an IPv4 tenant (VIRT_V4); the rest is bridged.
        final boolean routed = Bytes.mac48(segment, frame + EthernetHeader.DESTINATION_OFFSET) == routerMac;
        final int etherType = segment.get(Bytes.U16_BE, frame + EthernetHeader.ETHER_TYPE_OFFSET) & 0xFFFF;
        if (routed && etherType == EthernetHeader.TYPE_IPV4 && ipv4Tenant(ports, port))
        {
            final int totalLength = loadValidIpv4(batch, i, frame + EthernetHeader.HEADER_LENGTH, length - EthernetHeader.HEADER_LENGTH);
            if (totalLength < 0)
            {
                return;
            }
            // The IP layer's end is the frame's: Ethernet padding is not carried into IPv6.
            batch.length[i] = EthernetHeader.HEADER_LENGTH + totalLength;
            batch.l3Offset[i] = EthernetHeader.HEADER_LENGTH;
            batch.next[i] = Next.ILA_EGRESS;
            return;
        }
        if (routed && etherType == EthernetHeader.TYPE_IPV6)
        {
            final int available = length - EthernetHeader.HEADER_LENGTH;
            final int packetLength = ipv6.wrap(segment, frame + EthernetHeader.HEADER_LENGTH).walk(available);
            if (packetLength < 0)
            {
                drop(batch, i, ipv6Invalid(available));
                return;
            }
            batch.length[i] = EthernetHeader.HEADER_LENGTH + packetLength;
            batch.l3Offset[i] = EthernetHeader.HEADER_LENGTH;
            batch.next[i] = Next.ILA_EGRESS;
            return;
        }
        if (batch.network[i] < 0)
        {
            drop(batch, i, DropReason.NO_NETWORK);
            return;
        }
        batch.next[i] = Next.BRIDGE;
    }

    /**
     * Wraps and checks the IPv4 header at {@code address} ({@code available} bytes to the frame's
     * end): the fixed header in three loads, then every field from registers. Returns the total
     * length, or -1 after dropping frame {@code i} with the reason.
     */
    private int loadValidIpv4(final PacketBatch batch, final int i, final long address, final int available)
    {
        ipv4.wrap(batch.segment(), address);
        final int totalLength = available < Ipv4Header.MIN_HEADER_LENGTH ? -1 : ipv4.loadFixedHeader().validateLoaded(available);
        if (totalLength < 0)
        {
            drop(batch, i, ipv4Invalid(available));
            return -1;
        }
        if (!ipv4.checksumValidLoaded())
        {
            drop(batch, i, DropReason.IPV4_CHECKSUM_INVALID);
            return -1;
        }
        return totalLength;
    }

    private void classifyUnderlay(final PacketBatch batch, final int i, final Underlay underlay)
    {
        final MemorySegment segment = batch.segment();
        final long frame = batch.address[i];
        final int length = batch.length[i];
        final int l2Length = ethernet.parse(segment, frame, length);
        if (l2Length < 0)
        {
            drop(batch, i, l2Length == EthernetHeader.TOO_MANY_TAGS ? DropReason.UNSUPPORTED_L2_PROTOCOL : DropReason.TRUNCATED);
            return;
        }
        final int available = length - l2Length;
        final int l4;
        final int l4End;
        final boolean local;
        final boolean fragment;
        final boolean nonFirstFragment;
        switch (ethernet.etherType())
        {
            case EthernetHeader.TYPE_IPV4 ->
            {
                final int totalLength = loadValidIpv4(batch, i, frame + l2Length, available);
                if (totalLength < 0)
                {
                    return;
                }
                if (ipv4.loadedProtocol() != Ipv4Header.PROTOCOL_UDP)
                {
                    drop(batch, i, DropReason.NOT_OVERLAY);
                    return;
                }
                l4 = l2Length + ipv4.loadedHeaderLength();
                l4End = l2Length + totalLength;
                local = underlay.isLocalVtepV4(ipv4.loadedDestination());
                final int flagsAndOffset = ipv4.loadedFlagsAndFragmentOffset();
                fragment = (flagsAndOffset & 0x3FFF) != 0;
                nonFirstFragment = (flagsAndOffset & 0x1FFF) != 0;
            }
            case EthernetHeader.TYPE_IPV6 ->
            {
                ipv6.wrap(segment, frame + l2Length);
                final int packetLength = ipv6.walk(available);
                if (packetLength < 0)
                {
                    drop(batch, i, ipv6Invalid(available));
                    return;
                }
                if (tables.ila().domain().isLocalLocator(ipv6.destinationHigh()))
                {
                    batch.length[i] = l2Length + packetLength;
                    batch.l3Offset[i] = (short)l2Length;
                    batch.next[i] = Next.ILA_INGRESS;
                    return;
                }
                if (ipv6.transportProtocol() != Ipv6Header.NH_UDP)
                {
                    drop(batch, i, DropReason.NOT_OVERLAY);
                    return;
                }
                l4 = l2Length + ipv6.transportOffset();
                l4End = l2Length + packetLength;
                local = underlay.isLocalVtepV6(ipv6.destinationHigh(), ipv6.destinationLow());
                // An atomic fragment (offset 0, M clear) is a whole packet (RFC 6946 §4).
                fragment = ipv6.isFragment() && !ipv6.isAtomicFragment();
                nonFirstFragment = ipv6.isNonFirstFragment();
            }
            default ->
            {
                drop(batch, i, DropReason.NOT_OVERLAY);
                return;
            }
        }
        if (nonFirstFragment)
        {
            // No UDP header to look at: only the destination says whether it was meant for us.
            drop(batch, i, local ? DropReason.FRAGMENT_NOT_SUPPORTED : DropReason.NOT_LOCAL_VTEP);
            return;
        }
        if (l4 + UdpHeader.HEADER_LENGTH > l4End)
        {
            drop(batch, i, DropReason.TRUNCATED);
            return;
        }
        udp.wrap(segment, frame + l4);
        if (udp.destinationPort() != underlay.vxlanPort())
        {
            drop(batch, i, DropReason.NOT_OVERLAY);
            return;
        }
        if (!local)
        {
            drop(batch, i, DropReason.NOT_LOCAL_VTEP);
            return;
        }
        if (fragment)
        {
            // VTEPs must not fragment (RFC 7348 §4.3); nve does not reassemble.
            drop(batch, i, DropReason.FRAGMENT_NOT_SUPPORTED);
            return;
        }
        // The IP layer's end bounds the UDP datagram: Ethernet padding after it is not ours.
        batch.length[i] = l4End;
        batch.l3Offset[i] = (short)l2Length;
        batch.l4Offset[i] = (short)l4;
        batch.next[i] = Next.VXLAN_DECAP;
    }

    /** Whether the port's endpoint is in an ILA tenant with IPv4 prefixes (VIRT_V4). */
    private boolean ipv4Tenant(final PortTable ports, final int port)
    {
        final int vnid = ports.ilaTenant(port);
        if (vnid < 0)
        {
            return false;
        }
        final IlaTable.Domain domain = tables.ila().domain();
        return domain.tenantHasIpv4(domain.tenant(vnid));
    }

    /** Why {@link Ipv4Header#validate} refused: cut short, or fields that contradict each other. */
    private DropReason ipv4Invalid(final int available)
    {
        if (available < Ipv4Header.MIN_HEADER_LENGTH ||
            (ipv4.version() == 4 && ipv4.headerLength() >= Ipv4Header.MIN_HEADER_LENGTH &&
            ipv4.totalLength() >= ipv4.headerLength() && ipv4.totalLength() > available))
        {
            return DropReason.TRUNCATED;
        }
        return DropReason.INVALID_PACKET;
    }

    /** Why {@link Ipv6Header#walk} refused: cut short, not version 6, or a bad extension chain. */
    private DropReason ipv6Invalid(final int available)
    {
        if (available < Ipv6Header.HEADER_LENGTH || Ipv6Header.HEADER_LENGTH + ipv6.payloadLength() > available)
        {
            return ipv6.version() == 6 || available < Ipv6Header.HEADER_LENGTH ? DropReason.TRUNCATED : DropReason.INVALID_PACKET;
        }
        return ipv6.version() == 6 ? DropReason.INVALID_IPV6_EXTENSION_HEADER : DropReason.INVALID_PACKET;
    }

    private void drop(final PacketBatch batch, final int i, final DropReason reason)
    {
        batch.drop(i, reason);
        counters.drop(reason);
    }
}
