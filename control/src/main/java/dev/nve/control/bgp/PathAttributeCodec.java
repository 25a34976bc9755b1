package dev.nve.control.bgp;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;

import static dev.nve.control.bgp.BgpDecodeException.ATTRIBUTE_LENGTH_ERROR;
import static dev.nve.control.bgp.BgpDecodeException.INVALID_ORIGIN_ATTRIBUTE;
import static dev.nve.control.bgp.BgpDecodeException.MALFORMED_AS_PATH;
import static dev.nve.control.bgp.BgpDecodeException.MALFORMED_ATTRIBUTE_LIST;
import static dev.nve.control.bgp.BgpDecodeException.OPTIONAL_ATTRIBUTE_ERROR;
import static dev.nve.control.bgp.BgpDecodeException.UPDATE_MESSAGE_ERROR;

/**
 * The path attribute list of an UPDATE (RFC 4271 §4.3): per attribute flags (1 byte), type
 * (1 byte), length (1 byte, or 2 big-endian with the extended length flag), value. An attribute
 * that overruns the list, or appears twice, makes the list malformed (3/1); a value that does not
 * fit its type is a length (3/5) or optional attribute (3/9) error.
 */
final class PathAttributeCodec
{
    private static final int WELL_KNOWN = PathAttribute.FLAG_TRANSITIVE;
    private static final int OPTIONAL_TRANSITIVE = PathAttribute.FLAG_OPTIONAL | PathAttribute.FLAG_TRANSITIVE;
    private static final int EXTENDED_COMMUNITY_LENGTH = 8;
    private static final int PMSI_FIXED_LENGTH = 5;
    /** Stands in for a 4-byte AS on a 2-byte session (RFC 6793 §9). */
    static final int AS_TRANS = 23456;

    private PathAttributeCodec()
    {
    }

    static List<PathAttribute> decode(final BgpReader in, final boolean fourOctetAs) throws BgpDecodeException
    {
        final List<PathAttribute> attributes = new ArrayList<>();
        final boolean[] seen = new boolean[256];
        while (in.hasRemaining())
        {
            final int flags = in.u8();
            final int type = in.u8();
            final int length = (flags & PathAttribute.FLAG_EXTENDED_LENGTH) != 0 ? in.u16() : in.u8();
            if (seen[type])
            {
                throw in.error("attribute " + type + " appears twice");
            }
            seen[type] = true;
            final BgpReader value = in.field(length, UPDATE_MESSAGE_ERROR, MALFORMED_ATTRIBUTE_LIST, "attribute " + type);
            attributes.add(decodeOne(flags, type, value, fourOctetAs));
        }
        return attributes;
    }

    private static PathAttribute decodeOne(final int flags, final int type, final BgpReader raw, final boolean fourOctetAs) throws BgpDecodeException
    {
        final int length = raw.remaining();
        final BgpReader value = raw.field(length, UPDATE_MESSAGE_ERROR, ATTRIBUTE_LENGTH_ERROR, "attribute " + type);
        return switch (type)
        {
            case PathAttribute.ORIGIN -> origin(exactly(value, 1));
            case PathAttribute.AS_PATH -> new PathAttribute.AsPath(segments(value, fourOctetAs ? 4 : 2));
            case PathAttribute.AS4_PATH -> new PathAttribute.As4Path(segments(value, 4));
            case PathAttribute.NEXT_HOP -> new PathAttribute.NextHop((Inet4Address) exactly(value, 4).address(4));
            case PathAttribute.LOCAL_PREF -> new PathAttribute.LocalPref(exactly(value, 4).u32());
            case PathAttribute.MP_REACH_NLRI -> mpReach(optional(value, type));
            case PathAttribute.MP_UNREACH_NLRI -> mpUnreach(optional(value, type));
            case PathAttribute.EXTENDED_COMMUNITIES -> extendedCommunities(optional(value, type));
            case PathAttribute.PMSI_TUNNEL -> pmsiTunnel(optional(value, type));
            default -> new PathAttribute.Unknown(flags, type, value.rest());
        };
    }

    private static BgpReader exactly(final BgpReader value, final int length) throws BgpDecodeException
    {
        if (value.remaining() != length)
        {
            throw value.error("length " + value.remaining() + ", expected " + length);
        }
        return value;
    }

    /** Re-reads an optional attribute's value so that its errors are optional attribute errors (3/9). */
    private static BgpReader optional(final BgpReader value, final int type) throws BgpDecodeException
    {
        return value.field(value.remaining(), UPDATE_MESSAGE_ERROR, OPTIONAL_ATTRIBUTE_ERROR, "attribute " + type);
    }

    private static PathAttribute origin(final BgpReader value) throws BgpDecodeException
    {
        final int origin = value.u8();
        if (origin > 2)
        {
            throw new BgpDecodeException(UPDATE_MESSAGE_ERROR, INVALID_ORIGIN_ATTRIBUTE, "ORIGIN " + origin);
        }
        return new PathAttribute.Origin(origin);
    }

    private static List<PathAttribute.Segment> segments(final BgpReader raw, final int asWidth) throws BgpDecodeException
    {
        final BgpReader in = raw.field(raw.remaining(), UPDATE_MESSAGE_ERROR, MALFORMED_AS_PATH, "AS_PATH");
        final List<PathAttribute.Segment> segments = new ArrayList<>();
        while (in.hasRemaining())
        {
            final int type = in.u8();
            final int count = in.u8();
            if (type < 1 || type > 4 || count == 0)
            {
                throw in.error("segment type " + type + " with " + count + " ASes");
            }
            final List<Long> asns = new ArrayList<>(count);
            for (int i = 0; i < count; i++)
            {
                asns.add(asWidth == 4 ? in.u32() : in.u16());
            }
            segments.add(new PathAttribute.Segment(type, asns));
        }
        return segments;
    }

