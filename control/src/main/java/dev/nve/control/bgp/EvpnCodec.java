package dev.nve.control.bgp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import static dev.nve.control.bgp.BgpDecodeException.INVALID_NETWORK_FIELD;
import static dev.nve.control.bgp.BgpDecodeException.UPDATE_MESSAGE_ERROR;

/**
 * The EVPN NLRI list inside MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 7432 §7): route type (1 byte),
 * length (1 byte), value. Lengths come from the wire, so a route of an unknown type is skipped
 * whole and kept raw; a known type whose value does not parse is an invalid network field (3/10).
 */
public final class EvpnCodec
{
    public static final int AFI_L2VPN = 25;
    public static final int SAFI_EVPN = 70;
    private static final int MAC_LENGTH_BITS = 48;
    private static final int LABEL_LENGTH = 3;

    private EvpnCodec()
    {
    }

    /** Decodes every route of an NLRI field; never returns part of a list. */
    public static List<EvpnRoute> decode(final byte[] nlri) throws BgpDecodeException
    {
        final BgpReader in = BgpReader.of(nlri, UPDATE_MESSAGE_ERROR, INVALID_NETWORK_FIELD, "EVPN NLRI");
        final List<EvpnRoute> routes = new ArrayList<>();
        while (in.hasRemaining())
        {
            final int type = in.u8();
            final int length = in.u8();
            final BgpReader value = in.field(length, UPDATE_MESSAGE_ERROR, INVALID_NETWORK_FIELD, "EVPN route type " + type);
            routes.add(switch (type)
            {
                case EvpnRoute.TYPE_MAC_IP -> macIp(value);
                case EvpnRoute.TYPE_INCLUSIVE_MULTICAST -> inclusiveMulticast(value);
                default -> new EvpnRoute.Unknown(type, value.rest());
            });
        }
        return routes;
    }

    /** Encodes routes back to back, each with its type and length. */
    public static byte[] encode(final List<EvpnRoute> routes)
    {
        final BgpWriter out = new BgpWriter();
        for (final EvpnRoute route : routes)
        {
            final byte[] value = switch (route)
            {
                case EvpnRoute.MacIp m -> macIp(m);
                case EvpnRoute.InclusiveMulticast im -> inclusiveMulticast(im);
                case EvpnRoute.Unknown u -> u.value();
            };
            out.u8(route.routeType()).u8(value.length).bytes(value);
        }
        return out.toByteArray();
    }

    private static EvpnRoute.MacIp macIp(final BgpReader in) throws BgpDecodeException
    {
        final RouteDistinguisher rd = RouteDistinguisher.read(in);
        final byte[] esi = in.bytes(EvpnRoute.ESI_LENGTH);
        final long tag = in.u32();
        final int macBits = in.u8();
        if (macBits != MAC_LENGTH_BITS)
        {
            throw in.error("MAC length " + macBits + " bits, expected 48");
        }
        final long mac = in.u48();
        final InetAddress ip = optionalAddress(in);
        final int label1 = in.u24();
        final Integer label2 = in.remaining() == LABEL_LENGTH ? in.u24() : null;
        if (in.hasRemaining())
        {
            throw in.error(in.remaining() + " bytes after the labels");
        }
        return new EvpnRoute.MacIp(rd, esi, tag, mac, ip, label1, label2);
    }

    private static EvpnRoute.InclusiveMulticast inclusiveMulticast(final BgpReader in) throws BgpDecodeException
    {
        final RouteDistinguisher rd = RouteDistinguisher.read(in);
        final long tag = in.u32();
        final InetAddress originator = optionalAddress(in);
        if (originator == null)
        {
            throw in.error("no originating router IP");
        }
        if (in.hasRemaining())
        {
            throw in.error(in.remaining() + " bytes after the originating router IP");
        }
        return new EvpnRoute.InclusiveMulticast(rd, tag, originator);
    }

    /** An IP length in bits (0, 32 or 128) and the address; null for 0. */
    private static InetAddress optionalAddress(final BgpReader in) throws BgpDecodeException
    {
        final int bits = in.u8();
        return switch (bits)
        {
            case 0 -> null;
            case 32, 128 -> in.address(bits / 8);
            default -> throw in.error("IP length " + bits + " bits, expected 0, 32 or 128");
        };
    }

    private static byte[] macIp(final EvpnRoute.MacIp m)
    {
        final BgpWriter out = new BgpWriter();
        m.rd().write(out);
        out.bytes(m.esi()).u32(m.ethernetTag()).u8(MAC_LENGTH_BITS).u48(m.mac());
        writeOptionalAddress(out, m.ip());
        out.u24(m.vni());
        if (m.label2() != null)
        {
            out.u24(m.label2());
        }
        return out.toByteArray();
    }

    private static byte[] inclusiveMulticast(final EvpnRoute.InclusiveMulticast im)
    {
        final BgpWriter out = new BgpWriter();
        im.rd().write(out);
        out.u32(im.ethernetTag());
        writeOptionalAddress(out, im.originator());
        return out.toByteArray();
    }

    private static void writeOptionalAddress(final BgpWriter out, final InetAddress ip)
    {
        if (ip == null)
        {
            out.u8(0);
            return;
        }
        out.u8(ip instanceof Inet4Address ? 32 : 128).address(ip);
    }
}
