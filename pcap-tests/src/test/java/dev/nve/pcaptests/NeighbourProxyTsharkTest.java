package dev.nve.pcaptests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nve.control.replay.Replay;
import dev.nve.dataplane.pcap.PcapWriter;
import dev.nve.dataplane.table.Macs;
import dev.nve.dataplane.wire.ArpHeader;
import dev.nve.dataplane.wire.FrameBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ARP/ND suppression through {@code nve replay} with a list-form config that has
 * {@code neigh.add} operations, checked by tshark as the independent oracle: the replies on
 * the requester's port dissect as an ARP reply and a Neighbor Advertisement (S=1, O=1, R=0,
 * target link-layer address, ICMPv6 checksum correct, no expert errors); the requests that
 * must not be answered (a gratuitous ARP, a DAD solicitation) are flooded unchanged. (Wireshark
 * always verifies ICMPv6 checksums; there is no preference to switch on.)
 */
final class NeighbourProxyTsharkTest
{
    private static final String C1_MAC = "02:00:00:00:01:01";
    private static final String PROXY_MAC = "02:00:c6:13:00:50";

    @TempDir
    Path dir;

    @Test
    void repliesDissectAsArpReplyAndNeighbourAdvertisementWithCorrectChecksum() throws Exception
    {
        final Path config = dir.resolve("config.json");
        Files.writeString(config, """
            [{"op": "underlay.set", "params": {"port": "uplink", "mac": "02:00:00:00:00:01", "vteps": ["198.18.0.1"], "gatewayMac": "02:00:00:00:00:fe"}},
             {"op": "network.add", "params": {"vni": 100}},
             {"op": "endpoint.add", "params": {"port": "c1", "vni": 100, "mac": "02:00:00:00:01:01", "ips": ["198.19.0.1", "fd00::1"]}},
             {"op": "endpoint.add", "params": {"port": "c2", "vni": 100, "mac": "02:00:00:00:01:02", "ips": ["198.19.0.2"]}},
             {"op": "flood.add", "params": {"vni": 100, "vtep": "198.18.0.2"}},
             {"op": "neigh.add", "params": {"vni": 100, "ip": "198.19.0.50", "mac": "02:00:c6:13:00:50"}},
             {"op": "neigh.add", "params": {"vni": 100, "ip": "fd00::50", "mac": "02:00:c6:13:00:50"}}]
            """);
        final long c1 = Macs.parse(C1_MAC);
        final Path in = dir.resolve("c1.pcap");
        try (PcapWriter writer = PcapWriter.create(in))
        {
            long t = 1_700_000_000_000_000_000L;
            writer.write(t += 1_000_000, FrameBuilder.arp(0xFFFF_FFFF_FFFFL, c1, ArpHeader.OPER_REQUEST, c1, "198.19.0.1", 0, "198.19.0.50"));
            writer.write(t += 1_000_000, FrameBuilder.neighbourSolicitation(0x33_33_FF_00_00_50L, c1, "fd00::1", "ff02::1:ff00:50", "fd00::50", c1));
            writer.write(t += 1_000_000, FrameBuilder.arp(0xFFFF_FFFF_FFFFL, c1, ArpHeader.OPER_REQUEST, c1, "198.19.0.50", 0, "198.19.0.50"));
            writer.write(t += 1_000_000, FrameBuilder.neighbourSolicitation(0x33_33_FF_00_00_50L, c1, "::", "ff02::1:ff00:50", "fd00::50", -1));
        }
        final Replay.Result result = Replay.run(new Replay.Options(config, Map.of("c1", in), dir.resolve("out"),
            Replay.Options.DEFAULT_BATCH, Replay.Options.DEFAULT_FRAME_SIZE, Replay.Options.DEFAULT_FRAMES));
        final JsonNode stage = result.counters().path("stages").path("neigh-proxy");
        assertEquals(1, stage.path("arp_replies").asLong(), result.counters().toPrettyString());
        assertEquals(1, stage.path("nd_replies").asLong(), result.counters().toPrettyString());
        assertEquals(4, stage.path("packets").asLong());

        final List<Map<String, String>> replies = Tshark.fields(result.outputs().get("c1"), List.of("eth.dst", "eth.src", "arp.opcode",
            "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.hw_mac", "arp.dst.proto_ipv4", "ipv6.src", "ipv6.dst", "ipv6.hlim", "ipv6.plen",
            "icmpv6.type", "icmpv6.code", "icmpv6.checksum.status", "icmpv6.nd.na.flag.r", "icmpv6.nd.na.flag.s", "icmpv6.nd.na.flag.o",
            "icmpv6.nd.na.target_address", "icmpv6.opt.type", "icmpv6.opt.linkaddr", "_ws.expert.severity"));
        assertEquals(2, replies.size(), replies.toString());
        final Map<String, String> arp = replies.get(0);
        assertEquals(C1_MAC, arp.get("eth.dst"));
        assertEquals(PROXY_MAC, arp.get("eth.src"));
        assertEquals("2", arp.get("arp.opcode"), "reply");
        assertEquals(PROXY_MAC, arp.get("arp.src.hw_mac"));
        assertEquals("198.19.0.50", arp.get("arp.src.proto_ipv4"));
        assertEquals(C1_MAC, arp.get("arp.dst.hw_mac"));
        assertEquals("198.19.0.1", arp.get("arp.dst.proto_ipv4"));
        assertEquals("", arp.get("_ws.expert.severity"), arp.toString());
        final Map<String, String> na = replies.get(1);
        assertEquals(C1_MAC, na.get("eth.dst"));
        assertEquals(PROXY_MAC, na.get("eth.src"));
        assertEquals("fd00::50", na.get("ipv6.src"));
        assertEquals("fd00::1", na.get("ipv6.dst"));
        assertEquals("255", na.get("ipv6.hlim"));
        assertEquals("32", na.get("ipv6.plen"));
        assertEquals("136", na.get("icmpv6.type"));
        assertEquals("0", na.get("icmpv6.code"));
        assertEquals(Tshark.CHECKSUM_GOOD, na.get("icmpv6.checksum.status"), "ICMPv6 checksum correct: " + na);
        assertEquals(List.of("False", "True", "True"), List.of(flag(na.get("icmpv6.nd.na.flag.r")), flag(na.get("icmpv6.nd.na.flag.s")),
            flag(na.get("icmpv6.nd.na.flag.o"))), "R=0 S=1 O=1: " + na);
        assertEquals("fd00::50", na.get("icmpv6.nd.na.target_address"));
        assertEquals("2", na.get("icmpv6.opt.type"), "one Target Link-Layer Address option");
        assertEquals(PROXY_MAC, na.get("icmpv6.opt.linkaddr"));
        assertEquals("", na.get("_ws.expert.severity"), na.toString());

        // the gratuitous ARP and the DAD probe were not answered but flooded, to c2 and the overlay
        assertEquals(2, Tshark.fields(result.outputs().get("c2"), List.of("frame.number")).size());
        assertTrue(result.outputs().containsKey("uplink"));
        assertEquals(2, Tshark.fields(result.outputs().get("uplink"), List.of("frame.number")).size(),
            "only the two unanswered requests crossed the overlay");
        assertFalse(Tshark.fields(result.outputs().get("uplink"), List.of("arp.opcode")).isEmpty());
    }

    /** tshark prints booleans as True/False or 1/0 depending on its version. */
    private static String flag(final String value)
    {
        return switch (value)
        {
            case "1", "True" -> "True";
            case "0", "False" -> "False";
            default -> value;
        };
    }
}
