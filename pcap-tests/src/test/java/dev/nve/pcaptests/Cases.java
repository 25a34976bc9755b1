package dev.nve.pcaptests;

import dev.nve.pcaptests.Case.Encap;
import dev.nve.pcaptests.Case.Exact;
import dev.nve.pcaptests.Frames.Frame;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.nve.dataplane.counter.DropReason.FRAGMENT_NOT_SUPPORTED;
import static dev.nve.dataplane.counter.DropReason.FRAG_NEEDED;
import static dev.nve.dataplane.counter.DropReason.INVALID_IPV6_EXTENSION_HEADER;
import static dev.nve.dataplane.counter.DropReason.INVALID_PACKET;
import static dev.nve.dataplane.counter.DropReason.INVALID_VNI;
import static dev.nve.dataplane.counter.DropReason.IPV4_CHECKSUM_INVALID;
import static dev.nve.dataplane.counter.DropReason.NOT_LOCAL_VTEP;
import static dev.nve.dataplane.counter.DropReason.NOT_OVERLAY;
import static dev.nve.dataplane.counter.DropReason.NO_FLOOD_TARGET;
import static dev.nve.dataplane.counter.DropReason.SAME_PORT;
import static dev.nve.dataplane.counter.DropReason.SPLIT_HORIZON;
import static dev.nve.dataplane.counter.DropReason.TRUNCATED;
import static dev.nve.dataplane.counter.DropReason.UNSUPPORTED_L2_PROTOCOL;
import static dev.nve.dataplane.counter.DropReason.VXLAN_FLAGS_INVALID;
import static dev.nve.pcaptests.Frames.cut;
import static dev.nve.pcaptests.Frames.eth;
import static dev.nve.pcaptests.Frames.fixIpv4Checksum;
import static dev.nve.pcaptests.Frames.get16;
import static dev.nve.pcaptests.Frames.pad;
import static dev.nve.pcaptests.Frames.set16;
import static dev.nve.pcaptests.Frames.set8;

/**
 * The cases of the replay suite. One host ("A") with underlay port {@code uplink}; remote VTEPs
 * B, C (with their MACs) and D (reached through the gateway MAC); endpoints c1, c2, c4 in VNI 100
 * and c3 in VNI 200; remote MACs r1 (behind B) and r2 (behind C). Addresses: underlay
 * 198.18.0.0/15 and 2001:db8::/32, tenants 198.19.0.0/16 and fd00::/8, MACs 02:... only.
 */
final class Cases
{
    static final String UPLINK = "uplink";
    static final String MAC_A = "02:00:00:00:00:01";
    static final String MAC_B = "02:00:00:00:00:02";
    static final String MAC_C = "02:00:00:00:00:03";
    static final String MAC_GW = "02:00:00:00:00:fe";
    static final String VTEP_A = "198.18.0.1";
    static final String VTEP_B = "198.18.0.2";
    static final String VTEP_C = "198.18.0.3";
    static final String VTEP_D = "198.18.0.4";
    static final String VTEP_X = "198.18.0.99";
    static final String VTEP6_A = "2001:db8::1";
    static final String VTEP6_B = "2001:db8::2";
    static final String VTEP6_C = "2001:db8::3";
    static final String VTEP6_X = "2001:db8::99";

    static final String C1 = "02:00:00:00:01:01";
    static final String C2 = "02:00:00:00:01:02";
    static final String C4 = "02:00:00:00:01:04";
    static final String C3 = "02:00:00:00:02:03";
    static final String R1 = "02:00:00:00:0b:01";
    static final String R2 = "02:00:00:00:0c:01";
    static final String UNKNOWN = "02:00:00:00:09:99";
    static final String BROADCAST = "ff:ff:ff:ff:ff:ff";
    static final String ALL_NODES = "33:33:00:00:00:01";

    static final String IP_C1 = "198.19.1.1";
    static final String IP_C2 = "198.19.1.2";
    static final String IP_C4 = "198.19.1.4";
    static final String IP_C3 = "198.19.2.3";
    static final String IP_R1 = "198.19.1.11";
    static final String IP_R2 = "198.19.1.21";
    static final String IP6_C1 = "fd00:100::1";
    static final String IP6_C2 = "fd00:100::2";
    static final String IP6_R1 = "fd00:100::11";

    private Cases()
    {
    }

    // ---- building blocks -------------------------------------------------------------------------

    /** Host A, IPv4 underlay; VNI 100 with c1 (identity 1001), r1 behind B, r2 behind C. */
    static Config hostA()
    {
        return Config.underlay(UPLINK, MAC_A, VTEP_A)
            .remoteVtep(VTEP_B, MAC_B)
            .remoteVtep(VTEP_C, MAC_C)
            .network(100, false)
            .endpoint("c1", 100, C1, List.of(IP_C1, IP6_C1), 1001, Map.of("app", "web"))
            .fdb(100, R1, VTEP_B)
            .fdb(100, R2, VTEP_C);
    }

    /** Host A with flooding: VNI 100 floods to B and C and has c1, c2, c4; VNI 200 has c3 and floods to B. */
    static Config floodHost()
    {
        return Config.underlay(UPLINK, MAC_A, VTEP_A)
            .remoteVtep(VTEP_B, MAC_B)
            .remoteVtep(VTEP_C, MAC_C)
            .network(100, false, VTEP_B, VTEP_C)
            .network(200, false, VTEP_B)
            .endpoint("c1", 100, C1, IP_C1)
            .endpoint("c2", 100, C2, IP_C2)
            .endpoint("c4", 100, C4, IP_C4)
            .endpoint("c3", 200, C3, IP_C3)
            .fdb(100, R1, VTEP_B)
            .fdb(100, R2, VTEP_C);
    }

    static Frame udp(final String dstMac, final String srcMac, final String src, final String dst, final int srcPort, final int payload)
    {
        return eth(dstMac, srcMac).ip(src, dst).udp(srcPort, 5001, payload).build();
    }

    /** VXLAN from B (IPv4) to us; source port fixed per call site. */
    static byte[] fromB(final int vni, final byte[] inner)
    {
        return Frames.vxlan(MAC_A, MAC_B, VTEP_B, VTEP_A, 50000, vni, -1, inner);
    }

    static byte[] fromB6(final int vni, final byte[] inner)
    {
        return Frames.vxlan(MAC_A, MAC_B, VTEP6_B, VTEP6_A, 50000, vni, -1, inner);
    }

    static Exact exact(final Frame f, final long ts)
    {
        return new Exact(f, ts, "exact");
    }

    static Exact exact(final Frame f, final long ts, final String flow)
    {
        return new Exact(f, ts, flow);
    }

    static Encap encap(final Frame f, final String nextHop, final String remote, final int vni, final long ts)
    {
        return new Encap(f, nextHop, MAC_A, remote.contains(":") ? VTEP6_A : VTEP_A, remote, vni, -1, 4789, ts, "encap");
    }

    static Encap encapGbp(final Frame f, final String nextHop, final String remote, final int vni, final int gbp, final long ts)
    {
        return new Encap(f, nextHop, MAC_A, remote.contains(":") ? VTEP6_A : VTEP_A, remote, vni, gbp, 4789, ts, "encap");
    }

    static Encap encap(final Frame f, final String nextHop, final String remote, final int vni, final long ts, final String flow)
    {
        return new Encap(f, nextHop, MAC_A, VTEP_A, remote, vni, -1, 4789, ts, flow);
    }

    // ---- the cases -------------------------------------------------------------------------------

