package dev.nve.dataplane.stage;

import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.wire.ArpHeader;
import dev.nve.dataplane.wire.FrameBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static dev.nve.dataplane.pipeline.TestHost.BROADCAST;
import static dev.nve.dataplane.pipeline.TestHost.C1_MAC;
import static dev.nve.dataplane.pipeline.TestHost.C2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The neighbour proxy in the whole pipeline of the standard test host (c1, c2 in VNI 100, c3 in
 * VNI 200, flood list R2, R3): answered requests come back on the requester's port with the
 * exact bytes written out here by hand, and go nowhere else; requests it must not answer are
 * bridged and flooded byte for byte as before.
 */
final class NeighbourProxyStageTest
{
    private static final long PROXY_MAC = 0x02_00_C6_13_00_50L;
    private static final long SOLICITED_NODE_MAC = 0x33_33_FF_00_00_50L;
    private static final HexFormat HEX = HexFormat.of();

    private final TestHost host = TestHost.standard(TestHost.Addressing.V4, false);

    NeighbourProxyStageTest()
    {
        host.writer.putNeighbour(100, ip("198.19.0.50"), PROXY_MAC);
        host.writer.putNeighbour(100, ip("fd00::50"), PROXY_MAC);
        host.writer.putNeighbour(200, ip("198.19.0.60"), 0x02_00_00_00_00_60L);
        host.writer.putNeighbour(200, ip("fd00::60"), 0x02_00_00_00_00_60L);
    }

    @AfterEach
    void close()
    {
        host.close();
    }

    private static byte[] arpRequest(final long sha, final String spa, final String tpa)
    {
        return FrameBuilder.arp(BROADCAST, sha, ArpHeader.OPER_REQUEST, sha, spa, 0, tpa);
    }

    private static byte[] solicitation(final String src, final String target)
    {
        return FrameBuilder.neighbourSolicitation(SOLICITED_NODE_MAC, C1_MAC, src, "ff02::1:ff00:50", target, C1_MAC);
    }

    private long arpReplies()
    {
        return host.counter("stage/neigh-proxy/arp_replies");
    }

    private long ndReplies()
    {
        return host.counter("stage/neigh-proxy/nd_replies");
    }

    @Test
    void arpRequestIsAnsweredOnItsPortAndNotFlooded()
    {
        final Map<String, List<byte[]>> out = host.exchange("c1", arpRequest(C1_MAC, "198.19.0.1", "198.19.0.50"));
        assertEquals(1, out.get("c1").size());
        assertEquals("0200000001010200c6130050" + "0806" + "0001" + "0800" + "06" + "04" + "0002"
                + "0200c6130050" + "c6130032" + "020000000101" + "c6130001",
            HEX.formatHex(out.get("c1").get(0)), "Ethernet dst requester, src proxied MAC; reply, SHA/SPA proxied, THA/TPA requester");
        assertEquals(0, out.get("c2").size());
        assertEquals(0, out.get("uplink").size(), "the request is not flooded to the overlay");
        assertEquals(1, arpReplies());
        assertEquals(0, ndReplies());
        assertEquals(1, host.stage("neigh-proxy").packets());
    }

    @Test
    void neighbourSolicitationIsAnsweredWithAnAdvertisement()
    {
        final Map<String, List<byte[]>> out = host.exchange("c1", solicitation("fd00::1", "fd00::50"));
        assertEquals(1, out.get("c1").size());
        final byte[] na = out.get("c1").get(0);
        assertEquals(expectedAdvertisement("fd00::50", "fd00::1", C1_MAC), HEX.formatHex(na));
        assertEquals(0xFFFF, onesComplementSum(pseudoHeaderAndPayload(na)), "ICMPv6 checksum verifies");
        assertEquals(0, out.get("c2").size());
        assertEquals(0, out.get("uplink").size());
        assertEquals(1, ndReplies());
        assertEquals(0, arpReplies());
    }

    @Test
    void solicitationWithoutOptionsGrowsIntoTheAdvertisementAndUnicastProbesAreAnswered()
    {
        // neighbour unreachability detection: unicast to the target, no source link-layer option (78 bytes)
        final byte[] ns = FrameBuilder.neighbourSolicitation(PROXY_MAC, C1_MAC, "fd00::1", "fd00::50", "fd00::50", -1);
        assertEquals(78, ns.length);
        final Map<String, List<byte[]>> out = host.exchange("c1", ns);
        assertEquals(1, out.get("c1").size());
        assertEquals(expectedAdvertisement("fd00::50", "fd00::1", C1_MAC), HEX.formatHex(out.get("c1").get(0)));
        assertEquals(0, out.get("uplink").size());
    }

