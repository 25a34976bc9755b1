package dev.nve.dataplane.pipeline;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.wire.FrameBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.nve.dataplane.pipeline.TestHost.C1_MAC;
import static dev.nve.dataplane.pipeline.TestHost.C2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.REMOTE2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.REMOTE3_MAC;
import static dev.nve.dataplane.pipeline.TestHost.UPLINK_MAC;
import static dev.nve.dataplane.pipeline.TestHost.VTEP2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.udp4;
import static dev.nve.dataplane.pipeline.TestHost.vxlanFrom;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every drop: the right reason, counted once on the stage and once on the input port. */
final class DropPipelineTest extends HostTestSupport
{
    private static final int VXLAN_FLAGS = 14 + 20 + 8;

    private static byte[] good()
    {
        return vxlanFrom("198.18.0.2", "198.18.0.1", 100, -1, udp4(C1_MAC, REMOTE2_MAC, 1, 64));
    }

    private static byte[] withIpv4Checksum(final byte[] frame)
    {
        frame[14 + 10] = 0;
        frame[14 + 11] = 0;
        final int sum = Outer.foldedSum(frame, 14, 20, 0);
        final int checksum = ~sum & 0xFFFF;
        frame[14 + 10] = (byte)(checksum >>> 8);
        frame[14 + 11] = (byte)checksum;
        return frame;
    }

