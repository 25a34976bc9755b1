package dev.nve.pcaptests.ila;

import dev.nve.dataplane.ila.Ip6;
import dev.nve.dataplane.counter.DropReason;
import dev.nve.pcaptests.ila.IlaCase.Shape;
import dev.nve.pcaptests.ila.IlaModel.Mapping;
import dev.nve.pcaptests.ila.IlaModel.Mode;

import java.util.ArrayList;
import java.util.List;

import static dev.nve.pcaptests.ila.IlaModel.A1;
import static dev.nve.pcaptests.ila.IlaModel.A2;
import static dev.nve.pcaptests.ila.IlaModel.A3;
import static dev.nve.pcaptests.ila.IlaModel.A6;
import static dev.nve.pcaptests.ila.IlaModel.A_UPLINK;
import static dev.nve.pcaptests.ila.IlaModel.GATEWAY;
import static dev.nve.pcaptests.ila.IlaModel.IID;
import static dev.nve.pcaptests.ila.IlaModel.L1;
import static dev.nve.pcaptests.ila.IlaModel.L2;
import static dev.nve.pcaptests.ila.IlaModel.LOC_A;
import static dev.nve.pcaptests.ila.IlaModel.LUID;
import static dev.nve.pcaptests.ila.IlaModel.ROUTER;
import static dev.nve.pcaptests.ila.IlaModel.VIRT;
import static dev.nve.pcaptests.ila.IlaModel.VNID_1;
import static dev.nve.pcaptests.ila.IlaModel.VNID_2;
import static dev.nve.pcaptests.ila.IlaModel.mac;

/**
 * The cases of the ILA replay suite (see {@link IlaModel} for the hosts). Every frame a port
 * must transmit is the model's; the reverse half replays A's uplink output into host B.
 */
final class IlaCases
{
    private static final Mode[] MODES = Mode.values();

    private IlaCases()
    {
    }

    static List<IlaCase> all()
    {
        final List<IlaCase> cases = new ArrayList<>();
        int n = 1;
        for (final String type : List.of(IID, LUID, VIRT))
        {
            for (int index = 1; index <= 4; index++)
            {
                cases.add(translate(String.format("%02d", n++), type, index));
            }
        }
        cases.add(twoTenants("13"));
        cases.add(ingressEveryMode("14"));
        cases.add(ingressTenants("15"));
        cases.add(udpZeroChecksum("16"));
        cases.add(fragments("17"));
        cases.add(extensionHeaders("18"));
        cases.add(icmpv6Errors("19"));
        cases.add(unknownIdentifier("20"));
        cases.add(nonIlaTraffic("21"));
        cases.add(hopLimit("22"));
        cases.add(localToLocal("23"));
        cases.add(locatorMismatch("24"));
        cases.add(explicitNextHop("25"));
        cases.addAll(refusals(26));
        cases.add(otherSirPrefix("29"));
        cases.add(routingHeaderWithSegmentsLeft("30"));
        cases.add(virtualKeyInSirPrefix("31"));
        cases.addAll(IlaV4Cases.all(32));
        return cases;
    }

    // ---- frames --------------------------------------------------------------------------------

    static String sender(final Mapping target)
    {
        return target.type().equals(VIRT) ? (target.vnid() == VNID_1 ? "a2" : "a3") : "a1";
    }

    static String senderMac(final Mapping target)
    {
        return target.type().equals(VIRT) ? (target.vnid() == VNID_1 ? A2 : A3) : A1;
    }

    static String source(final Mapping target)
    {
        return switch (target.type())
        {
            case IID -> "fd00:5::a1";
            case LUID -> "2001:db8:6::2000:0:0:a1";
            default -> "fd00:77::a2";
        };
    }

    static Ip6.Builder to(final Mapping target)
    {
        return Ip6.packet(source(target), target.sir());
    }

    // ---- identifier type x checksum mode ---------------------------------------------------------

