package dev.nve.dataplane.ila;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.ila.IlaHosts.Sir;
import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.table.IlaTable.ChecksumMode;
import dev.nve.dataplane.wire.FrameBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import static dev.nve.dataplane.ila.IlaHosts.A1_MAC;
import static dev.nve.dataplane.ila.IlaHosts.A2_MAC;
import static dev.nve.dataplane.ila.IlaHosts.A3_MAC;
import static dev.nve.dataplane.ila.IlaHosts.A6_MAC;
import static dev.nve.dataplane.ila.IlaHosts.A_UPLINK_MAC;
import static dev.nve.dataplane.ila.IlaHosts.B2_MAC;
import static dev.nve.dataplane.ila.IlaHosts.B3_MAC;
import static dev.nve.dataplane.ila.IlaHosts.GATEWAY_MAC;
import static dev.nve.dataplane.ila.IlaHosts.L1_MAC;
import static dev.nve.dataplane.ila.IlaHosts.L2_MAC;
import static dev.nve.dataplane.ila.IlaHosts.LOC_A;
import static dev.nve.dataplane.ila.IlaHosts.LOC_B;
import static dev.nve.dataplane.ila.IlaHosts.ROUTER_MAC;
import static dev.nve.dataplane.ila.IlaHosts.VNID_1;
import static dev.nve.dataplane.ila.IlaHosts.VNID_2;
import static dev.nve.dataplane.ila.IlaMatrixTest.hex;
import static dev.nve.dataplane.ila.IlaMatrixTest.nonZero;
import static dev.nve.dataplane.ila.IlaMatrixTest.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Forwarding decisions around the translation: tenants sharing a SIR prefix, traffic that is
 * not ILA's, unknown identifiers, locator mismatch, hop limit, local-to-local delivery.
 */
final class IlaForwardingTest
{
    private static void assertNothingSent(final TestHost host, final Map<String, List<byte[]>> out)
    {
        out.forEach((port, frames) -> assertEquals(0, frames.size(), () -> port + " transmitted; counters " + nonZero(host)));
    }

    // ---- tenants -------------------------------------------------------------------------------

