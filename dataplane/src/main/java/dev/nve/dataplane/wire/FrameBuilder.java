package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Builds whole frames on the heap for tests, benchmarks, example captures and the traffic
 * generator (never on the packet path): Ethernet with optional VLAN tags, IPv4 or IPv6, and
 * UDP, TCP, ICMP or ICMPv6 with correct lengths and checksums, optionally wrapped in
 * VXLAN (with GBP). Fluent and explicit: every header field that matters is a parameter.
 * <pre>
 *   byte[] f = FrameBuilder.ethernet(dstMac, srcMac).vlan(10).ipv4("198.19.0.1", "198.19.0.2")
 *       .udp(1234, 5678).payload(64).build();
 *   byte[] v = FrameBuilder.vxlan(outerDst, outerSrc, "198.18.0.2", "198.18.0.1", 49152, 100, f);
 * </pre>
 */
public final class FrameBuilder
{
    private final long dstMac;
    private final long srcMac;
    private int[] vlanTags = new int[0];
    private int[] vlanTpids = new int[0];
    private InetAddress src;
    private InetAddress dst;
    private int ttl = 64;
    private int l4Protocol = -1;
    private int srcPort;
    private int dstPort;
    private int tcpFlags = TcpFlags.ACK;
    private int icmpType = 8;
    private byte[] payload = new byte[0];
    private boolean zeroUdpChecksum;
    private int etherTypeOverride = -1;

    /** TCP flag bits for {@link #tcp(int, int, int)}. */
    public static final class TcpFlags
    {
        public static final int FIN = 0x01;
        public static final int SYN = 0x02;
        public static final int RST = 0x04;
        public static final int PSH = 0x08;
        public static final int ACK = 0x10;

        private TcpFlags()
        {
        }
    }

    private FrameBuilder(final long dstMac, final long srcMac)
    {
        this.dstMac = dstMac;
        this.srcMac = srcMac;
    }

    public static FrameBuilder ethernet(final long dstMac, final long srcMac)
    {
        return new FrameBuilder(dstMac, srcMac);
    }

    /** Adds an 802.1Q tag (outermost first on repeated calls). */
    public FrameBuilder vlan(final int vid)
    {
        return tag(EthernetHeader.TYPE_VLAN, vid);
    }

    /** Adds an 802.1ad S-tag. */
    public FrameBuilder qinq(final int vid)
    {
        return tag(EthernetHeader.TYPE_QINQ, vid);
    }

    private FrameBuilder tag(final int tpid, final int vid)
    {
        vlanTags = Arrays.copyOf(vlanTags, vlanTags.length + 1);
        vlanTpids = Arrays.copyOf(vlanTpids, vlanTpids.length + 1);
        vlanTags[vlanTags.length - 1] = vid;
        vlanTpids[vlanTpids.length - 1] = tpid;
        return this;
    }

    public FrameBuilder ipv4(final String source, final String destination)
    {
        this.src = address(source);
        this.dst = address(destination);
        return this;
    }

    public FrameBuilder ipv6(final String source, final String destination)
    {
        return ipv4(source, destination);
    }

    public FrameBuilder ttl(final int ttl)
    {
        this.ttl = ttl;
        return this;
    }

    public FrameBuilder udp(final int sourcePort, final int destinationPort)
    {
        this.l4Protocol = Ipv4Header.PROTOCOL_UDP;
        this.srcPort = sourcePort;
        this.dstPort = destinationPort;
        return this;
    }

    /** UDP over IPv4 with checksum 0 ("not computed", allowed by RFC 768). */
    public FrameBuilder zeroUdpChecksum()
    {
        this.zeroUdpChecksum = true;
        return this;
    }

    public FrameBuilder tcp(final int sourcePort, final int destinationPort, final int flags)
    {
        this.l4Protocol = Ipv4Header.PROTOCOL_TCP;
        this.srcPort = sourcePort;
        this.dstPort = destinationPort;
        this.tcpFlags = flags;
        return this;
    }

    /** ICMP echo request over IPv4, ICMPv6 echo request over IPv6. */
    public FrameBuilder icmpEcho()
    {
        this.l4Protocol = -2;
        return this;
    }

    public FrameBuilder icmpType(final int type)
    {
        this.l4Protocol = -2;
        this.icmpType = type;
        return this;
    }

    public FrameBuilder payload(final byte[] bytes)
    {
        this.payload = bytes.clone();
        return this;
    }