    @Test
    void requestsThatMustNotBeAnsweredGoOnUnchanged()
    {
        final byte[] gratuitous = arpRequest(C1_MAC, "198.19.0.50", "198.19.0.50");
        final byte[] probe = arpRequest(C1_MAC, "0.0.0.0", "198.19.0.50");
        final byte[] reply = FrameBuilder.arp(BROADCAST, C1_MAC, ArpHeader.OPER_REPLY, C1_MAC, "198.19.0.1", 0, "198.19.0.50");
        final byte[] unknown = arpRequest(C1_MAC, "198.19.0.1", "198.19.0.51");
        final byte[] otherNetwork = arpRequest(C1_MAC, "198.19.0.1", "198.19.0.60");
        final byte[] truncatedArp = Arrays.copyOf(arpRequest(C1_MAC, "198.19.0.1", "198.19.0.50"), 40);
        final byte[] ownMac = arpRequest(PROXY_MAC, "198.19.0.1", "198.19.0.50");
        final byte[] dad = solicitation("::", "fd00::50");
        final byte[] unknownNs = solicitation("fd00::1", "fd00::51");
        final byte[] otherNetworkNs = solicitation("fd00::1", "fd00::60");
        final byte[] hopLimit64 = solicitation("fd00::1", "fd00::50");
        hopLimit64[14 + 7] = 64;
        fixIcmpv6Checksum(hopLimit64);
        final byte[] badChecksum = solicitation("fd00::1", "fd00::50");
        badChecksum[14 + 40 + 2] ^= 0x01;
        final byte[] zeroLengthOption = solicitation("fd00::1", "fd00::50");
        zeroLengthOption[14 + 40 + 24 + 1] = 0;
        fixIcmpv6Checksum(zeroLengthOption);
        final byte[] truncatedNs = Arrays.copyOf(solicitation("fd00::1", "fd00::50"), 14 + 40 + 20);
        final byte[] badCode = solicitation("fd00::1", "fd00::50");
        badCode[14 + 40 + 1] = 1;
        fixIcmpv6Checksum(badCode);
        final byte[][] frames = {gratuitous, probe, reply, unknown, otherNetwork, truncatedArp, ownMac, dad, unknownNs, otherNetworkNs, hopLimit64,
            badChecksum, zeroLengthOption, truncatedNs, badCode};
        for (final byte[] frame : frames)
        {
            final Map<String, List<byte[]>> out = host.exchange("c1", frame);
            final String what = HEX.formatHex(frame);
            assertEquals(0, out.get("c1").size(), "nothing back to the requester: " + what);
            assertEquals(1, out.get("c2").size(), "flooded to the other local endpoint: " + what);
            assertArrayEquals(frame, out.get("c2").get(0), "unchanged: " + what);
            assertEquals(2, out.get("uplink").size(), "flooded to R2 and R3: " + what);
        }
        assertEquals(0, arpReplies());
        assertEquals(0, ndReplies());
        // the truncated ARP and NS are too short to be looked at; the rest are ARP or NS frames
        assertEquals(frames.length - 2, host.stage("neigh-proxy").packets());
    }

    @Test
    void requestsFromTheOverlayAreNotAnswered()
    {
        final byte[] inner = arpRequest(TestHost.REMOTE2_MAC, "198.19.0.9", "198.19.0.50");
        final Map<String, List<byte[]>> out = host.exchange("uplink", TestHost.vxlanFrom("198.18.0.2", "198.18.0.1", 100, -1, inner));
        assertArrayEquals(inner, out.get("c1").get(0));
        assertArrayEquals(inner, out.get("c2").get(0));
        assertEquals(0, out.get("uplink").size());
        assertEquals(0, arpReplies());
    }

    @Test
    void aReplacedEntryAnswersWithTheNewMacAndARemovedOneNotAtAll()
    {
        host.writer.putNeighbour(100, ip("198.19.0.50"), 0x02_00_00_00_77_77L);
        List<byte[]> back = host.exchange("c1", arpRequest(C1_MAC, "198.19.0.1", "198.19.0.50")).get("c1");
        assertEquals("020000007777", HEX.formatHex(back.get(0), 6, 12));
        host.writer.removeNeighbour(100, ip("198.19.0.50"));
        final Map<String, List<byte[]>> out = host.exchange("c1", arpRequest(C1_MAC, "198.19.0.1", "198.19.0.50"));
        assertEquals(0, out.get("c1").size());
        assertEquals(2, out.get("uplink").size());
    }

