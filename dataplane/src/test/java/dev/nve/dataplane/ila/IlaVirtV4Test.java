package dev.nve.dataplane.ila;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.table.IlaIdentifier;
import dev.nve.dataplane.table.IlaTable;
import dev.nve.dataplane.table.TableException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import static dev.nve.dataplane.ila.IlaV4Hosts.A4_MAC;
import static dev.nve.dataplane.ila.IlaV4Hosts.A5_MAC;
import static dev.nve.dataplane.ila.IlaV4Hosts.A7_IP;
import static dev.nve.dataplane.ila.IlaV4Hosts.A7_MAC;
import static dev.nve.dataplane.ila.IlaV4Hosts.A_IP;
import static dev.nve.dataplane.ila.IlaV4Hosts.B4_MAC;
import static dev.nve.dataplane.ila.IlaV4Hosts.B5_MAC;
import static dev.nve.dataplane.ila.IlaV4Hosts.B_IP;
import static dev.nve.dataplane.ila.IlaV4Hosts.LOC_A;
import static dev.nve.dataplane.ila.IlaV4Hosts.LOC_B;
import static dev.nve.dataplane.ila.IlaV4Hosts.ROUTER_MAC;
import static dev.nve.dataplane.ila.IlaV4Hosts.SIR4;
import static dev.nve.dataplane.ila.IlaV4Hosts.T1;
import static dev.nve.dataplane.ila.IlaV4Hosts.T2;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ILA VIRT_V4: IPv4 tenants carried over ILA by RFC 7915 translation at the edge. Every frame
 * on the wire and at the receiver is compared byte for byte with {@link Ip4}'s independent
 * model (checksums computed from scratch there, incrementally in the dataplane).
 */
class IlaVirtV4Test
{
    private static final long UPLINK_B = 0x02_00_00_00_00_02L;

    /** A's endpoint in {@code vnid} sends {@code frame} to 198.19.1.11 on B: wire and delivery as the model says. */
    private static byte[] roundTrip(final TestHost a, final TestHost b, final String sender, final int vnid, final byte[] frame, final String receiver,
        final long receiverMac)
    {
        final Map<String, List<byte[]>> out = a.exchange(sender, frame);
        assertEquals(1, out.get("uplink").size(), () -> "A dropped: " + a.counters.snapshot());
        final byte[] wire = out.get("uplink").get(0);
        final int src = ByteBuffer.wrap(frame).getInt(Ip4.ETH + 12);
        final int dst = ByteBuffer.wrap(frame).getInt(Ip4.ETH + 16);
        assertArrayEquals(Ip4.toIpv6(frame, SIR4, Ip4.virtV4(vnid, src), LOC_B, Ip4.virtV4(vnid, dst), TestHost.GATEWAY_MAC, TestHost.UPLINK_MAC, -1), wire,
            "the wire frame");
        final Map<String, List<byte[]>> at = b.exchange("uplink", wire);
        assertEquals(1, at.get(receiver).size(), () -> "B dropped: " + b.counters.snapshot());
        final byte[] delivered = at.get(receiver).get(0);
        assertArrayEquals(Ip4.toIpv4(wire, src, dst, receiverMac, ROUTER_MAC, -1), delivered, "the delivered frame");
        assertTrue(Ip4.headerChecksumValid(delivered));
        return delivered;
    }

    @Test
    void tcpUdpAndIcmpEchoCrossAsIpv6AndArriveAsTheOriginalIpv4()
    {
        try (TestHost a = IlaV4Hosts.hostA(1500); TestHost b = IlaV4Hosts.hostB())
        {
            final byte[][] frames = {
                Ip4.packet(A_IP, B_IP).tos(0xB8).tcp(40_000, 443, 64).frame(ROUTER_MAC, A4_MAC),
                Ip4.packet(A_IP, B_IP).tos(0x01).udp(41_000, 53, 64).frame(ROUTER_MAC, A4_MAC),
                Ip4.packet(A_IP, B_IP).icmpEcho(true, 0x1234, 7, 56).frame(ROUTER_MAC, A4_MAC),
                Ip4.packet(A_IP, B_IP).icmpEcho(false, 0x1234, 7, 56).frame(ROUTER_MAC, A4_MAC)};
            for (final byte[] frame : frames)
            {
                final byte[] delivered = roundTrip(a, b, "a4", T1, frame, "b4", B4_MAC);
                // Byte for byte the original but MACs, TTL - 2 and the header checksum.
                assertArrayEquals(Ip4.with(frame, B4_MAC, ROUTER_MAC, 62), delivered);
                assertTrue(Ip4.transportChecksumValid(delivered));
            }
        }
    }