    /** A deterministic payload of {@code length} bytes (0, 1, 2, ... mod 256). */
    public FrameBuilder payload(final int length)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)i;
        }
        this.payload = bytes;
        return this;
    }

    /** A raw EtherType and the payload as the whole L3 content (ARP, unknown protocols). */
    public FrameBuilder etherType(final int etherType)
    {
        this.etherTypeOverride = etherType;
        return this;
    }

    public byte[] build()
    {
        final byte[] l3 = etherTypeOverride >= 0 ? payload : buildL3();
        final int etherType = etherTypeOverride >= 0 ? etherTypeOverride : src instanceof Inet6Address ? EthernetHeader.TYPE_IPV6 : EthernetHeader.TYPE_IPV4;
        final int l2 = 12 + vlanTags.length * 4 + 2;
        final byte[] frame = new byte[l2 + l3.length];
        final MemorySegment s = MemorySegment.ofArray(frame);
        Bytes.putMac48(s, 0, dstMac);
        Bytes.putMac48(s, 6, srcMac);
        int at = 12;
        for (int i = 0; i < vlanTags.length; i++)
        {
            s.set(Bytes.U16_BE, at, (short)vlanTpids[i]);
            s.set(Bytes.U16_BE, at + 2, (short)vlanTags[i]);
            at += 4;
        }
        s.set(Bytes.U16_BE, at, (short)etherType);
        System.arraycopy(l3, 0, frame, l2, l3.length);
        return frame;
    }

    private byte[] buildL3()
    {
        if (src == null)
        {
            throw new IllegalStateException("no IP addresses: call ipv4()/ipv6() or etherType()");
        }
        final boolean v6 = src instanceof Inet6Address;
        final byte[] l4 = buildL4(v6);
        final int ipHeader = v6 ? Ipv6Header.HEADER_LENGTH : Ipv4Header.MIN_HEADER_LENGTH;
        final byte[] packet = new byte[ipHeader + l4.length];
        final MemorySegment s = MemorySegment.ofArray(packet);
        final int protocol = protocolNumber(v6);
        if (v6)
        {
            s.set(Bytes.U32_BE, 0, 0x6000_0000);
            s.set(Bytes.U16_BE, Ipv6Header.PAYLOAD_LENGTH_OFFSET, (short)l4.length);
            s.set(Bytes.U8, Ipv6Header.NEXT_HEADER_OFFSET, (byte)protocol);
            s.set(Bytes.U8, Ipv6Header.HOP_LIMIT_OFFSET, (byte)ttl);
            MemorySegment.copy(src.getAddress(), 0, s, Bytes.U8, Ipv6Header.SOURCE_OFFSET, 16);
            MemorySegment.copy(dst.getAddress(), 0, s, Bytes.U8, Ipv6Header.DESTINATION_OFFSET, 16);
        }
        else
        {
            s.set(Bytes.U8, 0, (byte)0x45);
            s.set(Bytes.U16_BE, Ipv4Header.TOTAL_LENGTH_OFFSET, (short)packet.length);
            s.set(Bytes.U16_BE, Ipv4Header.IDENTIFICATION_OFFSET, (short)0x1234);
            s.set(Bytes.U8, Ipv4Header.TTL_OFFSET, (byte)ttl);
            s.set(Bytes.U8, Ipv4Header.PROTOCOL_OFFSET, (byte)protocol);
            MemorySegment.copy(src.getAddress(), 0, s, Bytes.U8, Ipv4Header.SOURCE_OFFSET, 4);
            MemorySegment.copy(dst.getAddress(), 0, s, Bytes.U8, Ipv4Header.DESTINATION_OFFSET, 4);
            s.set(Bytes.U16_BE, Ipv4Header.CHECKSUM_OFFSET, (short)Checksum.compute(s, 0, Ipv4Header.MIN_HEADER_LENGTH));
        }
        System.arraycopy(l4, 0, packet, ipHeader, l4.length);
        final int checksumOffset = switch (protocol)
        {
            case Ipv4Header.PROTOCOL_UDP -> UdpHeader.CHECKSUM_OFFSET;
            case Ipv4Header.PROTOCOL_TCP -> 16;
            default -> 2;
        };
        if (protocol == Ipv4Header.PROTOCOL_UDP && zeroUdpChecksum && !v6)
        {
            return packet;
        }
        long sum = Checksum.sum(s, ipHeader, l4.length);
        if (v6)
        {
            sum += Checksum.ipv6PseudoHeaderSum(s, 0, protocol, l4.length);
        }
        else if (protocol != Ipv4Header.PROTOCOL_ICMP)
        {
            sum += Checksum.ipv4PseudoHeaderSum(s, 0, protocol, l4.length);
        }
        int checksum = Checksum.finish(sum);
        if (checksum == 0 && protocol == Ipv4Header.PROTOCOL_UDP)
        {
            checksum = 0xFFFF;
        }
        s.set(Bytes.U16_BE, ipHeader + checksumOffset, (short)checksum);
        return packet;
    }

    private int protocolNumber(final boolean v6)
    {
        if (l4Protocol == -2)
        {
            return v6 ? Ipv6Header.NH_ICMPV6 : Ipv4Header.PROTOCOL_ICMP;
        }
        if (l4Protocol < 0)
        {
            throw new IllegalStateException("no transport: call udp(), tcp() or icmpEcho()");
        }
        return l4Protocol;
    }

    private byte[] buildL4(final boolean v6)
    {
        final int protocol = protocolNumber(v6);
        final int header = switch (protocol)
        {
            case Ipv4Header.PROTOCOL_UDP -> UdpHeader.HEADER_LENGTH;
            case Ipv4Header.PROTOCOL_TCP -> 20;
            default -> 8;
        };
        final byte[] l4 = new byte[header + payload.length];
        final MemorySegment s = MemorySegment.ofArray(l4);
        switch (protocol)
        {
            case Ipv4Header.PROTOCOL_UDP ->
            {
                s.set(Bytes.U16_BE, 0, (short)srcPort);
                s.set(Bytes.U16_BE, 2, (short)dstPort);
                s.set(Bytes.U16_BE, 4, (short)l4.length);
            }
            case Ipv4Header.PROTOCOL_TCP ->
            {
                s.set(Bytes.U16_BE, 0, (short)srcPort);
                s.set(Bytes.U16_BE, 2, (short)dstPort);
                s.set(Bytes.U32_BE, 4, 1000);
                s.set(Bytes.U32_BE, 8, (tcpFlags & TcpFlags.ACK) != 0 ? 2000 : 0);
                s.set(Bytes.U8, 12, (byte)0x50);
                s.set(Bytes.U8, 13, (byte)tcpFlags);
                s.set(Bytes.U16_BE, 14, (short)65535);
            }
            default ->
            {
                s.set(Bytes.U8, 0, (byte)(v6 && icmpType == 8 ? 128 : icmpType));
                s.set(Bytes.U16_BE, 4, (short)0x0042);
                s.set(Bytes.U16_BE, 6, (short)1);
            }
        }
        System.arraycopy(payload, 0, l4, header, payload.length);
        return l4;
    }

    /**
     * Wraps {@code inner} in Ethernet/IP/UDP/VXLAN the way an RFC 7348 VTEP does: IPv4 outer
     * UDP checksum zero, IPv6 outer UDP checksum computed, DF set on IPv4, TTL/hop limit 64.
     *
     * @param groupPolicyId the VXLAN-GBP policy id, or -1 for plain VXLAN.
     */
    public static byte[] vxlan(final long outerDstMac, final long outerSrcMac, final String outerSrc, final String outerDst,
        final int sourcePort, final int vni, final int groupPolicyId, final byte[] inner)
    {
        final byte[] vx = new byte[VxlanHeader.HEADER_LENGTH + inner.length];
        VxlanHeader.write(MemorySegment.ofArray(vx), 0, vni, groupPolicyId >= 0, Math.max(groupPolicyId, 0));
        System.arraycopy(inner, 0, vx, VxlanHeader.HEADER_LENGTH, inner.length);
        final FrameBuilder outer = ethernet(outerDstMac, outerSrcMac).ipv4(outerSrc, outerDst).udp(sourcePort, VxlanHeader.DEFAULT_PORT).payload(vx);
        if (outer.src instanceof Inet4Address)
        {
            outer.zeroUdpChecksum();
        }
        final byte[] frame = outer.build();
        if (outer.src instanceof Inet4Address)
        {
            // RFC 7348 VTEPs set DF; recompute the header checksum after changing the flags.
            final MemorySegment s = MemorySegment.ofArray(frame);
            s.set(Bytes.U16_BE, 14 + Ipv4Header.FLAGS_FRAGMENT_OFFSET, (short)0x4000);
            s.set(Bytes.U16_BE, 14 + Ipv4Header.IDENTIFICATION_OFFSET, (short)0);
            s.set(Bytes.U16_BE, 14 + Ipv4Header.CHECKSUM_OFFSET, (short)0);
            s.set(Bytes.U16_BE, 14 + Ipv4Header.CHECKSUM_OFFSET, (short)Checksum.compute(s, 14, 20));
        }
        return frame;
    }

    /**
     * An untagged Ethernet/IPv4 ARP packet (RFC 826), 42 bytes: {@code oper} 1 request, 2 reply;
     * {@code spa}/{@code tpa} as IPv4 literals.
     */
    public static byte[] arp(final long dstMac, final long srcMac, final int oper, final long sha, final String spa, final long tha, final String tpa)
    {
        final byte[] body = new byte[ArpHeader.HEADER_LENGTH];
        final MemorySegment s = MemorySegment.ofArray(body);
        s.set(Bytes.U16_BE, ArpHeader.HTYPE_OFFSET, (short)ArpHeader.HTYPE_ETHERNET);
        s.set(Bytes.U16_BE, ArpHeader.PTYPE_OFFSET, (short)ArpHeader.PTYPE_IPV4);
        s.set(Bytes.U8, ArpHeader.HLEN_OFFSET, (byte)ArpHeader.HLEN_ETHERNET);
        s.set(Bytes.U8, ArpHeader.PLEN_OFFSET, (byte)ArpHeader.PLEN_IPV4);
        s.set(Bytes.U16_BE, ArpHeader.OPER_OFFSET, (short)oper);
        Bytes.putMac48(s, ArpHeader.SHA_OFFSET, sha);
        MemorySegment.copy(address(spa).getAddress(), 0, s, Bytes.U8, ArpHeader.SPA_OFFSET, 4);
        Bytes.putMac48(s, ArpHeader.THA_OFFSET, tha);
        MemorySegment.copy(address(tpa).getAddress(), 0, s, Bytes.U8, ArpHeader.TPA_OFFSET, 4);
        return ethernet(dstMac, srcMac).etherType(EthernetHeader.TYPE_ARP).payload(body).build();
    }

    /**
     * An IPv6 Neighbor Solicitation (RFC 4861 §4.3): hop limit 255, reserved field zero, a
     * Source Link-Layer Address option with {@code sourceLinkLayer} unless it is -1, correct
     * ICMPv6 checksum. The IPv6 destination is {@code dst} (the target's solicited-node
     * multicast address for resolution, the target itself for unreachability detection).
     */
    public static byte[] neighbourSolicitation(final long dstMac, final long srcMac, final String src, final String dst, final String target,
        final long sourceLinkLayer)
    {
        final int length = Icmpv6Header.ND_MESSAGE_LENGTH + (sourceLinkLayer >= 0 ? 8 : 0);
        final byte[] frame = new byte[EthernetHeader.HEADER_LENGTH + Ipv6Header.HEADER_LENGTH + length];
        final MemorySegment s = MemorySegment.ofArray(frame);
        Bytes.putMac48(s, EthernetHeader.DESTINATION_OFFSET, dstMac);
        Bytes.putMac48(s, EthernetHeader.SOURCE_OFFSET, srcMac);
        s.set(Bytes.U16_BE, EthernetHeader.ETHER_TYPE_OFFSET, (short)EthernetHeader.TYPE_IPV6);
        final int ip = EthernetHeader.HEADER_LENGTH;
        s.set(Bytes.U32_BE, ip, 0x6000_0000);
        s.set(Bytes.U16_BE, ip + Ipv6Header.PAYLOAD_LENGTH_OFFSET, (short)length);
        s.set(Bytes.U8, ip + Ipv6Header.NEXT_HEADER_OFFSET, (byte)Ipv6Header.NH_ICMPV6);
        s.set(Bytes.U8, ip + Ipv6Header.HOP_LIMIT_OFFSET, (byte)255);
        MemorySegment.copy(address(src).getAddress(), 0, s, Bytes.U8, ip + Ipv6Header.SOURCE_OFFSET, 16);
        MemorySegment.copy(address(dst).getAddress(), 0, s, Bytes.U8, ip + Ipv6Header.DESTINATION_OFFSET, 16);
        final int icmp = ip + Ipv6Header.HEADER_LENGTH;
        s.set(Bytes.U8, icmp + Icmpv6Header.TYPE_OFFSET, (byte)Icmpv6Header.NEIGHBOR_SOLICIT);
        MemorySegment.copy(address(target).getAddress(), 0, s, Bytes.U8, icmp + Icmpv6Header.ND_TARGET_OFFSET, 16);
        if (sourceLinkLayer >= 0)
        {
            s.set(Bytes.U8, icmp + Icmpv6Header.ND_MESSAGE_LENGTH, (byte)1);
            s.set(Bytes.U8, icmp + Icmpv6Header.ND_MESSAGE_LENGTH + 1, (byte)1);
            Bytes.putMac48(s, icmp + Icmpv6Header.ND_MESSAGE_LENGTH + 2, sourceLinkLayer);
        }
        s.set(Bytes.U16_BE, icmp + Icmpv6Header.CHECKSUM_OFFSET,
            (short)Checksum.finish(Checksum.ipv6PseudoHeaderSum(s, ip, Ipv6Header.NH_ICMPV6, length) + Checksum.sum(s, icmp, length)));
        return frame;
    }

    private static InetAddress address(final String literal)
    {
        try
        {
            return InetAddress.getByName(literal);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalArgumentException("not an IP literal: " + literal, e);
        }
    }
}