    /**
     * Tenants 100 and 200 both use fd00:77::/96 and both have fd00:77::b1 (on B) and
     * fd00:77::a2 (on A): egress picks the mapping of the sender's port's tenant, the VNID in
     * the wire identifier picks the tenant on ingress, and nothing crosses between them.
     */
    @ParameterizedTest
    @EnumSource(ChecksumMode.class)
    void twoTenantsWithTheSameSirPrefixStaySeparate(final ChecksumMode mode)
    {
        final Sir t1 = Sir.virt(VNID_1, 0xB1);
        final Sir t2 = Sir.virt(VNID_2, 0xB1);
        final Sir t1Only = Sir.virt(VNID_1, 0xB4);
        final Sir a2 = Sir.virt(VNID_1, 0xA2);
        final Sir a3 = Sir.virt(VNID_2, 0xA2);
        try (TestHost a = IlaHosts.hostA(); TestHost b = IlaHosts.hostB())
        {
            IlaHosts.map(a, t1, LOC_B, mode, null);
            IlaHosts.map(a, t2, LOC_B, mode, null);
            IlaHosts.map(a, t1Only, LOC_B, mode, null);
            IlaHosts.map(a, a2, LOC_A, mode, "a2");
            IlaHosts.map(a, a3, LOC_A, mode, "a3");
            IlaHosts.map(b, t1, LOC_B, mode, "b2");
            IlaHosts.map(b, t2, LOC_B, mode, "b3");
            IlaHosts.map(b, t1Only, LOC_B, mode, "b2");
            IlaHosts.map(b, a2, LOC_A, mode, null);
            IlaHosts.map(b, a3, LOC_A, mode, null);

            final byte[] from1 = Ip6.packet("fd00:77::a2", "fd00:77::b1").tcp(1_111, 80, 20).frame(ROUTER_MAC, A2_MAC);
            final byte[] from2 = Ip6.packet("fd00:77::a2", "fd00:77::b1").tcp(2_222, 80, 20).frame(ROUTER_MAC, A3_MAC);
            final byte[] wire1 = only(a.exchange("a2", from1), "uplink", a);
            final byte[] wire2 = only(a.exchange("a3", from2), "uplink", a);
            assertEquals(IlaHosts.wire(t1, LOC_B, mode), Ip6.dstLow(wire1));
            assertEquals(IlaHosts.wire(t2, LOC_B, mode), Ip6.dstLow(wire2));
            assertNotEquals(Ip6.dstLow(wire1), Ip6.dstLow(wire2));
            assertEquals(VNID_1, (int)(Ip6.dstLow(wire1) >>> 32) & 0x0FFF_FFFF, "VNID in the wire identifier");
            assertEquals(VNID_2, (int)(Ip6.dstLow(wire2) >>> 32) & 0x0FFF_FFFF);

            assertEquals(hex(Ip6.with(from1, B2_MAC, ROUTER_MAC, 62, t1.high(), t1.low())), hex(only(b.exchange("uplink", wire1), "b2", b)));
            assertEquals(hex(Ip6.with(from2, B3_MAC, ROUTER_MAC, 62, t2.high(), t2.low())), hex(only(b.exchange("uplink", wire2), "b3", b)));

            // fd00:77::b4 exists in tenant 100 only: tenant 200 does not reach it.
            final byte[] probe = Ip6.packet("fd00:77::a2", "fd00:77::b4").udp(3_333, 53, 8).frame(ROUTER_MAC, A3_MAC);
            assertNothingSent(a, a.exchange("a3", probe));
            assertEquals(1, a.stageDrops("ila-egress", DropReason.ILA_UNKNOWN_IDENTIFIER));

            // B answers both tenants' fd00:77::a2: each reply reaches its own tenant's endpoint on A.
            final byte[] reply1 = Ip6.packet("fd00:77::b1", "fd00:77::a2").udp(53, 1_111, 12).frame(ROUTER_MAC, B2_MAC);
            final byte[] reply2 = Ip6.packet("fd00:77::b1", "fd00:77::a2").udp(53, 2_222, 12).frame(ROUTER_MAC, B3_MAC);
            final byte[] back1 = only(b.exchange("b2", reply1), "uplink", b);
            final byte[] back2 = only(b.exchange("b3", reply2), "uplink", b);
            assertEquals(hex(Ip6.with(reply1, A2_MAC, ROUTER_MAC, 62, a2.high(), a2.low())), hex(only(a.exchange("uplink", back1), "a2", a)));
            assertEquals(hex(Ip6.with(reply2, A3_MAC, ROUTER_MAC, 62, a3.high(), a3.low())), hex(only(a.exchange("uplink", back2), "a3", a)));
        }
    }

    @Test
    void tenantPrefixWithoutATenantPortIsNoRoute()
    {
        try (TestHost a = IlaHosts.hostA())
        {
            IlaHosts.map(a, Sir.virt(VNID_1, 0xB1), LOC_B, ChecksumMode.ADJUST_TRANSPORT, null);
            // a1 has no ILA tenant: fd00:77::/96 is not a SIR prefix for it.
            final byte[] f = Ip6.packet("fd00:5::a1", "fd00:77::b1").udp(1, 2, 8).frame(ROUTER_MAC, A1_MAC);
            assertNothingSent(a, a.exchange("a1", f));
            assertEquals(1, a.stageDrops("ila-egress", DropReason.NO_ROUTE));
        }
    }