    @Test
    void wireAddressesAreTheVirtV4Forms()
    {
        try (TestHost a = IlaV4Hosts.hostA(1500))
        {
            final byte[] wire = a.exchange("a4", Ip4.packet(A_IP, B_IP).udp(1, 2, 8).frame(ROUTER_MAC, A4_MAC)).get("uplink").get(0);
            assertEquals("fd00:44::4000:12c:c613:104", Ip6.rfc5952(Ip6.srcHigh(wire), Ip6.srcLow(wire)));
            assertEquals("2001:db8:b:0:4000:12c:c613:10b", Ip6.rfc5952(Ip6.dstHigh(wire), Ip6.dstLow(wire)));
            assertEquals(IlaIdentifier.TYPE_VIRT_V4, IlaIdentifier.type(Ip6.dstLow(wire)));
            assertEquals(T1, IlaIdentifier.vnid(Ip6.dstLow(wire)));
        }
    }

    @Test
    void udpChecksumZeroGetsAComputedChecksum()
    {
        try (TestHost a = IlaV4Hosts.hostA(1500); TestHost b = IlaV4Hosts.hostB())
        {
            final byte[] frame = Ip4.packet(A_IP, B_IP).udp(41_000, 4_000, 33).zeroUdpChecksum().frame(ROUTER_MAC, A4_MAC);
            final byte[] delivered = roundTrip(a, b, "a4", T1, frame, "b4", B4_MAC);
            assertTrue(Ip4.ipv4TransportChecksum(delivered) != 0, "IPv4 receives the checksum IPv6 needed");
            assertTrue(Ip4.transportChecksumValid(delivered));
        }
    }

    @Test
    void twoTenantsWithTheSameIpv4AddressesStayApart()
    {
        try (TestHost a = IlaV4Hosts.hostA(1500); TestHost b = IlaV4Hosts.hostB())
        {
            roundTrip(a, b, "a4", T1, Ip4.packet(A_IP, B_IP).udp(1000, 2000, 20).frame(ROUTER_MAC, A4_MAC), "b4", B4_MAC);
            roundTrip(a, b, "a5", T2, Ip4.packet(A_IP, B_IP).udp(1000, 2000, 20).frame(ROUTER_MAC, A5_MAC), "b5", B5_MAC);
            // And back: B's tenant-400 endpoint reaches A's tenant-400 endpoint, not tenant 300's.
            final byte[] back = Ip4.packet(B_IP, A_IP).tcp(443, 1000, 10).frame(ROUTER_MAC, B5_MAC);
            final byte[] wire = b.exchange("b5", back).get("uplink").get(0);
            final Map<String, List<byte[]>> at = a.exchange("uplink", wire);
            assertEquals(1, at.get("a5").size());
            assertEquals(0, at.get("a4").size());
            assertArrayEquals(Ip4.with(back, A5_MAC, ROUTER_MAC, 62), at.get("a5").get(0));
        }
    }

