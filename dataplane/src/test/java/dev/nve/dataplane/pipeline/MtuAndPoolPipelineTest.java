package dev.nve.dataplane.pipeline;

import dev.nve.dataplane.counter.DropReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static dev.nve.dataplane.pipeline.TestHost.C1_MAC;
import static dev.nve.dataplane.pipeline.TestHost.C2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.REMOTE2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.udp4;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The underlay MTU boundary, and replication when the frame pool runs dry. */
final class MtuAndPoolPipelineTest extends HostTestSupport
{
    private static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

    /** A UDP/IPv4 inner frame of exactly {@code length} bytes. */
    private static byte[] innerOfLength(final long dst, final int length)
    {
        final byte[] frame = udp4(dst, C1_MAC, 4242, length - 42);
        assertEquals(length, frame.length);
        return frame;
    }

    /**
     * Outer IP packet = inner frame + outer headers - outer Ethernet: 36 bytes over IPv4, 56
     * over IPv6. A frame that makes exactly an MTU-sized outer packet passes; one byte more is
     * FRAG_NEEDED (never fragmented, never truncated).
     */
    @ParameterizedTest(name = "{0} MTU {1}")
    @CsvSource({"V4, 1500, 36", "V6, 1500, 56", "V4, 576, 36", "V6, 1280, 56", "V4, 3000, 36"})
    void frameExactlyAtTheMtuPassesOneByteMoreIsDropped(final String family, final int mtu, final int overhead)
    {
        final TestHost.Addressing a = family.equals("V4") ? TestHost.Addressing.V4 : TestHost.Addressing.V6;
        final TestHost host = host(TestHost.standard(a, false, mtu, 64));
        final int fits = mtu - overhead;
        final Map<String, List<byte[]>> ok = host.exchange("c1", innerOfLength(REMOTE2_MAC, fits));
        assertEquals(1, ok.get("uplink").size(), "inner " + fits + " fits");
        final Outer o = Outer.parse(ok.get("uplink").get(0));
        assertEquals(mtu, o.ipv6() ? 40 + o.payloadLength() : o.totalLength(), "outer IP packet is exactly the MTU");
        assertEquals(mtu + 14, o.frame().length);
        assertEquals(0, host.totalStageDrops());

        final Map<String, List<byte[]>> tooBig = host.exchange("c1", innerOfLength(REMOTE2_MAC, fits + 1));
        tooBig.forEach((p, frames) -> assertEquals(0, frames.size(), "nothing on " + p));
        assertEquals(1, host.stageDrops("vxlan-encap", DropReason.FRAG_NEEDED));
        assertEquals(1, host.portDrops("c1", DropReason.FRAG_NEEDED));
    }

    @Test
    void localSwitchingIsNotLimitedByTheUnderlayMtu()
    {
        final TestHost host = host(TestHost.standard(TestHost.Addressing.V4, false, 1500, 64));
        final byte[] big = innerOfLength(C2_MAC, 1514);
        final Map<String, List<byte[]>> out = host.exchange("c1", big);
        assertArrayEquals(big, out.get("c2").get(0));
    }

    @Test
    void oversizeBroadcastReachesLocalPortsAndIsDroppedPerVtepCopy()
    {
        final TestHost host = host(TestHost.standard(TestHost.Addressing.V4, false, 1500, 64));
        final byte[] big = innerOfLength(BROADCAST, 1465);
        final Map<String, List<byte[]>> out = host.exchange("c1", big);
        assertEquals(1, out.get("c2").size());
        assertEquals(0, out.get("uplink").size());
        assertEquals(2, host.stageDrops("vxlan-encap", DropReason.FRAG_NEEDED));
        assertEquals(2, host.portDrops("c1", DropReason.FRAG_NEEDED), "replica drops are charged to the input port");
    }

    @Test
    void replicationWithOneFreeFrameSendsWhatItCanAndCountsTheRest()
    {
        // pool of 2: one holds the received broadcast, one is left for a replica; the
        // broadcast needs c2 (the original) + 2 VTEP copies
        final TestHost host = host(TestHost.standard(TestHost.Addressing.V4, false, 1500, 2));
        final byte[] frame = udp4(BROADCAST, C1_MAC, 1, 64);
        final Map<String, List<byte[]>> out = host.exchange("c1", frame);
        assertEquals(1, out.get("c2").size());
        assertArrayEquals(frame, out.get("c2").get(0));
        assertEquals(1, out.get("uplink").size());
        assertArrayEquals(frame, Outer.parse(out.get("uplink").get(0)).inner());
        assertEquals(1, host.stageDrops("flood", DropReason.NO_FREE_FRAME));
        assertEquals(0, host.pool.inUse());
    }

    @Test
    void replicationWithAnEmptyPoolStillDeliversTheOriginal()
    {
        final TestHost host = host(TestHost.standard(TestHost.Addressing.V4, false, 1500, 1));
        final byte[] frame = udp4(BROADCAST, C1_MAC, 1, 64);
        final Map<String, List<byte[]>> out = host.exchange("c1", frame);
        assertEquals(1, out.get("c2").size());
        assertEquals(0, out.get("uplink").size());
        assertEquals(2, host.stageDrops("flood", DropReason.NO_FREE_FRAME));
        assertEquals(0, host.pool.inUse());
    }

    @Test
    void aFullBatchOfBroadcastsWithANearlyEmptyPoolLeaksNothing()
    {
        // 40 frames: the first batch takes 32, leaving 8 for replicas of 32 x 2 wanted
        final TestHost host = host(TestHost.standard(TestHost.Addressing.V4, false, 1500, 40));
        final byte[][] frames = new byte[40][];
        for (int i = 0; i < frames.length; i++)
        {
            frames[i] = udp4(BROADCAST, C1_MAC, 1000 + i, i);
        }
        final Map<String, List<byte[]>> out = host.exchange("c1", frames);
        assertEquals(40, out.get("c2").size(), "every original delivered");
        final long failed = host.stageDrops("flood", DropReason.NO_FREE_FRAME);
        assertEquals(80, out.get("uplink").size() + failed, "every wanted replica sent or counted");
        assertTrue(failed > 0, "the pool did run dry");
        assertEquals(0, host.pool.inUse());
    }

    @Test
    void inputWaitsWhenThePoolIsEmptyAndIsReceivedLater()
    {
        final TestHost host = host(TestHost.standard(TestHost.Addressing.V4, false, 1500, 1));
        final byte[] a = udp4(C2_MAC, C1_MAC, 1, 10);
        final byte[] b = udp4(C2_MAC, C1_MAC, 2, 10);
        final Map<String, List<byte[]>> out = host.exchange("c1", a, b);
        assertEquals(2, out.get("c2").size());
        assertArrayEquals(a, out.get("c2").get(0));
        assertArrayEquals(b, out.get("c2").get(1));
    }
}
