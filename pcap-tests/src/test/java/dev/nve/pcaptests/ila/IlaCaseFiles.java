package dev.nve.pcaptests.ila;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.config.ConfigException;
import dev.nve.control.replay.Replay;
import dev.nve.dataplane.pcap.PcapReader;
import dev.nve.dataplane.pcap.PcapRecord;
import dev.nve.dataplane.pcap.PcapWriter;
import dev.nve.pcaptests.ila.IlaCase.Input;
import dev.nve.pcaptests.ila.IlaCase.Output;
import dev.nve.pcaptests.ila.IlaCase.Side;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Writes and checks the case directories of the ILA replay suite, the same shape as the VXLAN
 * suite's, plus an optional reverse half:
 * <pre>
 *   NN-name/config.json                 host A (docs/CONFIG.md, with the "ila" section)
 *   NN-name/in/PORT.pcap                frames entering on PORT
 *   NN-name/expected/PORT.pcap          what PORT must transmit, ordered by timestamp (no file: nothing)
 *   NN-name/expected/counters.json      counters that must match (a subset; "drops" objects exactly)
 *   NN-name/expected/error.txt          instead: Replay must refuse the config with this text
 *   NN-name/checks.json                 tshark expectations per output frame, "reverse" for the other half
 *   NN-name/reverse/config.json         host B: A's actual uplink output is replayed into B's uplink
 *   NN-name/reverse/expected/...        what B must deliver (the original packets) and its counters
 * </pre>
 * Replay keeps no order across input ports, so outputs are compared ordered by timestamp (each
 * input frame yields at most one output frame, which keeps its timestamp).
 */
final class IlaCaseFiles
{
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final List<String> RULE_FIELDS = List.of("_ws.malformed", "_ws.expert.severity", "_ws.expert.message");

    private IlaCaseFiles()
    {
    }

    static List<Path> caseDirs(final Path root) throws IOException
    {
        try (Stream<Path> dirs = Files.list(root))
        {
            return dirs.filter(Files::isDirectory).filter(d -> Files.exists(d.resolve("config.json"))).sorted().toList();
        }
    }

    // ---- writing -------------------------------------------------------------------------------

    static void write(final IlaCase c, final Path dir) throws IOException
    {
        deleteRecursively(dir);
        Files.createDirectories(dir.resolve("in"));
        Files.createDirectories(dir.resolve("expected"));
        JSON.writeValue(dir.resolve("config.json").toFile(), c.a.config);
        for (final Map.Entry<String, List<Input>> in : c.inputs.entrySet())
        {
            try (PcapWriter w = PcapWriter.create(dir.resolve("in").resolve(in.getKey() + ".pcap")))
            {
                for (final Input input : in.getValue())
                {
                    w.write(input.timestampNanos(), input.bytes());
                }
            }
        }
        final ObjectNode checks = JsonNodeFactory.instance.objectNode();
        checks.put("description", c.description);
        if (c.knownBug != null)
        {
            checks.put("knownBug", c.knownBug);
        }
        if (c.error != null)
        {
            Files.writeString(dir.resolve("expected/error.txt"), c.error + "\n", StandardCharsets.UTF_8);
            checks.putObject("frames");
            writeChecks(dir.resolve("checks.json"), checks);
            return;
        }
        writeSide(c.a, dir.resolve("expected"), rxCounts(c), checks.putObject("frames"));
        if (c.b != null)
        {
            Files.createDirectories(dir.resolve("reverse/expected"));
            JSON.writeValue(dir.resolve("reverse/config.json").toFile(), c.b.config);
            final Map<String, Long> rx = Map.of("uplink", (long)c.a.outputs.getOrDefault("uplink", List.of()).size());
            writeSide(c.b, dir.resolve("reverse/expected"), rx, checks.putObject("reverse").putObject("frames"));
        }
        writeChecks(dir.resolve("checks.json"), checks);
    }

    private static Map<String, Long> rxCounts(final IlaCase c)
    {
        final Map<String, Long> rx = new TreeMap<>();
        c.inputs.forEach((port, frames) -> rx.put(port, (long)frames.size()));
        return rx;
    }

