package dev.nve.control.gen;

import dev.nve.dataplane.wire.FrameBuilder;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Locale;

/**
 * The generator's test frames, one pre-built frame per flow (flows differ by UDP source port):
 * <ul>
 *   <li>{@code udp4}: Ethernet/IPv4/UDP, 60 bytes on the veth (64 with FCS), source port
 *       1024 + flow, destination port 9;</li>
 *   <li>{@code vxlan}: Ethernet/IPv4/UDP 4789/VXLAN (VNI configurable) around a 60-byte
 *       {@code udp4}-style inner frame, 110 bytes; outer source port 49152 + flow, outer UDP
 *       checksum 0 (RFC 7348);</li>
 *   <li>{@code udp6}: Ethernet/IPv6/UDP, 78 bytes, source port 1024 + flow.</li>
 * </ul>
 * Addresses are restricted to the project's ranges: IPv4 in 198.18.0.0/15 (which includes the
 * tenant range 198.19.0.0/16), IPv6 in fd00::/8 or 2001:db8::/32. Anything else is refused.
 */
public final class GenFrames
{
    public static final int UDP4_LENGTH = 60;
    public static final int VXLAN_LENGTH = 110;
    public static final int UDP6_LENGTH = 78;
    private static final int ETH_IPV4_UDP = 14 + 20 + 8;
    private static final int ETH_IPV6_UDP = 14 + 40 + 8;

    public enum Type
    {
        UDP4, VXLAN, UDP6;

        public static Type parse(final String value)
        {
            return switch (value.toLowerCase(Locale.ROOT))
            {
                case "udp4" -> UDP4;
                case "vxlan" -> VXLAN;
                case "udp6" -> UDP6;
                default -> throw new IllegalArgumentException("unknown frame type \"" + value + "\" (udp4, vxlan, udp6)");
            };
        }

        public String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Everything that goes into the frames. For {@code vxlan}, {@code srcIp/dstIp} and the MACs
     * are the outer ones and {@code inner*} describe the encapsulated frame; for the other
     * types the {@code inner*} fields are ignored. {@code length} 0 = the type's standard length.
     */
    public record Spec(Type type, long dstMac, long srcMac, String srcIp, String dstIp, int vni, long innerDstMac, long innerSrcMac,
                       String innerSrcIp, String innerDstIp, int flows, int length)
    {
    }

    private GenFrames()
    {
    }

    /** Default addresses per type: the refbench-style topology in 198.18.0.0/15 and fd00:ab::/32. */
    public static String defaultSrcIp(final Type type)
    {
        return type == Type.UDP6 ? "fd00:ab::1" : "198.18.0.1";
    }

    public static String defaultDstIp(final Type type)
    {
        return switch (type)
        {
            case UDP4 -> "198.18.1.3";
            case VXLAN -> "198.18.0.2";
            case UDP6 -> "fd00:ab:1::1";
        };
    }

    /** Builds one frame per flow; throws IllegalArgumentException naming what is not allowed. */
    public static byte[][] build(final Spec spec)
    {
        if (spec.flows() < 1 || spec.flows() > 65535 - 49152)
        {
            throw new IllegalArgumentException("--flows must be 1.." + (65535 - 49152) + ": " + spec.flows());
        }
        final byte[][] frames = new byte[spec.flows()][];
        for (int flow = 0; flow < spec.flows(); flow++)
        {
            frames[flow] = build(spec, flow);
        }
        return frames;
    }