    private static IlaCase translate(final String number, final String type, final int index)
    {
        final Mapping t = IlaModel.onB(type, VNID_1, index, false);
        final Mode mode = MODES[index - 1];
        final String typeName = switch (type)
        {
            case IID -> "iid";
            case LUID -> "luid";
            default -> "virt-uni-v6";
        };
        final String checksum = switch (mode)
        {
            case ADJUST_TRANSPORT -> "the transport checksum is fixed incrementally, Good on the wire";
            case NEUTRAL_MAP -> "the low 16 bits of the identifier absorb the change and the C bit is set, checksums untouched and Good on the wire";
            case NEUTRAL_MAP_AUTO -> "the low 16 bits of the identifier absorb the change (no C bit), checksums untouched and Good on the wire";
            case NO_ACTION -> "checksums untouched: Bad on the wire (they cover the SIR address), Good again after B's reverse translation";
        };
        final IlaCase c = new IlaCase(number + "-" + typeName + "-" + mode.json(),
            (type.equals(VIRT) ? "Tenant " + VNID_1 + " endpoint a2" : "Endpoint a1") + " sends TCP, UDP and ICMPv6 echo to " + t.sir() + " (" + typeName
                + ", on host B, " + mode.json() + "): the uplink sends them to the gateway with destination " + t.wireText() + ", hop limit 63; " + checksum
                + ". Reverse: B restores " + t.sir() + " and delivers the original packets byte for byte (hop limit 62).",
            IlaModel.hostA()).reverse(IlaModel.hostB());
        final String sender = sender(t);
        final long smac = mac(senderMac(t));
        c.toB(sender, to(t).tcp(40_000 + index, 443, 40).frame(mac(ROUTER), smac), t, Shape.TCP);
        c.toB(sender, to(t).udp(41_000 + index, 4_000, 64).frame(mac(ROUTER), smac), t, Shape.UDP);
        c.toB(sender, to(t).icmpv6Echo(0x100 + index, 1, 56).frame(mac(ROUTER), smac), t, Shape.ICMP);
        return c;
    }

    // ---- tenants -------------------------------------------------------------------------------

    private static IlaCase twoTenants(final String number)
    {
        final IlaCase c = new IlaCase(number + "-two-tenants-same-sir-prefix",
            "Tenants 100 (a2) and 200 (a3) share SIR prefix fd00:77::/96 and both have fd00:77::b1 and fd00:77::b2 on host B: each sender's port selects its "
                + "tenant's mapping, the VNID travels in the wire identifier (VIRT_UNI_V6), and B delivers tenant 100's packets to b2 and tenant 200's to b3.",
            IlaModel.hostA()).reverse(IlaModel.hostB());
        for (final int index : new int[] {1, 2})
        {
            for (final int vnid : new int[] {VNID_1, VNID_2})
            {
                final Mapping t = IlaModel.onB(VIRT, vnid, index, false);
                c.toB(sender(t), to(t).udp(42_000 + vnid + index, 4_000, 32).frame(mac(ROUTER), mac(senderMac(t))), t, Shape.UDP);
                c.toB(sender(t), to(t).tcp(43_000 + vnid + index, 80, 16).frame(mac(ROUTER), mac(senderMac(t))), t, Shape.TCP);
            }
        }
        return c;
    }

    private static IlaCase ingressTenants(final String number)
    {
        final IlaCase c = new IlaCase(number + "-ingress-two-tenants",
            "fd00:77::a2 exists in tenant 100 (a2, adjust-transport) and tenant 200 (a3, neutral-map) on host A: frames from the underlay to "
                + "each tenant's wire identifier (VNID inside) reach that tenant's endpoint with the SIR address restored and checksums Good.",
            IlaModel.hostA());
        final List<Mapping> local = IlaModel.aIdentifiers(true);
        final Mapping t1 = local.get(6);
        final Mapping t2 = local.get(7);
        c.fromB(fromEndpointOfB(Ip6.packet("fd00:77::b1", "fd00:77::a2").udp(44_001, 4_000, 30)), t1, "a2", A2, Shape.UDP);
        c.fromB(fromEndpointOfB(Ip6.packet("fd00:77::b1", "fd00:77::a2").udp(44_002, 4_000, 30)), t2, "a3", A3, Shape.UDP);
        c.fromB(fromEndpointOfB(Ip6.packet("fd00:77::b1", "fd00:77::a2").tcp(44_003, 22, 10)), t1, "a2", A2, Shape.TCP);
        c.fromB(fromEndpointOfB(Ip6.packet("fd00:77::b1", "fd00:77::a2").tcp(44_004, 22, 10)), t2, "a3", A3, Shape.TCP);
        return c;
    }

