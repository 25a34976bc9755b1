package dev.nve.dataplane.stage;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.table.IlaIdentifier;
import dev.nve.dataplane.wire.Checksum;
import dev.nve.dataplane.wire.EthernetHeader;
import dev.nve.dataplane.wire.IcmpHeader;
import dev.nve.dataplane.wire.Icmpv6Header;
import dev.nve.dataplane.wire.Ipv4Header;
import dev.nve.dataplane.wire.Ipv6Header;
import dev.nve.dataplane.wire.TcpHeader;
import dev.nve.dataplane.wire.UdpHeader;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U32_BE;
import static dev.nve.dataplane.wire.Bytes.U64_BE;
import static dev.nve.dataplane.wire.Bytes.U8;

/**
 * Stateless IPv4/IPv6 translation (SIIT, RFC 7915) for ILA VIRT_V4, in place in the frame: the
 * transport header and payload never move; the new network header is written in front of them
 * (IPv4 to IPv6 grows the frame into its headroom by 20 bytes, 28 with a Fragment header; IPv6
 * to IPv4 shrinks it) and the Ethernet header in front of that, so the frame's start moves.
 * <p>
 * What is translated: the fixed headers (TOS ↔ traffic class, all 8 bits; flow label 0; TTL /
 * hop limit decremented by the caller's value; protocol ↔ next header, ICMP 1 ↔ 58), IPv4
 * fragments ↔ an IPv6 Fragment header (identification in its low 16 bits, offset, M), TCP and
 * UDP checksums for the pseudo-header change (RFC 1624, so a wrong checksum stays wrong), a zero
 * IPv4 UDP checksum computed over the whole datagram, ICMP echo request/reply ↔ ICMPv6 echo
 * (type and pseudo-header folded into the checksum). What is dropped, with its reason:
 * IPv4 options, ICMP other than echo and every fragmented ICMP message, fragmented UDP with
 * checksum 0, IPv6 extension headers other than one Fragment header, transport headers cut
 * short. Nothing allocates; every outcome is a return value.
 */
final class Ipv4Translator
{
    static final int GROWTH = Ipv6Header.HEADER_LENGTH - Ipv4Header.MIN_HEADER_LENGTH;

    private Ipv4Translator()
    {
    }

