package dev.nve.control.bgp;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** MP_UNREACH_NLRI (RFC 4760 §4): withdrawn routes, parsed for EVPN as in {@link MpReach}. */
public record MpUnreach(int afi, int safi, List<EvpnRoute> routes, byte[] nlri) implements PathAttribute
{
    public MpUnreach
    {
        routes = List.copyOf(routes);
        nlri = Objects.requireNonNull(nlri, "nlri").clone();
        check(afi, safi, routes, nlri);
    }

    public static MpUnreach evpn(final List<EvpnRoute> routes)
    {
        return new MpUnreach(EvpnCodec.AFI_L2VPN, EvpnCodec.SAFI_EVPN, routes, new byte[0]);
    }

    /** Whether the family is EVPN, whose routes are parsed rather than kept raw. */
    static boolean isEvpn(final int afi, final int safi)
    {
        return afi == EvpnCodec.AFI_L2VPN && safi == EvpnCodec.SAFI_EVPN;
    }

    static void check(final int afi, final int safi, final List<EvpnRoute> routes, final byte[] nlri)
    {
        if (afi < 0 || afi > 0xFFFF || safi < 0 || safi > 0xFF)
        {
            throw new IllegalArgumentException("AFI " + afi + " SAFI " + safi);
        }
        if (isEvpn(afi, safi) ? nlri.length != 0 : !routes.isEmpty())
        {
            throw new IllegalArgumentException("EVPN routes go in routes, other families' NLRI in nlri");
        }
    }

    @Override
    public byte[] nlri()
    {
        return nlri.clone();
    }

    @Override
    public int typeCode()
    {
        return MP_UNREACH_NLRI;
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof MpUnreach m && afi == m.afi && safi == m.safi && routes.equals(m.routes) && Arrays.equals(nlri, m.nlri);
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(afi, safi, routes, Arrays.hashCode(nlri));
    }
}
