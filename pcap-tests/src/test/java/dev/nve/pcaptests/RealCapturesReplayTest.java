package dev.nve.pcaptests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.replay.Replay;
import dev.nve.dataplane.pcap.PcapReader;
import dev.nve.dataplane.pcap.PcapRecord;
import dev.nve.dataplane.pcap.PcapWriter;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.LinkedHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Replays every real capture of the shared corpus through {@link Replay} as traffic arriving on
 * the underlay, with a config made from what tshark sees in the file: the outer destination
 * addresses of its VXLAN frames are our VTEPs, each VNI seen is a network, and one endpoint port
 * sits in the first VNI. Frame buffers of 128 KiB hold the ~80 KB BIG TCP frames.
 * <p>
 * Per file: no exception; no frame leaked; every Ethernet record received (and every record of
 * another link type skipped and counted); and the VXLAN accounting agrees with tshark: the
 * frames that reached vxlan-decap plus those classify refused although they are VXLAN (a
 * fragment, cut short, a bad checksum, contradicting lengths) equal tshark's count of
 * {@code vxlan && udp.dstport==4789} frames (a nested VXLAN-in-VXLAN frame counts once in both).
 * To attribute each refusal to a VXLAN frame, the VXLAN frames are also replayed alone; nve must
 * not decapsulate anything tshark does not call VXLAN. Files where the two definitions differ
 * are listed in {@link #DIFFERENT_DEFINITIONS} with the reason.
 */
final class RealCapturesReplayTest
{
    static final int FRAME_SIZE = 131_072;
    static final int FRAMES = 256;

    /** Classify drops that mean "VXLAN to us, but refused": the frame is overlay traffic nve will not take. */
    static final Set<String> REFUSED = Set.of("TRUNCATED", "FRAGMENT_NOT_SUPPORTED", "IPV4_CHECKSUM_INVALID", "INVALID_PACKET",
        "INVALID_IPV6_EXTENSION_HEADER", "UNSUPPORTED_L2_PROTOCOL");

    /**
     * Files where tshark's "vxlan && udp.dstport==4789" and nve's notion of overlay traffic differ
     * in a way the formula cannot absorb: file name to the classify drops of its VXLAN frames that
     * are not refusals of overlay traffic. Empty today; what was examined:
     * <ul>
     *   <li>malformed_zeek_geneve-vxlan-dns-truncated.pcap: tshark's VXLAN (UDP 4789) is nested inside
     *       Geneve (UDP 6081) over loopback, so for nve it is not overlay traffic at all; but both
     *       frames are cut by the snap length (176 of 182/202 bytes) inside the outer IPv4 packet,
     *       and classify drops them as TRUNCATED before it looks at the port, which the formula
     *       counts as refused VXLAN. The counts agree; the reasons do not.</li>
     *   <li>vxlan_tcpdump_vxlan_port_8472.pcap: tshark decodes UDP 8472 as VXLAN only with
     *       {@code -d udp.port==8472,vxlan}, so it counts 0; nve, configured for 4789, drops all 10 as
     *       NOT_OVERLAY and decapsulates none. With vxlanPort 8472 nve takes all 10:
     *       {@link #port8472WithMatchingConfig}.</li>
     *   <li>vxlan_arkime_gre-erspan-vxlan.pcap and vxlan_tcpdump_nsh-over-vxlan-gpe.pcap: VXLAN-GPE on
     *       UDP 4790 (inside GRE/ERSPAN for the first): tshark shows a vxlan layer but no UDP 4789,
     *       nve says NOT_OVERLAY.</li>
     *   <li>the two BIG TCP files: IPv4 total length 0 / IPv6 payload length 0 and UDP length 0 (the
     *       lengths of a GRO super-packet above 64 KiB): tshark's UDP dissector rejects them, so it
     *       counts 0; nve drops them in classify as INVALID_PACKET (IPv4) and TRUNCATED (IPv6: the
     *       UDP header lies beyond the 40-byte packet the header describes). BIG TCP packets exist
     *       only inside a host (GRO), never on a wire an XDP program sees.</li>
     * </ul>
     */
    static final Map<String, Map<String, Long>> DIFFERENT_DEFINITIONS = Map.of();

    static final List<String> FIELDS = List.of("frame.number", "frame.encap_type", "frame.protocols", "ip.dst", "ipv6.dst", "vxlan.vni", "udp.dstport");

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> replayEveryRealCapture() throws IOException
    {
        Tshark.require();
        final List<Path> files = RealCaptures.files();
        // Files are independent; the time goes into tshark processes and replays, so a small pool
        // runs them and each dynamic test reports its own file.
        final ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
        final Map<Path, Future<String>> results = new LinkedHashMap<>();
        files.forEach(file -> results.put(file, pool.submit(() -> replay(file))));
        pool.shutdown();
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), file.toUri(), () ->
        {
            try
            {
                System.out.println(results.get(file).get());
            }
            catch (final ExecutionException e)
            {
                throw e.getCause();
            }
        }));
    }

    /** What tshark sees in one capture. */
    record Dissection(int records, int ethernet, List<Integer> vxlanFrames, Set<String> vteps, Set<Integer> vnis)
    {
    }

    static Dissection dissect(final Path file, final String... extra) throws IOException
    {
        final List<Map<String, String>> rows = Tshark.fields(file, FIELDS, extra);
        int ethernet = 0;
        final List<Integer> vxlan = new ArrayList<>();
        final Set<String> vteps = new LinkedHashSet<>();
        final Set<Integer> vnis = new LinkedHashSet<>();
        for (final Map<String, String> row : rows)
        {
            if (row.get("frame.encap_type").equals("1"))
            {
                ethernet++;
            }
            final List<String> protocols = List.of(row.get("frame.protocols").split(":"));
            // the display filter "vxlan && udp.dstport==4789": a VXLAN layer and any UDP header to 4789
            if (protocols.contains("vxlan") && Oracle.split(row.get("udp.dstport")).contains("4789"))
            {
                vxlan.add(Integer.parseInt(row.get("frame.number")));
                final String outer = protocols.stream().filter(p -> p.equals("ip") || p.equals("ipv6")).findFirst().orElseThrow();
                vteps.add(Oracle.split(row.get(outer.equals("ip") ? "ip.dst" : "ipv6.dst")).get(0));
                Oracle.split(row.get("vxlan.vni")).forEach(v -> vnis.add(Integer.parseInt(v)));
            }
        }
        return new Dissection(rows.size(), ethernet, vxlan, vteps, vnis);
    }

    static ObjectNode config(final Dissection d, final int vxlanPort)
    {
        final ObjectNode root = JsonNodeFactory.instance.objectNode();
        final ObjectNode u = root.putObject("underlay");
        u.put("port", "uplink");
        u.put("mac", "02:00:00:00:00:01");
        u.put("vxlanPort", vxlanPort);
        final ArrayNode vteps = u.putArray("vteps");
        if (d.vteps().isEmpty())
        {
            vteps.add("198.18.0.1");
        }
        d.vteps().forEach(vteps::add);
        final ArrayNode networks = root.putArray("networks");
        final List<Integer> vnis = d.vnis().isEmpty() ? List.of(1) : List.copyOf(d.vnis());
        vnis.forEach(v -> networks.addObject().put("vni", v));
        final ObjectNode ep = root.putArray("endpoints").addObject();
        ep.put("port", "ep0");
        ep.put("vni", vnis.get(0));
        ep.put("mac", "02:00:00:00:00:10");
        final ObjectNode tables = root.putObject("tables"); // small: a replay per file allocates them
        tables.put("networks", 64);
        tables.put("fdbEntries", 64);
        tables.put("encapTemplates", 16);
        tables.put("ilaMappings", 16);
        return root;
    }

    private JsonNode run(final Path config, final Path input, final String name) throws Exception
    {
        final Path out = Files.createDirectories(tmp.resolve(name));
        return Replay.run(new Replay.Options(config, Map.of("uplink", input), out, Replay.Options.DEFAULT_BATCH, FRAME_SIZE, FRAMES)).counters();
    }

    /** Replays one capture, asserts, and returns a one-line summary. */
    private String replay(final Path file) throws Exception
    {
        final String name = file.getFileName().toString();
        final Dissection d = dissect(file);
        final Path config = tmp.resolve(name + ".config.json");
        CaseRunner.JSON.writeValue(config.toFile(), config(d, 4789));

        final JsonNode whole = run(config, file, name + ".out");
        assertEquals(0, whole.path("frames_in_use_after_run").asLong(-1), name + ": frames leaked");
        final JsonNode uplink = whole.path("ports").path("uplink");
        assertEquals(d.ethernet(), uplink.path("rx_packets").asLong(-1), name + ": every Ethernet record is received (tshark counts " + d.ethernet() + ")");
        assertEquals(d.records() - d.ethernet(), uplink.path("rx_skipped_linktype").asLong(-1), name + ": records of other link types are skipped and counted");
        assertEquals(0, uplink.path("rx_skipped_oversize").asLong(-1), name + ": no record is larger than a " + FRAME_SIZE + "-byte frame");
        final long decapped = whole.path("stages").path("vxlan-decap").path("packets").asLong(-1);

        long refused = 0;
        final Map<String, Long> other = new TreeMap<>();
        if (!d.vxlanFrames().isEmpty())
        {
            // the VXLAN frames alone, to attribute each classify drop to a frame tshark calls VXLAN
            final List<PcapRecord> records = PcapReader.read(file).records();
            final Path subset = tmp.resolve(name + ".vxlan.pcap");
            try (PcapWriter writer = PcapWriter.create(subset))
            {
                for (final int number : d.vxlanFrames())
                {
                    final PcapRecord r = records.get(number - 1);
                    writer.write(r.timestampNanos(), r.data());
                }
            }
            // every record VXLAN: the subset is the file, its replay is the one above
            final JsonNode part = d.vxlanFrames().size() == records.size() ? whole : run(config, subset, name + ".vxlan.out");
            final long partDecap = part.path("stages").path("vxlan-decap").path("packets").asLong(-1);
            for (final var drop : part.path("stages").path("classify").path("drops").properties())
            {
                if (REFUSED.contains(drop.getKey()))
                {
                    refused += drop.getValue().asLong();
                }
                else
                {
                    other.put(drop.getKey(), drop.getValue().asLong());
                }
            }
            assertEquals(d.vxlanFrames().size(), partDecap + refused + other.values().stream().mapToLong(Long::longValue).sum(),
                name + ": every VXLAN frame either reaches vxlan-decap or is dropped by classify");
            assertEquals(partDecap, decapped, name + ": nve decapsulates nothing that tshark does not call VXLAN on UDP 4789");
        }
        assertEquals(DIFFERENT_DEFINITIONS.getOrDefault(name, Map.of()), other,
            name + ": VXLAN frames that nve does not treat as overlay traffic (see DIFFERENT_DEFINITIONS)");
        final long otherCount = other.values().stream().mapToLong(Long::longValue).sum();
        assertEquals(d.vxlanFrames().size(), decapped + refused + otherCount,
            name + ": reached vxlan-decap (" + decapped + ") + refused VXLAN (" + refused + ") + not overlay for nve (" + otherCount
                + ") = tshark's vxlan && udp.dstport==4789 count");
        return String.format("%-58s records=%4d ethernet=%4d vxlan(tshark)=%4d decap=%4d refused=%2d other=%s classify-drops=%s decap-drops=%s",
            name, d.records(), d.ethernet(), d.vxlanFrames().size(), decapped, refused, other,
            whole.path("stages").path("classify").path("drops"), whole.path("stages").path("vxlan-decap").path("drops"));
    }

    /**
     * The 8472 file holds the same packets as vxlan_tcpdump_vxlan.pcap on UDP 8472: with
     * {@code underlay.vxlanPort} 8472 nve decapsulates all of them, as tshark does with
     * {@code -d udp.port==8472,vxlan}.
     */
    @Test
    void port8472WithMatchingConfig() throws Exception
    {
        Tshark.require();
        final Path file = RealCaptures.require().resolve("vxlan_tcpdump_vxlan_port_8472.pcap");
        final List<Map<String, String>> rows = Tshark.fields(file, List.of("frame.number", "frame.protocols", "udp.dstport"), "-d", "udp.port==8472,vxlan");
        final Dissection d = dissect(file, "-d", "udp.port==8472,vxlan");
        final long vxlan8472 = rows.stream().filter(r -> r.get("frame.protocols").contains(":vxlan:") && Oracle.split(r.get("udp.dstport")).contains("8472")).count();
        assertEquals(10, vxlan8472, "tshark decodes the 10 frames as VXLAN when told about port 8472");
        // dissect() only collects VTEPs of frames to 4789; take them from the 8472 frames instead
        final Set<String> vteps = new LinkedHashSet<>();
        final Set<Integer> vnis = new LinkedHashSet<>();
        for (final Map<String, String> row : Tshark.fields(file, FIELDS, "-d", "udp.port==8472,vxlan"))
        {
            vteps.add(Oracle.split(row.get("ip.dst")).get(0));
            Oracle.split(row.get("vxlan.vni")).forEach(v -> vnis.add(Integer.parseInt(v)));
        }
        final Path config = tmp.resolve("8472.config.json");
        CaseRunner.JSON.writeValue(config.toFile(), config(new Dissection(d.records(), d.ethernet(), List.of(), vteps, vnis), 8472));
        final JsonNode counters = run(config, file, "8472.out");
        assertEquals(vxlan8472, counters.path("stages").path("vxlan-decap").path("packets").asLong(-1));
        assertEquals(0, counters.path("stages").path("classify").path("drops").size(), "no classify drops: " + counters.path("stages").path("classify"));
        assertEquals(0, counters.path("frames_in_use_after_run").asLong(-1));
    }
}