    static Stream<Arguments> drops()
    {
        final byte[] noIFlag = good();
        noIFlag[VXLAN_FLAGS] = 0x00;
        final byte[] onlyGFlag = good();
        onlyGFlag[VXLAN_FLAGS] = (byte)0x80;
        final byte[] badChecksum = good();
        badChecksum[14 + 10] ^= 0x01;
        final byte[] fragment = good();
        fragment[14 + 6] = 0x20; // MF
        withIpv4Checksum(fragment);
        final byte[] fragmentOffset = good();
        fragmentOffset[14 + 6] = 0x40;
        fragmentOffset[14 + 7] = 0x10; // DF + offset 16
        withIpv4Checksum(fragmentOffset);
        final byte[] udpTooLong = good();
        udpTooLong[14 + 20 + 4] = 0x7F; // UDP length beyond the IP packet
        final byte[] udpTooShort = good();
        udpTooShort[14 + 20 + 4] = 0;
        udpTooShort[14 + 20 + 5] = 15; // less than UDP + VXLAN
        final byte[] notIp = FrameBuilder.ethernet(UPLINK_MAC, VTEP2_MAC).etherType(0x0806).payload(new byte[28]).build();
        final byte[] tcp = FrameBuilder.ethernet(UPLINK_MAC, VTEP2_MAC).ipv4("198.18.0.2", "198.18.0.1").tcp(1, 4789, 0x02).build();
        final byte[] wrongPort = FrameBuilder.ethernet(UPLINK_MAC, VTEP2_MAC).ipv4("198.18.0.2", "198.18.0.1").udp(50000, 4790)
            .payload(Arrays.copyOfRange(good(), VXLAN_FLAGS, good().length)).build();
        final byte[] ipv6WrongVersion = vxlanFrom("2001:db8::2", "2001:db8::1", 100, -1, udp4(C1_MAC, REMOTE2_MAC, 1, 64));
        ipv6WrongVersion[14] = 0x40;

        return Stream.of(
            Arguments.of("unknown VNI", "uplink", vxlanFrom("198.18.0.2", "198.18.0.1", 999, -1, udp4(C1_MAC, REMOTE2_MAC, 1, 64)), "vxlan-decap", DropReason.INVALID_VNI),
            Arguments.of("missing I flag", "uplink", noIFlag, "vxlan-decap", DropReason.VXLAN_FLAGS_INVALID),
            Arguments.of("G flag without I", "uplink", onlyGFlag, "vxlan-decap", DropReason.VXLAN_FLAGS_INVALID),
            Arguments.of("wrong UDP port", "uplink", wrongPort, "classify", DropReason.NOT_OVERLAY),
            Arguments.of("TCP", "uplink", tcp, "classify", DropReason.NOT_OVERLAY),
            Arguments.of("ARP on the uplink", "uplink", notIp, "classify", DropReason.NOT_OVERLAY),
            Arguments.of("not our VTEP", "uplink", vxlanFrom("198.18.0.2", "198.18.0.9", 100, -1, udp4(C1_MAC, REMOTE2_MAC, 1, 64)), "classify", DropReason.NOT_LOCAL_VTEP),
            Arguments.of("IPv6 to an IPv4-only host", "uplink", vxlanFrom("2001:db8::2", "2001:db8::1", 100, -1, udp4(C1_MAC, REMOTE2_MAC, 1, 64)), "classify", DropReason.NOT_LOCAL_VTEP),
            Arguments.of("IPv6 version field 4", "uplink", ipv6WrongVersion, "classify", DropReason.INVALID_PACKET),
            Arguments.of("bad IPv4 checksum", "uplink", badChecksum, "classify", DropReason.IPV4_CHECKSUM_INVALID),
            Arguments.of("IPv4 fragment (MF)", "uplink", fragment, "classify", DropReason.FRAGMENT_NOT_SUPPORTED),
            Arguments.of("IPv4 fragment (offset)", "uplink", fragmentOffset, "classify", DropReason.FRAGMENT_NOT_SUPPORTED),
            Arguments.of("truncated in the IPv4 header", "uplink", Arrays.copyOf(good(), 30), "classify", DropReason.TRUNCATED),
            Arguments.of("truncated in the payload", "uplink", Arrays.copyOf(good(), good().length - 1), "classify", DropReason.TRUNCATED),
            Arguments.of("truncated Ethernet on the uplink", "uplink", new byte[13], "classify", DropReason.TRUNCATED),
            Arguments.of("empty frame on the uplink", "uplink", new byte[0], "classify", DropReason.TRUNCATED),
            Arguments.of("UDP length beyond the packet", "uplink", udpTooLong, "vxlan-decap", DropReason.INVALID_PACKET),
            Arguments.of("UDP length below UDP+VXLAN", "uplink", udpTooShort, "vxlan-decap", DropReason.INVALID_PACKET),
            Arguments.of("inner frame shorter than Ethernet", "uplink", vxlanFrom("198.18.0.2", "198.18.0.1", 100, -1, new byte[13]), "vxlan-decap", DropReason.TRUNCATED),
            Arguments.of("empty inner frame", "uplink", vxlanFrom("198.18.0.2", "198.18.0.1", 100, -1, new byte[0]), "vxlan-decap", DropReason.TRUNCATED),
            Arguments.of("overlay to a remote MAC", "uplink", vxlanFrom("198.18.0.2", "198.18.0.1", 100, -1, udp4(REMOTE3_MAC, REMOTE2_MAC, 1, 64)), "bridge", DropReason.SPLIT_HORIZON),
            Arguments.of("truncated frame on an endpoint", "c1", new byte[13], "classify", DropReason.TRUNCATED),
            Arguments.of("empty frame on an endpoint", "c1", new byte[0], "classify", DropReason.TRUNCATED),
            Arguments.of("to the sender's own MAC", "c1", udp4(C1_MAC, C1_MAC, 1, 64), "bridge", DropReason.SAME_PORT),
            Arguments.of("port without a role", "spare", udp4(C2_MAC, C1_MAC, 1, 64), "classify", DropReason.PORT_NOT_CONFIGURED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("drops")
    void dropIsCountedOnceWithItsReason(final String name, final String port, final byte[] frame, final String stage, final DropReason reason)
    {
        final TestHost host = standard(TestHost.Addressing.V4, false);
        final Map<String, List<byte[]>> out = host.exchange(port, frame);
        out.forEach((p, frames) -> assertEquals(0, frames.size(), name + ": nothing transmitted on " + p));
        assertEquals(1, host.stageDrops(stage, reason), name + ": stage " + stage + " counts " + reason);
        assertEquals(1, host.portDrops(port, reason), name + ": port " + port + " counts " + reason);
        assertEquals(1, host.totalStageDrops(), name + ": exactly one drop in all stages");
        assertEquals(1, host.totalPortDrops(), name + ": exactly one drop on all ports");
        assertEquals(1, host.counter("port/" + port + "/rx_packets"));
        assertEquals(0, host.totalPortTx());
    }

    @Test
    void dropsInOneBatchAreCountedPerReasonAndGoodFramesStillPass()
    {
        final TestHost host = standard(TestHost.Addressing.V4, false);
        final byte[] unknownVni = vxlanFrom("198.18.0.2", "198.18.0.1", 999, -1, udp4(C1_MAC, REMOTE2_MAC, 1, 64));
        final Map<String, List<byte[]>> out = host.exchange("uplink", unknownVni, good(), unknownVni, Arrays.copyOf(good(), 20), good());
        assertEquals(2, out.get("c1").size());
        assertEquals(2, host.stageDrops("vxlan-decap", DropReason.INVALID_VNI));
        assertEquals(2, host.portDrops("uplink", DropReason.INVALID_VNI));
        assertEquals(1, host.portDrops("uplink", DropReason.TRUNCATED));
        assertEquals(5, host.stage("classify").packets());
        assertEquals(4, host.stage("vxlan-decap").packets());
    }

    @Test
    void dropReasonCodesAreStable()
    {
        assertEquals(133, DropReason.POLICY_DENIED.code());
        assertEquals(136, DropReason.FRAG_NEEDED.code());
        assertEquals(183, DropReason.INVALID_VNI.code());
        assertEquals(220, DropReason.TRUNCATED.code());
        assertEquals(228, DropReason.NO_FREE_FRAME.code());
        for (final DropReason reason : DropReason.values())
        {
            assertEquals(reason, DropReason.ofCode(reason.code()));
        }
        assertEquals(null, DropReason.ofCode(0));
        assertEquals(null, DropReason.ofCode(-1));
        assertEquals(null, DropReason.ofCode(256));
    }

    @Test
    void anEndpointFrameToC2FromTheWrongEndpointStillOnlyReachesItsVni()
    {
        final TestHost host = standard(TestHost.Addressing.V4, false);
        final Map<String, List<byte[]>> out = host.exchange("c3", udp4(C2_MAC, C1_MAC, 1, 64));
        assertEquals(0, out.get("c2").size(), "spoofed source MAC does not cross into VNI 100");
        assertEquals(0, out.get("c1").size());
    }
}
