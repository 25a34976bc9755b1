package dev.nve.dataplane.ila;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * IPv6 frames for the ILA tests, built and checked independently of the dataplane (no use of
 * {@code dev.nve.dataplane.wire.Checksum} or the header flyweights): extension headers,
 * fragments, TCP, UDP, ICMPv6 and ICMPv6 errors with a transport checksum over the pseudo
 * header of the final destination (RFC 8200 §8.1), and a checker that walks the chain itself.
 * One's-complement sums are done as arithmetic modulo 0xFFFF: a checksum verifies when the
 * sum over pseudo header and transport is a non-zero multiple of 0xFFFF.
 */
public final class Ip6
{
    public static final int ETH = 14;
    public static final int HOP_BY_HOP = 0;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int ROUTING = 43;
    public static final int FRAGMENT = 44;
    public static final int ICMPV6 = 58;
    public static final int NO_NEXT = 59;
    public static final int DEST_OPTIONS = 60;

    private Ip6()
    {
    }

    // ---- addresses -------------------------------------------------------------------------------

    public static long[] addr(final String literal)
    {
        try
        {
            final InetAddress a = InetAddress.getByName(literal);
            if (!(a instanceof Inet6Address))
            {
                throw new IllegalArgumentException("not IPv6: " + literal);
            }
            final ByteBuffer b = ByteBuffer.wrap(a.getAddress());
            return new long[] {b.getLong(), b.getLong()};
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalArgumentException(literal, e);
        }
    }

    public static String text(final long high, final long low)
    {
        try
        {
            return InetAddress.getByAddress(ByteBuffer.allocate(16).putLong(high).putLong(low).array()).getHostAddress();
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalStateException(e);
        }
    }

    // ---- one's-complement arithmetic, modulo 0xFFFF ----------------------------------------------

    /** Sum of the 16-bit big-endian words of {@code length} bytes (odd byte padded with zero). */
    /** The RFC 5952 text of an address (what tshark prints): lower case, longest zero run of 2+ groups as "::". */
    public static String rfc5952(final long high, final long low)
    {
        final int[] groups = new int[8];
        for (int i = 0; i < 4; i++)
        {
            groups[i] = (int)(high >>> (48 - 16 * i)) & 0xFFFF;
            groups[4 + i] = (int)(low >>> (48 - 16 * i)) & 0xFFFF;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; )
        {
            if (groups[i] != 0)
            {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0)
            {
                j++;
            }
            if (j - i > bestLength)
            {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        final StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                s.append("::");
                i += bestLength - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':')
            {
                s.append(':');
            }
            s.append(Integer.toHexString(groups[i]));
        }
        return s.toString();
    }

    public static String rfc5952(final String literal)
    {
        final long[] a = addr(literal);
        return rfc5952(a[0], a[1]);
    }

    public static long words(final byte[] b, final int offset, final int length)
    {
        long sum = 0;
        for (int i = 0; i < length; i += 2)
        {
            final int hi = b[offset + i] & 0xFF;
            final int lo = i + 1 < length ? b[offset + i + 1] & 0xFF : 0;
            sum += (hi << 8) | lo;
        }
        return sum;
    }

    public static long words(final long value)
    {
        return (value >>> 48) + ((value >>> 32) & 0xFFFF) + ((value >>> 16) & 0xFFFF) + (value & 0xFFFF);
    }

    /** The residue of an address's word sum modulo 0xFFFF (0x0000 and 0xFFFF are the same). */
    public static int addressResidue(final long high, final long low)
    {
        return (int)((words(high) + words(low)) % 0xFFFF);
    }

    // ---- frames ----------------------------------------------------------------------------------

    public static byte[] ethernet(final long dstMac, final long srcMac, final byte[] packet)
    {
        final ByteBuffer b = ByteBuffer.allocate(ETH + packet.length);
        b.putShort((short)(dstMac >>> 32)).putInt((int)dstMac);
        b.putShort((short)(srcMac >>> 32)).putInt((int)srcMac);
        b.putShort((short)0x86DD).put(packet);
        return b.array();
    }