    static List<Case> all()
    {
        final List<Case> cases = new ArrayList<>();
        cases.add(encapIpv4Unicast());
        cases.add(encapViaGateway());
        cases.add(encapIpv6Underlay());
        cases.add(encapDualStackUnderlay());
        cases.add(decapIpv4Underlay());
        cases.add(decapIpv6Underlay());
        cases.add(innerVlan8021q());
        cases.add(innerQinq());
        cases.add(gbpEncapIpv4());
        cases.add(gbpEncapIpv6());
        cases.add(gbpDecap());
        cases.add(gbpOffEncap());
        cases.add(bumFromEndpoint());
        cases.add(bumFromOverlay());
        cases.add(unknownUnicastFromEndpoint());
        cases.add(unknownUnicastFromOverlay());
        cases.add(invalidVni());
        cases.add(vxlanFlags());
        cases.add(notOverlayUdpPort());
        cases.add(notLocalVtep());
        cases.add(truncatedOuter());
        cases.add(invalidOuter());
        cases.add(truncatedInner());
        cases.add(mtuIpv4());
        cases.add(mtuIpv6());
        cases.add(nonVxlanUnderlay());
        cases.add(outerFragments());
        cases.add(outerIpv6AtomicFragment());
        cases.add(badOuterIpv4Checksum());
        cases.add(splitHorizon());
        cases.add(localSwitching());
        cases.add(vniIsolationOverlap());
        cases.add(samePort());
        cases.add(otherVniUnreachable());
        cases.add(mixedBatch());
        cases.add(unconfiguredPort());
        cases.add(decapPadding());
        cases.add(outerVlanUnderlay());
        cases.add(outerVlanTooManyTags());
        cases.add(outerIpv6ExtensionHeaders());
        cases.add(customVxlanPort());
        cases.add(docsExample());
        cases.add(fragmentsNotOverlay());
        cases.add(endpointWithoutNetwork());
        for (int i = 0; i < cases.size(); i++)
        {
            if (!cases.get(i).name.startsWith(String.format("%02d-", i + 1)))
            {
                throw new IllegalStateException("case " + cases.get(i).name + " is number " + (i + 1));
            }
        }
        return cases;
    }

    static Case encapIpv4Unicast()
    {
        final Case c = new Case("01-encap-ipv4-unicast",
            "c1 sends to remote MACs r1 (behind B) and r2 (behind C): each frame leaves the uplink in VXLAN VNI 100 from 198.18.0.1 to "
                + "the VTEP of its MAC, outer Ethernet to that VTEP's configured MAC, IPv4 DF/TTL 64, UDP checksum 0, source port 49152-65535; "
                + "inner frames (IPv4 UDP, TCP SYN, ICMP echo, IPv6 UDP) unchanged. c1's identity 1001 does not appear: VNI 100 has no GBP.",
            hostA());
        final Frame f1 = udp(R1, C1, IP_C1, IP_R1, 40001, 32);
        final Frame f2 = eth(R1, C1).ip(IP_C1, IP_R1).tcpSyn(40002, 443).build();
        final Frame f3 = eth(R2, C1).ip(IP_C1, IP_R2).icmpEcho(56).build();
        final Frame f4 = eth(R1, C1).ip(IP6_C1, IP6_R1).udp(40004, 5001, 100).build();
        c.out(UPLINK, encap(f1, MAC_B, VTEP_B, 100, c.in("c1", f1)));
        c.out(UPLINK, encap(f2, MAC_B, VTEP_B, 100, c.in("c1", f2)));
        c.out(UPLINK, encap(f3, MAC_C, VTEP_C, 100, c.in("c1", f3)));
        c.out(UPLINK, encap(f4, MAC_B, VTEP_B, 100, c.in("c1", f4)));
        return c;
    }

    static Case encapViaGateway()
    {
        final Case c = new Case("02-encap-ipv4-via-gateway",
            "Remote VTEP D (198.18.0.4) has no remoteVteps entry: frames to its MAC go to the underlay gateway MAC 02:00:00:00:00:fe, "
                + "while frames to B keep B's own MAC.",
            Config.underlay(UPLINK, MAC_A, VTEP_A).gatewayMac(MAC_GW)
                .remoteVtep(VTEP_B, MAC_B)
                .network(100, false)
                .endpoint("c1", 100, C1, IP_C1)
                .fdb(100, R1, VTEP_D)
                .fdb(100, R2, VTEP_B));
        final Frame f1 = udp(R1, C1, IP_C1, IP_R1, 40001, 32);
        final Frame f2 = udp(R2, C1, IP_C1, IP_R2, 40002, 32);
        c.out(UPLINK, encap(f1, MAC_GW, VTEP_D, 100, c.in("c1", f1)));
        c.out(UPLINK, encap(f2, MAC_B, VTEP_B, 100, c.in("c1", f2)));
        return c;
    }

    static Case encapIpv6Underlay()
    {
        final Case c = new Case("03-encap-ipv6-underlay",
            "IPv6 underlay (2001:db8::1 -> 2001:db8::2): outer IPv6 hop limit 64, UDP to 4789 with a valid, non-zero UDP checksum "
                + "(mandatory over IPv6), for IPv4 and IPv6 inner frames of several sizes.",
            Config.underlay(UPLINK, MAC_A, VTEP6_A)
                .remoteVtep(VTEP6_B, MAC_B)
                .network(100, false)
                .endpoint("c1", 100, C1, IP_C1, IP6_C1)
                .fdb(100, R1, VTEP6_B));
        final Frame f1 = udp(R1, C1, IP_C1, IP_R1, 40001, 18);
        final Frame f2 = eth(R1, C1).ip(IP6_C1, IP6_R1).tcpSyn(40002, 443).build();
        final Frame f3 = eth(R1, C1).ip(IP6_C1, IP6_R1).icmpEcho(56).build();
        final Frame f4 = eth(R1, C1).ip(IP_C1, IP_R1).udp(40004, 5001, 1000).build();
        for (final Frame f : List.of(f1, f2, f3, f4))
        {
            c.out(UPLINK, encap(f, MAC_B, VTEP6_B, 100, c.in("c1", f)));
        }
        return c;
    }

    static Case encapDualStackUnderlay()
    {
        final Case c = new Case("04-encap-dual-stack-underlay",
            "Underlay with an IPv4 and an IPv6 VTEP address: r1's VTEP is IPv4 (source 198.18.0.1), r2's is IPv6 (source 2001:db8::1); "
                + "each frame is encapsulated in the family of its remote VTEP.",
            Config.underlay(UPLINK, MAC_A, VTEP_A, VTEP6_A)
                .remoteVtep(VTEP_B, MAC_B)
                .remoteVtep(VTEP6_C, MAC_C)
                .network(100, false)
                .endpoint("c1", 100, C1, IP_C1)
                .fdb(100, R1, VTEP_B)
                .fdb(100, R2, VTEP6_C));
        final Frame f1 = udp(R1, C1, IP_C1, IP_R1, 40001, 32);
        final Frame f2 = udp(R2, C1, IP_C1, IP_R2, 40002, 32);
        c.out(UPLINK, encap(f1, MAC_B, VTEP_B, 100, c.in("c1", f1)));
        c.out(UPLINK, encap(f2, MAC_C, VTEP6_C, 100, c.in("c1", f2)));
        return c;
    }

    static Case decapIpv4Underlay()
    {
        final Case c = new Case("05-decap-ipv4-underlay",
            "VXLAN VNI 100 over IPv4 to 198.18.0.1 is decapsulated and the inner frame delivered unchanged to the endpoint owning the "
                + "inner destination MAC (c1, c2). Any source VTEP is accepted (198.18.0.77 is not configured); a non-zero, valid outer "
                + "UDP checksum is accepted too.",
            Config.underlay(UPLINK, MAC_A, VTEP_A)
                .remoteVtep(VTEP_B, MAC_B)
                .network(100, false)
                .endpoint("c1", 100, C1, IP_C1)
                .endpoint("c2", 100, C2, IP_C2));
        final Frame f1 = udp(C1, R1, IP_R1, IP_C1, 40001, 32);
        final Frame f2 = eth(C1, R1).ip(IP_R1, IP_C1).icmpEcho(56).build();
        final Frame f3 = eth(C2, R1).ip(IP6_R1, IP6_C2).tcpSyn(40003, 80).build();
        final Frame f4 = udp(C2, R2, IP_R2, IP_C2, 40004, 200);
        final Frame f5 = udp(C1, R1, IP_R1, IP_C1, 40005, 16);
        c.out("c1", exact(f1, c.in(UPLINK, fromB(100, f1.bytes()))));
        c.out("c1", exact(f2, c.in(UPLINK, fromB(100, f2.bytes()))));
        c.out("c2", exact(f3, c.in(UPLINK, fromB(100, f3.bytes()))));
        c.out("c2", exact(f4, c.in(UPLINK, Frames.vxlan(MAC_A, MAC_C, "198.18.0.77", VTEP_A, 61000, 100, -1, f4.bytes()))));
        // The same with a computed outer UDP checksum (RFC 7348 allows it; receivers may ignore it).
        final byte[] checksummed = Frames.vxlan(MAC_A, MAC_B, VTEP_B, VTEP_A, 50001, 100, -1, f5.bytes());
        c.out("c1", exact(f5, c.in(UPLINK, withIpv4UdpChecksum(checksummed))));
        return c;
    }