    /**
     * A VIRT_UNI_V6 egress key is type 3, the VNID and the low 32 bits: written as the low 64
     * bits of an address in an IID/LUID SIR prefix (fd00:5::6000:64:0:b1 spells tenant 100's
     * key for fd00:77::b1) it must not select tenant 100's mapping, neither for an endpoint
     * without a tenant nor for one in tenant 200: tenants stay separate.
     */
    @Test
    void virtualKeyWrittenIntoASirPrefixDoesNotReachTheTenant()
    {
        final Sir t1 = Sir.virt(VNID_1, 0xB1);
        try (TestHost a = IlaHosts.hostA())
        {
            IlaHosts.map(a, t1, LOC_B, ChecksumMode.ADJUST_TRANSPORT, null);
            final String spoof = Ip6.text(IlaHosts.SIR_IID, t1.key());
            assertEquals("fd00:5:0:0:6000:64:0:b1", spoof);
            assertNothingSent(a, a.exchange("a1", Ip6.packet("fd00:5::a1", spoof).udp(1, 2, 8).frame(ROUTER_MAC, A1_MAC)));
            assertNothingSent(a, a.exchange("a3", Ip6.packet("fd00:77::a2", spoof).udp(1, 2, 8).frame(ROUTER_MAC, A3_MAC)));
            assertEquals(2, a.totalStageDrops(), "both dropped with a counted reason");
        }
    }

    // ---- traffic that is not ILA's ---------------------------------------------------------------

    @Test
    void nonIlaTrafficIsUntouched()
    {
        try (TestHost a = IlaHosts.hostA())
        {
            IlaHosts.map(a, Sir.iid(0xB1), LOC_B, ChecksumMode.ADJUST_TRANSPORT, null);
            // IPv6 between L2 endpoints (not to the router MAC) is bridged unchanged, even to a SIR address.
            final byte[] bridged = Ip6.packet("fd00:5::11", "fd00:5::b1").udp(1, 2, 16).frame(L2_MAC, L1_MAC);
            assertEquals(hex(bridged), hex(only(a.exchange("l1", bridged), "l2", a)));
            // IPv4 between L2 endpoints: bridged as it is.
            final byte[] v4 = FrameBuilder.ethernet(L2_MAC, L1_MAC).ipv4("198.19.0.1", "198.19.0.2").udp(1, 2).payload(8).build();
            assertEquals(hex(v4), hex(only(a.exchange("l1", v4), "l2", a)));
            // An ILA-only endpoint has no L2 network.
            final byte[] notRouted = Ip6.packet("fd00:5::a1", "fd00:5::b1").udp(1, 2, 16).frame(A6_MAC, A1_MAC);
            assertNothingSent(a, a.exchange("a1", notRouted));
            assertEquals(1, a.stageDrops("classify", DropReason.NO_NETWORK));
            // Routed, but the destination is in no SIR prefix.
            final byte[] offSir = Ip6.packet("fd00:5::a1", "2001:db8:99::1").udp(1, 2, 16).frame(ROUTER_MAC, A1_MAC);
            assertNothingSent(a, a.exchange("a1", offSir));
            assertEquals(1, a.stageDrops("ila-egress", DropReason.NO_ROUTE));

            // Underlay IPv6 that is not to one of our locators: not overlay (the kernel's).
            final byte[] udp = Ip6.packet("2001:db8:b::1", "2001:db8:ff::1").udp(1, 2, 16).frame(A_UPLINK_MAC, GATEWAY_MAC);
            final byte[] tcp = Ip6.packet("2001:db8:b::1", "2001:db8:a1::1").tcp(1, 22, 16).frame(A_UPLINK_MAC, GATEWAY_MAC);
            final byte[] sir = Ip6.packet("2001:db8:b::1", "fd00:5::a1").icmpv6Echo(1, 1, 8).frame(A_UPLINK_MAC, GATEWAY_MAC);
            assertNothingSent(a, a.exchange("uplink", udp, tcp, sir));
            assertEquals(3, a.stageDrops("classify", DropReason.NOT_OVERLAY));
            assertEquals(0, a.stage("ila-ingress").packets());
            assertEquals(1, a.stage("ila-egress").packets());
        }
    }

    // ---- unknown identifiers and locators ------------------------------------------------------