    public static long mac(final byte[] frame, final int offset)
    {
        final ByteBuffer b = ByteBuffer.wrap(frame);
        return ((b.getShort(offset) & 0xFFFFL) << 32) | (b.getInt(offset + 2) & 0xFFFF_FFFFL);
    }

    public static int hopLimit(final byte[] frame)
    {
        return frame[ETH + 7] & 0xFF;
    }

    public static long srcHigh(final byte[] frame)
    {
        return ByteBuffer.wrap(frame).getLong(ETH + 8);
    }

    public static long srcLow(final byte[] frame)
    {
        return ByteBuffer.wrap(frame).getLong(ETH + 16);
    }

    public static long dstHigh(final byte[] frame)
    {
        return ByteBuffer.wrap(frame).getLong(ETH + 24);
    }

    public static long dstLow(final byte[] frame)
    {
        return ByteBuffer.wrap(frame).getLong(ETH + 32);
    }

    public static String dst(final byte[] frame)
    {
        return text(dstHigh(frame), dstLow(frame));
    }

    /** A copy of {@code frame} with MACs, hop limit and destination replaced. */
    public static byte[] with(final byte[] frame, final long dstMac, final long srcMac, final int hopLimit, final long dstHigh, final long dstLow)
    {
        final byte[] copy = frame.clone();
        final ByteBuffer b = ByteBuffer.wrap(copy);
        b.putShort(0, (short)(dstMac >>> 32)).putInt(2, (int)dstMac);
        b.putShort(6, (short)(srcMac >>> 32)).putInt(8, (int)srcMac);
        copy[ETH + 7] = (byte)hopLimit;
        b.putLong(ETH + 24, dstHigh).putLong(ETH + 32, dstLow);
        return copy;
    }

    // ---- walking and checking ------------------------------------------------------------------

    /**
     * Where the transport header of the IPv6 packet at {@code ip} is: {protocol, offset from
     * ip, final destination high, final destination low, fragment offset (-1 none), more}.
     * The final destination is the last segment of a Segment Routing Header with segments
     * left (RFC 8754 §4.2: Segment List[0]), else the destination address.
     */
    public record Walk(int protocol, int transportOffset, long finalHigh, long finalLow, int fragmentOffset, boolean more, int packetLength)
    {
        public boolean nonFirstFragment()
        {
            return fragmentOffset > 0;
        }
    }

    public static Walk walk(final byte[] frame)
    {
        final ByteBuffer b = ByteBuffer.wrap(frame);
        final int ip = ETH;
        final int packetLength = 40 + (b.getShort(ip + 4) & 0xFFFF);
        int nh = frame[ip + 6] & 0xFF;
        int at = 40;
        long finalHigh = b.getLong(ip + 24);
        long finalLow = b.getLong(ip + 32);
        int fragmentOffset = -1;
        boolean more = false;
        while (true)
        {
            switch (nh)
            {
                case HOP_BY_HOP, DEST_OPTIONS, ROUTING ->
                {
                    final int length = ((frame[ip + at + 1] & 0xFF) + 1) * 8;
                    if (nh == ROUTING && (frame[ip + at + 2] & 0xFF) == 4 && (frame[ip + at + 3] & 0xFF) > 0)
                    {
                        finalHigh = b.getLong(ip + at + 8);
                        finalLow = b.getLong(ip + at + 16);
                    }
                    nh = frame[ip + at] & 0xFF;
                    at += length;
                }
                case FRAGMENT ->
                {
                    final int field = b.getShort(ip + at + 2) & 0xFFFF;
                    fragmentOffset = field & 0xFFF8;
                    more = (field & 1) != 0;
                    nh = frame[ip + at] & 0xFF;
                    at += 8;
                    if (fragmentOffset > 0)
                    {
                        return new Walk(nh, at, finalHigh, finalLow, fragmentOffset, more, packetLength);
                    }
                }
                default ->
                {
                    return new Walk(nh, at, finalHigh, finalLow, fragmentOffset, more, packetLength);
                }
            }
        }
    }

