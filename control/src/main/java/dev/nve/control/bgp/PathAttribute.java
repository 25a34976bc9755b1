package dev.nve.control.bgp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * A path attribute of an UPDATE (RFC 4271 §5 and the RFCs named per record). Known attributes
 * are typed and encoded with their standard flags; anything else is {@link Unknown}, kept with
 * the flags it arrived with so that it can be passed on unchanged.
 */
public sealed interface PathAttribute permits PathAttribute.Origin, PathAttribute.AsPath, PathAttribute.As4Path, PathAttribute.NextHop,
    PathAttribute.LocalPref, MpReach, MpUnreach, PathAttribute.ExtendedCommunities, PathAttribute.PmsiTunnel, PathAttribute.Unknown
{
    int FLAG_OPTIONAL = 0x80;
    int FLAG_TRANSITIVE = 0x40;
    int FLAG_PARTIAL = 0x20;
    int FLAG_EXTENDED_LENGTH = 0x10;

    int ORIGIN = 1;
    int AS_PATH = 2;
    int NEXT_HOP = 3;
    int LOCAL_PREF = 5;
    int MP_REACH_NLRI = 14;
    int MP_UNREACH_NLRI = 15;
    int EXTENDED_COMMUNITIES = 16;
    int AS4_PATH = 17;
    int PMSI_TUNNEL = 22;

    /** The attribute type code. */
    int typeCode();

    /** ORIGIN: 0 IGP, 1 EGP, 2 INCOMPLETE. */
    record Origin(int origin) implements PathAttribute
    {
        public Origin
        {
            if (origin < 0 || origin > 2)
            {
                throw new IllegalArgumentException("origin " + origin);
            }
        }

        @Override
        public int typeCode()
        {
            return ORIGIN;
        }
    }

    /** One AS_PATH segment: 1 AS_SET, 2 AS_SEQUENCE, 3/4 the confederation kinds (RFC 5065). */
    record Segment(int type, List<Long> asns)
    {
        public Segment
        {
            if (type < 1 || type > 4)
            {
                throw new IllegalArgumentException("AS_PATH segment type " + type);
            }
            asns = List.copyOf(asns);
            if (asns.isEmpty() || asns.size() > 255)
            {
                throw new IllegalArgumentException("AS_PATH segment of " + asns.size() + " ASes");
            }
            if (asns.stream().anyMatch(as -> as < 0 || as > 0xFFFF_FFFFL))
            {
                throw new IllegalArgumentException("AS number out of 32 bits in " + asns);
            }
        }
    }

    /** AS_PATH; its AS numbers are 2 or 4 bytes wide as the session negotiated (RFC 6793). */
    record AsPath(List<Segment> segments) implements PathAttribute
    {
        public AsPath
        {
            segments = List.copyOf(segments);
        }

        @Override
        public int typeCode()
        {
            return AS_PATH;
        }
    }

    /** AS4_PATH (RFC 6793 §3): the 4-byte path a 2-byte-only session carries alongside AS_PATH. */
    record As4Path(List<Segment> segments) implements PathAttribute
    {
        public As4Path
        {
            segments = List.copyOf(segments);
        }

        @Override
        public int typeCode()
        {
            return AS4_PATH;
        }
    }

    record NextHop(Inet4Address address) implements PathAttribute
    {
        public NextHop
        {
            Objects.requireNonNull(address, "address");
        }

        @Override
        public int typeCode()
        {
            return NEXT_HOP;
        }
    }

    record LocalPref(long preference) implements PathAttribute
    {
        public LocalPref
        {
            if (preference < 0 || preference > 0xFFFF_FFFFL)
            {
                throw new IllegalArgumentException("LOCAL_PREF " + preference);
            }
        }

        @Override
        public int typeCode()
        {
            return LOCAL_PREF;
        }
    }

    record ExtendedCommunities(List<ExtendedCommunity> communities) implements PathAttribute
    {
        public ExtendedCommunities
        {
            communities = List.copyOf(communities);
        }

        @Override
        public int typeCode()
        {
            return EXTENDED_COMMUNITIES;
        }
    }

    /**
     * PMSI tunnel (RFC 6514 §5, RFC 7432 §11.2): how BUM traffic reaches the originator. Tunnel
     * type 6 is ingress replication, whose tunnel id is the originator's IP; {@code label} is the
     * 24-bit label field, carrying the VNI for VXLAN as in {@link EvpnRoute.MacIp}.
     */
    record PmsiTunnel(int flags, int tunnelType, int label, byte[] tunnelId) implements PathAttribute
    {
        public static final int INGRESS_REPLICATION = 6;

        public PmsiTunnel
        {
            if (flags < 0 || flags > 0xFF || tunnelType < 0 || tunnelType > 0xFF || label < 0 || label > 0xFF_FFFF)
            {
                throw new IllegalArgumentException("PMSI tunnel flags " + flags + " type " + tunnelType + " label " + label);
            }
            tunnelId = Objects.requireNonNull(tunnelId, "tunnelId").clone();
        }

        public static PmsiTunnel ingressReplication(final int vni, final InetAddress endpoint)
        {
            return new PmsiTunnel(0, INGRESS_REPLICATION, vni, endpoint.getAddress());
        }

        @Override
        public byte[] tunnelId()
        {
            return tunnelId.clone();
        }

        @Override
        public int typeCode()
        {
            return PMSI_TUNNEL;
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof PmsiTunnel p && flags == p.flags && tunnelType == p.tunnelType && label == p.label && Arrays.equals(tunnelId, p.tunnelId);
        }

        @Override
        public int hashCode()
        {
            return Objects.hash(flags, tunnelType, label, Arrays.hashCode(tunnelId));
        }

        @Override
        public String toString()
        {
            return "PmsiTunnel[flags=" + flags + ", type=" + tunnelType + ", label=" + label + ", id=" + HexFormat.of().formatHex(tunnelId) + "]";
        }
    }

    /** Any other attribute: flags as received (extended length is recomputed on encode), type, value. */
    record Unknown(int flags, int typeCode, byte[] value) implements PathAttribute
    {
        public Unknown
        {
            if (flags < 0 || flags > 0xFF || typeCode < 0 || typeCode > 0xFF)
            {
                throw new IllegalArgumentException("attribute flags " + flags + " type " + typeCode);
            }
            flags &= ~FLAG_EXTENDED_LENGTH;
            value = Objects.requireNonNull(value, "value").clone();
        }

        @Override
        public byte[] value()
        {
            return value.clone();
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Unknown u && flags == u.flags && typeCode == u.typeCode && Arrays.equals(value, u.value);
        }

        @Override
        public int hashCode()
        {
            return Objects.hash(flags, typeCode, Arrays.hashCode(value));
        }

        @Override
        public String toString()
        {
            return "Unknown[flags=" + flags + ", type=" + typeCode + ", value=" + HexFormat.of().formatHex(value) + "]";
        }
    }
}
