package dev.nve.dataplane.pipeline;

import dev.nve.dataplane.wire.FrameBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.nve.dataplane.pipeline.TestHost.C1_IDENTITY;
import static dev.nve.dataplane.pipeline.TestHost.C1_MAC;
import static dev.nve.dataplane.pipeline.TestHost.C2_IDENTITY;
import static dev.nve.dataplane.pipeline.TestHost.C2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.C3_IDENTITY;
import static dev.nve.dataplane.pipeline.TestHost.C3_MAC;
import static dev.nve.dataplane.pipeline.TestHost.REMOTE200_MAC;
import static dev.nve.dataplane.pipeline.TestHost.REMOTE2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.REMOTE3_MAC;
import static dev.nve.dataplane.pipeline.TestHost.UPLINK_MAC;
import static dev.nve.dataplane.pipeline.TestHost.VTEP2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.VTEP3_MAC;
import static dev.nve.dataplane.pipeline.TestHost.ip;
import static dev.nve.dataplane.pipeline.TestHost.udp4;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Frames from local endpoints to remote MACs: every outer header field. */
final class EncapPipelineTest extends HostTestSupport
{
    enum V6
    {
        DOC(TestHost.Addressing.V6), ULA(TestHost.Addressing.V6_ULA);

        final TestHost.Addressing addressing;

        V6(final TestHost.Addressing addressing)
        {
            this.addressing = addressing;
        }
    }

    private static byte[] single(final Map<String, List<byte[]>> out, final String port)
    {
        out.forEach((name, frames) ->
        {
            if (!name.equals(port))
            {
                assertEquals(0, frames.size(), "nothing on " + name);
            }
        });
        assertEquals(1, out.get(port).size(), "one frame on " + port);
        return out.get(port).get(0);
    }

    @Test
    void ipv4EncapToAKnownRemoteMacSetsEveryOuterField()
    {
        final TestHost host = standard(TestHost.Addressing.V4, false);
        final byte[] inner = udp4(REMOTE2_MAC, C1_MAC, 1234, 100);
        final Outer o = Outer.parse(single(host.exchange("c1", inner), "uplink"));

        assertEquals(inner.length + 50, o.frame().length);
        assertEquals(VTEP2_MAC, o.dstMac(), "next hop of the remote VTEP");
        assertEquals(UPLINK_MAC, o.srcMac());
        assertEquals(0x0800, o.etherType());
        assertEquals(0x45, o.versionIhl());
        assertEquals(0, o.tos());
        assertEquals(inner.length + 36, o.totalLength(), "IPv4 total length");
        assertEquals(0x4000, o.flagsFragment(), "DF, no fragment");
        assertEquals(64, o.ttl());
        assertEquals(17, o.protocol());
        assertEquals(ip("198.18.0.1"), o.source());
        assertEquals(ip("198.18.0.2"), o.destination());
        assertTrue(o.ipv4ChecksumValid(), "IPv4 header checksum verifies");
        assertTrue(o.sourcePort() >= 49152 && o.sourcePort() <= 65535, "source port " + o.sourcePort());
        assertEquals(4789, o.destinationPort());
        assertEquals(inner.length + 16, o.udpLength(), "UDP length");
        assertEquals(0, o.udpChecksum(), "IPv4 outer UDP checksum zero (RFC 7348)");
        assertEquals(0x08, o.vxlanFlags());
        assertEquals(0, o.gbpFlags());
        assertEquals(0, o.groupPolicyId());
        assertEquals(100, o.vni());
        assertEquals(0, o.vxlanLastReserved());
        assertArrayEquals(inner, o.inner(), "inner frame unchanged");
        assertEquals(1, host.stage("vxlan-encap").packets());
    }