    public static int checksumOffset(final int protocol)
    {
        return switch (protocol)
        {
            case TCP -> 16;
            case UDP -> 6;
            case ICMPV6 -> 2;
            default -> throw new IllegalArgumentException("no checksum in protocol " + protocol);
        };
    }

    /** The transport checksum field of an unfragmented packet or a first fragment. */
    public static int transportChecksum(final byte[] frame)
    {
        final Walk w = walk(frame);
        return ByteBuffer.wrap(frame).getShort(ETH + w.transportOffset() + checksumOffset(w.protocol())) & 0xFFFF;
    }

    /**
     * True when the transport checksum of an unfragmented packet verifies (pseudo header with
     * the final destination). A UDP checksum of zero does not verify (RFC 8200 §8.1).
     */
    public static boolean checksumValid(final byte[] frame)
    {
        final Walk w = walk(frame);
        if (w.fragmentOffset() >= 0 && (w.fragmentOffset() > 0 || w.more()))
        {
            throw new IllegalArgumentException("a fragment: reassemble first");
        }
        final int length = w.packetLength() - w.transportOffset();
        final int start = ETH + w.transportOffset();
        if (w.protocol() == UDP && transportChecksum(frame) == 0)
        {
            return false;
        }
        final long sum = words(frame, ETH + 8, 16) + words(w.finalHigh()) + words(w.finalLow()) + length + w.protocol() + words(frame, start, length);
        return sum % 0xFFFF == 0;
    }

    /**
     * A copy of an unfragmented frame with its transport checksum recomputed from scratch over
     * the current addresses (the model of adjust-transport); a UDP checksum of zero is kept.
     */
    public static byte[] recomputed(final byte[] frame)
    {
        final byte[] copy = frame.clone();
        final Walk w = walk(copy);
        final int field = ETH + w.transportOffset() + checksumOffset(w.protocol());
        if (w.protocol() == UDP && transportChecksum(copy) == 0)
        {
            return copy;
        }
        copy[field] = 0;
        copy[field + 1] = 0;
        final int length = w.packetLength() - w.transportOffset();
        final long sum = words(copy, ETH + 8, 16) + words(w.finalHigh()) + words(w.finalLow()) + length + w.protocol()
            + words(copy, ETH + w.transportOffset(), length);
        int checksum = 0xFFFF - (int)(sum % 0xFFFF);
        if (checksum == 0xFFFF)
        {
            checksum = 0;
        }
        if (checksum == 0 && w.protocol() == UDP)
        {
            checksum = 0xFFFF;
        }
        copy[field] = (byte)(checksum >>> 8);
        copy[field + 1] = (byte)checksum;
        return copy;
    }

    // ---- building --------------------------------------------------------------------------------

    public static Builder packet(final String src, final String dst)
    {
        final long[] s = addr(src);
        final long[] d = addr(dst);
        return new Builder(s[0], s[1], d[0], d[1]);
    }

    public static Builder packet(final long srcHigh, final long srcLow, final long dstHigh, final long dstLow)
    {
        return new Builder(srcHigh, srcLow, dstHigh, dstLow);
    }

    public static final class Builder
    {
        private final long srcHigh;
        private final long srcLow;
        private final long dstHigh;
        private final long dstLow;
        private int hopLimit = 64;
        private int flowLabel = 0x12345;
        private final List<Integer> extTypes = new ArrayList<>();
        private final List<byte[]> extBodies = new ArrayList<>();
        private long finalHigh;
        private long finalLow;
        private boolean finalSet;
        private int protocol = -1;
        private byte[] transport;
        private boolean zeroUdp;

        private Builder(final long srcHigh, final long srcLow, final long dstHigh, final long dstLow)
        {
            this.srcHigh = srcHigh;
            this.srcLow = srcLow;
            this.dstHigh = dstHigh;
            this.dstLow = dstLow;
        }

        public Builder hopLimit(final int value)
        {
            hopLimit = value;
            return this;
        }