    @Test
    void fragmentsGetAFragmentHeaderAndComeBackAsTheSameFragments()
    {
        try (TestHost a = IlaV4Hosts.hostA(1500); TestHost b = IlaV4Hosts.hostB())
        {
            final byte[] whole = Ip4.packet(A_IP, B_IP).df(false).id(0xBEEF).udp(5000, 6000, 200).frame(ROUTER_MAC, A4_MAC);
            final List<byte[]> fragments = Ip4.fragment(whole, 0, 104);
            final int wholeChecksum = Ip4.ipv6TransportChecksum(Ip4.toIpv6(whole, SIR4, Ip4.virtV4(T1, A_IP), LOC_B, Ip4.virtV4(T1, B_IP), 0, 0, -1));
            for (int k = 0; k < fragments.size(); k++)
            {
                final byte[] f = fragments.get(k);
                final byte[] wire = a.exchange("a4", f).get("uplink").get(0);
                assertArrayEquals(Ip4.toIpv6(f, SIR4, Ip4.virtV4(T1, A_IP), LOC_B, Ip4.virtV4(T1, B_IP), TestHost.GATEWAY_MAC, TestHost.UPLINK_MAC,
                    k == 0 ? wholeChecksum : -1), wire);
                assertEquals(Ip4.FRAGMENT, wire[Ip4.ETH + 6]);
                final byte[] delivered = b.exchange("uplink", wire).get("b4").get(0);
                // The same fragment again: ID, offset, MF, DF clear; only TTL and checksums differ.
                assertArrayEquals(Ip4.with(f, B4_MAC, ROUTER_MAC, 62), delivered);
            }
        }
    }

    @Test
    void unfragmentedWithoutDfGetsNoFragmentHeaderAndArrivesWithDf()
    {
        try (TestHost a = IlaV4Hosts.hostA(1500); TestHost b = IlaV4Hosts.hostB())
        {
            final byte[] frame = Ip4.packet(A_IP, B_IP).df(false).id(77).udp(5000, 6000, 20).frame(ROUTER_MAC, A4_MAC);
            final byte[] delivered = roundTrip(a, b, "a4", T1, frame, "b4", B4_MAC);
            assertEquals(0x4000, ByteBuffer.wrap(delivered).getShort(Ip4.ETH + 6) & 0xFFFF, "DF set, not a fragment");
            assertEquals(0, ByteBuffer.wrap(delivered).getShort(Ip4.ETH + 4), "identification 0 (RFC 7915 §5.1: no Fragment header)");
        }
    }

    @Test
    void localOwnerGetsTheIpv4PacketUntranslated()
    {
        try (TestHost a = IlaV4Hosts.hostA(1500))
        {
            final byte[] frame = Ip4.packet(A_IP, A7_IP).tcp(1, 2, 30).frame(ROUTER_MAC, A4_MAC);
            final Map<String, List<byte[]>> out = a.exchange("a4", frame);
            assertEquals(1, out.get("a7").size());
            assertArrayEquals(Ip4.with(frame, A7_MAC, ROUTER_MAC, 63), out.get("a7").get(0));
        }
    }

    @Test
    void egressDropsWithTheirReasons()
    {
        try (TestHost a = IlaV4Hosts.hostA(576))
        {
            a.exchange("a4",
                Ip4.packet(A_IP, B_IP).options((byte)7, (byte)7, (byte)4, (byte)0, (byte)0, (byte)0, (byte)0).udp(1, 2, 8).frame(ROUTER_MAC, A4_MAC),
                Ip4.packet(A_IP, B_IP).ttl(1).udp(1, 2, 8).frame(ROUTER_MAC, A4_MAC),
                Ip4.packet(A_IP, Ip4.addr("198.19.1.99")).udp(1, 2, 8).frame(ROUTER_MAC, A4_MAC),
                Ip4.packet(A_IP, Ip4.addr("198.19.2.1")).udp(1, 2, 8).frame(ROUTER_MAC, A4_MAC),
                Ip4.packet(A_IP, B_IP).icmp(13, 0, 0, 12).frame(ROUTER_MAC, A4_MAC),
                Ip4.fragment(Ip4.packet(A_IP, B_IP).df(false).udp(1, 2, 40).zeroUdpChecksum().frame(ROUTER_MAC, A4_MAC), 0, 24).get(0),
                Ip4.fragment(Ip4.packet(A_IP, B_IP).df(false).icmpEcho(true, 1, 1, 40).frame(ROUTER_MAC, A4_MAC), 0, 24).get(0),
                Ip4.packet(A_IP, B_IP).udp(1, 2, 600).frame(ROUTER_MAC, A4_MAC));
            assertEquals(1, a.counter("stage/ila-egress/drop/" + DropReason.ILA_IPV4_OPTIONS.name()));
            assertEquals(1, a.counter("stage/ila-egress/drop/" + DropReason.TTL_EXCEEDED.name()));
            assertEquals(1, a.counter("stage/ila-egress/drop/" + DropReason.ILA_UNKNOWN_IDENTIFIER.name()));
            assertEquals(1, a.counter("stage/ila-egress/drop/" + DropReason.NO_ROUTE.name()));
            assertEquals(2, a.counter("stage/ila-egress/drop/" + DropReason.ILA_ICMP_NOT_TRANSLATED.name()));
            assertEquals(1, a.counter("stage/ila-egress/drop/" + DropReason.ILA_UDP_ZERO_CHECKSUM_FRAGMENT.name()));
            assertEquals(1, a.counter("stage/ila-egress/drop/" + DropReason.FRAG_NEEDED.name()));
            assertEquals(0, a.out("uplink").size());
        }
    }

