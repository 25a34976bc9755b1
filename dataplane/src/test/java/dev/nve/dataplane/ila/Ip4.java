package dev.nve.dataplane.ila;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * IPv4 frames for the ILA VIRT_V4 tests and an independent model of RFC 7915 translation as
 * nve does it (no use of the dataplane's checksum helpers or flyweights): every checksum here
 * is computed from scratch over the whole message, where the dataplane updates incrementally.
 * <ul>
 *   <li>{@link #toIpv6}: IPv4 → IPv6, TOS → traffic class, flow label 0, hop limit = TTL - 1,
 *       ICMP echo → ICMPv6 echo, a Fragment header for a fragment (ID in its low 16 bits), TCP,
 *       UDP (also a zero one) and ICMPv6 checksums computed over the IPv6 pseudo header.</li>
 *   <li>{@link #toIpv4}: IPv6 → IPv4, TTL = hop limit - 1, DF unless there is a Fragment header
 *       (then its offset, M and the low 16 bits of its ID), ID 0 without one, header checksum,
 *       TCP/UDP checksums over the IPv4 pseudo header (a zero UDP checksum stays 0), ICMPv6 echo → ICMP.</li>
 * </ul>
 */
public final class Ip4
{
    public static final int ETH = 14;
    public static final int ICMP = 1;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int ICMPV6 = 58;
    public static final int FRAGMENT = 44;

    private Ip4()
    {
    }

    public static int addr(final String dotted)
    {
        try
        {
            final InetAddress a = InetAddress.getByName(dotted);
            if (!(a instanceof Inet4Address))
            {
                throw new IllegalArgumentException("not IPv4: " + dotted);
            }
            return ByteBuffer.wrap(a.getAddress()).getInt();
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalArgumentException(dotted, e);
        }
    }

    public static String text(final int address)
    {
        return (address >>> 24) + "." + (address >>> 16 & 0xFF) + "." + (address >>> 8 & 0xFF) + "." + (address & 0xFF);
    }

    /** VIRT_V4 identifier: type 2, C clear, VNID, IPv4 address. */
    public static long virtV4(final int vnid, final int address)
    {
        return (2L << 61) | ((long)vnid << 32) | (address & 0xFFFF_FFFFL);
    }

    // ---- checksums (one's complement, from scratch) --------------------------------------------

    static long sum(final byte[] b, final int offset, final int length)
    {
        long s = 0;
        for (int i = 0; i < length; i += 2)
        {
            s += ((b[offset + i] & 0xFF) << 8) | (i + 1 < length ? b[offset + i + 1] & 0xFF : 0);
        }
        return s;
    }

    static long words(final long v)
    {
        return (v >>> 48) + (v >>> 32 & 0xFFFF) + (v >>> 16 & 0xFFFF) + (v & 0xFFFF);
    }

    static int finish(final long s)
    {
        long x = s;
        while (x > 0xFFFF)
        {
            x = (x & 0xFFFF) + (x >>> 16);
        }
        return ~(int)x & 0xFFFF;
    }

    /** True when the IPv4 header checksum of the frame verifies. */
    public static boolean headerChecksumValid(final byte[] frame)
    {
        final int ihl = (frame[ETH] & 0x0F) * 4;
        return finish(sum(frame, ETH, ihl)) == 0;
    }

    /** True when the transport checksum (TCP, UDP non-zero, ICMP) of an unfragmented IPv4 frame verifies. */
    public static boolean transportChecksumValid(final byte[] frame)
    {
        final ByteBuffer b = ByteBuffer.wrap(frame);
        final int ihl = (frame[ETH] & 0x0F) * 4;
        final int total = b.getShort(ETH + 2) & 0xFFFF;
        final int protocol = frame[ETH + 9] & 0xFF;
        final int l4 = ETH + ihl;
        final int length = total - ihl;
        final long pseudo = protocol == ICMP ? 0 : words(b.getInt(ETH + 12) & 0xFFFF_FFFFL) + words(b.getInt(ETH + 16) & 0xFFFF_FFFFL) + protocol + length;
        return finish(pseudo + sum(frame, l4, length)) == 0;
    }

    // ---- building --------------------------------------------------------------------------------

    public static Builder packet(final String src, final String dst)
    {
        return new Builder(addr(src), addr(dst));
    }

    public static Builder packet(final int src, final int dst)
    {
        return new Builder(src, dst);
    }

    public static final class Builder
    {
        private final int src;
        private final int dst;
        private int tos;
        private int ttl = 64;
        private int id;
        private boolean df = true;
        private byte[] options = new byte[0];
        private int protocol;
        private byte[] transport = new byte[0];
        private boolean zeroUdp;

        Builder(final int src, final int dst)
        {
            this.src = src;
            this.dst = dst;
        }

        public Builder tos(final int value)
        {
            tos = value;
            return this;
        }

        public Builder ttl(final int value)
        {
            ttl = value;
            return this;
        }

        public Builder id(final int value)
        {
            id = value;
            return this;
        }

        public Builder df(final boolean value)
        {
            df = value;
            return this;
        }

        /** IPv4 options (padded to 4 bytes with End of Options). */
        public Builder options(final byte... bytes)
        {
            options = Arrays.copyOf(bytes, (bytes.length + 3) / 4 * 4);
            return this;
        }

        public Builder udp(final int srcPort, final int dstPort, final int payload)
        {
            final byte[] p = Ip6.payload(payload);
            protocol = UDP;
            transport = ByteBuffer.allocate(8 + p.length).putShort((short)srcPort).putShort((short)dstPort).putShort((short)(8 + p.length))
                .putShort((short)0).put(p).array();
            return this;
        }

        public Builder zeroUdpChecksum()
        {
            zeroUdp = true;
            return this;
        }

        public Builder tcp(final int srcPort, final int dstPort, final int payload)
        {
            final byte[] p = Ip6.payload(payload);
            protocol = TCP;
            transport = ByteBuffer.allocate(20 + p.length).putShort((short)srcPort).putShort((short)dstPort).putInt(0x1000_0001).putInt(0)
                .put((byte)0x50).put((byte)0x18).putShort((short)0xFFFF).putShort((short)0).putShort((short)0).put(p).array();
            return this;
        }

        /** ICMP with type, code, the 4-byte rest of header and a payload. */
        public Builder icmp(final int type, final int code, final int rest, final int payload)
        {
            final byte[] p = Ip6.payload(payload);
            protocol = ICMP;
            transport = ByteBuffer.allocate(8 + p.length).put((byte)type).put((byte)code).putShort((short)0).putInt(rest).put(p).array();
            return this;
        }

        public Builder icmpEcho(final boolean request, final int identifier, final int sequence, final int payload)
        {
            return icmp(request ? 8 : 0, 0, identifier << 16 | sequence, payload);
        }

        public Builder raw(final int proto, final byte[] body)
        {
            protocol = proto;
            transport = body.clone();
            return this;
        }

        public byte[] build()
        {
            final int ihl = 20 + options.length;
            final byte[] t = transport.clone();
            final ByteBuffer tb = ByteBuffer.wrap(t);
            final long pseudo = words(src & 0xFFFF_FFFFL) + words(dst & 0xFFFF_FFFFL) + protocol + t.length;
            switch (protocol)
            {
                case TCP -> tb.putShort(16, (short)finish(pseudo + sum(t, 0, t.length)));
                case UDP ->
                {
                    final int c = finish(pseudo + sum(t, 0, t.length));
                    tb.putShort(6, (short)(zeroUdp ? 0 : c == 0 ? 0xFFFF : c));
                }
                case ICMP -> tb.putShort(2, (short)finish(sum(t, 0, t.length)));
                default ->
                {
                }
            }
            final ByteBuffer b = ByteBuffer.allocate(ihl + t.length);
            b.put((byte)(0x40 | ihl / 4)).put((byte)tos).putShort((short)(ihl + t.length)).putShort((short)id).putShort((short)(df ? 0x4000 : 0))
                .put((byte)ttl).put((byte)protocol).putShort((short)0).putInt(src).putInt(dst).put(options).put(t);
            final byte[] packet = b.array();
            ByteBuffer.wrap(packet).putShort(10, (short)finish(sum(packet, 0, ihl)));
            return packet;
        }

        public byte[] frame(final long dstMac, final long srcMac)
        {
            return ethernet(dstMac, srcMac, 0x0800, build());
        }
    }

    public static byte[] ethernet(final long dstMac, final long srcMac, final int etherType, final byte[] packet)
    {
        final ByteBuffer b = ByteBuffer.allocate(ETH + packet.length);
        b.putShort((short)(dstMac >>> 32)).putInt((int)dstMac);
        b.putShort((short)(srcMac >>> 32)).putInt((int)srcMac);
        b.putShort((short)etherType).put(packet);
        return b.array();
    }

    /** IPv4 fragments of an unfragmented frame without options, fragmentable parts starting at {@code starts} (multiples of 8, first 0). */
    public static List<byte[]> fragment(final byte[] frame, final int... starts)
    {
        final ByteBuffer f = ByteBuffer.wrap(frame);
        final int total = f.getShort(ETH + 2) & 0xFFFF;
        final int payload = total - 20;
        final List<byte[]> fragments = new ArrayList<>();
        for (int k = 0; k < starts.length; k++)
        {
            final int from = starts[k];
            final int to = k + 1 < starts.length ? starts[k + 1] : payload;
            final byte[] out = new byte[ETH + 20 + to - from];
            System.arraycopy(frame, 0, out, 0, ETH + 20);
            System.arraycopy(frame, ETH + 20 + from, out, ETH + 20, to - from);
            final ByteBuffer o = ByteBuffer.wrap(out);
            o.putShort(ETH + 2, (short)(20 + to - from));
            o.putShort(ETH + 6, (short)((k + 1 < starts.length ? 0x2000 : 0) | from / 8));
            o.putShort(ETH + 10, (short)0);
            o.putShort(ETH + 10, (short)finish(sum(out, ETH, 20)));
            fragments.add(out);
        }
        return fragments;
    }

    // ---- the translation model -----------------------------------------------------------------

    /**
     * RFC 7915 §4 as nve does it: the IPv4 frame (no options) translated to IPv6 from
     * {@code srcHigh:srcLow} to {@code dstHigh:dstLow}. For a first fragment the transport
     * checksum must come from the whole datagram: pass {@code wholeChecksum} (else -1).
     */
    public static byte[] toIpv6(final byte[] frame, final long srcHigh, final long srcLow, final long dstHigh, final long dstLow, final long dstMac,
        final long srcMac, final int wholeChecksum)
    {
        final ByteBuffer in = ByteBuffer.wrap(frame);
        final int tos = frame[ETH + 1] & 0xFF;
        final int total = in.getShort(ETH + 2) & 0xFFFF;
        final int id = in.getShort(ETH + 4) & 0xFFFF;
        final int flags = in.getShort(ETH + 6) & 0xFFFF;
        final int ttl = frame[ETH + 8] & 0xFF;
        final int protocol = frame[ETH + 9] & 0xFF;
        final boolean more = (flags & 0x2000) != 0;
        final int offset = flags & 0x1FFF;
        final boolean fragment = more || offset != 0;
        final byte[] t = Arrays.copyOfRange(frame, ETH + 20, ETH + total);
        final ByteBuffer tb = ByteBuffer.wrap(t);
        final int nh = protocol == ICMP ? ICMPV6 : protocol;
        final long pseudo = words(srcHigh) + words(srcLow) + words(dstHigh) + words(dstLow) + nh + t.length;
        if (offset == 0)
        {
            switch (protocol)
            {
                case TCP ->
                {
                    tb.putShort(16, (short)0);
                    tb.putShort(16, (short)(wholeChecksum >= 0 ? wholeChecksum : finish(pseudo + sum(t, 0, t.length))));
                }
                case UDP ->
                {
                    tb.putShort(6, (short)0);
                    final int c = wholeChecksum >= 0 ? wholeChecksum : finish(pseudo + sum(t, 0, t.length));
                    tb.putShort(6, (short)(c == 0 ? 0xFFFF : c));
                }
                case ICMP ->
                {
                    t[0] = (byte)((t[0] & 0xFF) == 8 ? 128 : 129);
                    tb.putShort(2, (short)0);
                    tb.putShort(2, (short)finish(pseudo + sum(t, 0, t.length)));
                }
                default ->
                {
                }
            }
        }
        final int extra = fragment ? 8 : 0;
        final ByteBuffer b = ByteBuffer.allocate(40 + extra + t.length);
        b.putInt(6 << 28 | tos << 20).putShort((short)(extra + t.length)).put((byte)(fragment ? FRAGMENT : nh)).put((byte)(ttl - 1));
        b.putLong(srcHigh).putLong(srcLow).putLong(dstHigh).putLong(dstLow);
        if (fragment)
        {
            b.put((byte)nh).put((byte)0).putShort((short)(offset << 3 | (more ? 1 : 0))).putInt(id);
        }
        b.put(t);
        return ethernet(dstMac, srcMac, 0x86DD, b.array());
    }

    /** RFC 7915 §5 as nve does it: the IPv6 frame (optionally with one Fragment header right after the fixed header) to IPv4 from {@code src} to {@code dst}. */
    public static byte[] toIpv4(final byte[] frame, final int src, final int dst, final long dstMac, final long srcMac, final int wholeChecksum)
    {
        final ByteBuffer in = ByteBuffer.wrap(frame);
        final int tc = (in.getInt(ETH) >>> 20) & 0xFF;
        final int payloadLength = in.getShort(ETH + 4) & 0xFFFF;
        int nh = frame[ETH + 6] & 0xFF;
        final int hlim = frame[ETH + 7] & 0xFF;
        int l4 = ETH + 40;
        int id = 0;
        int flags = 0x4000;
        int offset = 0;
        if (nh == FRAGMENT)
        {
            nh = frame[l4] & 0xFF;
            final int om = in.getShort(l4 + 2) & 0xFFFF;
            offset = om >>> 3;
            id = in.getShort(l4 + 6) & 0xFFFF;
            flags = offset | ((om & 1) != 0 ? 0x2000 : 0);
            l4 += 8;
        }
        final byte[] t = Arrays.copyOfRange(frame, l4, ETH + 40 + payloadLength);
        final ByteBuffer tb = ByteBuffer.wrap(t);
        final int protocol = nh == ICMPV6 ? ICMP : nh;
        final long pseudo = words(src & 0xFFFF_FFFFL) + words(dst & 0xFFFF_FFFFL) + protocol + t.length;
        if (offset == 0)
        {
            switch (protocol)
            {
                case TCP ->
                {
                    tb.putShort(16, (short)0);
                    tb.putShort(16, (short)(wholeChecksum >= 0 ? wholeChecksum : finish(pseudo + sum(t, 0, t.length))));
                }
                case UDP ->
                {
                    if (tb.getShort(6) != 0)
                    {
                        tb.putShort(6, (short)0);
                        final int c = wholeChecksum >= 0 ? wholeChecksum : finish(pseudo + sum(t, 0, t.length));
                        tb.putShort(6, (short)(c == 0 ? 0xFFFF : c));
                    }
                }
                case ICMP ->
                {
                    t[0] = (byte)((t[0] & 0xFF) == 128 ? 8 : 0);
                    tb.putShort(2, (short)0);
                    tb.putShort(2, (short)finish(sum(t, 0, t.length)));
                }
                default ->
                {
                }
            }
        }
        final ByteBuffer b = ByteBuffer.allocate(20 + t.length);
        b.put((byte)0x45).put((byte)tc).putShort((short)(20 + t.length)).putShort((short)id).putShort((short)flags).put((byte)(hlim - 1)).put((byte)protocol)
            .putShort((short)0).putInt(src).putInt(dst).put(t);
        final byte[] packet = b.array();
        ByteBuffer.wrap(packet).putShort(10, (short)finish(sum(packet, 0, 20)));
        return ethernet(dstMac, srcMac, 0x0800, packet);
    }

    /** A copy of an IPv4 frame with MACs and TTL replaced and the header checksum recomputed. */
    public static byte[] with(final byte[] frame, final long dstMac, final long srcMac, final int ttl)
    {
        final byte[] copy = frame.clone();
        final ByteBuffer b = ByteBuffer.wrap(copy);
        b.putShort(0, (short)(dstMac >>> 32)).putInt(2, (int)dstMac);
        b.putShort(6, (short)(srcMac >>> 32)).putInt(8, (int)srcMac);
        copy[ETH + 8] = (byte)ttl;
        final int ihl = (copy[ETH] & 0x0F) * 4;
        b.putShort(ETH + 10, (short)0);
        b.putShort(ETH + 10, (short)finish(sum(copy, ETH, ihl)));
        return copy;
    }

    /** The transport checksum field of an IPv6 frame without extension headers. */
    public static int ipv6TransportChecksum(final byte[] frame)
    {
        final int nh = frame[ETH + 6] & 0xFF;
        final int at = ETH + 40 + (nh == TCP ? 16 : nh == UDP ? 6 : 2);
        return ByteBuffer.wrap(frame).getShort(at) & 0xFFFF;
    }

    /** The transport checksum field of an IPv4 frame without options. */
    public static int ipv4TransportChecksum(final byte[] frame)
    {
        final int p = frame[ETH + 9] & 0xFF;
        final int at = ETH + 20 + (p == TCP ? 16 : p == UDP ? 6 : 2);
        return ByteBuffer.wrap(frame).getShort(at) & 0xFFFF;
    }
}