        /** An 8-byte option header (Hop-by-Hop or Destination Options) with one PadN option. */
        public Builder options(final int type)
        {
            extTypes.add(type);
            extBodies.add(new byte[] {0, 0, 1, 4, 0, 0, 0, 0});
            return this;
        }

        /**
         * A Segment Routing Header (RFC 8754, routing type 4) with {@code segmentsLeft} and the
         * segment list (Segment List[0] is the final destination).
         */
        public Builder segmentRouting(final int segmentsLeft, final long[]... segments)
        {
            final ByteBuffer b = ByteBuffer.allocate(8 + 16 * segments.length);
            b.put((byte)0).put((byte)(2 * segments.length)).put((byte)4).put((byte)segmentsLeft);
            b.put((byte)(segments.length - 1)).put((byte)0).putShort((short)0);
            for (final long[] s : segments)
            {
                b.putLong(s[0]).putLong(s[1]);
            }
            extTypes.add(ROUTING);
            extBodies.add(b.array());
            if (segmentsLeft > 0)
            {
                finalHigh = segments[0][0];
                finalLow = segments[0][1];
                finalSet = true;
            }
            return this;
        }

        public Builder udp(final int srcPort, final int dstPort, final byte[] payload)
        {
            final ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
            b.putShort((short)srcPort).putShort((short)dstPort).putShort((short)(8 + payload.length)).putShort((short)0).put(payload);
            protocol = UDP;
            transport = b.array();
            return this;
        }

        public Builder udp(final int srcPort, final int dstPort, final int payload)
        {
            return udp(srcPort, dstPort, payload(payload));
        }

        public Builder zeroUdpChecksum()
        {
            zeroUdp = true;
            return this;
        }

        public Builder tcp(final int srcPort, final int dstPort, final byte[] payload)
        {
            final ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
            b.putShort((short)srcPort).putShort((short)dstPort).putInt(0x0102_0304).putInt(0x0506_0708);
            b.put((byte)0x50).put((byte)0x18).putShort((short)0xFFFF).putShort((short)0).putShort((short)0).put(payload);
            protocol = TCP;
            transport = b.array();
            return this;
        }

        public Builder tcp(final int srcPort, final int dstPort, final int payload)
        {
            return tcp(srcPort, dstPort, payload(payload));
        }

        public Builder icmpv6Echo(final int id, final int sequence, final int payload)
        {
            final ByteBuffer b = ByteBuffer.allocate(8 + payload);
            b.put((byte)128).put((byte)0).putShort((short)0).putShort((short)id).putShort((short)sequence).put(payload(payload));
            protocol = ICMPV6;
            transport = b.array();
            return this;
        }

        /** An ICMPv6 error (type 1-4) quoting {@code invoking} (an IPv6 packet without Ethernet). */
        public Builder icmpv6Error(final int type, final int code, final byte[] invoking)
        {
            final ByteBuffer b = ByteBuffer.allocate(8 + invoking.length);
            b.put((byte)type).put((byte)code).putShort((short)0).putInt(type == 2 ? 1280 : 0).put(invoking);
            protocol = ICMPV6;
            transport = b.array();
            return this;
        }

        public Builder raw(final int nextHeader, final byte[] body)
        {
            protocol = nextHeader;
            transport = body.clone();
            return this;
        }