    /**
     * IPv4 (classify validated it: version, lengths, header checksum; the frame ends where the
     * packet does) to IPv6 with source {@code srcHigh}:VIRT_V4(VNID, IPv4 source) and
     * destination {@code dstHigh}:{@code dstLow}; hop limit = TTL - 1 (the caller checked TTL > 1).
     * On success the descriptor points at the new frame, Ethernet addresses still to be written.
     *
     * @param srcIdentifierUpper upper 32 bits of the source identifier (type 2, C clear, VNID)
     * @param mtu the largest IPv6 packet the underlay carries
     * @return null when translated, else why it must be dropped
     */
    static DropReason toIpv6(final MemorySegment segment, final PacketBatch batch, final int i, final long srcHigh, final long srcIdentifierUpper,
        final long dstHigh, final long dstLow, final int mtu)
    {
        final long frame = batch.address[i];
        final long ip = frame + EthernetHeader.HEADER_LENGTH;
        final long word0 = segment.get(U32_BE, ip) & 0xFFFF_FFFFL;
        if ((word0 >>> 24) != 0x45)
        {
            return DropReason.ILA_IPV4_OPTIONS;
        }
        final int tos = (int)(word0 >>> 16) & 0xFF;
        final int total = (int)word0 & 0xFFFF;
        final int identification = segment.get(U16_BE, ip + Ipv4Header.IDENTIFICATION_OFFSET) & 0xFFFF;
        final int flagsOffset = segment.get(U16_BE, ip + Ipv4Header.FLAGS_FRAGMENT_OFFSET) & 0xFFFF;
        final int ttl = segment.get(U8, ip + Ipv4Header.TTL_OFFSET) & 0xFF;
        final int protocol = segment.get(U8, ip + Ipv4Header.PROTOCOL_OFFSET) & 0xFF;
        final int src = segment.get(U32_BE, ip + Ipv4Header.SOURCE_OFFSET);
        final int dst = segment.get(U32_BE, ip + Ipv4Header.DESTINATION_OFFSET);
        final int fragmentOffset = flagsOffset & Ipv4Header.FRAGMENT_OFFSET_MASK;
        final boolean more = (flagsOffset & Ipv4Header.MORE_FRAGMENTS) != 0;
        final boolean fragment = more || fragmentOffset != 0;
        final int payload = total - Ipv4Header.MIN_HEADER_LENGTH;
        final int extra = fragment ? Ipv6Header.FRAGMENT_HEADER_LENGTH : 0;
        if (Ipv6Header.HEADER_LENGTH + extra + payload > mtu)
        {
            // nve never fragments (one frame in, one out): DF clear or not, a packet that does
            // not fit the underlay is dropped; no ICMPv4 "fragmentation needed" is generated.
            return DropReason.FRAG_NEEDED;
        }
        final long l4 = ip + Ipv4Header.MIN_HEADER_LENGTH;
        final long start = frame - GROWTH - extra;
        if (start < batch.memory().frameBaseOf(frame))
        {
            return DropReason.NO_HEADROOM;
        }
        final long srcLow = srcIdentifierUpper << 32 | (src & 0xFFFF_FFFFL);
        final long v4Words = IlaIdentifier.wordSum(src & 0xFFFF_FFFFL) + IlaIdentifier.wordSum(dst & 0xFFFF_FFFFL);
        final long v6Words = IlaIdentifier.wordSum(srcHigh) + IlaIdentifier.wordSum(srcLow) + IlaIdentifier.wordSum(dstHigh) + IlaIdentifier.wordSum(dstLow);
        int nextHeader = protocol;
        if (protocol == Ipv4Header.PROTOCOL_ICMP)
        {
            // An ICMPv6 checksum covers the whole message and a pseudo header: a fragment cannot get one.
            if (fragment)
            {
                return DropReason.ILA_ICMP_NOT_TRANSLATED;
            }
            if (payload < 8)
            {
                return DropReason.TRUNCATED;
            }
            final int type = segment.get(U8, l4) & 0xFF;
            final int newType = type == IcmpHeader.ECHO_REQUEST ? Icmpv6Header.ECHO_REQUEST : type == IcmpHeader.ECHO_REPLY ? Icmpv6Header.ECHO_REPLY : -1;
            if (newType < 0)
            {
                return DropReason.ILA_ICMP_NOT_TRANSLATED;
            }
            final int code = segment.get(U8, l4 + 1) & 0xFF;
            // + new type word + ICMPv6 pseudo header (addresses, length, next header 58) - old type word.
            final long diff = (~(type << 8 | code) & 0xFFFF) + (newType << 8 | code) + v6Words + payload + Ipv6Header.NH_ICMPV6;
            final int checksum = segment.get(U16_BE, l4 + IcmpHeader.CHECKSUM_OFFSET) & 0xFFFF;
            segment.set(U8, l4, (byte)newType);
            segment.set(U16_BE, l4 + IcmpHeader.CHECKSUM_OFFSET, (short)Checksum.updateWithDifference(checksum, diff));
            nextHeader = Ipv6Header.NH_ICMPV6;
        }
        else if (fragmentOffset == 0 && (protocol == Ipv4Header.PROTOCOL_TCP || protocol == Ipv4Header.PROTOCOL_UDP))
        {
            final DropReason refused = protocol == Ipv4Header.PROTOCOL_TCP
                ? adjust(segment, l4 + TcpHeader.CHECKSUM_OFFSET, payload, TcpHeader.CHECKSUM_OFFSET, v4Words, v6Words, false)
                : toIpv6Udp(segment, l4, payload, fragment, v4Words, v6Words);
            if (refused != null)
            {
                return refused;
            }
        }
        // The IPv4 header's fields are in registers now; the IPv6 header overwrites it.
        final long ip6 = start + EthernetHeader.HEADER_LENGTH;
        segment.set(U32_BE, ip6, 6 << 28 | tos << 20);
        segment.set(U16_BE, ip6 + Ipv6Header.PAYLOAD_LENGTH_OFFSET, (short)(payload + extra));
        segment.set(U8, ip6 + Ipv6Header.NEXT_HEADER_OFFSET, (byte)(fragment ? Ipv6Header.NH_FRAGMENT : nextHeader));
        segment.set(U8, ip6 + Ipv6Header.HOP_LIMIT_OFFSET, (byte)(ttl - 1));
        segment.set(U64_BE, ip6 + Ipv6Header.SOURCE_OFFSET, srcHigh);
        segment.set(U64_BE, ip6 + Ipv6Header.SOURCE_OFFSET + 8, srcLow);
        segment.set(U64_BE, ip6 + Ipv6Header.DESTINATION_OFFSET, dstHigh);
        segment.set(U64_BE, ip6 + Ipv6Header.DESTINATION_OFFSET + 8, dstLow);
        if (fragment)
        {
            final long f = ip6 + Ipv6Header.HEADER_LENGTH;
            segment.set(U8, f, (byte)nextHeader);
            segment.set(U8, f + 1, (byte)0);
            segment.set(U16_BE, f + 2, (short)(fragmentOffset << 3 | (more ? 1 : 0)));
            segment.set(U32_BE, f + 4, identification);
        }
        segment.set(U16_BE, start + EthernetHeader.ETHER_TYPE_OFFSET, (short)EthernetHeader.TYPE_IPV6);
        batch.address[i] = start;
        batch.length[i] = EthernetHeader.HEADER_LENGTH + Ipv6Header.HEADER_LENGTH + extra + payload;
        return null;
    }