    @Test
    void encapToTheOtherVtepAndTheOtherVni()
    {
        final TestHost host = standard(TestHost.Addressing.V4, false);
        final Outer toR3 = Outer.parse(single(host.exchange("c2", udp4(REMOTE3_MAC, C2_MAC, 1, 60)), "uplink"));
        assertEquals(VTEP3_MAC, toR3.dstMac());
        assertEquals(ip("198.18.0.3"), toR3.destination());
        assertEquals(100, toR3.vni());
        assertTrue(toR3.ipv4ChecksumValid());
        final Outer vni200 = Outer.parse(single(host.exchange("c3", udp4(REMOTE200_MAC, C3_MAC, 1, 60)), "uplink"));
        assertEquals(ip("198.18.0.3"), vni200.destination());
        assertEquals(200, vni200.vni());
        assertTrue(vni200.ipv4ChecksumValid());
    }

    @Test
    void ipv4ChecksumVerifiesForManyLengths()
    {
        final TestHost host = standard(TestHost.Addressing.V4, true);
        for (int payload = 0; payload <= 1400; payload += 97)
        {
            final byte[] inner = udp4(REMOTE2_MAC, C1_MAC, 1000 + payload, payload);
            final Outer o = Outer.parse(single(host.exchange("c1", inner), "uplink"));
            assertEquals(inner.length + 36, o.totalLength());
            assertTrue(o.ipv4ChecksumValid(), "checksum for inner length " + inner.length);
        }
    }

    @Test
    void udpSourcePortIsStablePerFlowAndSpreadsFlows()
    {
        final TestHost host = standard(TestHost.Addressing.V4, false);
        final Set<Integer> ports = new HashSet<>();
        for (int flow = 0; flow < 8; flow++)
        {
            final byte[] a = udp4(REMOTE2_MAC, C1_MAC, 40000 + flow, 64);
            final byte[] b = udp4(REMOTE2_MAC, C1_MAC, 40000 + flow, 300); // same flow, other payload
            final int pa = Outer.parse(single(host.exchange("c1", a), "uplink")).sourcePort();
            final int pb = Outer.parse(single(host.exchange("c1", b), "uplink")).sourcePort();
            assertEquals(pa, pb, "same flow, same source port");
            assertTrue(pa >= 49152 && pa <= 65535);
            ports.add(pa);
        }
        assertEquals(8, ports.size(), "8 flows, 8 source ports: " + ports);
        // IPv6 inner flows and TCP too
        final byte[] v6a = FrameBuilder.ethernet(REMOTE2_MAC, C1_MAC).ipv6("fd00::10", "fd00::20").tcp(1000, 80, FrameBuilder.TcpFlags.SYN).build();
        final byte[] v6b = FrameBuilder.ethernet(REMOTE2_MAC, C1_MAC).ipv6("fd00::10", "fd00::20").tcp(1001, 80, FrameBuilder.TcpFlags.SYN).build();
        final int p6a = Outer.parse(single(host.exchange("c1", v6a), "uplink")).sourcePort();
        final int p6b = Outer.parse(single(host.exchange("c1", v6b), "uplink")).sourcePort();
        assertNotEquals(p6a, p6b, "different TCP source ports, different flows");
        assertEquals(p6a, Outer.parse(single(host.exchange("c1", v6a), "uplink")).sourcePort());
    }

