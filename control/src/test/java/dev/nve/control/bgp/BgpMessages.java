package dev.nve.control.bgp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Valid messages of every type and attribute, for the round-trip and robustness tests. */
final class BgpMessages
{
    private BgpMessages()
    {
    }

    static InetAddress ip(final String literal)
    {
        try
        {
            return InetAddress.getByName(literal);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalArgumentException(literal, e);
        }
    }

    static BgpMessage.Open evpnOpen()
    {
        return new BgpMessage.Open(4, 4200000001L, 90, 0x0A000001L,
            List.of(Capability.Multiprotocol.evpn(), new Capability.FourOctetAs(4200000001L), new Capability.Unknown(2, new byte[0])));
    }

    static BgpMessage.Update macIpUpdate()
    {
        final RouteDistinguisher rd = RouteDistinguisher.ipv4(10, 0, 0, 1, 148);
        final EvpnRoute.MacIp v4 = new EvpnRoute.MacIp(rd, EvpnRoute.MacIp.singleHomed(), 0, 0x52da46137e7dL, ip("10.1.2.8"), 136, null);
        final EvpnRoute.MacIp v6 = new EvpnRoute.MacIp(rd, EvpnRoute.MacIp.singleHomed(), 0, 0x52da46137e7dL, ip("fd00::8"), 136, 9000);
        return BgpMessage.Update.of(List.of(new PathAttribute.Origin(0),
            new PathAttribute.AsPath(List.of(new PathAttribute.Segment(2, List.of(4200000001L, 65001L)))),
            new PathAttribute.LocalPref(100),
            new PathAttribute.ExtendedCommunities(List.of(ExtendedCommunity.RouteTarget.as2(65000, 101),
                new ExtendedCommunity.Encapsulation(ExtendedCommunity.Encapsulation.VXLAN), new ExtendedCommunity.MacMobility(1, 7),
                new ExtendedCommunity.RouteTarget(ExtendedCommunity.TYPE_AS4, 4200000001L, 101), new ExtendedCommunity.Raw(0x0300000000000000L))),
            MpReach.evpn(ip("10.0.0.1"), List.of(v4, v6))));
    }

    static BgpMessage.Update inclusiveMulticastUpdate()
    {
        final InetAddress vtep = ip("10.0.0.1");
        return BgpMessage.Update.of(List.of(new PathAttribute.Origin(2), new PathAttribute.AsPath(List.of()),
            MpReach.evpn(vtep, List.of(new EvpnRoute.InclusiveMulticast(RouteDistinguisher.ipv4(10, 0, 0, 1, 148), 0, vtep))),
            new PathAttribute.ExtendedCommunities(List.of(ExtendedCommunity.RouteTarget.as2(65000, 101))),
            PathAttribute.PmsiTunnel.ingressReplication(136, vtep)));
    }

    static BgpMessage.Update withdrawal()
    {
        return BgpMessage.Update.of(List.of(MpUnreach.evpn(List.of(
            new EvpnRoute.MacIp(new RouteDistinguisher(0, 65000, 1), EvpnRoute.MacIp.singleHomed(), 0, 1, null, 136, null),
            new EvpnRoute.Unknown(4, new byte[] {1, 2, 3})))));
    }

    /** IPv4 unicast with the classic fields, AS4_PATH, a raw MP family and an unknown attribute. */
    static BgpMessage.Update ipv4Update()
    {
        return new BgpMessage.Update(List.of(new BgpMessage.Ipv4Prefix(new byte[] {10, 9}, 16), new BgpMessage.Ipv4Prefix(new byte[0], 0)),
            List.of(new PathAttribute.Origin(1),
                new PathAttribute.AsPath(List.of(new PathAttribute.Segment(2, List.of(65001L, 23456L)), new PathAttribute.Segment(1, List.of(7L, 8L)))),
                new PathAttribute.NextHop((Inet4Address) ip("192.0.2.1")),
                new PathAttribute.As4Path(List.of(new PathAttribute.Segment(2, List.of(65001L, 4200000001L)))),
                new MpReach(2, 1, ip("2001:db8::1").getAddress(), List.of(), new byte[] {32, 0x20, 0x01, 0x0d, (byte) 0xb8}),
                new MpUnreach(1, 128, List.of(), new byte[] {1, 2}),
                new PathAttribute.Unknown(0xC0, 8, new byte[] {(byte) 0xFD, (byte) 0xE8, 0, 1}),
                new PathAttribute.Unknown(0xE0, 99, new byte[300])),
            List.of(new BgpMessage.Ipv4Prefix(new byte[] {(byte) 198, 51, 100, 7}, 32), new BgpMessage.Ipv4Prefix(new byte[] {10, 1}, 9)));
    }

    static List<BgpMessage> all()
    {
        return List.of(evpnOpen(), new BgpMessage.Open(4, 65001, 0, 0xFFFFFFFFL, List.of()), macIpUpdate(), inclusiveMulticastUpdate(),
            withdrawal(), ipv4Update(), BgpMessage.Update.of(List.of()), new BgpMessage.Notification(6, 9, new byte[] {2, 4}),
            new BgpMessage.Notification(4, 0, new byte[0]), new BgpMessage.Keepalive());
    }
}