    @Test
    void unknownIdentifiersAreDropped()
    {
        try (TestHost a = IlaHosts.hostA())
        {
            IlaHosts.map(a, Sir.iid(0xA1), LOC_A, ChecksumMode.NEUTRAL_MAP, "a1");
            IlaHosts.map(a, Sir.iid(0xB1), LOC_B, ChecksumMode.ADJUST_TRANSPORT, null);
            final byte[] egress = Ip6.packet("fd00:5::a1", "fd00:5::99").udp(1, 2, 8).frame(ROUTER_MAC, A1_MAC);
            final byte[] ingress = Ip6.packet("fd00:5::b1", "2001:db8:a::99").udp(1, 2, 8).frame(A_UPLINK_MAC, GATEWAY_MAC);
            // B's identifier arriving at our locator: known for egress, but no local endpoint owns it.
            final byte[] notOurs = Ip6.packet("fd00:5::b1", "2001:db8:a::b1").udp(1, 2, 8).frame(A_UPLINK_MAC, GATEWAY_MAC);
            // a1's SIR identifier without the neutral-map adjustment: not the wire identifier.
            final byte[] unadjusted = Ip6.packet("fd00:5::b1", "2001:db8:a::a1").udp(1, 2, 8).frame(A_UPLINK_MAC, GATEWAY_MAC);
            assertNothingSent(a, a.exchange("a1", egress));
            assertNothingSent(a, a.exchange("uplink", ingress, notOurs, unadjusted));
            assertEquals(1, a.stageDrops("ila-egress", DropReason.ILA_UNKNOWN_IDENTIFIER));
            assertEquals(3, a.stageDrops("ila-ingress", DropReason.ILA_UNKNOWN_IDENTIFIER));
        }
    }

    @Test
    void identifierArrivingWithAnotherOfOurLocatorsIsALocatorMismatch()
    {
        try (TestHost a = IlaHosts.hostA())
        {
            IlaHosts.map(a, Sir.iid(0xA1), LOC_A, ChecksumMode.ADJUST_TRANSPORT, "a1");
            final byte[] right = Ip6.packet("fd00:5::b1", "2001:db8:a::a1").udp(1, 2, 8).frame(A_UPLINK_MAC, GATEWAY_MAC);
            final byte[] wrong = Ip6.packet("fd00:5::b1", "2001:db8:a2::a1").udp(1, 2, 8).frame(A_UPLINK_MAC, GATEWAY_MAC);
            only(a.exchange("uplink", right), "a1", a);
            assertNothingSent(a, a.exchange("uplink", wrong));
            assertEquals(1, a.stageDrops("ila-ingress", DropReason.ILA_LOCATOR_MISMATCH));
        }
    }

    // ---- hop limit -----------------------------------------------------------------------------

    @Test
    void hopLimitOneAndZeroAreDroppedOnEgressIngressAndLocalDelivery()
    {
        try (TestHost a = IlaHosts.hostA())
        {
            IlaHosts.map(a, Sir.iid(0xA1), LOC_A, ChecksumMode.ADJUST_TRANSPORT, "a1");
            IlaHosts.map(a, Sir.iid(0xA6), LOC_A, ChecksumMode.ADJUST_TRANSPORT, "a6");
            IlaHosts.map(a, Sir.iid(0xB1), LOC_B, ChecksumMode.ADJUST_TRANSPORT, null);
            for (final int hop : new int[] {0, 1})
            {
                assertNothingSent(a, a.exchange("a1", Ip6.packet("fd00:5::a1", "fd00:5::b1").hopLimit(hop).udp(1, 2, 8).frame(ROUTER_MAC, A1_MAC)));
                assertNothingSent(a, a.exchange("a1", Ip6.packet("fd00:5::a1", "fd00:5::a6").hopLimit(hop).udp(1, 2, 8).frame(ROUTER_MAC, A1_MAC)));
                assertNothingSent(a, a.exchange("uplink", Ip6.packet("fd00:5::b1", "2001:db8:a::a1").hopLimit(hop).udp(1, 2, 8).frame(A_UPLINK_MAC, GATEWAY_MAC)));
            }
            assertEquals(4, a.stageDrops("ila-egress", DropReason.TTL_EXCEEDED));
            assertEquals(2, a.stageDrops("ila-ingress", DropReason.TTL_EXCEEDED));

            final byte[] out = only(a.exchange("a1", Ip6.packet("fd00:5::a1", "fd00:5::b1").hopLimit(2).udp(1, 2, 8).frame(ROUTER_MAC, A1_MAC)), "uplink", a);
            assertEquals(1, Ip6.hopLimit(out));
            final byte[] in = only(a.exchange("uplink", Ip6.packet("fd00:5::b1", "2001:db8:a::a1").hopLimit(2).udp(1, 2, 8).frame(A_UPLINK_MAC, GATEWAY_MAC)), "a1", a);
            assertEquals(1, Ip6.hopLimit(in));
            final byte[] local = only(a.exchange("a1", Ip6.packet("fd00:5::a1", "fd00:5::a6").hopLimit(255).udp(1, 2, 8).frame(ROUTER_MAC, A1_MAC)), "a6", a);
            assertEquals(254, Ip6.hopLimit(local));
        }
    }