    /** A frame host B's endpoint sends to its router (fromB re-addresses it as B's egress would). */
    private static byte[] fromEndpointOfB(final Ip6.Builder b)
    {
        return b.frame(mac(ROUTER), mac(IlaModel.B1));
    }

    // ---- ingress -------------------------------------------------------------------------------

    private static IlaCase ingressEveryMode(final String number)
    {
        final IlaCase c = new IlaCase(number + "-ingress-every-mode",
            "Frames from host B's endpoint fd00:5::b1 arrive on A's uplink for A's local identifiers fd00:5::a1 (adjust-transport), ::a7 (neutral-map), "
                + "::a8 (neutral-map-auto), ::a9 (no-action), 2001:db8:6::2000:0:0:a1 (LUID, neutral-map) and ::a6 (on a6): each is delivered with "
                + "the stored SIR address restored exactly, from the router MAC, hop limit 62, transport checksum Good (no-action: the sender's "
                + "checksum was over the SIR address all along).",
            IlaModel.hostA());
        final List<Mapping> local = IlaModel.aIdentifiers(true);
        int port = 45_000;
        for (final Mapping m : local.subList(0, 6))
        {
            final String owner = m.endpoint();
            final String ownerMac = owner.equals("a6") ? A6 : A1;
            final String src = m.type().equals(LUID) ? "2001:db8:6::2000:0:0:b1" : "fd00:5::b1";
            c.fromB(fromEndpointOfB(Ip6.packet(src, m.sir()).tcp(port++, 443, 20)), m, owner, ownerMac, Shape.TCP);
            c.fromB(fromEndpointOfB(Ip6.packet(src, m.sir()).udp(port++, 4_000, 20)), m, owner, ownerMac, Shape.UDP);
            c.fromB(fromEndpointOfB(Ip6.packet(src, m.sir()).icmpv6Echo(port++, 1, 20)), m, owner, ownerMac, Shape.ICMP);
        }
        return c;
    }

    // ---- checksum edge cases, fragments, extension headers, ICMPv6 errors -------------------------

    private static IlaCase udpZeroChecksum(final String number)
    {
        final IlaCase c = new IlaCase(number + "-udp-checksum-zero",
            "UDP with checksum 0 (illegal over IPv6, RFC 8200 §8.1, but not nve's to repair) to fd00:5::b1 (adjust-transport), ::b2 (neutral-map) and "
                + "::b4 (no-action): the checksum stays 0 (adjust-transport leaves a zero UDP checksum alone), addresses are translated as usual; "
                + "tshark reports the zero as Illegal; B delivers the originals.",
            IlaModel.hostA()).reverse(IlaModel.hostB());
        for (final int index : new int[] {1, 2, 4})
        {
            final Mapping t = IlaModel.onB(IID, -1, index, false);
            c.toB("a1", to(t).udp(46_000 + index, 4_000, 40).zeroUdpChecksum().frame(mac(ROUTER), mac(A1)), t, Shape.UDP_ZERO);
        }
        return c;
    }

    private static IlaCase fragments(final String number)
    {
        final IlaCase c = new IlaCase(number + "-fragments",
            "A UDP datagram of 400 bytes in three fragments to fd00:5::b1 (adjust-transport): only the first fragment carries the UDP header, "
                + "its checksum is adjusted (it covers the whole datagram), the others are re-addressed and otherwise untouched; tshark reassembles "
                + "and finds the checksum Good. The same in two fragments to ::b2 (neutral-map: nothing to adjust) and ::b4 (no-action: Bad on the "
                + "wire, Good at B). An atomic fragment (offset 0, M=0) with TCP to ::b1 is adjusted like a whole packet.",
            IlaModel.hostA()).reverse(IlaModel.hostB());
        final Mapping b1 = IlaModel.onB(IID, -1, 1, false);
        final Mapping b2 = IlaModel.onB(IID, -1, 2, false);
        final Mapping b4 = IlaModel.onB(IID, -1, 4, false);
        final byte[] whole1 = to(b1).udp(47_001, 4_000, 400).frame(mac(ROUTER), mac(A1));
        c.fragmentsToB("a1", whole1, Ip6.fragment(whole1, 0x1001, 0, 136, 272), b1);
        final byte[] whole2 = to(b2).udp(47_002, 4_000, 300).frame(mac(ROUTER), mac(A1));
        c.fragmentsToB("a1", whole2, Ip6.fragment(whole2, 0x1002, 0, 160), b2);
        final byte[] whole4 = to(b4).udp(47_004, 4_000, 300).frame(mac(ROUTER), mac(A1));
        c.fragmentsToB("a1", whole4, Ip6.fragment(whole4, 0x1004, 0, 160), b4);
        c.toB("a1", Ip6.atomicFragment(to(b1).tcp(47_005, 80, 30).frame(mac(ROUTER), mac(A1)), 0x1005), b1, Shape.TCP);
        return c;
    }

