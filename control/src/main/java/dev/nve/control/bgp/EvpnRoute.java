package dev.nve.control.bgp;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One EVPN NLRI (RFC 7432 §7, AFI 25 / SAFI 70). Route types nve does not speak yet are kept as
 * {@link Unknown}, so that an UPDATE carrying them still decodes and the caller sees what it skipped.
 */
public sealed interface EvpnRoute
{
    int TYPE_MAC_IP = 2;
    int TYPE_INCLUSIVE_MULTICAST = 3;

    /** The route type byte. */
    int routeType();

    /**
     * Type 2, MAC/IP advertisement (RFC 7432 §7.2).
     * <p>
     * Label convention: for VXLAN, RFC 8365 §5.1.3 carries the VNI in the 3-byte MPLS label field
     * as a whole 24-bit value, so {@code vni} is the field's 24 bits, big-endian, never shifted
     * by the MPLS 20-bit/4-bit split. {@code label2}, when present, is the second field the same
     * way (the L3 VNI of symmetric IRB).
     *
     * @param esi         Ethernet segment identifier, 10 bytes
     * @param ethernetTag unsigned 32 bits
     * @param mac         the 48-bit MAC address, big-endian in the low bits
     * @param ip          null when the route carries no IP (IP length 0)
     * @param label2      null when absent
     */
    record MacIp(RouteDistinguisher rd, byte[] esi, long ethernetTag, long mac, InetAddress ip, int vni, Integer label2)
        implements EvpnRoute
    {
        public MacIp
        {
            Objects.requireNonNull(rd, "rd");
            esi = Objects.requireNonNull(esi, "esi").clone();
            if (esi.length != ESI_LENGTH)
            {
                throw new IllegalArgumentException("ESI must be 10 bytes, not " + esi.length);
            }
            requireU32(ethernetTag, "Ethernet tag");
            if (mac < 0 || mac > 0xFFFF_FFFF_FFFFL)
            {
                throw new IllegalArgumentException("MAC " + mac + " is not 48 bits");
            }
            requireLabel(vni, "VNI");
            if (label2 != null)
            {
                requireLabel(label2, "label2");
            }
        }

        /** The all-zero ESI of a single-homed site. */
        public static byte[] singleHomed()
        {
            return new byte[ESI_LENGTH];
        }

        @Override
        public byte[] esi()
        {
            return esi.clone();
        }

        @Override
        public int routeType()
        {
            return TYPE_MAC_IP;
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof MacIp m && rd.equals(m.rd) && Arrays.equals(esi, m.esi) && ethernetTag == m.ethernetTag && mac == m.mac
                && Objects.equals(ip, m.ip) && vni == m.vni && Objects.equals(label2, m.label2);
        }

        @Override
        public int hashCode()
        {
            return Objects.hash(rd, Arrays.hashCode(esi), ethernetTag, mac, ip, vni, label2);
        }

        @Override
        public String toString()
        {
            return "MacIp[rd=" + rd + ", esi=" + HexFormat.of().formatHex(esi) + ", tag=" + ethernetTag + ", mac=" + String.format("%012x", mac)
                + ", ip=" + (ip == null ? "-" : ip.getHostAddress()) + ", vni=" + vni + (label2 == null ? "" : ", label2=" + label2) + "]";
        }
    }

    /** Type 3, inclusive multicast Ethernet tag (RFC 7432 §7.3): where to send BUM traffic. */
    record InclusiveMulticast(RouteDistinguisher rd, long ethernetTag, InetAddress originator) implements EvpnRoute
    {
        public InclusiveMulticast
        {
            Objects.requireNonNull(rd, "rd");
            Objects.requireNonNull(originator, "originator");
            requireU32(ethernetTag, "Ethernet tag");
        }

        @Override
        public int routeType()
        {
            return TYPE_INCLUSIVE_MULTICAST;
        }
    }

    /** A route type this codec does not parse: the type and the value bytes, as received. */
    record Unknown(int routeType, byte[] value) implements EvpnRoute
    {
        public Unknown
        {
            if (routeType < 0 || routeType > 0xFF)
            {
                throw new IllegalArgumentException("route type " + routeType);
            }
            value = Objects.requireNonNull(value, "value").clone();
            if (value.length > 0xFF)
            {
                throw new IllegalArgumentException("route value of " + value.length + " bytes does not fit a 1-byte length");
            }
        }

        @Override
        public byte[] value()
        {
            return value.clone();
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Unknown u && routeType == u.routeType && Arrays.equals(value, u.value);
        }

        @Override
        public int hashCode()
        {
            return 31 * routeType + Arrays.hashCode(value);
        }

        @Override
        public String toString()
        {
            return "Unknown[type=" + routeType + ", value=" + HexFormat.of().formatHex(value) + "]";
        }
    }

    /** Bytes of an Ethernet segment identifier. */
    int ESI_LENGTH = 10;

    private static void requireU32(final long value, final String what)
    {
        if (value < 0 || value > 0xFFFF_FFFFL)
        {
            throw new IllegalArgumentException(what + " " + value + " is not an unsigned 32-bit value");
        }
    }

    private static void requireLabel(final int value, final String what)
    {
        if (value < 0 || value > 0xFF_FFFF)
        {
            throw new IllegalArgumentException(what + " " + value + " does not fit the 24-bit label field");
        }
    }
}