    private static PathAttribute mpReach(final BgpReader in) throws BgpDecodeException
    {
        final int afi = in.u16();
        final int safi = in.u8();
        final byte[] nextHop = in.bytes(in.u8());
        in.u8();
        final byte[] nlri = in.rest();
        final boolean evpn = MpUnreach.isEvpn(afi, safi);
        return new MpReach(afi, safi, nextHop, evpn ? EvpnCodec.decode(nlri) : List.of(), evpn ? new byte[0] : nlri);
    }

    private static PathAttribute mpUnreach(final BgpReader in) throws BgpDecodeException
    {
        final int afi = in.u16();
        final int safi = in.u8();
        final byte[] nlri = in.rest();
        final boolean evpn = MpUnreach.isEvpn(afi, safi);
        return new MpUnreach(afi, safi, evpn ? EvpnCodec.decode(nlri) : List.of(), evpn ? new byte[0] : nlri);
    }

    private static PathAttribute extendedCommunities(final BgpReader in) throws BgpDecodeException
    {
        if (in.remaining() % EXTENDED_COMMUNITY_LENGTH != 0)
        {
            throw in.error("length " + in.remaining() + " is not a multiple of 8");
        }
        final List<ExtendedCommunity> communities = new ArrayList<>();
        while (in.hasRemaining())
        {
            communities.add(ExtendedCommunity.of(in.u64()));
        }
        return new PathAttribute.ExtendedCommunities(communities);
    }

    private static PathAttribute pmsiTunnel(final BgpReader in) throws BgpDecodeException
    {
        if (in.remaining() < PMSI_FIXED_LENGTH)
        {
            throw in.error("length " + in.remaining() + ", at least 5 expected");
        }
        return new PathAttribute.PmsiTunnel(in.u8(), in.u8(), in.u24(), in.rest());
    }

    static void encode(final List<PathAttribute> attributes, final boolean fourOctetAs, final BgpWriter out)
    {
        for (final PathAttribute attribute : attributes)
        {
            final BgpWriter value = new BgpWriter();
            final int flags = switch (attribute)
            {
                case PathAttribute.Origin o ->
                {
                    value.u8(o.origin());
                    yield WELL_KNOWN;
                }
                case PathAttribute.AsPath p ->
                {
                    writeSegments(p.segments(), fourOctetAs ? 4 : 2, value);
                    yield WELL_KNOWN;
                }
                case PathAttribute.As4Path p ->
                {
                    writeSegments(p.segments(), 4, value);
                    yield OPTIONAL_TRANSITIVE;
                }
                case PathAttribute.NextHop n ->
                {
                    value.address(n.address());
                    yield WELL_KNOWN;
                }
                case PathAttribute.LocalPref l ->
                {
                    value.u32(l.preference());
                    yield WELL_KNOWN;
                }
                case MpReach m ->
                {
                    final byte[] nextHop = m.nextHop();
                    value.u16(m.afi()).u8(m.safi()).u8(nextHop.length).bytes(nextHop).u8(0);
                    value.bytes(MpUnreach.isEvpn(m.afi(), m.safi()) ? EvpnCodec.encode(m.routes()) : m.nlri());
                    yield PathAttribute.FLAG_OPTIONAL;
                }
                case MpUnreach m ->
                {
                    value.u16(m.afi()).u8(m.safi());
                    value.bytes(MpUnreach.isEvpn(m.afi(), m.safi()) ? EvpnCodec.encode(m.routes()) : m.nlri());
                    yield PathAttribute.FLAG_OPTIONAL;
                }
                case PathAttribute.ExtendedCommunities e ->
                {
                    e.communities().forEach(c -> value.u64(c.value()));
                    yield OPTIONAL_TRANSITIVE;
                }
                case PathAttribute.PmsiTunnel p ->
                {
                    value.u8(p.flags()).u8(p.tunnelType()).u24(p.label()).bytes(p.tunnelId());
                    yield OPTIONAL_TRANSITIVE;
                }
                case PathAttribute.Unknown u ->
                {
                    value.bytes(u.value());
                    yield u.flags();
                }
            };
            final int length = value.size();
            if (length > 0xFFFF)
            {
                throw new IllegalArgumentException("attribute " + attribute.typeCode() + " of " + length + " bytes");
            }
            if (length > 0xFF)
            {
                out.u8(flags | PathAttribute.FLAG_EXTENDED_LENGTH).u8(attribute.typeCode()).u16(length);
            }
            else
            {
                out.u8(flags).u8(attribute.typeCode()).u8(length);
            }
            out.bytes(value.toByteArray());
        }
    }

    private static void writeSegments(final List<PathAttribute.Segment> segments, final int asWidth, final BgpWriter out)
    {
        for (final PathAttribute.Segment segment : segments)
        {
            out.u8(segment.type()).u8(segment.asns().size());
            for (final long as : segment.asns())
            {
                if (asWidth == 4)
                {
                    out.u32(as);
                }
                else
                {
                    out.u16(as > 0xFFFF ? AS_TRANS : (int) as);
                }
            }
        }
    }
}