    @Test
    void ingressDropsWithTheirReasons()
    {
        try (TestHost b = IlaV4Hosts.hostB())
        {
            final long goodSrc = Ip4.virtV4(T1, A_IP);
            final byte[] udp = Ip4.toIpv6(Ip4.packet(A_IP, B_IP).udp(1, 2, 8).frame(0, 0), SIR4, goodSrc, LOC_B, Ip4.virtV4(T1, B_IP), TestHost.UPLINK_MAC,
                TestHost.GATEWAY_MAC, -1);
            // No IPv4 tenant 500 on B; an unknown IPv4 address of tenant 300; a source outside the translated /96; hop limit 1; ICMPv6 that is not echo.
            final byte[] noTenant = Ip4.toIpv6(Ip4.packet(A_IP, B_IP).udp(1, 2, 8).frame(0, 0), SIR4, Ip4.virtV4(500, A_IP), LOC_B, Ip4.virtV4(500, B_IP),
                TestHost.UPLINK_MAC, TestHost.GATEWAY_MAC, -1);
            final byte[] unknown = Ip6.with(udp, TestHost.UPLINK_MAC, TestHost.GATEWAY_MAC, 64, LOC_B, Ip4.virtV4(T1, Ip4.addr("198.19.1.99")));
            final byte[] badSource = udp.clone();
            ByteBuffer.wrap(badSource).putLong(Ip4.ETH + 16, Ip4.virtV4(T2, A_IP));
            final byte[] hop1 = Ip6.with(udp, TestHost.UPLINK_MAC, TestHost.GATEWAY_MAC, 1, LOC_B, Ip4.virtV4(T1, B_IP));
            final byte[] notEcho = Ip6.ethernet(TestHost.UPLINK_MAC, TestHost.GATEWAY_MAC,
                Ip6.packet(SIR4, goodSrc, LOC_B, Ip4.virtV4(T1, B_IP)).icmpv6Error(1, 4, new byte[48]).build());
            final byte[] withDestOptions = Ip6.ethernet(TestHost.UPLINK_MAC, TestHost.GATEWAY_MAC,
                Ip6.packet(SIR4, goodSrc, LOC_B, Ip4.virtV4(T1, B_IP)).options(Ip6.DEST_OPTIONS).udp(1, 2, 8).build());
            b.exchange("uplink", noTenant, unknown, badSource, hop1, notEcho, withDestOptions);
            assertEquals(1, b.counter("stage/ila-ingress/drop/" + DropReason.ILA_NO_IPV4_TENANT.name()));
            assertEquals(1, b.counter("stage/ila-ingress/drop/" + DropReason.ILA_UNKNOWN_IDENTIFIER.name()));
            assertEquals(1, b.counter("stage/ila-ingress/drop/" + DropReason.ILA_SOURCE_NOT_TRANSLATABLE.name()));
            assertEquals(1, b.counter("stage/ila-ingress/drop/" + DropReason.TTL_EXCEEDED.name()));
            assertEquals(1, b.counter("stage/ila-ingress/drop/" + DropReason.ILA_ICMP_NOT_TRANSLATED.name()));
            assertEquals(1, b.counter("stage/ila-ingress/drop/" + DropReason.ILA_EXTENSION_HEADER_NOT_TRANSLATED.name()));
        }
    }

