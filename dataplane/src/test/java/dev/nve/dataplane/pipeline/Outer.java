package dev.nve.dataplane.pipeline;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A parsed VXLAN frame as a test reads it (independent of the flyweights under test): outer
 * Ethernet, IPv4 or IPv6, UDP and VXLAN fields, the inner frame, and checksum verification
 * with a reference one's-complement sum.
 */
public record Outer(byte[] frame, boolean ipv6, long dstMac, long srcMac, int etherType, int ipOffset, int udpOffset)
{
    public static Outer parse(final byte[] frame)
    {
        final ByteBuffer b = ByteBuffer.wrap(frame);
        final long dst = mac(frame, 0);
        final long src = mac(frame, 6);
        final int type = b.getShort(12) & 0xFFFF;
        final boolean v6 = type == 0x86DD;
        if (!v6 && type != 0x0800)
        {
            throw new AssertionError("outer EtherType " + Integer.toHexString(type));
        }
        final int udp = v6 ? 14 + 40 : 14 + ((frame[14] & 0x0F) << 2);
        return new Outer(frame, v6, dst, src, type, 14, udp);
    }

    public static long mac(final byte[] frame, final int offset)
    {
        long mac = 0;
        for (int i = 0; i < 6; i++)
        {
            mac = (mac << 8) | (frame[offset + i] & 0xFF);
        }
        return mac;
    }

    int u8(final int offset)
    {
        return frame[offset] & 0xFF;
    }

    int u16(final int offset)
    {
        return ((frame[offset] & 0xFF) << 8) | (frame[offset + 1] & 0xFF);
    }

    public InetAddress source()
    {
        return address(ipv6 ? ipOffset + 8 : ipOffset + 12);
    }

    public InetAddress destination()
    {
        return address(ipv6 ? ipOffset + 24 : ipOffset + 16);
    }

    private InetAddress address(final int offset)
    {
        try
        {
            return InetAddress.getByAddress(Arrays.copyOfRange(frame, offset, offset + (ipv6 ? 16 : 4)));
        }
        catch (final UnknownHostException e)
        {
            throw new AssertionError(e);
        }
    }

    // IPv4
    public int versionIhl()
    {
        return u8(ipOffset);
    }

    public int tos()
    {
        return u8(ipOffset + 1);
    }

    public int totalLength()
    {
        return u16(ipOffset + 2);
    }

    public int flagsFragment()
    {
        return u16(ipOffset + 6);
    }

    public int ttl()
    {
        return ipv6 ? u8(ipOffset + 7) : u8(ipOffset + 8);
    }

    public int protocol()
    {
        return ipv6 ? u8(ipOffset + 6) : u8(ipOffset + 9);
    }

    public boolean ipv4ChecksumValid()
    {
        return foldedSum(frame, ipOffset, 20, 0) == 0xFFFF;
    }

    // IPv6
    public int versionClassFlow()
    {
        return ByteBuffer.wrap(frame).getInt(ipOffset);
    }

    public int payloadLength()
    {
        return u16(ipOffset + 4);
    }

    // UDP
    public int sourcePort()
    {
        return u16(udpOffset);
    }

    public int destinationPort()
    {
        return u16(udpOffset + 2);
    }

    public int udpLength()
    {
        return u16(udpOffset + 4);
    }

    public int udpChecksum()
    {
        return u16(udpOffset + 6);
    }

    /** UDP checksum over the IPv6 pseudo header (RFC 8200 §8.1) verifies. */
    public boolean udpChecksumValidV6()
    {
        final int length = udpLength();
        long pseudo = 17 + length;
        final int fold = foldedSum(frame, ipOffset + 8, 32, pseudo);
        return foldedSum(frame, udpOffset, length, fold) == 0xFFFF;
    }

    // VXLAN
    public int vxlanOffset()
    {
        return udpOffset + 8;
    }

    public int vxlanFlags()
    {
        return u8(vxlanOffset());
    }

    public int gbpFlags()
    {
        return u8(vxlanOffset() + 1);
    }

    public int groupPolicyId()
    {
        return u16(vxlanOffset() + 2);
    }

    public int vni()
    {
        return (u16(vxlanOffset() + 4) << 8) | u8(vxlanOffset() + 6);
    }

    public int vxlanLastReserved()
    {
        return u8(vxlanOffset() + 7);
    }

    public byte[] inner()
    {
        return Arrays.copyOfRange(frame, vxlanOffset() + 8, frame.length);
    }

    public int headerLength()
    {
        return vxlanOffset() + 8;
    }

    /** Reference one's-complement sum, folded to 16 bits (no complement). */
    public static int foldedSum(final byte[] bytes, final int offset, final int length, final long start)
    {
        long sum = start;
        for (int i = 0; i < length; i += 2)
        {
            final int hi = bytes[offset + i] & 0xFF;
            final int lo = i + 1 < length ? bytes[offset + i + 1] & 0xFF : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)sum;
    }
}