        /** The IPv6 packet (no Ethernet header). */
        public byte[] build()
        {
            int extLength = 0;
            for (final byte[] e : extBodies)
            {
                extLength += e.length;
            }
            final int payloadLength = extLength + transport.length;
            final ByteBuffer b = ByteBuffer.allocate(40 + payloadLength);
            b.putInt(0x6000_0000 | flowLabel).putShort((short)payloadLength);
            b.put((byte)(extTypes.isEmpty() ? protocol : extTypes.get(0))).put((byte)hopLimit);
            b.putLong(srcHigh).putLong(srcLow).putLong(dstHigh).putLong(dstLow);
            for (int i = 0; i < extBodies.size(); i++)
            {
                final byte[] e = extBodies.get(i).clone();
                e[0] = (byte)(i + 1 < extTypes.size() ? extTypes.get(i + 1) : protocol);
                b.put(e);
            }
            final int start = b.position();
            b.put(transport);
            final byte[] packet = b.array();
            if (protocol == TCP || protocol == UDP || protocol == ICMPV6)
            {
                final int field = start + checksumOffset(protocol);
                if (!(protocol == UDP && zeroUdp))
                {
                    final long fh = finalSet ? finalHigh : dstHigh;
                    final long fl = finalSet ? finalLow : dstLow;
                    final long sum = words(srcHigh) + words(srcLow) + words(fh) + words(fl) + transport.length + protocol + words(packet, start, transport.length);
                    int checksum = 0xFFFF - (int)(sum % 0xFFFF);
                    if (checksum == 0xFFFF)
                    {
                        checksum = 0; // the canonical form RFC 1071 senders produce; UDP sends 0xFFFF instead
                    }
                    if (checksum == 0 && protocol == UDP)
                    {
                        checksum = 0xFFFF;
                    }
                    packet[field] = (byte)(checksum >>> 8);
                    packet[field + 1] = (byte)checksum;
                }
            }
            return packet;
        }

        public byte[] frame(final long dstMac, final long srcMac)
        {
            return ethernet(dstMac, srcMac, build());
        }
    }

    public static byte[] payload(final int length)
    {
        final byte[] p = new byte[length];
        for (int i = 0; i < length; i++)
        {
            p[i] = (byte)(i * 7 + 3);
        }
        return p;
    }

    // ---- fragments -------------------------------------------------------------------------------

    /**
     * Splits an IPv6 frame without extension headers into fragments whose fragmentable parts
     * start at the given offsets (multiples of 8, the first 0).
     */
    public static List<byte[]> fragment(final byte[] frame, final int id, final int... starts)
    {
        final ByteBuffer f = ByteBuffer.wrap(frame);
        final int protocol = frame[ETH + 6] & 0xFF;
        final int payloadLength = f.getShort(ETH + 4) & 0xFFFF;
        final List<byte[]> fragments = new ArrayList<>();
        for (int k = 0; k < starts.length; k++)
        {
            final int from = starts[k];
            final int to = k + 1 < starts.length ? starts[k + 1] : payloadLength;
            final boolean more = k + 1 < starts.length;
            final ByteBuffer b = ByteBuffer.allocate(ETH + 40 + 8 + (to - from));
            b.put(frame, 0, ETH + 40);
            b.putShort(ETH + 4, (short)(8 + to - from));
            b.put(ETH + 6, (byte)FRAGMENT);
            b.position(ETH + 40);
            b.put((byte)protocol).put((byte)0).putShort((short)(from | (more ? 1 : 0))).putInt(id);
            b.put(frame, ETH + 40 + from, to - from);
            fragments.add(b.array());
        }
        return fragments;
    }

    /** An atomic fragment (RFC 6946): a fragment header with offset 0 and M = 0. */
    public static byte[] atomicFragment(final byte[] frame, final int id)
    {
        return fragment(frame, id, 0).get(0);
    }

    /** Reassembles fragments (in order, no extension headers before the fragment header) into one frame. */
    public static byte[] reassemble(final List<byte[]> fragments)
    {
        final byte[] first = fragments.get(0);
        final int protocol = first[ETH + 40] & 0xFF;
        int total = 0;
        for (final byte[] f : fragments)
        {
            total += f.length - ETH - 48;
        }
        final ByteBuffer b = ByteBuffer.allocate(ETH + 40 + total);
        b.put(first, 0, ETH + 40);
        b.putShort(ETH + 4, (short)total);
        b.put(ETH + 6, (byte)protocol);
        b.position(ETH + 40);
        for (final byte[] f : fragments)
        {
            b.put(f, ETH + 48, f.length - ETH - 48);
        }
        return b.array();
    }

    public static byte[] stripEthernet(final byte[] frame)
    {
        return Arrays.copyOfRange(frame, ETH, frame.length);
    }
}