    private static IlaCase extensionHeaders(final String number)
    {
        final IlaCase c = new IlaCase(number + "-extension-headers",
            "Hop-by-Hop, Destination Options, a Segment Routing Header with segments left 0 (Segment List[0] = the SIR destination), and the chain "
                + "HBH + DstOpts + SRH + DstOpts before TCP and UDP to fd00:5::b1 (adjust-transport) and ::b2 (neutral-map): the walk reaches the "
                + "transport header, the checksum is adjusted or left, Good on the wire; extension headers are not modified.",
            IlaModel.hostA()).reverse(IlaModel.hostB());
        int port = 48_000;
        for (final int index : new int[] {1, 2})
        {
            final Mapping t = IlaModel.onB(IID, -1, index, false);
            final long[] sir = Ip6.addr(t.sir());
            for (final boolean tcp : new boolean[] {true, false})
            {
                final List<Ip6.Builder> builders = List.of(
                    to(t).options(Ip6.HOP_BY_HOP),
                    to(t).options(Ip6.DEST_OPTIONS),
                    to(t).segmentRouting(0, sir),
                    to(t).options(Ip6.HOP_BY_HOP).options(Ip6.DEST_OPTIONS).segmentRouting(0, sir).options(Ip6.DEST_OPTIONS));
                for (final Ip6.Builder b : builders)
                {
                    final byte[] frame = (tcp ? b.tcp(port++, 80, 24) : b.udp(port++, 4_000, 24)).frame(mac(ROUTER), mac(A1));
                    c.toB("a1", frame, t, tcp ? Shape.TCP : Shape.UDP);
                }
            }
        }
        return c;
    }

    private static IlaCase icmpv6Errors(final String number)
    {
        final IlaCase c = new IlaCase(number + "-icmpv6-errors",
            "a1 reports errors about packets that B's endpoint sent it (Destination Unreachable/port, Packet Too Big, Time Exceeded), each quoting the "
                + "invoking UDP packet fd00:5::bN -> fd00:5::a1: only the outer destination is translated and the ICMPv6 checksum handled per mode "
                + "(::b1 adjust-transport, ::b2 neutral-map, ::b4 no-action); the quote is left byte for byte (its own UDP checksum stays Good), "
                + "which after B's reverse translation is exactly what B sent.",
            IlaModel.hostA()).reverse(IlaModel.hostB());
        final int[][] errors = {{1, 4}, {2, 0}, {3, 0}};
        int port = 49_000;
        for (final int index : new int[] {1, 2, 4})
        {
            final Mapping t = IlaModel.onB(IID, -1, index, false);
            for (final int[] e : errors)
            {
                final byte[] invoking = Ip6.packet(t.sir(), "fd00:5::a1").hopLimit(62).udp(port++, 33_434, 24).build();
                c.toB("a1", to(t).icmpv6Error(e[0], e[1], invoking).frame(mac(ROUTER), mac(A1)), t, Shape.ICMP_ERROR_QUOTING_UDP);
            }
        }
        return c;
    }

    // ---- drops and untouched traffic -------------------------------------------------------------