    // ---- local delivery ------------------------------------------------------------------------

    /** A local identifier used by another local endpoint goes straight to it, addresses unchanged. */
    @ParameterizedTest
    @EnumSource(ChecksumMode.class)
    void localToLocalIsDeliveredWithoutRewrite(final ChecksumMode mode)
    {
        try (TestHost a = IlaHosts.hostA())
        {
            IlaHosts.map(a, Sir.iid(0xA1), LOC_A, mode, "a1");
            IlaHosts.map(a, Sir.iid(0xA6), LOC_A, mode, "a6");
            IlaHosts.map(a, Sir.virt(VNID_1, 0xA2), LOC_A, mode, "a2");
            final byte[] sent = Ip6.packet("fd00:5::a1", "fd00:5::a6").tcp(1_000, 80, 30).frame(ROUTER_MAC, A1_MAC);
            final byte[] delivered = only(a.exchange("a1", sent), "a6", a);
            final ByteBuffer s = ByteBuffer.wrap(sent);
            assertEquals(hex(Ip6.with(sent, A6_MAC, ROUTER_MAC, 63, s.getLong(Ip6.ETH + 24), s.getLong(Ip6.ETH + 32))), hex(delivered));
            assertTrue(Ip6.checksumValid(delivered));

            // An endpoint sending to its own SIR address through the router: not reflected.
            assertNothingSent(a, a.exchange("a1", Ip6.packet("fd00:5::a1", "fd00:5::a1").udp(1, 2, 8).frame(ROUTER_MAC, A1_MAC)));
            assertNothingSent(a, a.exchange("a2", Ip6.packet("fd00:77::a2", "fd00:77::a2").udp(1, 2, 8).frame(ROUTER_MAC, A2_MAC)));
            assertEquals(2, a.stageDrops("ila-egress", DropReason.SAME_PORT));
        }
    }

    // ---- underlay VLAN -------------------------------------------------------------------------

    @Test
    void taggedUnderlayFrameIsDeliveredUntagged()
    {
        try (TestHost a = IlaHosts.hostA())
        {
            IlaHosts.map(a, Sir.iid(0xA1), LOC_A, ChecksumMode.ADJUST_TRANSPORT, "a1");
            final byte[] plain = Ip6.packet("fd00:5::b1", "2001:db8:a::a1").udp(1, 2, 20).frame(A_UPLINK_MAC, GATEWAY_MAC);
            final byte[] tagged = new byte[plain.length + 4];
            System.arraycopy(plain, 0, tagged, 0, 12);
            ByteBuffer.wrap(tagged).putShort(12, (short)0x8100).putShort(14, (short)10);
            System.arraycopy(plain, 12, tagged, 16, plain.length - 12);
            final byte[] delivered = only(a.exchange("uplink", tagged), "a1", a);
            final Sir a1 = Sir.iid(0xA1);
            assertEquals(hex(Ip6.recomputed(Ip6.with(plain, A1_MAC, ROUTER_MAC, 63, a1.high(), a1.low()))), hex(delivered));
        }
    }
}
