package dev.nve.dataplane.stage;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.wire.Checksum;
import dev.nve.dataplane.wire.Icmpv6Header;
import dev.nve.dataplane.wire.Ipv6Header;
import dev.nve.dataplane.wire.TcpHeader;
import dev.nve.dataplane.wire.UdpHeader;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U8;

/**
 * Applies a precomputed RFC 1624 difference to the transport checksum of an IPv6 packet whose
 * addresses changed (ILA adjust-transport). TCP, UDP and ICMPv6 carry a pseudo-header checksum;
 * a UDP checksum of zero means "none" and stays zero; a non-first fragment carries no
 * transport header (the first fragment's checksum covers the whole datagram); with routing
 * segments left the pseudo header holds the final destination, which ILA does not touch;
 * other protocols have nothing to fix.
 */
final class TransportChecksum
{

    private TransportChecksum()
    {
    }

    /**
     * Adjusts the transport checksum of the IPv6 packet at {@code ip} ({@code available} bytes
     * from there to the frame's end). Classify has walked the packet already; when the transport
     * header follows the fixed header directly (TCP, UDP or ICMPv6 as its next header, the
     * usual case) the checksum is found without walking the chain again; otherwise
     * {@code ipv6} walks it.
     *
     * @return null when done, else why the packet must be dropped
     */
    static DropReason adjustPacket(final MemorySegment segment, final Ipv6Header ipv6, final long ip, final int available, final int difference)
    {
        final int nextHeader = segment.get(U8, ip + Ipv6Header.NEXT_HEADER_OFFSET) & 0xFF;
        if (available >= Ipv6Header.HEADER_LENGTH && (nextHeader == Ipv6Header.NH_UDP || nextHeader == Ipv6Header.NH_TCP || nextHeader == Ipv6Header.NH_ICMPV6)
            && (segment.get(U8, ip + Ipv6Header.VERSION_CLASS_FLOW_OFFSET) & 0xF0) == 0x60)
        {
            final int packetLength = Ipv6Header.HEADER_LENGTH + (segment.get(U16_BE, ip + Ipv6Header.PAYLOAD_LENGTH_OFFSET) & 0xFFFF);
            if (packetLength <= available)
            {
                return adjust(segment, ip, nextHeader, Ipv6Header.HEADER_LENGTH, packetLength, difference);
            }
        }
        final int packetLength = ipv6.wrap(segment, ip).walk(available);
        return packetLength < 0 ? DropReason.INVALID_IPV6_EXTENSION_HEADER : adjust(segment, ipv6, packetLength, difference);
    }

    /**
     * @param ipv6 walked flyweight of the packet ({@link Ipv6Header#walk} succeeded)
     * @param packetLength the IPv6 packet length the walk returned
     * @return null when done, else why the packet must be dropped
     */
    static DropReason adjust(final MemorySegment segment, final Ipv6Header ipv6, final int packetLength, final int difference)
    {
        if (ipv6.isNonFirstFragment() || ipv6.hasRoutingSegmentsLeft())
        {
            // No transport header here, or the checksum covers the final destination, which
            // sits in the routing header and is not rewritten.
            return null;
        }
        return adjust(segment, ipv6.offset(), ipv6.transportProtocol(), ipv6.transportOffset(), packetLength, difference);
    }

    /** The checksum of transport {@code protocol} whose header is {@code transportOffset} bytes into the packet at {@code ip}. */
    private static DropReason adjust(final MemorySegment segment, final long ip, final int protocol, final int transportOffset, final int packetLength,
        final int difference)
    {
        final int offset = switch (protocol)
        {
            case Ipv6Header.NH_TCP -> TcpHeader.CHECKSUM_OFFSET;
            case Ipv6Header.NH_UDP -> UdpHeader.CHECKSUM_OFFSET;
            case Ipv6Header.NH_ICMPV6 -> Icmpv6Header.CHECKSUM_OFFSET;
            default -> -1;
        };
        if (offset < 0)
        {
            return null;
        }
        final int at = transportOffset + offset;
        if (at + 2 > packetLength)
        {
            return DropReason.TRUNCATED;
        }
        final long field = ip + at;
        final int old = segment.get(U16_BE, field) & 0xFFFF;
        if (protocol == Ipv6Header.NH_UDP && old == 0)
        {
            return null;
        }
        int updated = Checksum.updateWithDifference(old, difference);
        if (updated == 0 && protocol == Ipv6Header.NH_UDP)
        {
            updated = 0xFFFF;
        }
        segment.set(U16_BE, field, (short)updated);
        return null;
    }
}