    /** UDP from IPv4: checksum adjusted, or computed when it was 0 (only possible on a whole datagram). */
    private static DropReason toIpv6Udp(final MemorySegment segment, final long l4, final int available, final boolean fragment, final long v4Words,
        final long v6Words)
    {
        if (available < 8)
        {
            return DropReason.TRUNCATED;
        }
        if ((segment.get(U16_BE, l4 + UdpHeader.CHECKSUM_OFFSET) & 0xFFFF) != 0)
        {
            return adjust(segment, l4 + UdpHeader.CHECKSUM_OFFSET, available, UdpHeader.CHECKSUM_OFFSET, v4Words, v6Words, true);
        }
        if (fragment)
        {
            return DropReason.ILA_UDP_ZERO_CHECKSUM_FRAGMENT;
        }
        final int length = segment.get(U16_BE, l4 + 4) & 0xFFFF;
        if (length < 8 || length > available)
        {
            return DropReason.INVALID_PACKET;
        }
        int checksum = Checksum.finish(Checksum.sum(segment, l4, length) + v6Words + length + Ipv6Header.NH_UDP);
        segment.set(U16_BE, l4 + UdpHeader.CHECKSUM_OFFSET, (short)(checksum == 0 ? 0xFFFF : checksum));
        return null;
    }

    /**
     * Moves a TCP/UDP checksum from one pseudo header's addresses to the other's: adds
     * {@code newWords} and subtracts {@code oldWords} (RFC 1624); length and protocol are the
     * same in both pseudo headers. A UDP result of 0 is sent as 0xFFFF; a UDP 0 stays 0.
     */
    private static DropReason adjust(final MemorySegment segment, final long field, final int available, final int fieldOffset, final long oldWords,
        final long newWords, final boolean udp)
    {
        if (available < fieldOffset + 2)
        {
            return DropReason.TRUNCATED;
        }
        final int old = segment.get(U16_BE, field) & 0xFFFF;
        if (udp && old == 0)
        {
            return null;
        }
        int updated = Checksum.updateWithDifference(old, (~Checksum.fold(oldWords) & 0xFFFF) + newWords);
        if (udp && updated == 0)
        {
            updated = 0xFFFF;
        }
        segment.set(U16_BE, field, (short)updated);
        return null;
    }