    private static void writeSide(final Side side, final Path expected, final Map<String, Long> rx, final ObjectNode frames) throws IOException
    {
        for (final Map.Entry<String, List<Output>> out : side.outputs.entrySet())
        {
            final List<Output> sorted = out.getValue().stream().sorted(Comparator.comparingLong(Output::timestampNanos)).toList();
            try (PcapWriter w = PcapWriter.create(expected.resolve(out.getKey() + ".pcap")))
            {
                for (final Output o : sorted)
                {
                    w.write(o.timestampNanos(), o.bytes());
                }
            }
            final ArrayNode array = frames.putArray(out.getKey());
            for (final Output o : sorted)
            {
                final ObjectNode f = array.addObject();
                o.checks().forEach(f::put);
            }
        }
        final ObjectNode counters = JsonNodeFactory.instance.objectNode();
        final ObjectNode drops = counters.putObject("drops");
        final Map<String, Long> totals = new TreeMap<>();
        side.portDrops.values().forEach(m -> m.forEach((reason, n) -> totals.merge(reason, n, Long::sum)));
        totals.forEach(drops::put);
        final ObjectNode ports = counters.putObject("ports");
        for (final String port : side.ports())
        {
            final ObjectNode p = ports.putObject(port);
            p.put("rx_packets", rx.getOrDefault(port, 0L));
            p.put("tx_packets", side.outputs.getOrDefault(port, List.of()).size());
            final ObjectNode d = p.putObject("drops");
            side.portDrops.getOrDefault(port, Map.of()).forEach(d::put);
        }
        final ObjectNode stages = counters.putObject("stages");
        for (final String stage : List.of("ila-egress", "ila-ingress"))
        {
            stages.putObject(stage).put("packets", side.stagePackets.getOrDefault(stage, 0L));
        }
        counters.put("frames_in_use_after_run", 0);
        JSON.writeValue(expected.resolve("counters.json").toFile(), counters);
    }

    /** checks.json with one line per frame, so that a diff shows which frame changed. */
    private static void writeChecks(final Path file, final ObjectNode checks) throws IOException
    {
        final ObjectMapper compact = new ObjectMapper();
        final StringBuilder s = new StringBuilder("{\n");
        s.append("  \"description\": ").append(compact.writeValueAsString(checks.get("description"))).append(",\n");
        if (checks.has("knownBug"))
        {
            s.append("  \"knownBug\": ").append(compact.writeValueAsString(checks.get("knownBug"))).append(",\n");
        }
        s.append("  \"frames\": ");
        frames(s, checks.get("frames"), "  ", compact);
        if (checks.has("reverse"))
        {
            s.append(",\n  \"reverse\": {\n    \"frames\": ");
            frames(s, checks.get("reverse").get("frames"), "    ", compact);
            s.append("\n  }");
        }
        s.append("\n}\n");
        Files.writeString(file, s.toString(), StandardCharsets.UTF_8);
    }

    private static void frames(final StringBuilder s, final JsonNode frames, final String indent, final ObjectMapper compact) throws IOException
    {
        if (frames.isEmpty())
        {
            s.append("{}");
            return;
        }
        s.append("{");
        final var ports = frames.properties().iterator();
        while (ports.hasNext())
        {
            final var port = ports.next();
            s.append("\n").append(indent).append("  ").append(compact.writeValueAsString(port.getKey())).append(": [");
            for (int i = 0; i < port.getValue().size(); i++)
            {
                s.append(i == 0 ? "\n" : ",\n").append(indent).append("    ").append(compact.writeValueAsString(port.getValue().get(i)));
            }
            s.append("\n").append(indent).append("  ]").append(ports.hasNext() ? "," : "");
        }
        s.append("\n").append(indent).append("}");
    }

    // ---- verifying -----------------------------------------------------------------------------