    private static IlaCase unknownIdentifier(final String number)
    {
        final IlaCase c = new IlaCase(number + "-unknown-identifier",
            "Egress to fd00:5::99 (no mapping) and ingress to 2001:db8:a::99 (no local identifier), to 2001:db8:a::b1 (an identifier of host B: "
                + "known for egress, not owned here) and to 2001:db8:a::a7 (a7's SIR identifier without its neutral-map adjustment): all dropped "
                + "as ILA_UNKNOWN_IDENTIFIER, nothing transmitted.",
            IlaModel.hostA());
        c.in("a1", Ip6.packet("fd00:5::a1", "fd00:5::99").udp(50_001, 4_000, 16).frame(mac(ROUTER), mac(A1)));
        c.a.stage("ila-egress");
        c.a.drop("a1", DropReason.ILA_UNKNOWN_IDENTIFIER);
        for (final String dst : List.of("2001:db8:a::99", "2001:db8:a::b1", "2001:db8:a::a7"))
        {
            c.in("uplink", Ip6.packet("fd00:5::b1", dst).udp(50_002, 4_000, 16).frame(mac(A_UPLINK), mac(GATEWAY)));
            c.a.stage("ila-ingress");
            c.a.drop("uplink", DropReason.ILA_UNKNOWN_IDENTIFIER);
        }
        return c;
    }

    private static IlaCase nonIlaTraffic(final String number)
    {
        final IlaCase c = new IlaCase(number + "-non-ila-traffic",
            "Traffic that is not ILA's is left alone: IPv6 between L2 endpoints l1 and l2 (to l2's MAC, not the router's) is bridged unchanged even "
                + "to a SIR address; underlay IPv6 not to one of our locators (UDP to 2001:db8:ff::1, TCP to 2001:db8:a1::1, ICMPv6 to the SIR "
                + "address fd00:5::a1) is NOT_OVERLAY (the kernel's); a1 routing to 2001:db8:99::1 (in no SIR prefix) is NO_ROUTE; a1 sending IPv6 "
                + "to a6's MAC is NO_NETWORK (an ILA-only endpoint has no L2 network).",
            IlaModel.hostA());
        final byte[] bridged1 = Ip6.packet("fd00:100::11", "fd00:5::b1").udp(51_001, 4_000, 20).frame(mac(L2), mac(L1));
        final byte[] bridged2 = Ip6.packet("fd00:100::11", "fd00:100::12").icmpv6Echo(7, 1, 20).frame(mac(L2), mac(L1));
        c.a.out("l2", c.in("l1", bridged1), bridged1, Shape.UDP, true);
        c.a.out("l2", c.in("l1", bridged2), bridged2, Shape.ICMP, true);
        c.in("uplink", Ip6.packet("2001:db8:b::1", "2001:db8:ff::1").udp(51_002, 4_000, 20).frame(mac(A_UPLINK), mac(GATEWAY)));
        c.in("uplink", Ip6.packet("2001:db8:b::1", "2001:db8:a1::1").tcp(51_003, 22, 20).frame(mac(A_UPLINK), mac(GATEWAY)));
        c.in("uplink", Ip6.packet("fd00:5::b1", "fd00:5::a1").icmpv6Echo(8, 1, 20).frame(mac(A_UPLINK), mac(GATEWAY)));
        for (int i = 0; i < 3; i++)
        {
            c.a.drop("uplink", DropReason.NOT_OVERLAY);
        }
        c.in("a1", Ip6.packet("fd00:5::a1", "2001:db8:99::1").udp(51_004, 4_000, 20).frame(mac(ROUTER), mac(A1)));
        c.a.stage("ila-egress");
        c.a.drop("a1", DropReason.NO_ROUTE);
        c.in("a1", Ip6.packet("fd00:5::a1", "fd00:5::a6").udp(51_005, 4_000, 20).frame(mac(A6), mac(A1)));
        c.a.drop("a1", DropReason.NO_NETWORK);
        return c;
    }

