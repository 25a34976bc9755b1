package dev.nve.control.bgp;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * MP_REACH_NLRI (RFC 4760 §3). {@code nextHop} holds the next hop field's bytes (4 or 16 for
 * EVPN; 32 for an IPv6 global + link-local pair). {@code routes} holds the parsed routes for
 * AFI 25 / SAFI 70 (and {@code nlri} is then empty); other families keep {@code nlri} raw.
 */
public record MpReach(int afi, int safi, byte[] nextHop, List<EvpnRoute> routes, byte[] nlri) implements PathAttribute
{
    public MpReach
    {
        nextHop = Objects.requireNonNull(nextHop, "nextHop").clone();
        routes = List.copyOf(routes);
        nlri = Objects.requireNonNull(nlri, "nlri").clone();
        MpUnreach.check(afi, safi, routes, nlri);
        if (nextHop.length > 0xFF)
        {
            throw new IllegalArgumentException("next hop of " + nextHop.length + " bytes");
        }
    }

    /** EVPN routes reachable through {@code nextHop} (the VTEP address). */
    public static MpReach evpn(final InetAddress nextHop, final List<EvpnRoute> routes)
    {
        return new MpReach(EvpnCodec.AFI_L2VPN, EvpnCodec.SAFI_EVPN, nextHop.getAddress(), routes, new byte[0]);
    }

    @Override
    public byte[] nextHop()
    {
        return nextHop.clone();
    }

    @Override
    public byte[] nlri()
    {
        return nlri.clone();
    }

    @Override
    public int typeCode()
    {
        return MP_REACH_NLRI;
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof MpReach m && afi == m.afi && safi == m.safi && Arrays.equals(nextHop, m.nextHop) && routes.equals(m.routes)
            && Arrays.equals(nlri, m.nlri);
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(afi, safi, Arrays.hashCode(nextHop), routes, Arrays.hashCode(nlri));
    }

    @Override
    public String toString()
    {
        return "MpReach[afi=" + afi + ", safi=" + safi + ", nextHop=" + HexFormat.of().formatHex(nextHop) + ", routes=" + routes + ", nlri="
            + HexFormat.of().formatHex(nlri) + "]";
    }
}