    /**
     * Replays {@code caseDir} (and its reverse half) under {@code work} and returns every
     * difference from the golden files; empty when the case passes. Without {@code oracle} the
     * tshark checks are left out.
     */
    static List<String> verify(final Path caseDir, final Path work, final boolean oracle) throws IOException
    {
        final List<String> problems = new ArrayList<>();
        final JsonNode checks = JSON.readTree(caseDir.resolve("checks.json").toFile());
        final Path outA = work.resolve("a");
        final Path errorFile = caseDir.resolve("expected/error.txt");
        final Replay.Result resultA;
        try
        {
            resultA = replay(caseDir.resolve("config.json"), inputs(caseDir.resolve("in")), outA);
        }
        catch (final ConfigException e)
        {
            if (!Files.exists(errorFile))
            {
                problems.add("Replay refused the case: " + e.getMessage());
            }
            else if (!e.getMessage().contains(Files.readString(errorFile).strip()))
            {
                problems.add("Replay refused the case with \"" + e.getMessage() + "\", expected \"" + Files.readString(errorFile).strip() + "\"");
            }
            return problems;
        }
        if (Files.exists(errorFile))
        {
            problems.add("Replay accepted the config, expected it to refuse: " + Files.readString(errorFile).strip());
            return problems;
        }
        final Map<String, Path> sortedA = compareSide("", caseDir.resolve("expected"), outA, resultA, work.resolve("a-sorted"), oracle,
            checks.path("frames"), problems);

        if (Files.exists(caseDir.resolve("reverse/config.json")))
        {
            final Map<String, Path> in = new LinkedHashMap<>();
            if (sortedA.containsKey("uplink"))
            {
                in.put("uplink", sortedA.get("uplink"));
            }
            final Path outB = work.resolve("b");
            try
            {
                final Replay.Result resultB = replay(caseDir.resolve("reverse/config.json"), in, outB);
                compareSide("reverse: ", caseDir.resolve("reverse/expected"), outB, resultB, work.resolve("b-sorted"), oracle,
                    checks.path("reverse").path("frames"), problems);
            }
            catch (final ConfigException e)
            {
                problems.add("reverse: Replay refused host B's config: " + e.getMessage());
            }
        }
        return problems;
    }

    static Replay.Result replay(final Path config, final Map<String, Path> inputs, final Path out) throws ConfigException, IOException
    {
        return Replay.run(new Replay.Options(config, inputs, out, Replay.Options.DEFAULT_BATCH, Replay.Options.DEFAULT_FRAME_SIZE,
            Replay.Options.DEFAULT_FRAMES));
    }

    static Map<String, Path> inputs(final Path inDir) throws IOException
    {
        final Map<String, Path> inputs = new LinkedHashMap<>();
        if (Files.isDirectory(inDir))
        {
            try (Stream<Path> files = Files.list(inDir))
            {
                for (final Path f : files.filter(p -> p.toString().endsWith(".pcap")).sorted().toList())
                {
                    final String name = f.getFileName().toString();
                    inputs.put(name.substring(0, name.length() - 5), f);
                }
            }
        }
        return inputs;
    }

    /** Compares one host's outputs and counters with {@code expected}; returns the actual outputs sorted by time. */
    private static Map<String, Path> compareSide(final String side, final Path expected, final Path out, final Replay.Result result,
        final Path sortedDir, final boolean oracle, final JsonNode frameChecks, final List<String> problems) throws IOException
    {
        Files.createDirectories(sortedDir);
        final Set<String> want = pcaps(expected);
        final Set<String> got = pcaps(out);
        if (!want.equals(got))
        {
            problems.add(side + "output files " + got + ", expected " + want);
        }
        final Map<String, Path> sorted = new LinkedHashMap<>();
        for (final String name : got)
        {
            final String port = name.substring(0, name.length() - 5);
            final List<PcapRecord> actual = new ArrayList<>(PcapReader.read(out.resolve(name)).records());
            actual.sort(Comparator.comparingLong(PcapRecord::timestampNanos));
            final Path file = sortedDir.resolve(name);
            try (PcapWriter w = PcapWriter.create(file))
            {
                for (final PcapRecord r : actual)
                {
                    w.write(r.timestampNanos(), r.data());
                }
            }
            sorted.put(port, file);
            if (!want.contains(name))
            {
                continue;
            }
            final List<PcapRecord> golden = PcapReader.read(expected.resolve(name)).records();
            if (golden.size() != actual.size())
            {
                problems.add(side + port + ": " + actual.size() + " frames transmitted, expected " + golden.size());
            }
            for (int i = 0; i < Math.min(golden.size(), actual.size()); i++)
            {
                final PcapRecord g = golden.get(i);
                final PcapRecord a = actual.get(i);
                if (g.timestampNanos() != a.timestampNanos() || !Arrays.equals(g.data(), a.data()))
                {
                    problems.add(side + port + " frame " + (i + 1) + " differs (first byte " + Arrays.mismatch(g.data(), a.data()) + ")\n      expected "
                        + HexFormat.of().formatHex(g.data()) + "\n      actual   " + HexFormat.of().formatHex(a.data()));
                }
            }
        }
        compareCounters(JSON.readTree(expected.resolve("counters.json").toFile()), result.counters(), side + "counters", problems);
        if (oracle)
        {
            for (final Map.Entry<String, Path> port : sorted.entrySet())
            {
                final JsonNode frames = frameChecks.path(port.getKey());
                final List<Map<String, String>> expectedFrames = new ArrayList<>();
                frames.forEach(f ->
                {
                    final Map<String, String> m = new LinkedHashMap<>();
                    f.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
                    expectedFrames.add(m);
                });
                problems.addAll(oracle(side + port.getKey(), port.getValue(), expectedFrames));
            }
        }
        return sorted;
    }