    @ParameterizedTest
    @EnumSource(V6.class)
    void ipv6UnderlayEncapWithAVerifiedUdpChecksum(final V6 v6)
    {
        final TestHost.Addressing a = v6.addressing;
        final TestHost host = standard(a, false);
        for (final int payload : new int[] {0, 1, 2, 3, 100, 1001})
        {
            final byte[] inner = udp4(REMOTE2_MAC, C1_MAC, 2000 + payload, payload);
            final Outer o = Outer.parse(single(host.exchange("c1", inner), "uplink"));
            assertEquals(inner.length + 70, o.frame().length);
            assertEquals(VTEP2_MAC, o.dstMac());
            assertEquals(UPLINK_MAC, o.srcMac());
            assertEquals(0x86DD, o.etherType());
            assertEquals(0x6000_0000, o.versionClassFlow(), "version 6, class 0, flow label 0");
            assertEquals(inner.length + 16, o.payloadLength(), "IPv6 payload length");
            assertEquals(17, o.protocol(), "next header UDP");
            assertEquals(64, o.ttl(), "hop limit");
            assertEquals(ip(a.local()), o.source());
            assertEquals(ip(a.remote2()), o.destination());
            assertTrue(o.sourcePort() >= 49152 && o.sourcePort() <= 65535);
            assertEquals(4789, o.destinationPort());
            assertEquals(inner.length + 16, o.udpLength());
            assertNotEquals(0, o.udpChecksum(), "IPv6 UDP checksum is mandatory");
            assertTrue(o.udpChecksumValidV6(), "UDP checksum verifies over the pseudo header, inner length " + inner.length);
            assertEquals(0x08, o.vxlanFlags());
            assertEquals(100, o.vni());
            assertArrayEquals(inner, o.inner());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void gbpCarriesTheEndpointIdentityOnlyWhenOn(final boolean gbp)
    {
        final TestHost host = standard(TestHost.Addressing.V4, gbp);
        final Outer from1 = Outer.parse(single(host.exchange("c1", udp4(REMOTE2_MAC, C1_MAC, 1, 60)), "uplink"));
        final Outer from2 = Outer.parse(single(host.exchange("c2", udp4(REMOTE2_MAC, C2_MAC, 1, 60)), "uplink"));
        final Outer from3 = Outer.parse(single(host.exchange("c3", udp4(REMOTE200_MAC, C3_MAC, 1, 60)), "uplink"));
        if (gbp)
        {
            assertEquals(0x88, from1.vxlanFlags(), "G and I");
            assertEquals(C1_IDENTITY, from1.groupPolicyId());
            assertEquals(C2_IDENTITY, from2.groupPolicyId());
            assertEquals(C3_IDENTITY, from3.groupPolicyId());
        }
        else
        {
            assertEquals(0x08, from1.vxlanFlags());
            assertEquals(0, from1.groupPolicyId());
            assertEquals(0, from2.groupPolicyId());
        }
        assertEquals(0, from1.gbpFlags());
        assertEquals(100, from1.vni());
        assertEquals(200, from3.vni());
        assertTrue(from1.ipv4ChecksumValid() && from2.ipv4ChecksumValid() && from3.ipv4ChecksumValid());
    }

    @Test
    void gbpOverAnIpv6UnderlayIsCoveredByTheUdpChecksum()
    {
        final TestHost host = standard(TestHost.Addressing.V6, true);
        final Outer o = Outer.parse(single(host.exchange("c1", udp4(REMOTE2_MAC, C1_MAC, 1, 60)), "uplink"));
        assertEquals(0x88, o.vxlanFlags());
        assertEquals(C1_IDENTITY, o.groupPolicyId());
        assertTrue(o.udpChecksumValidV6());
    }

    @Test
    void aBatchOfFramesToDifferentDestinationsIsSplitPerOutputPort()
    {
        final TestHost host = standard(TestHost.Addressing.V4, false);
        final byte[] toR2 = udp4(REMOTE2_MAC, C1_MAC, 1, 60);
        final byte[] toC2 = udp4(C2_MAC, C1_MAC, 2, 60);
        final byte[] toR3 = udp4(REMOTE3_MAC, C1_MAC, 3, 60);
        final Map<String, List<byte[]>> out = host.exchange("c1", toR2, toC2, toR3);
        assertEquals(2, out.get("uplink").size());
        assertArrayEquals(toR2, Outer.parse(out.get("uplink").get(0)).inner(), "order kept per port");
        assertArrayEquals(toR3, Outer.parse(out.get("uplink").get(1)).inner());
        assertEquals(1, out.get("c2").size());
        assertArrayEquals(toC2, out.get("c2").get(0));
    }
}