    /**
     * IPv6 (classify validated it; {@code ipv6} wrapped at it and walked, returning
     * {@code packetLength}) to IPv4 with source = the low 32 bits of the IPv6 source (the caller
     * checked it is in the tenant's translated /96) and destination {@code dst}; TTL = hop limit
     * - 1 (the caller checked > 1); DF set unless a Fragment header says the packet is a
     * fragment, identification 0 without one. On success the descriptor points at the new
     * frame, Ethernet addresses still to be written.
     */
    static DropReason toIpv4(final MemorySegment segment, final PacketBatch batch, final int i, final Ipv6Header ipv6, final int packetLength,
        final int dst)
    {
        final long ip = ipv6.offset();
        final int transport = ipv6.transportOffset();
        final int fragmentHeader = ipv6.fragmentHeaderOffset();
        if (fragmentHeader >= 0 && fragmentHeader != Ipv6Header.HEADER_LENGTH ||
            transport != Ipv6Header.HEADER_LENGTH + (fragmentHeader >= 0 ? Ipv6Header.FRAGMENT_HEADER_LENGTH : 0))
        {
            return DropReason.ILA_EXTENSION_HEADER_NOT_TRANSLATED;
        }
        final int nextHeader = ipv6.transportProtocol();
        final int payload = packetLength - transport;
        final long l4 = ip + transport;
        final int trafficClass = (segment.get(U32_BE, ip) >>> 20) & 0xFF;
        final int hopLimit = segment.get(U8, ip + Ipv6Header.HOP_LIMIT_OFFSET) & 0xFF;
        final long srcHigh = segment.get(U64_BE, ip + Ipv6Header.SOURCE_OFFSET);
        final long srcLow = segment.get(U64_BE, ip + Ipv6Header.SOURCE_OFFSET + 8);
        final long dstHigh = segment.get(U64_BE, ip + Ipv6Header.DESTINATION_OFFSET);
        final long dstLow = segment.get(U64_BE, ip + Ipv6Header.DESTINATION_OFFSET + 8);
        final int src = (int)srcLow;
        int identification = 0;
        int flagsOffset = Ipv4Header.DONT_FRAGMENT;
        boolean firstOrWhole = true;
        if (fragmentHeader >= 0)
        {
            final int offsetAndM = segment.get(U16_BE, ip + fragmentHeader + 2) & 0xFFFF;
            identification = segment.get(U16_BE, ip + fragmentHeader + 6) & 0xFFFF;
            flagsOffset = (offsetAndM >>> 3) | ((offsetAndM & 1) != 0 ? Ipv4Header.MORE_FRAGMENTS : 0);
            firstOrWhole = (offsetAndM >>> 3) == 0;
        }
        final long v6Words = IlaIdentifier.wordSum(srcHigh) + IlaIdentifier.wordSum(srcLow) + IlaIdentifier.wordSum(dstHigh) + IlaIdentifier.wordSum(dstLow);
        final long v4Words = IlaIdentifier.wordSum(src & 0xFFFF_FFFFL) + IlaIdentifier.wordSum(dst & 0xFFFF_FFFFL);
        int protocol = nextHeader;
        if (nextHeader == Ipv6Header.NH_ICMPV6)
        {
            if (fragmentHeader >= 0)
            {
                return DropReason.ILA_ICMP_NOT_TRANSLATED;
            }
            if (payload < 8)
            {
                return DropReason.TRUNCATED;
            }
            final int type = segment.get(U8, l4) & 0xFF;
            final int newType = type == Icmpv6Header.ECHO_REQUEST ? IcmpHeader.ECHO_REQUEST : type == Icmpv6Header.ECHO_REPLY ? IcmpHeader.ECHO_REPLY : -1;
            if (newType < 0)
            {
                return DropReason.ILA_ICMP_NOT_TRANSLATED;
            }
            final int code = segment.get(U8, l4 + 1) & 0xFF;
            // - (old type word + ICMPv6 pseudo header) + new type word.
            final long removed = (type << 8 | code) + v6Words + payload + Ipv6Header.NH_ICMPV6;
            final long diff = (~Checksum.fold(removed) & 0xFFFF) + (newType << 8 | code);
            final int checksum = segment.get(U16_BE, l4 + IcmpHeader.CHECKSUM_OFFSET) & 0xFFFF;
            segment.set(U8, l4, (byte)newType);
            segment.set(U16_BE, l4 + IcmpHeader.CHECKSUM_OFFSET, (short)Checksum.updateWithDifference(checksum, diff));
            protocol = Ipv4Header.PROTOCOL_ICMP;
        }
        else if (firstOrWhole && (nextHeader == Ipv6Header.NH_TCP || nextHeader == Ipv6Header.NH_UDP))
        {
            final boolean udp = nextHeader == Ipv6Header.NH_UDP;
            final DropReason refused = adjust(segment, l4 + (udp ? UdpHeader.CHECKSUM_OFFSET : TcpHeader.CHECKSUM_OFFSET), payload, udp ? UdpHeader.CHECKSUM_OFFSET : TcpHeader.CHECKSUM_OFFSET, v6Words, v4Words, udp);
            if (refused != null)
            {
                return refused;
            }
        }
        final long ip4 = l4 - Ipv4Header.MIN_HEADER_LENGTH;
        final int total = Ipv4Header.MIN_HEADER_LENGTH + payload;
        segment.set(U32_BE, ip4, 0x45 << 24 | trafficClass << 16 | total);
        segment.set(U32_BE, ip4 + Ipv4Header.IDENTIFICATION_OFFSET, identification << 16 | flagsOffset);
        segment.set(U32_BE, ip4 + Ipv4Header.TTL_OFFSET, (hopLimit - 1) << 24 | protocol << 16);
        segment.set(U32_BE, ip4 + Ipv4Header.SOURCE_OFFSET, src);
        segment.set(U32_BE, ip4 + Ipv4Header.DESTINATION_OFFSET, dst);
        segment.set(U16_BE, ip4 + Ipv4Header.CHECKSUM_OFFSET, (short)Checksum.compute(segment, ip4, Ipv4Header.MIN_HEADER_LENGTH));
        final long start = ip4 - EthernetHeader.HEADER_LENGTH;
        segment.set(U16_BE, start + EthernetHeader.ETHER_TYPE_OFFSET, (short)EthernetHeader.TYPE_IPV4);
        batch.address[i] = start;
        batch.length[i] = EthernetHeader.HEADER_LENGTH + total;
        return null;
    }
}