    /** tshark over one (time-ordered) output capture against the per-frame expectations. */
    static List<String> oracle(final String where, final Path pcap, final List<Map<String, String>> expectedFrames) throws IOException
    {
        final Set<String> fields = new LinkedHashSet<>(RULE_FIELDS);
        expectedFrames.forEach(f -> fields.addAll(f.keySet()));
        final List<Map<String, String>> rows = IlaTshark.fields(pcap, List.copyOf(fields));
        final List<String> problems = new ArrayList<>();
        if (rows.size() != expectedFrames.size())
        {
            problems.add(where + ": tshark sees " + rows.size() + " frames, checks.json describes " + expectedFrames.size());
        }
        for (int i = 0; i < Math.min(rows.size(), expectedFrames.size()); i++)
        {
            final Map<String, String> row = rows.get(i);
            final Map<String, String> want = expectedFrames.get(i);
            final String at = where + " frame " + (i + 1);
            for (final Map.Entry<String, String> e : want.entrySet())
            {
                if (!e.getValue().equals(row.get(e.getKey())))
                {
                    problems.add(at + ": " + e.getKey() + " is \"" + row.get(e.getKey()) + "\", expected \"" + e.getValue() + "\"");
                }
            }
            if (!row.get("_ws.malformed").isEmpty())
            {
                problems.add(at + ": tshark reports a malformed packet");
            }
            final boolean badExpected = want.values().stream().anyMatch(v -> v.equals(IlaCase.BAD) || v.startsWith(IlaCase.BAD + ",") || v.endsWith("," + IlaCase.BAD));
            final boolean zeroExpected = "0x0000".equals(want.get("udp.checksum"));
            final String[] severities = row.get("_ws.expert.severity").isEmpty() ? new String[0] : row.get("_ws.expert.severity").split(",");
            final String[] messages = row.get("_ws.expert.message").isEmpty() ? new String[0] : row.get("_ws.expert.message").split(",");
            for (int k = 0; k < severities.length; k++)
            {
                if (Long.decode(severities[k]) < IlaTshark.SEVERITY_ERROR)
                {
                    continue;
                }
                final String message = k < messages.length ? messages[k] : row.get("_ws.expert.message");
                final boolean allowed = badExpected && message.startsWith("Bad checksum") || zeroExpected && message.startsWith("Illegal checksum value (0)");
                if (!allowed)
                {
                    problems.add(at + ": tshark expert error: " + message);
                }
            }
        }
        return problems;
    }

    /** Keys present in {@code expected} must match; objects named "drops" must be equal. */
    static void compareCounters(final JsonNode expected, final JsonNode actual, final String path, final List<String> problems)
    {
        if (actual == null || actual.isMissingNode())
        {
            problems.add(path + ": missing in the actual counters");
            return;
        }
        if (expected.isObject())
        {
            if (path.endsWith("drops"))
            {
                final Map<String, Long> want = new TreeMap<>();
                final Map<String, Long> got = new TreeMap<>();
                expected.properties().forEach(e -> want.put(e.getKey(), e.getValue().asLong()));
                actual.properties().forEach(e -> got.put(e.getKey(), e.getValue().asLong()));
                if (!want.equals(got))
                {
                    problems.add(path + ": " + got + ", expected exactly " + want);
                }
                return;
            }
            expected.properties().forEach(e -> compareCounters(e.getValue(), actual.get(e.getKey()), path + "." + e.getKey(), problems));
            return;
        }
        if (expected.asLong() != actual.asLong())
        {
            problems.add(path + ": " + actual + ", expected " + expected);
        }
    }

    static TreeSet<String> pcaps(final Path dir) throws IOException
    {
        final TreeSet<String> names = new TreeSet<>();
        if (Files.isDirectory(dir))
        {
            try (Stream<Path> files = Files.list(dir))
            {
                files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".pcap")).forEach(names::add);
            }
        }
        return names;
    }

    static void deleteRecursively(final Path dir) throws IOException
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            for (final Path p : paths.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(p);
            }
        }
    }
}
