package dev.nve.dataplane.stage;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.wire.Checksum;
import dev.nve.dataplane.wire.Ipv6Header;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;

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
    private static final int TCP_CHECKSUM_OFFSET = 16;
    private static final int UDP_CHECKSUM_OFFSET = 6;
    private static final int ICMPV6_CHECKSUM_OFFSET = 2;

    private TransportChecksum()
    {
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
        final int offset = switch (ipv6.transportProtocol())
        {
            case Ipv6Header.NH_TCP -> TCP_CHECKSUM_OFFSET;
            case Ipv6Header.NH_UDP -> UDP_CHECKSUM_OFFSET;
            case Ipv6Header.NH_ICMPV6 -> ICMPV6_CHECKSUM_OFFSET;
            default -> -1;
        };
        if (offset < 0)
        {
            return null;
        }
        final int at = ipv6.transportOffset() + offset;
        if (at + 2 > packetLength)
        {
            return DropReason.TRUNCATED;
        }
        final long field = ipv6.offset() + at;
        final int old = segment.get(U16_BE, field) & 0xFFFF;
        if (ipv6.transportProtocol() == Ipv6Header.NH_UDP && old == 0)
        {
            return null;
        }
        int updated = Checksum.updateWithDifference(old, difference);
        if (updated == 0 && ipv6.transportProtocol() == Ipv6Header.NH_UDP)
        {
            updated = 0xFFFF;
        }
        segment.set(U16_BE, field, (short)updated);
        return null;
    }
}
