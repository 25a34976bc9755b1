package dev.nve.control.bgp;

/**
 * A route distinguisher (RFC 4364 §4.2): 2 bytes of type, then 6 bytes of value split into an
 * administrator and an assigned number whose widths the type sets. Types other than 0, 1 and 2
 * are kept with the type-1/2 split (4 + 2 bytes) so that they survive a round trip.
 *
 * @param type          0: 2-octet AS : 4-octet number; 1: IPv4 address : 2-octet number;
 *                      2: 4-octet AS : 2-octet number
 * @param administrator the AS number, or the IPv4 address as an unsigned 32-bit value
 * @param assigned      the assigned number
 */
public record RouteDistinguisher(int type, long administrator, long assigned)
{
    public static final int TYPE_AS2 = 0;
    public static final int TYPE_IPV4 = 1;
    public static final int TYPE_AS4 = 2;
    static final int LENGTH = 8;

    public RouteDistinguisher
    {
        if (type < 0 || type > 0xFFFF)
        {
            throw new IllegalArgumentException("route distinguisher type " + type);
        }
        final boolean wideAdministrator = type != TYPE_AS2;
        if (administrator < 0 || administrator > (wideAdministrator ? 0xFFFF_FFFFL : 0xFFFF))
        {
            throw new IllegalArgumentException("administrator " + administrator + " does not fit type " + type);
        }
        if (assigned < 0 || assigned > (wideAdministrator ? 0xFFFF : 0xFFFF_FFFFL))
        {
            throw new IllegalArgumentException("assigned number " + assigned + " does not fit type " + type);
        }
    }

    /** Type 1, as in {@code 192.168.50.11:148}. */
    public static RouteDistinguisher ipv4(final int a, final int b, final int c, final int d, final int assigned)
    {
        final long address = (long) (a & 0xFF) << 24 | (b & 0xFF) << 16 | (c & 0xFF) << 8 | d & 0xFF;
        return new RouteDistinguisher(TYPE_IPV4, address, assigned);
    }

    static RouteDistinguisher read(final BgpReader in) throws BgpDecodeException
    {
        final int type = in.u16();
        if (type == TYPE_AS2)
        {
            return new RouteDistinguisher(type, in.u16(), in.u32());
        }
        return new RouteDistinguisher(type, in.u32(), in.u16());
    }

    void write(final BgpWriter out)
    {
        out.u16(type);
        if (type == TYPE_AS2)
        {
            out.u16((int) administrator).u32(assigned);
        }
        else
        {
            out.u32(administrator).u16((int) assigned);
        }
    }

    /** {@code 65000:100}, {@code 192.168.50.11:148}, {@code 4200000000:7}; other types prefixed with theirs. */
    @Override
    public String toString()
    {
        return switch (type)
        {
            case TYPE_AS2, TYPE_AS4 -> administrator + ":" + assigned;
            case TYPE_IPV4 -> (administrator >>> 24) + "." + (administrator >>> 16 & 0xFF) + "." + (administrator >>> 8 & 0xFF) + "."
                + (administrator & 0xFF) + ":" + assigned;
            default -> "type" + type + ":" + administrator + ":" + assigned;
        };
    }
}