    private static IlaCase hopLimit(final String number)
    {
        final IlaCase c = new IlaCase(number + "-hop-limit",
            "nve routes, so it decrements the hop limit and drops at <= 1 (TTL_EXCEEDED, no ICMPv6 Time Exceeded is generated): egress to "
                + "fd00:5::b1 with hop limit 0 and 1 is dropped, 2 leaves with 1 (and host B, the next router, drops it); ingress to a1 with 0 and 1 "
                + "is dropped, 2 is delivered with 1; local delivery a1 -> fd00:5::a6 with 1 is dropped, 255 arrives with 254.",
            IlaModel.hostA()).reverse(IlaModel.hostB());
        final Mapping b1 = IlaModel.onB(IID, -1, 1, false);
        for (final int hop : new int[] {0, 1})
        {
            c.in("a1", to(b1).hopLimit(hop).udp(52_000 + hop, 4_000, 20).frame(mac(ROUTER), mac(A1)));
            c.a.stage("ila-egress");
            c.a.drop("a1", DropReason.TTL_EXCEEDED);
        }
        final byte[] two = to(b1).hopLimit(2).udp(52_002, 4_000, 20).frame(mac(ROUTER), mac(A1));
        c.a.stage("ila-egress");
        c.a.out("uplink", c.in("a1", two), IlaCase.egress(two, b1), Shape.UDP, true);
        c.b.stage("ila-ingress");
        c.b.drop("uplink", DropReason.TTL_EXCEEDED);

        final Mapping a1 = IlaModel.aIdentifiers(true).get(0);
        for (final int hop : new int[] {0, 1})
        {
            c.in("uplink", Ip6.packet("fd00:5::b1", a1.wireText()).hopLimit(hop).udp(52_010 + hop, 4_000, 20).frame(mac(A_UPLINK), mac(GATEWAY)));
            c.a.stage("ila-ingress");
            c.a.drop("uplink", DropReason.TTL_EXCEEDED);
        }
        c.fromB(fromEndpointOfB(Ip6.packet("fd00:5::b1", "fd00:5::a1").hopLimit(3).udp(52_012, 4_000, 20)), a1, "a1", A1, Shape.UDP);

        final byte[] local1 = Ip6.packet("fd00:5::a1", "fd00:5::a6").hopLimit(1).udp(52_020, 4_000, 20).frame(mac(ROUTER), mac(A1));
        c.in("a1", local1);
        c.a.stage("ila-egress");
        c.a.drop("a1", DropReason.TTL_EXCEEDED);
        final byte[] local255 = Ip6.packet("fd00:5::a1", "fd00:5::a6").hopLimit(255).udp(52_021, 4_000, 20).frame(mac(ROUTER), mac(A1));
        c.a.stage("ila-egress");
        c.a.out("a6", c.in("a1", local255), Ip6.with(local255, mac(A6), mac(ROUTER), 254, Ip6.dstHigh(local255), Ip6.dstLow(local255)), Shape.UDP, true);
        return c;
    }

    private static IlaCase localToLocal(final String number)
    {
        final IlaCase c = new IlaCase(number + "-local-to-local",
            "An identifier owned by a local endpoint, used by another local endpoint, is delivered directly from the router MAC without any "
                + "address rewrite, whatever its checksum mode: a1 -> fd00:5::a6, a6 -> fd00:5::a1, a6 -> fd00:5::a7 (neutral-map, owned by a1), "
                + "a6 -> 2001:db8:6::2000:0:0:a1 (LUID). An endpoint routing to its own SIR address (a1 -> fd00:5::a1, a2 -> fd00:77::a2) is "
                + "SAME_PORT.",
            IlaModel.hostA());
        final String[][] flows = {{"a1", A1, "fd00:5::a1", "fd00:5::a6", "a6", A6}, {"a6", A6, "fd00:5::a6", "fd00:5::a1", "a1", A1},
            {"a6", A6, "fd00:5::a6", "fd00:5::a7", "a1", A1}, {"a6", A6, "fd00:5::a6", "2001:db8:6::2000:0:0:a1", "a1", A1}};
        int port = 53_000;
        for (final String[] f : flows)
        {
            for (final boolean tcp : new boolean[] {true, false})
            {
                final Ip6.Builder b = Ip6.packet(f[2], f[3]);
                final byte[] frame = (tcp ? b.tcp(port++, 80, 20) : b.udp(port++, 4_000, 20)).frame(mac(ROUTER), mac(f[1]));
                c.a.stage("ila-egress");
                c.a.out(f[4], c.in(f[0], frame), Ip6.with(frame, mac(f[5]), mac(ROUTER), 63, Ip6.dstHigh(frame), Ip6.dstLow(frame)),
                    tcp ? Shape.TCP : Shape.UDP, true);
            }
        }
        c.in("a1", Ip6.packet("fd00:5::a1", "fd00:5::a1").udp(port++, 4_000, 20).frame(mac(ROUTER), mac(A1)));
        c.a.stage("ila-egress");
        c.a.drop("a1", DropReason.SAME_PORT);
        c.in("a2", Ip6.packet("fd00:77::a2", "fd00:77::a2").udp(port, 4_000, 20).frame(mac(ROUTER), mac(A2)));
        c.a.stage("ila-egress");
        c.a.drop("a2", DropReason.SAME_PORT);
        return c;
    }

