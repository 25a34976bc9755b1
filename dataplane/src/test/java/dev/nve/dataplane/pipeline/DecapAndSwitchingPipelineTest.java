package dev.nve.dataplane.pipeline;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.wire.FrameBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.nve.dataplane.pipeline.TestHost.C1_MAC;
import static dev.nve.dataplane.pipeline.TestHost.C2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.C3_MAC;
import static dev.nve.dataplane.pipeline.TestHost.REMOTE2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.VTEP2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.VTEP3_MAC;
import static dev.nve.dataplane.pipeline.TestHost.ip;
import static dev.nve.dataplane.pipeline.TestHost.udp4;
import static dev.nve.dataplane.pipeline.TestHost.vxlanFrom;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decapsulation to endpoints, local switching, and flooding in both directions. */
final class DecapAndSwitchingPipelineTest extends HostTestSupport
{
    private static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    private static final long IPV6_MULTICAST = 0x33_33_00_00_00_01L;

    private static void onlyOn(final Map<String, List<byte[]>> out, final String... ports)
    {
        final Set<String> expected = Set.of(ports);
        out.forEach((name, frames) ->
        {
            if (!expected.contains(name))
            {
                assertEquals(0, frames.size(), "nothing on " + name);
            }
            else
            {
                assertTrue(frames.size() > 0, "output on " + name);
            }
        });
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void decapToAnEndpointDeliversExactlyTheInnerFrame(final boolean gbp)
    {
        final TestHost host = standard(TestHost.Addressing.V4, gbp);
        final byte[] inner = udp4(C1_MAC, REMOTE2_MAC, 7, 200);
        final Map<String, List<byte[]>> out = host.exchange("uplink", vxlanFrom("198.18.0.2", "198.18.0.1", 100, gbp ? 4242 : -1, inner));
        onlyOn(out, "c1");
        assertEquals(1, out.get("c1").size());
        assertArrayEquals(inner, out.get("c1").get(0));
        assertEquals(1, host.stage("vxlan-decap").packets());
    }

    @Test
    void decapIgnoresEthernetPaddingAfterTheIpPacket()
    {
        final TestHost host = standard(TestHost.Addressing.V4, false);
        final byte[] inner = FrameBuilder.ethernet(C2_MAC, REMOTE2_MAC).etherType(0x88B5).payload(new byte[0]).build(); // 14 bytes
        final byte[] vxlan = vxlanFrom("198.18.0.2", "198.18.0.1", 100, -1, inner);
        final byte[] padded = Arrays.copyOf(vxlan, vxlan.length + 10);
        Arrays.fill(padded, vxlan.length, padded.length, (byte)0xEE);
        final Map<String, List<byte[]>> out = host.exchange("uplink", padded);
        onlyOn(out, "c2");
        assertArrayEquals(inner, out.get("c2").get(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2001:db8::1", "fd00::1"})
    void decapOverAnIpv6Underlay(final String local)
    {
        final TestHost.Addressing a = local.startsWith("fd") ? TestHost.Addressing.V6_ULA : TestHost.Addressing.V6;
        final TestHost host = standard(a, false);
        final byte[] inner = FrameBuilder.ethernet(C2_MAC, REMOTE2_MAC).ipv6("fd00::a", "fd00::b").udp(1, 2).payload(33).build();
        final Map<String, List<byte[]>> out = host.exchange("uplink", vxlanFrom(a.remote2(), a.local(), 100, -1, inner));
        onlyOn(out, "c2");
        assertArrayEquals(inner, out.get("c2").get(0));
    }

    @Test
    void localSwitchingDeliversTheFrameUnchanged()
    {
        final TestHost host = standard(TestHost.Addressing.V4, false);
        final byte[] frame = udp4(C2_MAC, C1_MAC, 5, 500);
        final Map<String, List<byte[]>> out = host.exchange("c1", frame);
        onlyOn(out, "c2");
        assertEquals(1, out.get("c2").size());
        assertArrayEquals(frame, out.get("c2").get(0));
        final byte[] back = udp4(C1_MAC, C2_MAC, 5, 0);
        final Map<String, List<byte[]>> reply = host.exchange("c2", back);
        onlyOn(reply, "c1");
        assertArrayEquals(back, reply.get("c1").get(0));
        assertEquals(0, host.totalPortDrops());
    }

    @Test
    void anEndpointOfAnotherVniIsNotReachable()
    {
        final TestHost host = standard(TestHost.Addressing.V4, false);
        final byte[] frame = udp4(C3_MAC, C1_MAC, 5, 64);
        final Map<String, List<byte[]>> out = host.exchange("c1", frame);
        assertEquals(0, out.get("c3").size(), "c3 is in VNI 200: never reached from VNI 100");
        // unknown unicast inside VNI 100: flooded there (c2 and both VNI 100 flood VTEPs)
        assertEquals(1, out.get("c2").size());
        assertEquals(2, out.get("uplink").size());
        for (final byte[] f : out.get("uplink"))
        {
            assertEquals(100, Outer.parse(f).vni());
        }
        // and from VNI 200 towards c1: c1 never sees it
        final Map<String, List<byte[]>> back = host.exchange("c3", udp4(C1_MAC, C3_MAC, 5, 64));
        assertEquals(0, back.get("c1").size());
        assertEquals(0, back.get("c2").size());
        assertEquals(1, back.get("uplink").size());
        assertEquals(200, Outer.parse(back.get("uplink").get(0)).vni());
    }

    @ParameterizedTest
    @ValueSource(longs = {BROADCAST, IPV6_MULTICAST})
    void broadcastFromAnEndpointGoesToTheOtherLocalPortsAndEveryFloodVtep(final long destination)
    {
        final TestHost host = standard(TestHost.Addressing.V4, true);
        final byte[] frame = udp4(destination, C1_MAC, 67, 300);
        final Map<String, List<byte[]>> out = host.exchange("c1", frame);
        assertEquals(0, out.get("c1").size(), "not back to the sender");
        assertEquals(0, out.get("c3").size(), "not to another VNI");
        assertEquals(0, out.get("spare").size());
        assertEquals(1, out.get("c2").size());
        assertArrayEquals(frame, out.get("c2").get(0));
        assertEquals(2, out.get("uplink").size(), "one copy per flood VTEP");
        final Set<InetAddress> vteps = new HashSet<>();
        final Set<Long> nextHops = new HashSet<>();
        for (final byte[] f : out.get("uplink"))
        {
            final Outer o = Outer.parse(f);
            vteps.add(o.destination());
            nextHops.add(o.dstMac());
            assertEquals(100, o.vni());
            assertEquals(TestHost.C1_IDENTITY, o.groupPolicyId(), "replicas carry the sender's identity");
            assertTrue(o.ipv4ChecksumValid());
            assertArrayEquals(frame, o.inner());
        }
        assertEquals(Set.of(ip("198.18.0.2"), ip("198.18.0.3")), vteps);
        assertEquals(Set.of(VTEP2_MAC, VTEP3_MAC), nextHops);
        assertEquals(0, host.totalStageDrops());
    }

    @Test
    void broadcastFromAnEndpointOfVni200()
    {
        final TestHost host = standard(TestHost.Addressing.V4, false);
        final Map<String, List<byte[]>> out = host.exchange("c3", udp4(BROADCAST, C3_MAC, 67, 10));
        onlyOn(out, "uplink");
        assertEquals(1, out.get("uplink").size());
        assertEquals(ip("198.18.0.3"), Outer.parse(out.get("uplink").get(0)).destination());
        assertEquals(200, Outer.parse(out.get("uplink").get(0)).vni());
    }

    @Test
    void broadcastFromTheOverlayGoesOnlyToLocalPorts()
    {
        final TestHost host = standard(TestHost.Addressing.V4, false);
        final byte[] inner = udp4(BROADCAST, REMOTE2_MAC, 68, 300);
        final Map<String, List<byte[]>> out = host.exchange("uplink", vxlanFrom("198.18.0.2", "198.18.0.1", 100, -1, inner));
        assertEquals(0, out.get("uplink").size(), "never back into the overlay (split horizon)");
        assertEquals(0, out.get("c3").size());
        assertEquals(1, out.get("c1").size());
        assertEquals(1, out.get("c2").size());
        assertArrayEquals(inner, out.get("c1").get(0));
        assertArrayEquals(inner, out.get("c2").get(0));
        // unknown unicast from the overlay: the same
        final byte[] unknown = udp4(0x02_00_00_00_0C_0CL, REMOTE2_MAC, 68, 30);
        final Map<String, List<byte[]>> out2 = host.exchange("uplink", vxlanFrom("198.18.0.2", "198.18.0.1", 100, -1, unknown));
        onlyOn(out2, "c1", "c2");
    }

    @Test
    void broadcastFromTheOverlayInAVniWithoutLocalPortsIsDropped()
    {
        final TestHost host = standard(TestHost.Addressing.V4, false);
        final Map<String, List<byte[]>> out = host.exchange("uplink", vxlanFrom("198.18.0.2", "198.18.0.1", 300, -1, udp4(BROADCAST, REMOTE2_MAC, 1, 10)));
        onlyOn(out);
        assertEquals(1, host.stageDrops("flood", DropReason.NO_FLOOD_TARGET));
        assertEquals(1, host.portDrops("uplink", DropReason.NO_FLOOD_TARGET));
    }

    @Test
    void manyBroadcastsInOneBatchOverflowTheReplicaBatch()
    {
        // 32 frames x 2 replicas = 64 replicas through a 32-entry replica batch
        final TestHost host = standard(TestHost.Addressing.V4, false);
        final byte[][] frames = new byte[32][];
        for (int i = 0; i < frames.length; i++)
        {
            frames[i] = udp4(BROADCAST, C1_MAC, 1000 + i, i);
        }
        final Map<String, List<byte[]>> out = host.exchange("c1", frames);
        assertEquals(32, out.get("c2").size());
        assertEquals(64, out.get("uplink").size());
        for (int i = 0; i < frames.length; i++)
        {
            assertArrayEquals(frames[i], out.get("c2").get(i));
        }
        int[] perVtep = new int[2];
        for (final byte[] f : out.get("uplink"))
        {
            final Outer o = Outer.parse(f);
            perVtep[o.destination().equals(ip("198.18.0.2")) ? 0 : 1]++;
            assertEquals(1, Arrays.stream(frames).filter(x -> Arrays.equals(x, o.inner())).count());
        }
        assertArrayEquals(new int[] {32, 32}, perVtep);
        assertEquals(0, host.totalStageDrops());
    }
}