    static byte[] build(final Spec spec, final int flow)
    {
        return switch (spec.type())
        {
            case UDP4 ->
            {
                final int length = spec.length() > 0 ? spec.length() : UDP4_LENGTH;
                checkLength(length, ETH_IPV4_UDP, "udp4");
                yield FrameBuilder.ethernet(spec.dstMac(), spec.srcMac()).ipv4(ipv4(spec.srcIp(), "--src-ip"), ipv4(spec.dstIp(), "--dst-ip"))
                    .udp(1024 + flow, 9).payload(length - ETH_IPV4_UDP).build();
            }
            case UDP6 ->
            {
                final int length = spec.length() > 0 ? spec.length() : UDP6_LENGTH;
                checkLength(length, ETH_IPV6_UDP, "udp6");
                yield FrameBuilder.ethernet(spec.dstMac(), spec.srcMac()).ipv6(ipv6(spec.srcIp(), "--src-ip"), ipv6(spec.dstIp(), "--dst-ip"))
                    .udp(1024 + flow, 9).payload(length - ETH_IPV6_UDP).build();
            }
            case VXLAN ->
            {
                if (spec.vni() < 0 || spec.vni() > 0xFF_FFFF)
                {
                    throw new IllegalArgumentException("--vni must be 0..16777215: " + spec.vni());
                }
                final int innerLength = spec.length() > 0 ? spec.length() - 50 : UDP4_LENGTH;
                checkLength(innerLength, ETH_IPV4_UDP, "inner frame of vxlan (--length minus 50)");
                final byte[] inner = FrameBuilder.ethernet(spec.innerDstMac(), spec.innerSrcMac())
                    .ipv4(ipv4(spec.innerSrcIp(), "--inner-src-ip"), ipv4(spec.innerDstIp(), "--inner-dst-ip")).udp(1024 + flow, 9)
                    .payload(innerLength - ETH_IPV4_UDP).build();
                yield FrameBuilder.vxlan(spec.dstMac(), spec.srcMac(), ipv4(spec.srcIp(), "--src-ip"), ipv4(spec.dstIp(), "--dst-ip"), 49152 + flow,
                    spec.vni(), -1, inner);
            }
        };
    }

    private static void checkLength(final int length, final int minimum, final String what)
    {
        if (length < minimum || length > 1514)
        {
            throw new IllegalArgumentException(what + " length must be " + minimum + "..1514: " + length);
        }
    }

    /** An IPv4 literal inside 198.18.0.0/15; returned unchanged. */
    public static String ipv4(final String literal, final String option)
    {
        final InetAddress address = literal(literal, option);
        if (!(address instanceof Inet4Address))
        {
            throw new IllegalArgumentException(option + " " + literal + ": this frame type needs an IPv4 address");
        }
        final byte[] b = address.getAddress();
        if ((b[0] & 0xFF) != 198 || (b[1] & 0xFE) != 18)
        {
            throw new IllegalArgumentException(option + " " + literal + ": outside 198.18.0.0/15 (the only IPv4 range nve gen sends to)");
        }
        return literal;
    }

    /** An IPv6 literal inside fd00::/8 or 2001:db8::/32; returned unchanged. */
    public static String ipv6(final String literal, final String option)
    {
        final InetAddress address = literal(literal, option);
        if (!(address instanceof Inet6Address))
        {
            throw new IllegalArgumentException(option + " " + literal + ": this frame type needs an IPv6 address");
        }
        final byte[] b = address.getAddress();
        final boolean ula = (b[0] & 0xFF) == 0xFD;
        final boolean documentation = (b[0] & 0xFF) == 0x20 && (b[1] & 0xFF) == 0x01 && (b[2] & 0xFF) == 0x0D && (b[3] & 0xFF) == 0xB8;
        if (!ula && !documentation)
        {
            throw new IllegalArgumentException(option + " " + literal + ": outside fd00::/8 and 2001:db8::/32 (the only IPv6 ranges nve gen sends to)");
        }
        return literal;
    }

    private static InetAddress literal(final String literal, final String option)
    {
        try
        {
            return InetAddress.ofLiteral(literal);
        }
        catch (final IllegalArgumentException e)
        {
            throw new IllegalArgumentException(option + ": not an IP address literal: \"" + literal + "\"");
        }
    }

    /** Parses {@code 02:00:00:00:00:01} (or with '-') into the 48-bit value. */
    public static long mac(final String text, final String option)
    {
        final String[] parts = text.split("[:-]");
        if (parts.length != 6)
        {
            throw new IllegalArgumentException(option + ": not a MAC address: \"" + text + "\"");
        }
        long mac = 0;
        for (final String part : parts)
        {
            if (part.length() != 2)
            {
                throw new IllegalArgumentException(option + ": not a MAC address: \"" + text + "\"");
            }
            try
            {
                mac = (mac << 8) | Integer.parseInt(part, 16);
            }
            catch (final NumberFormatException e)
            {
                throw new IllegalArgumentException(option + ": not a MAC address: \"" + text + "\"");
            }
        }
        return mac;
    }
}