    private static IlaCase locatorMismatch(final String number)
    {
        final IlaCase c = new IlaCase(number + "-locator-mismatch",
            "a1's identifier is mapped to locator 2001:db8:a::/64; arriving with A's other locator 2001:db8:a2:: it is dropped as "
                + "ILA_LOCATOR_MISMATCH; with the right locator it is delivered.",
            IlaModel.hostA());
        final Mapping a1 = IlaModel.aIdentifiers(true).get(0);
        c.in("uplink", Ip6.packet("fd00:5::b1", "2001:db8:a2::a1").udp(54_001, 4_000, 20).frame(mac(A_UPLINK), mac(GATEWAY)));
        c.a.stage("ila-ingress");
        c.a.drop("uplink", DropReason.ILA_LOCATOR_MISMATCH);
        c.fromB(fromEndpointOfB(Ip6.packet("fd00:5::b1", "fd00:5::a1").udp(54_002, 4_000, 20)), a1, "a1", A1, Shape.UDP);
        return c;
    }

    private static IlaCase explicitNextHop(final String number)
    {
        final IlaCase c = new IlaCase(number + "-explicit-next-hop",
            "fd00:5::c1 lives on host C (2001:db8:c::/64) behind next hop 02:00:00:00:00:0c given in the mapping (nextHopMac), not the gateway: "
                + "frames leave the uplink to that MAC, adjust-transport.",
            IlaModel.hostA());
        final Mapping c1 = IlaModel.C1;
        c.toB("a1", to(c1).udp(55_001, 4_000, 30).frame(mac(ROUTER), mac(A1)), c1, Shape.UDP);
        c.toB("a1", to(c1).tcp(55_002, 443, 30).frame(mac(ROUTER), mac(A1)), c1, Shape.TCP);
        return c;
    }

    // ---- config refusals -----------------------------------------------------------------------

    private static List<IlaCase> refusals(final int first)
    {
        final List<IlaCase> cases = new ArrayList<>();
        final List<Mapping> collision = new ArrayList<>(IlaModel.aIdentifiers(true));
        collision.add(IlaModel.iid("fd00:5::1:0", LOC_A, Mode.NEUTRAL_MAP, "a1"));
        collision.add(IlaModel.iid("fd00:5::1:ffff", LOC_A, Mode.NEUTRAL_MAP, "a6"));
        cases.add(refused(first, "refused-0000-ffff-collision",
            "Local identifiers fd00:5::1:0 and fd00:5::1:ffff with neutral-map: 0x0000 and 0xFFFF are the same one's-complement number, so both "
                + "would have the same wire identifier; the second is refused and the whole config with it (nothing is transmitted).",
            collision, "ila.mappings[9]: ILA identifier"));
        final List<Mapping> cBit = new ArrayList<>(IlaModel.aIdentifiers(true));
        cBit.add(IlaModel.iid("fd00:5::1000:0:0:b1", IlaModel.LOC_B, Mode.ADJUST_TRANSPORT, null));
        cases.add(refused(first + 1, "refused-c-bit-in-sir-identifier",
            "An IID SIR identifier with the C bit set (fd00:5::1000:0:0:b1): the C bit is reserved for checksum-neutral mapping, so the mapping "
                + "is refused.", cBit, "C bit set"));
        final List<Mapping> type = new ArrayList<>(IlaModel.aIdentifiers(true));
        type.add(IlaModel.luid("2001:db8:6::b1", IlaModel.LOC_B, Mode.ADJUST_TRANSPORT, null));
        cases.add(refused(first + 2, "refused-wrong-type-bits",
            "A LUID mapping whose identifier has type bits 000 (IID): refused (the type field is the identifier's top 3 bits).", type,
            "ila.mappings[8]: SIR identifier b1 has type field 0, not 1"));
        return cases;
    }

