package dev.nve.pcaptests;

import dev.nve.dataplane.table.Macs;
import dev.nve.dataplane.wire.Bytes;
import dev.nve.dataplane.wire.Checksum;
import dev.nve.dataplane.wire.EthernetHeader;
import dev.nve.dataplane.wire.FrameBuilder;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Frames for the replay cases, each with the tshark field values it must show when it is the
 * outermost frame ({@link Frame#fields()}). Built with {@link FrameBuilder}; the byte surgery
 * for malformed outer headers (cuts, flags, checksums, extension headers) lives here too.
 */
final class Frames
{
    /** The inner-frame fields the oracle compares; absent ones are "" (must be absent). */
    static final List<String> KEYS = List.of(
        "eth.dst", "eth.src", "ieee8021ad.id", "vlan.id", "arp.opcode", "arp.dst.proto_ipv4",
        "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "udp.dstport", "tcp.dstport", "icmp.type", "icmpv6.type");

    /** An Ethernet frame and the tshark values of {@link #KEYS} for it. */
    record Frame(byte[] bytes, Map<String, String> fields)
    {
        int length()
        {
            return bytes.length;
        }
    }

    private Frames()
    {
    }

    static long mac(final String text)
    {
        return Macs.parse(text);
    }

    /** A fluent frame spec that records the fields as it builds. */
    static Spec eth(final String dst, final String src)
    {
        return new Spec(dst, src);
    }

    static final class Spec
    {
        private final String dst;
        private final String src;
        private final List<int[]> tags = new ArrayList<>();
        private String ipSrc;
        private String ipDst;
        private String l4 = "";
        private int srcPort;
        private int dstPort;
        private int payload;
        private int etherType = -1;
        private int icmpType = -1;
        private byte[] raw;
        private final Map<String, String> extra = new LinkedHashMap<>();

        private Spec(final String dst, final String src)
        {
            this.dst = dst;
            this.src = src;
        }

        Spec vlan(final int vid)
        {
            tags.add(new int[] {EthernetHeader.TYPE_VLAN, vid});
            return this;
        }

        Spec qinq(final int vid)
        {
            tags.add(new int[] {EthernetHeader.TYPE_QINQ, vid});
            return this;
        }

        Spec ip(final String source, final String destination)
        {
            this.ipSrc = source;
            this.ipDst = destination;
            return this;
        }

        Spec udp(final int source, final int destination, final int payloadLength)
        {
            l4 = "udp";
            srcPort = source;
            dstPort = destination;
            payload = payloadLength;
            return this;
        }

        Spec tcpSyn(final int source, final int destination)
        {
            l4 = "tcp";
            srcPort = source;
            dstPort = destination;
            return this;
        }

        /** ICMP echo request (IPv4 type 8, ICMPv6 type 128). */
        Spec icmpEcho(final int payloadLength)
        {
            return icmpType(-1, payloadLength);
        }

        /** An ICMP or ICMPv6 message of {@code type} with identifier 0x42 and sequence 1, e.g. 0: echo reply. */
        Spec icmpType(final int type, final int payloadLength)
        {
            l4 = "icmp";
            icmpType = type;
            payload = payloadLength;
            return this;
        }

        /** ARP request (who-has {@code target} tell {@code sender}) from this frame's source MAC. */
        Spec arpRequest(final String sender, final String target)
        {
            etherType = EthernetHeader.TYPE_ARP;
            raw = arp(1, mac(src), sender, 0, target);
            extra.put("arp.opcode", "1");
            extra.put("arp.dst.proto_ipv4", target);
            return this;
        }

        Spec arpReply(final String sender, final String target, final String targetMac)
        {
            etherType = EthernetHeader.TYPE_ARP;
            raw = arp(2, mac(src), sender, mac(targetMac), target);
            extra.put("arp.opcode", "2");
            extra.put("arp.dst.proto_ipv4", target);
            return this;
        }

        /** Any EtherType with a raw payload, e.g. 0x88B5 (IEEE local experimental) or LLDP. */
        Spec raw(final int type, final byte[] bytes)
        {
            etherType = type;
            raw = bytes.clone();
            return this;
        }

        Frame build()
        {
            final FrameBuilder b = FrameBuilder.ethernet(mac(dst), mac(src));
            for (final int[] tag : tags)
            {
                if (tag[0] == EthernetHeader.TYPE_QINQ)
                {
                    b.qinq(tag[1]);
                }
                else
                {
                    b.vlan(tag[1]);
                }
            }
            final Map<String, String> f = new LinkedHashMap<>();
            KEYS.forEach(k -> f.put(k, ""));
            f.put("eth.dst", dst);
            f.put("eth.src", src);
            f.put("ieee8021ad.id", join(tags.stream().filter(t -> t[0] == EthernetHeader.TYPE_QINQ).map(t -> Integer.toString(t[1])).toList()));
            f.put("vlan.id", join(tags.stream().filter(t -> t[0] == EthernetHeader.TYPE_VLAN).map(t -> Integer.toString(t[1])).toList()));
            if (etherType >= 0)
            {
                b.etherType(etherType).payload(raw);
            }
            else
            {
                final boolean v6 = ipSrc.contains(":");
                b.ipv4(ipSrc, ipDst);
                f.put(v6 ? "ipv6.src" : "ip.src", ipSrc);
                f.put(v6 ? "ipv6.dst" : "ip.dst", ipDst);
                switch (l4)
                {
                    case "udp" ->
                    {
                        b.udp(srcPort, dstPort).payload(payload);
                        f.put("udp.dstport", Integer.toString(dstPort));
                    }
                    case "tcp" ->
                    {
                        b.tcp(srcPort, dstPort, FrameBuilder.TcpFlags.SYN);
                        f.put("tcp.dstport", Integer.toString(dstPort));
                    }
                    case "icmp" ->
                    {
                        if (icmpType >= 0)
                        {
                            b.icmpType(icmpType).payload(payload);
                        }
                        else
                        {
                            b.icmpEcho().payload(payload);
                        }
                        f.put(v6 ? "icmpv6.type" : "icmp.type", Integer.toString(icmpType >= 0 ? icmpType : v6 ? 128 : 8));
                    }
                    default -> throw new IllegalStateException("no transport");
                }
            }
            f.putAll(extra);
            return new Frame(b.build(), f);
        }
    }

    static byte[] arp(final int operation, final long senderMac, final String senderIp, final long targetMac, final String targetIp)
    {
        final byte[] a = new byte[28];
        final MemorySegment s = MemorySegment.ofArray(a);
        s.set(Bytes.U16_BE, 0, (short)1);
        s.set(Bytes.U16_BE, 2, (short)0x0800);
        s.set(Bytes.U8, 4, (byte)6);
        s.set(Bytes.U8, 5, (byte)4);
        s.set(Bytes.U16_BE, 6, (short)operation);
        Bytes.putMac48(s, 8, senderMac);
        System.arraycopy(ipv4(senderIp), 0, a, 14, 4);
        Bytes.putMac48(s, 18, targetMac);
        System.arraycopy(ipv4(targetIp), 0, a, 24, 4);
        return a;
    }

    static byte[] ipv4(final String literal)
    {
        final String[] parts = literal.split("\\.");
        final byte[] b = new byte[4];
        for (int i = 0; i < 4; i++)
        {
            b[i] = (byte)Integer.parseInt(parts[i]);
        }
        return b;
    }

    static String join(final List<String> values)
    {
        return String.join(",", values);
    }

    // ---- VXLAN on the wire (what a remote VTEP sends us) ----------------------------------------

    /**
     * Wraps {@code inner} as a remote VTEP would: outer Ethernet to {@code dstMac} from
     * {@code srcMac}, IPv4 or IPv6 by the address family, UDP to 4789.
     *
     * @param gbp VXLAN-GBP policy id, or -1 for plain VXLAN.
     */
    static byte[] vxlan(final String dstMac, final String srcMac, final String outerSrc, final String outerDst, final int sourcePort,
        final int vni, final int gbp, final byte[] inner)
    {
        return FrameBuilder.vxlan(mac(dstMac), mac(srcMac), outerSrc, outerDst, sourcePort, vni, gbp, inner);
    }

    static byte[] cut(final byte[] frame, final int length)
    {
        return Arrays.copyOf(frame, length);
    }

    static byte[] pad(final byte[] frame, final int extra)
    {
        return Arrays.copyOf(frame, frame.length + extra);
    }

    static byte[] set8(final byte[] frame, final int offset, final int value)
    {
        final byte[] copy = frame.clone();
        copy[offset] = (byte)value;
        return copy;
    }

    static byte[] set16(final byte[] frame, final int offset, final int value)
    {
        final byte[] copy = frame.clone();
        MemorySegment.ofArray(copy).set(Bytes.U16_BE, offset, (short)value);
        return copy;
    }

    static int get16(final byte[] frame, final int offset)
    {
        return MemorySegment.ofArray(frame).get(Bytes.U16_BE, offset) & 0xFFFF;
    }

    /** Recomputes the IPv4 header checksum of the header at {@code l3} (IHL from the header). */
    static byte[] fixIpv4Checksum(final byte[] frame, final int l3)
    {
        final byte[] copy = frame.clone();
        final MemorySegment s = MemorySegment.ofArray(copy);
        final int ihl = (copy[l3] & 0x0F) * 4;
        s.set(Bytes.U16_BE, l3 + 10, (short)0);
        s.set(Bytes.U16_BE, l3 + 10, (short)Checksum.compute(s, l3, ihl));
        return copy;
    }

    /** Inserts 802.1Q/802.1ad tags (TPID, VID pairs, outermost first) after the MAC addresses. */
    static byte[] tagOuter(final byte[] frame, final int... tpidVid)
    {
        final byte[] tags = new byte[tpidVid.length * 2];
        final MemorySegment s = MemorySegment.ofArray(tags);
        for (int i = 0; i < tpidVid.length; i += 2)
        {
            s.set(Bytes.U16_BE, i * 2, (short)tpidVid[i]);
            s.set(Bytes.U16_BE, i * 2 + 2, (short)tpidVid[i + 1]);
        }
        final byte[] out = new byte[frame.length + tags.length];
        System.arraycopy(frame, 0, out, 0, 12);
        System.arraycopy(tags, 0, out, 12, tags.length);
        System.arraycopy(frame, 12, out, 12 + tags.length, frame.length - 12);
        return out;
    }

    /**
     * Inserts IPv6 extension headers between the fixed IPv6 header (at 14) and the UDP header.
     * Each entry is a next-header code: 0 Hop-by-Hop, 60 Destination Options (8 bytes of PadN),
     * 44 Fragment (the first int after 44 is the offset/flags word). The UDP checksum stays
     * valid: the pseudo header does not include extension headers.
     */
    static byte[] ipv6Extensions(final byte[] frame, final int... chain)
    {
        final List<byte[]> headers = new ArrayList<>();
        final List<Integer> codes = new ArrayList<>();
        for (int i = 0; i < chain.length; i++)
        {
            final byte[] h = new byte[8];
            if (chain[i] == 44)
            {
                final int offsetFlags = chain[++i];
                h[2] = (byte)(offsetFlags >>> 8);
                h[3] = (byte)offsetFlags;
                h[7] = 0x2A; // identification 42
                codes.add(44);
            }
            else
            {
                h[2] = 1; // PadN
                h[3] = 4;
                codes.add(chain[i]);
            }
            headers.add(h);
        }
        final int l3 = 14;
        final int oldNext = frame[l3 + 6] & 0xFF;
        for (int i = 0; i < headers.size(); i++)
        {
            headers.get(i)[0] = (byte)(i + 1 < headers.size() ? codes.get(i + 1) : oldNext);
        }
        final byte[] out = new byte[frame.length + 8 * headers.size()];
        System.arraycopy(frame, 0, out, 0, l3 + 40);
        int at = l3 + 40;
        for (final byte[] h : headers)
        {
            System.arraycopy(h, 0, out, at, 8);
            at += 8;
        }
        System.arraycopy(frame, l3 + 40, out, at, frame.length - l3 - 40);
        out[l3 + 6] = (byte)(int)codes.get(0);
        final int payloadLength = get16(frame, l3 + 4) + 8 * headers.size();
        return set16(out, l3 + 4, payloadLength);
    }
}