    /** Computes the (optional) UDP checksum of an untagged IPv4 frame. */
    static byte[] withIpv4UdpChecksum(final byte[] frame)
    {
        final var s = java.lang.foreign.MemorySegment.ofArray(frame.clone());
        final int udpLength = get16(frame, 14 + 20 + 4);
        long sum = dev.nve.dataplane.wire.Checksum.sum(s, 34, udpLength);
        sum += dev.nve.dataplane.wire.Checksum.ipv4PseudoHeaderSum(s, 14, 17, udpLength);
        int checksum = dev.nve.dataplane.wire.Checksum.finish(sum);
        checksum = checksum == 0 ? 0xFFFF : checksum;
        s.set(dev.nve.dataplane.wire.Bytes.U16_BE, 14 + 20 + 6, (short)checksum);
        return s.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    static Case decapIpv6Underlay()
    {
        final Case c = new Case("06-decap-ipv6-underlay",
            "VXLAN over IPv6 (2001:db8::2 -> 2001:db8::1, valid UDP checksum) is decapsulated; IPv4 and IPv6 inner frames reach c1 unchanged.",
            Config.underlay(UPLINK, MAC_A, VTEP6_A)
                .remoteVtep(VTEP6_B, MAC_B)
                .network(100, false)
                .endpoint("c1", 100, C1, IP_C1, IP6_C1));
        final Frame f1 = udp(C1, R1, IP_R1, IP_C1, 40001, 32);
        final Frame f2 = eth(C1, R1).ip(IP6_R1, IP6_C1).icmpEcho(56).build();
        final Frame f3 = eth(C1, R1).ip(IP6_R1, IP6_C1).udp(40003, 5001, 1200).build();
        for (final Frame f : List.of(f1, f2, f3))
        {
            c.out("c1", exact(f, c.in(UPLINK, fromB6(100, f.bytes()))));
        }
        return c;
    }

    static Case innerVlan8021q()
    {
        final Case c = new Case("07-inner-vlan-8021q",
            "802.1Q-tagged inner frames are carried unchanged in both directions: c1 -> r1 with VLAN 10 is encapsulated with the tag "
                + "inside, and a frame tagged VLAN 20 from the overlay reaches c1 with its tag.",
            hostA());
        final Frame out = eth(R1, C1).vlan(10).ip(IP_C1, IP_R1).udp(40001, 5001, 32).build();
        final Frame in = eth(C1, R1).vlan(20).ip(IP_R1, IP_C1).udp(40002, 5001, 32).build();
        c.out(UPLINK, encap(out, MAC_B, VTEP_B, 100, c.in("c1", out)));
        c.out("c1", exact(in, c.in(UPLINK, fromB(100, in.bytes()))));
        return c;
    }

    static Case innerQinq()
    {
        final Case c = new Case("08-inner-qinq",
            "QinQ inner frames (802.1ad S-tag then 802.1Q C-tag) are carried unchanged in both directions.",
            hostA());
        final Frame out = eth(R1, C1).qinq(300).vlan(10).ip(IP_C1, IP_R1).udp(40001, 5001, 32).build();
        final Frame in = eth(C1, R1).qinq(300).vlan(20).ip(IP6_R1, IP6_C1).udp(40002, 5001, 32).build();
        c.out(UPLINK, encap(out, MAC_B, VTEP_B, 100, c.in("c1", out)));
        c.out("c1", exact(in, c.in(UPLINK, fromB(100, in.bytes()))));
        return c;
    }

    static Config gbpHost(final String localVtep, final String remoteVtep)
    {
        return Config.underlay(UPLINK, MAC_A, localVtep)
            .remoteVtep(remoteVtep, MAC_B)
            .network(300, true)
            .endpoint("g1", 300, C1, List.of(IP_C1), 1234, Map.of("app", "web", "tier", "front"))
            .endpoint("g2", 300, C2, List.of(IP_C2), null, Map.of())
            .endpoint("g3", 300, C4, List.of(IP_C4), 65535, Map.of("app", "db"))
            .fdb(300, R1, remoteVtep);
    }

    static Case gbpEncapIpv4()
    {
        final Case c = new Case("09-gbp-encap-ipv4",
            "VNI 300 has VXLAN-GBP on: frames from g1 (identity 1234), g2 (no identity: 0) and g3 (65535, the largest) leave with the G "
                + "flag set and the sender's identity in the Group Policy ID.",
            gbpHost(VTEP_A, VTEP_B));
        final Frame f1 = udp(R1, C1, IP_C1, IP_R1, 40001, 32);
        final Frame f2 = udp(R1, C2, IP_C2, IP_R1, 40002, 32);
        final Frame f3 = udp(R1, C4, IP_C4, IP_R1, 40003, 32);
        c.out(UPLINK, encapGbp(f1, MAC_B, VTEP_B, 300, 1234, c.in("g1", f1)));
        c.out(UPLINK, encapGbp(f2, MAC_B, VTEP_B, 300, 0, c.in("g2", f2)));
        c.out(UPLINK, encapGbp(f3, MAC_B, VTEP_B, 300, 65535, c.in("g3", f3)));
        return c;
    }

    static Case gbpEncapIpv6()
    {
        final Case c = new Case("10-gbp-encap-ipv6",
            "VXLAN-GBP over an IPv6 underlay: the policy id (1234, 65535) is written before the UDP checksum is computed, so the "
                + "checksum stays valid.",
            gbpHost(VTEP6_A, VTEP6_B));
        final Frame f1 = eth(R1, C1).ip(IP6_C1, IP6_R1).udp(40001, 5001, 64).build();
        final Frame f3 = udp(R1, C4, IP_C4, IP_R1, 40003, 32);
        c.out(UPLINK, encapGbp(f1, MAC_B, VTEP6_B, 300, 1234, c.in("g1", f1)));
        c.out(UPLINK, encapGbp(f3, MAC_B, VTEP6_B, 300, 65535, c.in("g3", f3)));
        return c;
    }

    static Case gbpDecap()
    {
        final Case c = new Case("11-gbp-decap",
            "Decapsulation accepts VXLAN-GBP: a G-flagged frame (policy 77) in GBP network 300 reaches g1; a plain VXLAN frame (no G) "
                + "in network 300 is accepted too; a G-flagged frame in non-GBP network 100 is accepted (the policy id is ignored).",
            Config.underlay(UPLINK, MAC_A, VTEP_A)
                .remoteVtep(VTEP_B, MAC_B)
                .network(100, false)
                .network(300, true)
                .endpoint("c1", 100, C1, IP_C1)
                .endpoint("g1", 300, C1, List.of(IP_C1), 1234, Map.of()));
        final Frame f1 = udp(C1, R1, IP_R1, IP_C1, 40001, 32);
        final Frame f2 = udp(C1, R1, IP_R1, IP_C1, 40002, 32);
        final Frame f3 = udp(C1, R1, IP_R1, IP_C1, 40003, 32);
        c.out("g1", exact(f1, c.in(UPLINK, Frames.vxlan(MAC_A, MAC_B, VTEP_B, VTEP_A, 50000, 300, 77, f1.bytes()))));
        c.out("g1", exact(f2, c.in(UPLINK, fromB(300, f2.bytes()))));
        c.out("c1", exact(f3, c.in(UPLINK, Frames.vxlan(MAC_A, MAC_B, VTEP_B, VTEP_A, 50000, 100, 77, f3.bytes()))));
        return c;
    }

    static Case gbpOffEncap()
    {
        final Case c = new Case("12-gbp-off-encap",
            "VNI 100 has GBP off: c1's identity 1001 never leaks; flags are I only (0x0800), G clear, policy id 0.",
            hostA());
        final Frame f = udp(R1, C1, IP_C1, IP_R1, 40001, 32);
        final Encap e = encap(f, MAC_B, VTEP_B, 100, c.in("c1", f));
        c.out(UPLINK, e);
        return c;
    }

    static Frame arpBroadcast(final String src, final String sender, final String target)
    {
        return eth(BROADCAST, src).arpRequest(sender, target).build();
    }

    static Case bumFromEndpoint()
    {
        final Case c = new Case("13-bum-from-endpoint",
            "A broadcast ARP request and an IPv6 all-nodes multicast from c1 (VNI 100) are replicated head-end: one copy to each other "
                + "local endpoint of VNI 100 (c2, c4), one VXLAN copy to each VTEP of the flood list (B, C); none back to c1, none to c3 "
                + "(VNI 200).",
            floodHost());
        final Frame arp = arpBroadcast(C1, IP_C1, IP_C2);
        final Frame mc = eth(ALL_NODES, C1).ip(IP6_C1, "ff02::1").icmpEcho(16).build();
        final long t1 = c.in("c1", arp);
        final long t2 = c.in("c1", mc);
        c.out("c2", exact(arp, t1)).out("c2", exact(mc, t2));
        c.out("c4", exact(arp, t1)).out("c4", exact(mc, t2));
        c.out(UPLINK, encap(arp, MAC_B, VTEP_B, 100, t1)).out(UPLINK, encap(arp, MAC_C, VTEP_C, 100, t1));
        c.out(UPLINK, encap(mc, MAC_B, VTEP_B, 100, t2)).out(UPLINK, encap(mc, MAC_C, VTEP_C, 100, t2));
        return c;
    }

    static Case bumFromOverlay()
    {
        final Case c = new Case("14-bum-from-overlay",
            "Broadcast and multicast arriving from the overlay go to the local endpoints of their VNI only (VNI 100: c1, c2, c4; "
                + "VNI 200: c3), never back to the underlay (split horizon).",
            floodHost());
        final Frame arp = arpBroadcast(R1, IP_R1, IP_C1);
        final Frame mc = eth(ALL_NODES, R1).ip(IP6_R1, "ff02::1").icmpEcho(16).build();
        final Frame arp200 = arpBroadcast(R2, "198.19.2.21", IP_C3);
        final long t1 = c.in(UPLINK, fromB(100, arp.bytes()));
        final long t2 = c.in(UPLINK, fromB(100, mc.bytes()));
        final long t3 = c.in(UPLINK, fromB(200, arp200.bytes()));
        for (final String port : List.of("c1", "c2", "c4"))
        {
            c.out(port, exact(arp, t1)).out(port, exact(mc, t2));
        }
        c.out("c3", exact(arp200, t3));
        return c;
    }

    static Case unknownUnicastFromEndpoint()
    {
        final Case c = new Case("15-unknown-unicast-from-endpoint",
            "c1 sends to a MAC that is in no FDB: flooded like a broadcast, to c2, c4 and the flood VTEPs B and C.",
            floodHost());
        final Frame f = udp(UNKNOWN, C1, IP_C1, "198.19.1.99", 40001, 32);
        final long t = c.in("c1", f);
        c.out("c2", exact(f, t)).out("c4", exact(f, t));
        c.out(UPLINK, encap(f, MAC_B, VTEP_B, 100, t)).out(UPLINK, encap(f, MAC_C, VTEP_C, 100, t));
        return c;
    }

    static Case unknownUnicastFromOverlay()
    {
        final Case c = new Case("16-unknown-unicast-from-overlay",
            "A frame from the overlay to an unknown MAC is flooded to the local endpoints of VNI 100 only, never to the underlay.",
            floodHost());
        final Frame f = udp(UNKNOWN, R1, IP_R1, "198.19.1.99", 40001, 32);
        final long t = c.in(UPLINK, fromB(100, f.bytes()));
        c.out("c1", exact(f, t)).out("c2", exact(f, t)).out("c4", exact(f, t));
        return c;
    }

    static Case invalidVni()
    {
        final Case c = new Case("17-invalid-vni",
            "VXLAN for VNIs no network uses (999, 200, 0, 16777215) is dropped as INVALID_VNI; VNI 100 still works.",
            hostA());
        final Frame f = udp(C1, R1, IP_R1, IP_C1, 40001, 32);
        for (final int vni : new int[] {999, 200, 0, 0xFF_FFFF})
        {
            c.in(UPLINK, fromB(vni, f.bytes()));
        }
        c.out("c1", exact(f, c.in(UPLINK, fromB(100, f.bytes()))));
        c.drop(UPLINK, INVALID_VNI, 4);
        return c;
    }

    static Case vxlanFlags()
    {
        final Case c = new Case("18-vxlan-flags",
            "The VXLAN I flag is required: flags 0x00 and 0x80 (G without I) are dropped as VXLAN_FLAGS_INVALID. Reserved bits are "
                + "ignored (RFC 7348 §5): flags 0x0c and 0xff and non-zero reserved bytes are accepted.",
            hostA());
        final Frame f = udp(C1, R1, IP_R1, IP_C1, 40001, 32);
        final byte[] good = fromB(100, f.bytes());
        final int flags = 14 + 20 + 8;
        c.in(UPLINK, set8(good, flags, 0x00));
        c.in(UPLINK, set8(good, flags, 0x80));
        c.out("c1", exact(f, c.in(UPLINK, set8(good, flags, 0x0C))));
        c.out("c1", exact(f, c.in(UPLINK, set8(set8(set8(good, flags, 0xFF), flags + 1, 0xFF), flags + 7, 0xFF))));
        c.drop(UPLINK, VXLAN_FLAGS_INVALID, 2);
        return c;
    }

    static Case notOverlayUdpPort()
    {
        final Case c = new Case("19-not-overlay-udp-port",
            "UDP to a local VTEP address but not to the VXLAN port (4790 VXLAN-GPE, 8472 Linux default, 6081 Geneve, 53 DNS) is not "
                + "overlay traffic: NOT_OVERLAY (the XDP program passes it to the kernel).",
            hostA());
        final Frame f = udp(C1, R1, IP_R1, IP_C1, 40001, 32);
        final byte[] good = fromB(100, f.bytes());
        for (final int port : new int[] {4790, 8472, 6081, 53})
        {
            c.in(UPLINK, set16(good, 14 + 20 + 2, port));
        }
        c.drop(UPLINK, NOT_OVERLAY, 4);
        return c;
    }

    static Case notLocalVtep()
    {
        final Case c = new Case("20-not-local-vtep",
            "VXLAN to an address that is not one of our VTEPs (198.18.0.99, B's own 198.18.0.2, an IPv6 address when we have no IPv6 VTEP) "
                + "is dropped as NOT_LOCAL_VTEP.",
            hostA());
        final Frame f = udp(C1, R1, IP_R1, IP_C1, 40001, 32);
        c.in(UPLINK, Frames.vxlan(MAC_A, MAC_B, VTEP_B, VTEP_X, 50000, 100, -1, f.bytes()));
        c.in(UPLINK, Frames.vxlan(MAC_A, MAC_C, VTEP_C, VTEP_B, 50000, 100, -1, f.bytes()));
        c.in(UPLINK, Frames.vxlan(MAC_A, MAC_B, VTEP6_B, VTEP6_X, 50000, 100, -1, f.bytes()));
        c.drop(UPLINK, NOT_LOCAL_VTEP, 3);
        return c;
    }

    static Case truncatedOuter()
    {
        final Case c = new Case("21-truncated-outer",
            "Frames cut short inside the outer headers are dropped as TRUNCATED: inside Ethernet (12 bytes), inside an 802.1Q tag, "
                + "inside the IPv4 header, inside UDP, inside VXLAN, inside the inner Ethernet header (IPv4 total length beyond the frame), "
                + "an IPv4 packet whose own length ends inside the UDP header, inside the IPv6 header, and an IPv6 payload beyond the frame.",
            Config.underlay(UPLINK, MAC_A, VTEP_A, VTEP6_A).network(100, false).endpoint("c1", 100, C1, IP_C1));
        final Frame f = udp(C1, R1, IP_R1, IP_C1, 40001, 18);
        final byte[] v4 = fromB(100, f.bytes());
        final byte[] v6 = fromB6(100, f.bytes());
        c.in(UPLINK, cut(v4, 12));
        c.in(UPLINK, cut(Frames.tagOuter(v4, 0x8100, 5), 16));
        c.in(UPLINK, cut(v4, 14 + 10));
        c.in(UPLINK, cut(v4, 14 + 20 + 4));
        c.in(UPLINK, cut(v4, 14 + 20 + 8 + 4));
        c.in(UPLINK, cut(v4, 14 + 20 + 8 + 8 + 6));
        // A complete, consistent IPv4 packet of 24 bytes: its UDP header is cut by the IP length.
        c.in(UPLINK, fixIpv4Checksum(set16(cut(v4, 14 + 24), 14 + 2, 24), 14));
        c.in(UPLINK, cut(v6, 14 + 30));
        c.in(UPLINK, cut(v6, 14 + 40 + 4));
        c.drop(UPLINK, TRUNCATED, 9);
        return c;
    }

    static Case invalidOuter()
    {
        final Case c = new Case("22-invalid-outer",
            "Outer headers whose fields contradict each other are INVALID_PACKET: IPv4 version 5, IHL 4, total length below the header "
                + "length, UDP length 12 (< UDP + VXLAN), UDP length beyond the IP packet, IPv6 version 7; an IPv6 Hop-by-Hop header after a "
                + "Destination Options header is INVALID_IPV6_EXTENSION_HEADER.",
            Config.underlay(UPLINK, MAC_A, VTEP_A, VTEP6_A).network(100, false).endpoint("c1", 100, C1, IP_C1));
        final Frame f = udp(C1, R1, IP_R1, IP_C1, 40001, 18);
        final byte[] v4 = fromB(100, f.bytes());
        final byte[] v6 = fromB6(100, f.bytes());
        c.in(UPLINK, set8(v4, 14, 0x55));
        c.in(UPLINK, set8(v4, 14, 0x44));
        c.in(UPLINK, fixIpv4Checksum(set16(v4, 14 + 2, 16), 14));
        // IP total 32 = IPv4 + UDP + 4 bytes; UDP length 12 agrees with it, but VXLAN needs 16.
        c.in(UPLINK, fixIpv4Checksum(set16(set16(cut(v4, 14 + 32), 14 + 2, 32), 14 + 20 + 4, 12), 14));
        c.in(UPLINK, set16(v4, 14 + 20 + 4, get16(v4, 14 + 20 + 4) + 20));
        c.in(UPLINK, set8(v6, 14, 0x70));
        c.in(UPLINK, Frames.ipv6Extensions(v6, 60, 0));
        c.drop(UPLINK, INVALID_PACKET, 6).drop(UPLINK, INVALID_IPV6_EXTENSION_HEADER, 1);
        return c;
    }

    static Case truncatedInner()
    {
        final Case c = new Case("23-truncated-inner",
            "An inner frame shorter than an Ethernet header is TRUNCATED, from the overlay (13 and 0 bytes after VXLAN) and from an "
                + "endpoint (13 bytes); exactly 14 bytes (a bare Ethernet header) is a frame and is delivered both ways.",
            Config.underlay(UPLINK, MAC_A, VTEP_A).network(100, false).endpoint("c1", 100, C1, IP_C1).endpoint("c2", 100, C2, IP_C2));
        final Frame bare = eth(C1, R1).raw(0x88B5, new byte[0]).build();
        final Frame bare2 = eth(C2, C1).raw(0x88B5, new byte[0]).build();
        c.in(UPLINK, fromB(100, cut(bare.bytes(), 13)));
        c.in(UPLINK, fromB(100, new byte[0]));
        c.out("c1", exact(bare, c.in(UPLINK, fromB(100, bare.bytes()))));
        c.in("c1", cut(bare2.bytes(), 13));
        c.out("c2", exact(bare2, c.in("c1", bare2)));
        c.drop(UPLINK, TRUNCATED, 2).drop("c1", TRUNCATED, 1);
        return c;
    }

    /** An untagged IPv4 UDP frame from c1 to r1 of exactly {@code length} bytes. */
    static Frame sized(final String dst, final String src, final int length, final boolean tagged, final int srcPort)
    {
        final Frames.Spec s = eth(dst, src);
        if (tagged)
        {
            s.vlan(10);
        }
        return s.ip(IP_C1, IP_R1).udp(srcPort, 5001, length - (tagged ? 18 : 14) - 28).build();
    }

    static Case mtuIpv4()
    {
        final Case c = new Case("24-mtu-ipv4",
            "Underlay MTU (default 1500, the IP MTU): the outer packet is the inner frame + 36 bytes (IPv4 20 + UDP 8 + VXLAN 8), so a "
                + "1464-byte inner frame (inner IP 1450) fits exactly and 1465 is FRAG_NEEDED (never fragmented, never truncated); the "
                + "same with a VLAN tag counted in the inner frame. A 1465-byte broadcast still reaches the local endpoint c2 while its "
                + "two VXLAN replicas are dropped.",
            Config.underlay(UPLINK, MAC_A, VTEP_A)
                .remoteVtep(VTEP_B, MAC_B).remoteVtep(VTEP_C, MAC_C)
                .network(100, false, VTEP_B, VTEP_C)
                .endpoint("c1", 100, C1, IP_C1).endpoint("c2", 100, C2, IP_C2)
                .fdb(100, R1, VTEP_B));
        final Frame fits = sized(R1, C1, 1464, false, 40001);
        final Frame over = sized(R1, C1, 1465, false, 40002);
        final Frame fitsTagged = sized(R1, C1, 1464, true, 40003);
        final Frame overTagged = sized(R1, C1, 1465, true, 40004);
        final Frame bigBroadcast = sized(BROADCAST, C1, 1465, false, 40005);
        c.out(UPLINK, encap(fits, MAC_B, VTEP_B, 100, c.in("c1", fits)));
        c.in("c1", over);
        c.out(UPLINK, encap(fitsTagged, MAC_B, VTEP_B, 100, c.in("c1", fitsTagged)));
        c.in("c1", overTagged);
        c.out("c2", exact(bigBroadcast, c.in("c1", bigBroadcast)));
        c.drop("c1", FRAG_NEEDED, 4);
        return c;
    }

    static Case mtuIpv6()
    {
        final Case c = new Case("25-mtu-ipv6",
            "IPv6 underlay with MTU 1280: overhead is 56 bytes (IPv6 40 + UDP 8 + VXLAN 8), so a 1224-byte inner frame fits exactly and "
                + "1225 is FRAG_NEEDED.",
            Config.underlay(UPLINK, MAC_A, VTEP6_A).mtu(1280)
                .remoteVtep(VTEP6_B, MAC_B)
                .network(100, false)
                .endpoint("c1", 100, C1, IP_C1)
                .fdb(100, R1, VTEP6_B));
        final Frame fits = sized(R1, C1, 1224, false, 40001);
        final Frame over = sized(R1, C1, 1225, false, 40002);
        c.out(UPLINK, encap(fits, MAC_B, VTEP6_B, 100, c.in("c1", fits)));
        c.in("c1", over);
        c.drop("c1", FRAG_NEEDED, 1);
        return c;
    }

    static Case nonVxlanUnderlay()
    {
        final Case c = new Case("26-non-vxlan-underlay",
            "Ordinary host traffic on the underlay is not overlay: ARP for our VTEP, ICMP echo, TCP to BGP port 179, ICMPv6 echo, LLDP "
                + "and an unknown EtherType are all NOT_OVERLAY (passed to the kernel by the XDP program), nothing is transmitted.",
            Config.underlay(UPLINK, MAC_A, VTEP_A, VTEP6_A).network(100, false).endpoint("c1", 100, C1, IP_C1));
        c.in(UPLINK, arpBroadcast(MAC_B, VTEP_B, VTEP_A));
        c.in(UPLINK, eth(MAC_A, MAC_B).ip(VTEP_B, VTEP_A).icmpEcho(56).build());
        c.in(UPLINK, eth(MAC_A, MAC_B).ip(VTEP_B, VTEP_A).tcpSyn(40001, 179).build());
        c.in(UPLINK, eth(MAC_A, MAC_B).ip(VTEP6_B, VTEP6_A).icmpEcho(56).build());
        // LLDP: chassis id (MAC), port id, TTL, end.
        final byte[] lldp = {0x02, 0x07, 0x04, 0x02, 0, 0, 0, 0, 0x02, 0x04, 0x02, 0x07, 'p', '1', 0x06, 0x02, 0, 120, 0, 0};
        c.in(UPLINK, eth("01:80:c2:00:00:0e", MAC_B).raw(0x88CC, lldp).build());
        c.in(UPLINK, eth(MAC_A, MAC_B).raw(0x88B5, new byte[46]).build());
        c.drop(UPLINK, NOT_OVERLAY, 6);
        return c;
    }

    static Case outerFragments()
    {
        final Case c = new Case("27-outer-fragments",
            "VTEPs do not reassemble (RFC 7348 §4.3): an IPv4 first fragment (MF), a last fragment (offset 1480) and an IPv6 first "
                + "fragment of VXLAN are FRAGMENT_NOT_SUPPORTED; an IPv4 packet without DF that is not a fragment is decapsulated.",
            Config.underlay(UPLINK, MAC_A, VTEP_A, VTEP6_A).network(100, false).endpoint("c1", 100, C1, IP_C1));
        final Frame f = udp(C1, R1, IP_R1, IP_C1, 40001, 32);
        final byte[] v4 = fromB(100, f.bytes());
        c.in(UPLINK, fixIpv4Checksum(set16(v4, 14 + 6, 0x2000), 14));
        c.in(UPLINK, fixIpv4Checksum(set16(v4, 14 + 6, 185), 14));
        c.in(UPLINK, Frames.ipv6Extensions(fromB6(100, f.bytes()), 44, 0x0001));
        c.out("c1", exact(f, c.in(UPLINK, fixIpv4Checksum(set16(v4, 14 + 6, 0), 14))));
        c.drop(UPLINK, FRAGMENT_NOT_SUPPORTED, 3);
        return c;
    }

    static Case outerIpv6AtomicFragment()
    {
        final Case c = new Case("28-outer-ipv6-atomic-fragment",
            "An IPv6 packet with a Fragment header of offset 0 and M=0 (an atomic fragment) is a whole packet and must be processed in "
                + "isolation (RFC 6946 §4): the VXLAN inside is decapsulated to c1.",
            Config.underlay(UPLINK, MAC_A, VTEP6_A).network(100, false).endpoint("c1", 100, C1, IP_C1));
        final Frame f = udp(C1, R1, IP_R1, IP_C1, 40001, 32);
        c.out("c1", exact(f, c.in(UPLINK, Frames.ipv6Extensions(fromB6(100, f.bytes()), 44, 0x0000))));
        return c;
    }

    static Case badOuterIpv4Checksum()
    {
        final Case c = new Case("29-bad-outer-ipv4-checksum",
            "An outer IPv4 header whose checksum does not verify is dropped as IPV4_CHECKSUM_INVALID (VXLAN and non-VXLAN alike); "
                + "the same frame with the correct checksum is decapsulated.",
            hostA());
        final Frame f = udp(C1, R1, IP_R1, IP_C1, 40001, 32);
        final byte[] v4 = fromB(100, f.bytes());
        c.in(UPLINK, set16(v4, 14 + 10, get16(v4, 14 + 10) ^ 0x0100));
        final byte[] tcp = eth(MAC_A, MAC_B).ip(VTEP_B, VTEP_A).tcpSyn(40001, 179).build().bytes();
        c.in(UPLINK, set16(tcp, 14 + 10, get16(tcp, 14 + 10) ^ 0x0001));
        c.out("c1", exact(f, c.in(UPLINK, v4)));
        c.drop(UPLINK, IPV4_CHECKSUM_INVALID, 2);
        return c;
    }

    static Case splitHorizon()
    {
        final Case c = new Case("30-split-horizon",
            "A frame from the overlay whose inner destination is a remote MAC (r2 behind C, or r1 behind the sending VTEP B itself) is "
                + "never sent back into the overlay: SPLIT_HORIZON.",
            hostA());
        c.in(UPLINK, fromB(100, udp(R2, R1, IP_R1, IP_R2, 40001, 32).bytes()));
        c.in(UPLINK, fromB(100, udp(R1, R2, IP_R2, IP_R1, 40002, 32).bytes()));
        c.drop(UPLINK, SPLIT_HORIZON, 2);
        return c;
    }

    static Case localSwitching()
    {
        final Case c = new Case("31-local-switching",
            "Two endpoints of VNI 100 on this host talk directly: c1 -> c2 (IPv4 UDP, IPv6 TCP) and c2 -> c1 are switched locally, "
                + "unchanged, and nothing goes to the underlay.",
            floodHost());
        final Frame a = udp(C2, C1, IP_C1, IP_C2, 40001, 32);
        final Frame b = eth(C2, C1).ip(IP6_C1, IP6_C2).tcpSyn(40002, 22).build();
        final Frame r = udp(C1, C2, IP_C2, IP_C1, 5001, 32);
        c.out("c2", exact(a, c.in("c1", a))).out("c2", exact(b, c.in("c1", b)));
        c.out("c1", exact(r, c.in("c2", r)));
        return c;
    }

    static Case vniIsolationOverlap()
    {
        final Case c = new Case("32-vni-isolation-overlap",
            "VNI 100 (c1, c2) and VNI 200 (c3, c5) reuse the same MACs and IPs (c3 = c1's MAC and IP, c5 = c2's). Each frame stays in "
                + "its VNI: c2 -> MAC 01:01 reaches c1 only, c5 -> the same MAC reaches c3 only, overlay VNI 100/200 to that MAC reach "
                + "c1/c3, and a broadcast from c2 reaches c1 only.",
            Config.underlay(UPLINK, MAC_A, VTEP_A)
                .remoteVtep(VTEP_B, MAC_B)
                .network(100, false)
                .network(200, false)
                .endpoint("c1", 100, C1, IP_C1)
                .endpoint("c2", 100, C2, IP_C2)
                .endpoint("c3", 200, C1, IP_C1)
                .endpoint("c5", 200, C2, IP_C2));
        final Frame a = udp(C1, C2, IP_C2, IP_C1, 40001, 32);
        final Frame b = udp(C1, C2, IP_C2, IP_C1, 40002, 32);
        final Frame o100 = udp(C1, R1, IP_R1, IP_C1, 40003, 32);
        final Frame o200 = udp(C1, R1, IP_R1, IP_C1, 40004, 32);
        final Frame bc = arpBroadcast(C2, IP_C2, IP_C1);
        c.out("c1", exact(a, c.in("c2", a)));
        c.out("c3", exact(b, c.in("c5", b)));
        c.out("c1", exact(o100, c.in(UPLINK, fromB(100, o100.bytes()))));
        c.out("c3", exact(o200, c.in(UPLINK, fromB(200, o200.bytes()))));
        c.out("c1", exact(bc, c.in("c2", bc)));
        return c;
    }

    static Case samePort()
    {
        final Case c = new Case("33-same-port",
            "A frame from c1 to c1's own MAC is not reflected back: SAME_PORT.",
            floodHost());
        c.in("c1", udp(C1, C1, IP_C1, IP_C1, 40001, 32));
        c.drop("c1", SAME_PORT, 1);
        return c;
    }

    static Case otherVniUnreachable()
    {
        final Case c = new Case("34-other-vni-unreachable",
            "c3 (VNI 200) is unreachable from VNI 100: c1's frame to c3's MAC is unknown unicast in VNI 100, which has no other endpoint "
                + "and no flood list, so NO_FLOOD_TARGET; the same MAC arriving from the overlay in VNI 100 is flooded to c1, never to c3.",
            Config.underlay(UPLINK, MAC_A, VTEP_A)
                .network(100, false)
                .network(200, false)
                .endpoint("c1", 100, C1, IP_C1)
                .endpoint("c3", 200, C3, IP_C3));
        c.in("c1", udp(C3, C1, IP_C1, IP_C3, 40001, 32));
        final Frame o = udp(C3, R1, IP_R1, IP_C3, 40002, 32);
        c.out("c1", exact(o, c.in(UPLINK, fromB(100, o.bytes()))));
        c.drop("c1", NO_FLOOD_TARGET, 1);
        return c;
    }

    static Case mixedBatch()
    {
        final Case c = new Case("35-mixed-batch",
            "300 frames of every kind interleaved on uplink, c1 and c3 (several 64-frame batches, more than 64 flood replicas in one "
                + "batch): every frame reaches exactly the ports its kind says, frames of one flow keep their order per port, and every "
                + "drop is counted under its reason.",
            floodHost());
        final byte[] badChecksum = fromB(100, udp(C1, R1, IP_R1, IP_C1, 1, 32).bytes());
        long decap = 0;
        for (int i = 0; i < 100; i++)
        {
            final int sp = 20000 + i;
            switch (i % 8)
            {
                case 0 ->
                {
                    final Frame f = udp(C1, R1, IP_R1, IP_C1, sp, 32);
                    c.out("c1", exact(f, c.in(UPLINK, fromB(100, f.bytes())), "uplink:c1"));
                    decap++;
                }
                case 1 ->
                {
                    final Frame f = udp(C3, R1, "198.19.2.11", IP_C3, sp, 32);
                    c.out("c3", exact(f, c.in(UPLINK, fromB(200, f.bytes())), "uplink:c3"));
                    decap++;
                }
                case 2 ->
                {
                    c.in(UPLINK, fromB(999, udp(C1, R1, IP_R1, IP_C1, sp, 32).bytes()));
                    c.drop(UPLINK, INVALID_VNI, 1);
                    decap++;
                }
                case 3 ->
                {
                    c.in(UPLINK, eth(BROADCAST, MAC_B).arpRequest(VTEP_B, "198.18.0." + (100 + i)).build());
                    c.drop(UPLINK, NOT_OVERLAY, 1);
                }
                case 4 ->
                {
                    final Frame f = arpBroadcast(R1, IP_R1, "198.19.1." + (100 + i));
                    final long t = c.in(UPLINK, fromB(100, f.bytes()));
                    for (final String p : List.of("c1", "c2", "c4"))
                    {
                        c.out(p, exact(f, t, "uplink:bum"));
                    }
                    decap++;
                }
                case 5 ->
                {
                    c.in(UPLINK, fromB(100, udp(R2, R1, IP_R1, IP_R2, sp, 32).bytes()));
                    c.drop(UPLINK, SPLIT_HORIZON, 1);
                    decap++;
                }
                case 6 ->
                {
                    c.in(UPLINK, set16(badChecksum, 14 + 10, get16(badChecksum, 14 + 10) ^ (i + 1)));
                    c.drop(UPLINK, IPV4_CHECKSUM_INVALID, 1);
                }
                default ->
                {
                    c.in(UPLINK, cut(fromB(100, udp(C1, R1, IP_R1, IP_C1, sp, 32).bytes()), 40 + i % 30));
                    c.drop(UPLINK, TRUNCATED, 1);
                }
            }
        }
        for (int i = 0; i < 130; i++)
        {
            final int sp = 30000 + i;
            switch (i % 5)
            {
                case 0 ->
                {
                    final Frame f = udp(R1, C1, IP_C1, IP_R1, sp, 32);
                    c.out(UPLINK, encap(f, MAC_B, VTEP_B, 100, c.in("c1", f), "c1:r1"));
                }
                case 1 ->
                {
                    final Frame f = udp(R2, C1, IP_C1, IP_R2, sp, 32);
                    c.out(UPLINK, encap(f, MAC_C, VTEP_C, 100, c.in("c1", f), "c1:r2"));
                }
                case 2 ->
                {
                    final Frame f = udp(C2, C1, IP_C1, IP_C2, sp, 32);
                    c.out("c2", exact(f, c.in("c1", f), "c1:c2"));
                }
                default ->
                {
                    // broadcast (3) and unknown unicast (4): c2, c4, B, C
                    final Frame f = i % 5 == 3 ? arpBroadcast(C1, IP_C1, "198.19.1." + (100 + i)) : udp(UNKNOWN, C1, IP_C1, "198.19.1.99", sp, 32);
                    final long t = c.in("c1", f);
                    c.out("c2", exact(f, t, "c1:flood")).out("c4", exact(f, t, "c1:flood"));
                    c.out(UPLINK, encap(f, MAC_B, VTEP_B, 100, t, "c1:flood-B")).out(UPLINK, encap(f, MAC_C, VTEP_C, 100, t, "c1:flood-C"));
                }
            }
        }
        for (int i = 0; i < 70; i++)
        {
            // VNI 200 has only c3 locally and floods to B.
            final Frame f = i % 2 == 0 ? arpBroadcast(C3, IP_C3, "198.19.2." + (100 + i)) : udp(C1, C3, IP_C3, IP_C1, 30000 + i, 32);
            c.out(UPLINK, encap(f, MAC_B, VTEP_B, 200, c.in("c3", f), "c3:flood"));
        }
        c.counter(decap, "stages", "vxlan-decap", "packets");
        return c;
    }

    static Case unconfiguredPort()
    {
        final Case c = new Case("36-unconfigured-port",
            "Input on a port the config does not name (eth9) is refused by Replay before anything runs (a ConfigException naming the "
                + "port), so the dataplane's PORT_NOT_CONFIGURED cannot be reached through a replay.",
            hostA());
        c.in("eth9", udp(C1, R1, IP_R1, IP_C1, 40001, 32));
        c.error = "port \"eth9\" is not in the config";
        return c;
    }

    static Case decapPadding()
    {
        final Case c = new Case("37-decap-padding",
            "Bytes after the outer IP packet (Ethernet padding or a trailer) are not part of the VXLAN datagram: they are stripped and "
                + "the inner frame is delivered exactly (IPv4 with 6 trailing bytes, IPv6 with 4).",
            Config.underlay(UPLINK, MAC_A, VTEP_A, VTEP6_A).network(100, false).endpoint("c1", 100, C1, IP_C1));
        final Frame f = udp(C1, R1, IP_R1, IP_C1, 40001, 18);
        final Frame g = udp(C1, R1, IP_R1, IP_C1, 40002, 18);
        c.out("c1", exact(f, c.in(UPLINK, pad(fromB(100, f.bytes()), 6))));
        final byte[] v6 = pad(fromB6(100, g.bytes()), 4);
        v6[v6.length - 1] = (byte)0xA5;
        c.out("c1", exact(g, c.in(UPLINK, v6)));
        return c;
    }

    static Case outerVlanUnderlay()
    {
        final Case c = new Case("38-outer-vlan-underlay",
            "The underlay may be VLAN-tagged: VXLAN behind an outer 802.1Q tag (VLAN 5) and behind 802.1ad + 802.1Q is decapsulated; "
                + "the inner frame reaches c1 without the outer tags.",
            Config.underlay(UPLINK, MAC_A, VTEP_A).network(100, false).endpoint("c1", 100, C1, IP_C1));
        final Frame f = udp(C1, R1, IP_R1, IP_C1, 40001, 32);
        final Frame g = udp(C1, R1, IP_R1, IP_C1, 40002, 32);
        c.out("c1", exact(f, c.in(UPLINK, Frames.tagOuter(fromB(100, f.bytes()), 0x8100, 5))));
        c.out("c1", exact(g, c.in(UPLINK, Frames.tagOuter(fromB(100, g.bytes()), 0x88A8, 50, 0x8100, 5))));
        return c;
    }

    static Case outerVlanTooManyTags()
    {
        final Case c = new Case("39-outer-vlan-too-many-tags",
            "A complete underlay frame with three VLAN tags (more than nve parses) is not truncated: it is dropped as "
                + "UNSUPPORTED_L2_PROTOCOL.",
            Config.underlay(UPLINK, MAC_A, VTEP_A).network(100, false).endpoint("c1", 100, C1, IP_C1));
        final Frame f = udp(C1, R1, IP_R1, IP_C1, 40001, 32);
        c.in(UPLINK, Frames.tagOuter(fromB(100, f.bytes()), 0x88A8, 50, 0x8100, 5, 0x8100, 6));
        c.drop(UPLINK, UNSUPPORTED_L2_PROTOCOL, 1);
        return c;
    }

    static Case outerIpv6ExtensionHeaders()
    {
        final Case c = new Case("40-outer-ipv6-extension-headers",
            "IPv6 extension headers in the outer packet are walked: VXLAN behind Hop-by-Hop, behind Destination Options, and behind "
                + "Hop-by-Hop + Destination Options is decapsulated to c1.",
            Config.underlay(UPLINK, MAC_A, VTEP6_A).network(100, false).endpoint("c1", 100, C1, IP_C1));
        final Frame f1 = udp(C1, R1, IP_R1, IP_C1, 40001, 32);
        final Frame f2 = udp(C1, R1, IP_R1, IP_C1, 40002, 32);
        final Frame f3 = udp(C1, R1, IP_R1, IP_C1, 40003, 32);
        c.out("c1", exact(f1, c.in(UPLINK, Frames.ipv6Extensions(fromB6(100, f1.bytes()), 0))));
        c.out("c1", exact(f2, c.in(UPLINK, Frames.ipv6Extensions(fromB6(100, f2.bytes()), 60))));
        c.out("c1", exact(f3, c.in(UPLINK, Frames.ipv6Extensions(fromB6(100, f3.bytes()), 0, 60))));
        return c;
    }

    static Case customVxlanPort()
    {
        final Case c = new Case("41-custom-vxlan-port",
            "underlay.vxlanPort 8472 (the Linux default): VXLAN on 8472 is decapsulated, VXLAN on 4789 is NOT_OVERLAY, and "
                + "encapsulated frames go to UDP port 8472.",
            Config.underlay(UPLINK, MAC_A, VTEP_A).vxlanPort(8472)
                .remoteVtep(VTEP_B, MAC_B)
                .network(100, false)
                .endpoint("c1", 100, C1, IP_C1)
                .fdb(100, R1, VTEP_B));
        final Frame in = udp(C1, R1, IP_R1, IP_C1, 40001, 32);
        final Frame out = udp(R1, C1, IP_C1, IP_R1, 40002, 32);
        final byte[] v4 = fromB(100, in.bytes());
        c.in(UPLINK, v4);
        c.out("c1", exact(in, c.in(UPLINK, set16(v4, 14 + 20 + 2, 8472))));
        c.out(UPLINK, new Encap(out, MAC_B, MAC_A, VTEP_A, VTEP_B, 100, -1, 8472, c.in("c1", out), "encap"));
        c.drop(UPLINK, NOT_OVERLAY, 1);
        return c;
    }

    static Case fragmentsNotOverlay()
    {
        final Case c = new Case("43-fragments-not-overlay",
            "Fragments are refused as FRAGMENT_NOT_SUPPORTED only when they may be overlay traffic: a first fragment carries its UDP "
                + "header, so UDP to port 53 on our VTEP is NOT_OVERLAY and IPv6 mDNS to ff02::fb is NOT_OVERLAY; a later fragment to an "
                + "address that is not ours is NOT_LOCAL_VTEP; only the first fragment of VXLAN to our VTEP is FRAGMENT_NOT_SUPPORTED.",
            Config.underlay(UPLINK, MAC_A, VTEP_A, VTEP6_A).network(100, false).endpoint("c1", 100, C1, IP_C1));
        final byte[] dns = eth(MAC_A, MAC_B).ip(VTEP_B, VTEP_A).udp(40001, 53, 1400).build().bytes();
        c.in(UPLINK, fixIpv4Checksum(set16(dns, 14 + 6, 0x2000), 14));
        final byte[] mdns = eth("33:33:00:00:00:fb", MAC_B).ip(VTEP6_B, "ff02::fb").udp(5353, 5353, 1400).build().bytes();
        c.in(UPLINK, Frames.ipv6Extensions(mdns, 44, 0x0001));
        final byte[] elsewhere = Frames.vxlan(MAC_A, MAC_B, VTEP_B, VTEP_X, 50000, 100, -1, udp(C1, R1, IP_R1, IP_C1, 40002, 32).bytes());
        c.in(UPLINK, fixIpv4Checksum(set16(elsewhere, 14 + 6, 185), 14));
        final byte[] vxlan = fromB(100, udp(C1, R1, IP_R1, IP_C1, 40003, 32).bytes());
        c.in(UPLINK, fixIpv4Checksum(set16(vxlan, 14 + 6, 0x2000), 14));
        c.drop(UPLINK, NOT_OVERLAY, 2).drop(UPLINK, NOT_LOCAL_VTEP, 1).drop(UPLINK, FRAGMENT_NOT_SUPPORTED, 1);
        return c;
    }

    static Case endpointWithoutNetwork()
    {
        final Case c = new Case("44-endpoint-without-network",
            "An endpoint without a VNI (allowed for endpoints reached only through ILA) is in no L2 network: with no ILA domain "
                + "configured, everything it sends is dropped as NO_NETWORK (the closest a replay gets to a port without a role: "
                + "PORT_NOT_CONFIGURED needs a port that is in no config, which Replay refuses, see case 36). c1 next to it still works.",
            Config.underlay(UPLINK, MAC_A, VTEP_A)
                .remoteVtep(VTEP_B, MAC_B)
                .network(100, false, VTEP_B)
                .endpoint("c1", 100, C1, IP_C1)
                .endpoint("x1", -1, C2, List.of(IP_C2), null, Map.of())
                .fdb(100, R1, VTEP_B));
        c.in("x1", udp(R1, C2, IP_C2, IP_R1, 40001, 32));
        c.in("x1", arpBroadcast(C2, IP_C2, IP_C1));
        c.in("x1", udp(C1, C2, IP_C2, IP_C1, 40002, 32));
        final Frame f = udp(R1, C1, IP_C1, IP_R1, 40003, 32);
        c.out(UPLINK, encap(f, MAC_B, VTEP_B, 100, c.in("c1", f)));
        c.drop("x1", dev.nve.dataplane.counter.DropReason.NO_NETWORK, 3);
        return c;
    }

    /** The bundled example of docs/examples/basic (used by ./nve demo), kept in the suite too. */
    static Case docsExample()
    {
        final Case c = new Case("42-docs-example-basic",
            "docs/examples/basic: host 198.18.0.1 with container c1 (198.19.1.1) in VNI 100 and a peer r1 (198.19.1.11) behind VTEP "
                + "198.18.0.2. From the overlay: r1's broadcast ARP request for c1 and an ICMP echo request; from c1: the ARP reply and "
                + "the echo reply. The uplink carries the two replies in VXLAN VNI 100, c1 receives the request and the echo.",
            Config.underlay(UPLINK, MAC_A, VTEP_A)
                .remoteVtep(VTEP_B, MAC_B)
                .network(100, false, VTEP_B)
                .endpoint("c1", 100, C1, List.of(IP_C1), 1001, Map.of("app", "web"))
                .fdb(100, R1, VTEP_B));
        final Frame request = arpBroadcast(R1, IP_R1, IP_C1);
        final Frame reply = eth(R1, C1).arpReply(IP_C1, IP_R1, R1).build();
        final Frame echo = eth(C1, R1).ip(IP_R1, IP_C1).icmpEcho(56).build();
        final Frame echoReply = eth(R1, C1).ip(IP_C1, IP_R1).icmpType(0, 56).build();
        c.out("c1", exact(request, c.in(UPLINK, fromB(100, request.bytes()))));
        c.out(UPLINK, encap(reply, MAC_B, VTEP_B, 100, c.in("c1", reply)));
        c.out("c1", exact(echo, c.in(UPLINK, fromB(100, echo.bytes()))));
        c.out(UPLINK, encap(echoReply, MAC_B, VTEP_B, 100, c.in("c1", echoReply)));
        return c;
    }
}