    @Test
    void anEmptyTableSkipsTheStageAndTheFirstEntryWakesItUp()
    {
        for (final String ip : List.of("198.19.0.50", "fd00::50"))
        {
            host.writer.removeNeighbour(100, ip(ip));
        }
        for (final String ip : List.of("198.19.0.60", "fd00::60"))
        {
            host.writer.removeNeighbour(200, ip(ip));
        }
        final Map<String, List<byte[]>> out = host.exchange("c1", arpRequest(C1_MAC, "198.19.0.1", "198.19.0.50"));
        assertEquals(0, out.get("c1").size());
        assertEquals(2, out.get("uplink").size(), "flooded as without the stage");
        assertEquals(0, host.stage("neigh-proxy").packets(), "not even looked at");
        host.writer.putNeighbour(100, ip("198.19.0.50"), PROXY_MAC);
        assertEquals(1, host.exchange("c1", arpRequest(C1_MAC, "198.19.0.1", "198.19.0.50")).get("c1").size());
        assertEquals(1, arpReplies());
    }

    @Test
    void aBatchMixesAnswersWithOrdinaryTraffic()
    {
        host.send("c1", arpRequest(C1_MAC, "198.19.0.1", "198.19.0.50"), TestHost.udp4(C2_MAC, C1_MAC, 1, 10),
            solicitation("fd00::1", "fd00::50"), arpRequest(C1_MAC, "198.19.0.1", "198.19.0.50"));
        host.send("c2", arpRequest(C2_MAC, "198.19.0.2", "198.19.0.50"));
        host.run();
        final Map<String, List<byte[]>> out = host.takeAll();
        assertEquals(3, out.get("c1").size(), "two ARP replies and one NA");
        assertEquals(2, out.get("c2").size(), "the UDP frame and the reply to c2's own request");
        assertTrue(out.get("c2").stream().anyMatch(f -> HEX.formatHex(f, 0, 12).equals("0200000001020200c6130050")));
        assertEquals(0, out.get("uplink").size());
        assertEquals(3, arpReplies());
        assertEquals(1, ndReplies());
    }

    // ----- an independent construction of the expected advertisement -----

    private static String expectedAdvertisement(final String source, final String destination, final long requesterMac)
    {
        final String head = String.format("%012x", requesterMac) + String.format("%012x", PROXY_MAC) + "86dd"
            + "60000000" + "0020" + "3a" + "ff" + hex(source) + hex(destination);
        final String body = "88" + "00" + "0000" + "60000000" + hex(source) + "02" + "01" + String.format("%012x", PROXY_MAC);
        final byte[] frame = HEX.parseHex(head + body);
        final int checksum = ~onesComplementSum(pseudoHeaderAndPayload(frame)) & 0xFFFF;
        return head + body.substring(0, 4) + String.format("%04x", checksum) + body.substring(8);
    }

    private static String hex(final String ipv6)
    {
        return HEX.formatHex(ip(ipv6).getAddress());
    }

    /** Source, destination, upper-layer length (32 bits), next header (32 bits), then the ICMPv6 message. */
    private static byte[] pseudoHeaderAndPayload(final byte[] frame)
    {
        final int length = (frame[18] & 0xFF) << 8 | frame[19] & 0xFF;
        final byte[] out = new byte[40 + length];
        System.arraycopy(frame, 22, out, 0, 32);
        out[34] = (byte)(length >> 8);
        out[35] = (byte)length;
        out[39] = 58;
        System.arraycopy(frame, 54, out, 40, length);
        return out;
    }

    private static int onesComplementSum(final byte[] bytes)
    {
        long sum = 0;
        for (int i = 0; i < bytes.length; i += 2)
        {
            sum += (bytes[i] & 0xFF) << 8 | (i + 1 < bytes.length ? bytes[i + 1] & 0xFF : 0);
        }
        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (int)sum;
    }

    private static void fixIcmpv6Checksum(final byte[] frame)
    {
        frame[56] = 0;
        frame[57] = 0;
        final int checksum = ~onesComplementSum(pseudoHeaderAndPayload(frame)) & 0xFFFF;
        frame[56] = (byte)(checksum >> 8);
        frame[57] = (byte)checksum;
    }
}