    @Test
    void ipv4FromAPortWithoutAnIpv4TenantIsNotIlas()
    {
        try (TestHost h = new TestHost(new dev.nve.dataplane.table.Tables.Sizes(16, 64, 16, 64), 64, 64, 32, w ->
        {
            w.setUnderlay("uplink", TestHost.UPLINK_MAC, 1500, 4789, List.of(TestHost.ip("198.18.0.1")), TestHost.GATEWAY_MAC);
            w.setIlaDomain(new long[] {LOC_A}, new long[0], Map.of(100, new long[] {0xFD00_0077_0000_0000L, 0}), IlaV4Hosts.tenants(), ROUTER_MAC);
            w.addEndpoint("v6", -1, A4_MAC, 0, 100);
        }))
        {
            h.exchange("v6", Ip4.packet(A_IP, B_IP).udp(1, 2, 8).frame(ROUTER_MAC, A4_MAC));
            assertEquals(1, h.counter("stage/classify/drop/" + DropReason.NO_NETWORK.name()));
        }
    }

    @Test
    void tableRefusesWhatVirtV4CannotDo()
    {
        try (TestHost a = IlaV4Hosts.hostA(1500))
        {
            assertThrows(TableException.class, () -> IlaV4Hosts.v4(a.writer, 500, B_IP, LOC_B, null), "no IPv4 tenant 500");
            assertThrows(TableException.class, () -> IlaV4Hosts.v4(a.writer, T1, Ip4.addr("198.19.2.1"), LOC_B, null), "outside the tenant's prefixes");
            assertThrows(TableException.class, () -> a.writer.addIlaMapping(IlaIdentifier.TYPE_VIRT_V4, 0, Ip4.addr("198.19.1.20") & 0xFFFF_FFFFL, T1, LOC_B,
                IlaTable.ChecksumMode.NEUTRAL_MAP, null, -1), "neutral-map would destroy the IPv4 address in the identifier");
            assertThrows(TableException.class, () -> IlaV4Hosts.v4(a.writer, T2, A7_IP, LOC_A, "a4"), "endpoint of another tenant");
            // Run-time add and remove.
            IlaV4Hosts.v4(a.writer, T1, Ip4.addr("198.19.1.20"), LOC_B, null);
            assertEquals(1, a.exchange("a4", Ip4.packet(A_IP, Ip4.addr("198.19.1.20")).udp(1, 2, 8).frame(ROUTER_MAC, A4_MAC)).get("uplink").size());
            assertTrue(a.writer.removeIlaMapping(IlaIdentifier.TYPE_VIRT_V4, 0, Ip4.addr("198.19.1.20") & 0xFFFF_FFFFL, T1));
            assertEquals(0, a.exchange("a4", Ip4.packet(A_IP, Ip4.addr("198.19.1.20")).udp(1, 2, 8).frame(ROUTER_MAC, A4_MAC)).get("uplink").size());
            // The domain may grow an IPv4 tenant while mappings exist, but not drop or change one.
            final Map<Integer, IlaTable.Ipv4Tenant> grown = new java.util.HashMap<>(IlaV4Hosts.tenants());
            grown.put(600, new IlaTable.Ipv4Tenant(SIR4, new int[] {Ip4.addr("198.19.6.0")}, new int[] {24}));
            a.writer.setIlaDomain(new long[] {LOC_A}, new long[0], Map.of(), grown, ROUTER_MAC);
            assertTrue(a.tables.ila().domain().tenantHasIpv4(a.tables.ila().domain().tenant(600)));
            assertThrows(TableException.class, () -> a.writer.setIlaDomain(new long[] {LOC_A}, new long[0], Map.of(), Map.of(T1, IlaV4Hosts.tenants().get(T1)),
                ROUTER_MAC));
        }
    }
}