    private static IlaCase refused(final int number, final String name, final String description, final List<Mapping> mappings, final String error)
    {
        final IlaCase c = new IlaCase(number + "-" + name, description, IlaModel.hostA(mappings));
        c.error = error;
        c.in("a1", Ip6.packet("fd00:5::a1", "fd00:5::a6").udp(56_000, 4_000, 8).frame(mac(ROUTER), mac(A1)));
        return c;
    }

    // ---- regressions: tenants and prefixes must not be confused, routing headers ---------------

    private static IlaCase virtualKeyInSirPrefix(final String number)
    {
        final Mapping t1 = IlaModel.onB(VIRT, VNID_1, 1, false);
        final String spoof = Ip6.rfc5952(Ip6.addr(IlaModel.SIR_IID)[0], t1.key());
        final IlaCase c = new IlaCase(number + "-virtual-key-in-sir-prefix",
            "The low 64 bits of " + spoof + " spell tenant 100's VIRT_UNI_V6 key for fd00:77::b1 (type 3, VNID 100, ::b1) inside the IID SIR prefix: "
                + "sent by a1 (no tenant) or a3 (tenant 200) it must not select tenant 100's mapping; both are dropped as NO_ROUTE (in a SIR prefix only "
                + "IID and LUID identifiers exist, and the address is in neither sender's tenant prefix).",
            IlaModel.hostA());
        c.in("a1", Ip6.packet("fd00:5::a1", spoof).udp(59_001, 4_000, 20).frame(mac(ROUTER), mac(A1)));
        c.a.stage("ila-egress");
        c.a.drop("a1", DropReason.NO_ROUTE);
        c.in("a3", Ip6.packet("fd00:77::a2", spoof).udp(59_002, 4_000, 20).frame(mac(ROUTER), mac(A3)));
        c.a.stage("ila-egress");
        c.a.drop("a3", DropReason.NO_ROUTE);
        return c;
    }

    private static IlaCase otherSirPrefix(final String number)
    {
        final IlaCase c = new IlaCase(number + "-identifier-in-another-sir-prefix",
            "fd00:5::b1 (IID) is mapped; a1 routes to 2001:db8:6::b1, the same identifier in the other SIR prefix, which has no mapping: it must be "
                + "dropped as ILA_UNKNOWN_IDENTIFIER, not translated as if it were fd00:5::b1 (B would deliver it to an address it was not sent to, "
                + "and adjust-transport would fix the checksum for the wrong address).",
            IlaModel.hostA());
        // Regression: the first ILA commit (4a1e874) looked IID/LUID identifiers up by the low 64 bits
        // only and translated this packet as if it were fd00:5::b1.
        c.in("a1", Ip6.packet("fd00:5::a1", "2001:db8:6::b1").udp(57_001, 4_000, 20).frame(mac(ROUTER), mac(A1)));
        c.a.stage("ila-egress");
        c.a.drop("a1", DropReason.ILA_UNKNOWN_IDENTIFIER);
        return c;
    }

    private static IlaCase routingHeaderWithSegmentsLeft(final String number)
    {
        final IlaCase c = new IlaCase(number + "-routing-header-segments-left",
            "UDP to fd00:5::b1 (adjust-transport) through a Segment Routing Header with segments left 1 and final destination 2001:db8:ff::1: the "
                + "UDP checksum covers the final destination (RFC 8200 §8.1), which ILA does not change, so it must be left alone and stay Good on "
                + "the wire (tshark also uses the final destination); B restores the original.",
            IlaModel.hostA()).reverse(IlaModel.hostB());
        // Regression: in the first ILA commit (4a1e874) TransportChecksum.adjust applied the
        // destination difference here too, leaving the UDP checksum Bad on the wire.
        final Mapping b1 = IlaModel.onB(IID, -1, 1, false);
        final byte[] frame = to(b1).segmentRouting(1, Ip6.addr("2001:db8:ff::1"), Ip6.addr(b1.sir())).udp(58_001, 4_000, 30).frame(mac(ROUTER), mac(A1));
        final long ts = c.in("a1", frame);
        c.a.stage("ila-egress");
        c.a.out("uplink", ts, IlaCase.readdressed(frame, b1), Shape.UDP, true);
        c.b.stage("ila-ingress");
        c.b.out("b1", ts, IlaCase.atOwner(frame, b1, mac(IlaModel.B1)), Shape.UDP, true);
        return c;
    }
}
