package dev.nve.pcaptests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.config.ConfigException;
import dev.nve.control.replay.Replay;
import dev.nve.dataplane.pcap.PcapReader;
import dev.nve.dataplane.pcap.PcapRecord;
import dev.nve.dataplane.pcap.PcapWriter;
import dev.nve.pcaptests.Case.Encap;
import dev.nve.pcaptests.Case.Exact;
import dev.nve.pcaptests.Case.Expect;
import dev.nve.pcaptests.Case.Input;
import dev.nve.pcaptests.Frames.Frame;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes the replay suite: for every case of {@link Cases} the config, the input captures, the
 * golden outputs, the counters that must match and the tshark checks. The golden outputs come
 * from one run of {@link Replay}, but are accepted only when every frame equals the case's
 * independent model ({@link Case.Expect}), the counters equal the declared drops and the tshark
 * oracle passes; otherwise generation stops. A case with a {@code knownBug} gets the model as
 * its golden output (the correct behaviour) and is reported.
 */
final class CaseGenerator
{
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final PrintStream log;
    private final Path dumpDir;
    final List<String> knownBugs = new ArrayList<>();

    CaseGenerator(final PrintStream log, final Path dumpDir)
    {
        this.log = log;
        this.dumpDir = dumpDir;
    }

    /** Writes every case under {@code casesRoot} (removing old case directories first). */
    void writeAll(final List<Case> cases, final Path casesRoot) throws IOException, ConfigException
    {
        Files.createDirectories(casesRoot);
        for (final Path old : CaseRunner.caseDirs(casesRoot))
        {
            deleteRecursively(old);
        }
        for (final Case c : cases)
        {
            write(c, casesRoot.resolve(c.name));
        }
    }

    void write(final Case c, final Path dir) throws IOException, ConfigException
    {
        deleteRecursively(dir);
        Files.createDirectories(dir.resolve("in"));
        Files.createDirectories(dir.resolve("expected"));
        JSON.writeValue(dir.resolve("config.json").toFile(), c.config.json());
        for (final Map.Entry<String, List<Input>> in : c.inputs.entrySet())
        {
            try (PcapWriter writer = PcapWriter.create(dir.resolve("in").resolve(in.getKey() + ".pcap")))
            {
                for (final Input input : in.getValue())
                {
                    writer.write(input.timestampNanos(), input.bytes());
                }
            }
        }
        final ObjectNode checks = JsonNodeFactory.instance.objectNode();
        checks.put("description", c.description);
        if (c.knownBug != null)
        {
            checks.put("knownBug", c.knownBug);
        }
        final ObjectNode frames = checks.putObject("frames");

        final Path out = Files.createTempDirectory("nve-case-");
        try
        {
            if (c.error != null)
            {
                try
                {
                    CaseRunner.replay(dir, out);
                    throw new AssertionError(c.name + ": Replay accepted a case that must be refused (" + c.error + ")");
                }
                catch (final ConfigException e)
                {
                    if (!e.getMessage().contains(c.error))
                    {
                        throw new AssertionError(c.name + ": Replay refused with \"" + e.getMessage() + "\", expected \"" + c.error + "\"");
                    }
                    log.println(c.name + ": refused as expected: " + e.getMessage());
                }
                Files.writeString(dir.resolve("expected").resolve("error.txt"), c.error + "\n", StandardCharsets.UTF_8);
                writeChecks(dir.resolve("checks.json"), checks);
                return;
            }

            final Replay.Result result = CaseRunner.replay(dir, out);
            final List<String> mismatches = new ArrayList<>();
            final Map<String, List<byte[]>> golden = new LinkedHashMap<>();
            final Map<String, List<Long>> goldenTimes = new LinkedHashMap<>();
            final Map<String, List<Expect>> ordered = new LinkedHashMap<>();
            for (final String port : c.config.ports())
            {
                final List<Expect> models = c.outputs.getOrDefault(port, List.of());
                final Path actualFile = out.resolve(port + ".pcap");
                final List<PcapRecord> actual = Files.exists(actualFile) ? PcapReader.read(actualFile).records() : List.of();
                if (models.isEmpty() && actual.isEmpty())
                {
                    continue;
                }
                match(c, port, models, actual, mismatches, golden, goldenTimes, ordered);
            }
            for (final String port : c.outputs.keySet())
            {
                if (!c.config.ports().contains(port))
                {
                    throw new AssertionError(c.name + ": output expected on " + port + ", which is not a port of the config");
                }
            }

            final ObjectNode counters = expectedCounters(c);
            final List<String> counterProblems = new ArrayList<>();
            CaseRunner.compareCounters(counters, result.counters(), "counters", counterProblems);
            mismatches.addAll(counterProblems);

            if (!mismatches.isEmpty() && c.knownBug == null)
            {
                throw new AssertionError(c.name + ": the dataplane's output differs from the case model; golden files NOT written:\n  "
                    + String.join("\n  ", mismatches) + "\nactual counters: " + result.counters().toPrettyString());
            }
            if (c.knownBug != null)
            {
                if (mismatches.isEmpty())
                {
                    log.println(c.name + ": NOTE known bug seems fixed (output equals the model): " + c.knownBug);
                }
                else
                {
                    knownBugs.add(c.name + ": " + c.knownBug + "\n    " + String.join("\n    ", mismatches));
                }
            }

            for (final Map.Entry<String, List<byte[]>> g : golden.entrySet())
            {
                final Path file = dir.resolve("expected").resolve(g.getKey() + ".pcap");
                final Path actualFile = out.resolve(g.getKey() + ".pcap");
                if (c.knownBug == null)
                {
                    Files.copy(actualFile, file); // identical to the model, checked above
                }
                else
                {
                    try (PcapWriter writer = PcapWriter.create(file))
                    {
                        final List<Long> times = goldenTimes.get(g.getKey());
                        for (int i = 0; i < g.getValue().size(); i++)
                        {
                            writer.write(times.get(i), g.getValue().get(i));
                        }
                    }
                }
            }
            JSON.writeValue(dir.resolve("expected").resolve("counters.json").toFile(), counters);

            // tshark checks from the models, in output order
            final Map<Frame, String> protocols = innerProtocols(c, ordered);
            for (final Map.Entry<String, List<Expect>> port : ordered.entrySet())
            {
                final var array = frames.putArray(port.getKey());
                for (final Expect e : port.getValue())
                {
                    final ObjectNode f = array.addObject();
                    e.checks(protocols.get(e.frame())).forEach(f::put);
                }
            }
            writeChecks(dir.resolve("checks.json"), checks);

            // the suite's own verdict on what was just written, oracle included
            final Path again = Files.createTempDirectory("nve-case-verify-");
            try
            {
                final List<String> problems = CaseRunner.verify(dir, again, true);
                if (c.knownBug == null && !problems.isEmpty())
                {
                    throw new AssertionError(c.name + ": written case fails verification:\n  " + String.join("\n  ", problems));
                }
                if (c.knownBug != null && problems.isEmpty() && !mismatches.isEmpty())
                {
                    throw new AssertionError(c.name + ": known-bug case passes verification, expected it to fail");
                }
            }
            finally
            {
                deleteRecursively(again);
            }
            if (dumpDir != null)
            {
                final Path dump = dumpDir.resolve(c.name);
                Files.createDirectories(dump);
                for (final String port : golden.keySet())
                {
                    Files.writeString(dump.resolve(port + ".txt"), Tshark.verbose(dir.resolve("expected").resolve(port + ".pcap")));
                }
            }
            log.println(c.name + ": " + golden.entrySet().stream().map(g -> g.getKey() + "=" + g.getValue().size()).toList()
                + " drops=" + counters.get("drops") + (c.knownBug != null ? " [KNOWN BUG]" : ""));
        }
        finally
        {
            deleteRecursively(out);
        }
    }

    /** checks.json with one line per frame, so that a diff shows which frame changed. */
    static void writeChecks(final Path file, final ObjectNode checks) throws IOException
    {
        final ObjectMapper compact = new ObjectMapper();
        final StringBuilder s = new StringBuilder("{\n");
        s.append("  \"description\": ").append(compact.writeValueAsString(checks.get("description"))).append(",\n");
        if (checks.has("knownBug"))
        {
            s.append("  \"knownBug\": ").append(compact.writeValueAsString(checks.get("knownBug"))).append(",\n");
        }
        s.append("  \"frames\": {");
        final var ports = checks.get("frames").properties().iterator();
        while (ports.hasNext())
        {
            final var port = ports.next();
            s.append("\n    ").append(compact.writeValueAsString(port.getKey())).append(": [");
            for (int i = 0; i < port.getValue().size(); i++)
            {
                s.append(i == 0 ? "\n      " : ",\n      ").append(compact.writeValueAsString(port.getValue().get(i)));
            }
            s.append("\n    ]").append(ports.hasNext() ? "," : "");
        }
        s.append(checks.get("frames").isEmpty() ? "}\n}\n" : "\n  }\n}\n");
        Files.writeString(file, s.toString(), StandardCharsets.UTF_8);
    }

    /**
     * Pairs models with actual frames. Replay has no order across input ports (it polls them
     * round robin, a batch at a time), so frames are matched as a multiset (timestamp and bytes);
     * order is checked where it is defined: frames from one input port with the same flow key
     * must leave each port in input order. The golden file keeps the actual order.
     */
    private static void match(final Case c, final String port, final List<Expect> models, final List<PcapRecord> actual,
        final List<String> mismatches, final Map<String, List<byte[]>> golden, final Map<String, List<Long>> goldenTimes,
        final Map<String, List<Expect>> ordered)
    {
        final List<byte[]> bytes = new ArrayList<>();
        final List<Long> times = new ArrayList<>();
        final List<Expect> order = new ArrayList<>();
        if (models.size() != actual.size())
        {
            mismatches.add(port + ": " + actual.size() + " frames transmitted, the model has " + models.size());
        }
        final boolean[] used = new boolean[models.size()];
        final Map<String, Long> lastTime = new HashMap<>();
        for (int i = 0; i < actual.size(); i++)
        {
            final PcapRecord a = actual.get(i);
            int found = -1;
            for (int k = 0; k < models.size() && found < 0; k++)
            {
                if (!used[k] && models.get(k).timestampNanos() == a.timestampNanos() && Arrays.equals(models.get(k).model(a.data()), a.data()))
                {
                    found = k;
                }
            }
            if (found < 0)
            {
                final StringBuilder why = new StringBuilder(port + " frame " + (i + 1) + ": matches no model frame\n      actual " + hex(a.data()));
                for (int k = 0; k < models.size(); k++)
                {
                    if (!used[k] && models.get(k).timestampNanos() == a.timestampNanos())
                    {
                        why.append("\n      model  ").append(hex(models.get(k).model(a.data()))).append(" (same input frame)");
                    }
                }
                mismatches.add(why.toString());
                continue;
            }
            used[found] = true;
            final Expect m = models.get(found);
            final String flow = c.inputPort(m.timestampNanos()) + "/" + m.flow();
            final Long previous = lastTime.put(flow, m.timestampNanos());
            if (previous != null && previous > m.timestampNanos())
            {
                mismatches.add(port + " frame " + (i + 1) + ": flow " + flow + " reordered (input time " + m.timestampNanos() + " after " + previous + ")");
            }
            bytes.add(a.data());
            times.add(a.timestampNanos());
            order.add(m);
        }
        for (int k = 0; k < models.size(); k++)
        {
            if (!used[k])
            {
                mismatches.add(port + ": model frame " + (k + 1) + " (from " + c.inputPort(models.get(k).timestampNanos()) + ", flow "
                    + models.get(k).flow() + ") was not transmitted:\n      model  " + hex(models.get(k).model(null)));
            }
        }
        if (c.knownBug != null && !mismatches.isEmpty())
        {
            // the golden output is the model (the correct behaviour), in model order
            bytes.clear();
            times.clear();
            order.clear();
            for (final Expect m : models)
            {
                bytes.add(m.model(null));
                times.add(m.timestampNanos());
                order.add(m);
            }
        }
        if (!order.isEmpty())
        {
            golden.put(port, bytes);
            goldenTimes.put(port, times);
            ordered.put(port, order);
        }
    }

    /** counters.json: drops in total and per port exactly, rx/tx per port, frame accounting. */
    static ObjectNode expectedCounters(final Case c)
    {
        final ObjectNode root = JsonNodeFactory.instance.objectNode();
        final ObjectNode drops = root.putObject("drops");
        final Map<String, Long> total = new java.util.TreeMap<>();
        c.drops.values().forEach(m -> m.forEach((k, v) -> total.merge(k, v, Long::sum)));
        total.forEach(drops::put);
        final ObjectNode ports = root.putObject("ports");
        for (final String port : c.config.ports())
        {
            final ObjectNode p = ports.putObject(port);
            p.put("rx_packets", c.inputs.getOrDefault(port, List.of()).size());
            p.put("tx_packets", c.outputs.getOrDefault(port, List.of()).size());
            final ObjectNode pd = p.putObject("drops");
            c.drops.getOrDefault(port, Map.of()).forEach(pd::put);
        }
        root.put("frames_in_use_after_run", 0);
        merge(root, c.extraCounters);
        return root;
    }

    private static void merge(final ObjectNode into, final JsonNode from)
    {
        from.properties().forEach(e ->
        {
            if (e.getValue().isObject() && into.get(e.getKey()) instanceof ObjectNode existing)
            {
                merge(existing, e.getValue());
            }
            else
            {
                into.set(e.getKey(), e.getValue());
            }
        });
    }

    /** tshark's frame.protocols for every inner frame of the case's models, dissected standalone. */
    private static Map<Frame, String> innerProtocols(final Case c, final Map<String, List<Expect>> ordered) throws IOException
    {
        final List<Frame> frames = new ArrayList<>();
        final Map<Frame, String> result = new IdentityHashMap<>();
        ordered.values().forEach(list -> list.forEach(e ->
        {
            if (!result.containsKey(e.frame()))
            {
                result.put(e.frame(), "");
                frames.add(e.frame());
            }
        }));
        if (frames.isEmpty())
        {
            return result;
        }
        final Path tmp = Files.createTempFile("nve-inner-", ".pcap");
        try
        {
            try (PcapWriter writer = PcapWriter.create(tmp))
            {
                for (final Frame f : frames)
                {
                    writer.write(Case.BASE_TIME_NANOS, f.bytes());
                }
            }
            final List<Map<String, String>> rows = Tshark.fields(tmp, List.of("frame.protocols"));
            for (int i = 0; i < frames.size(); i++)
            {
                result.put(frames.get(i), rows.get(i).get("frame.protocols"));
            }
            return result;
        }
        finally
        {
            Files.deleteIfExists(tmp);
        }
    }

    static String hex(final byte[] b)
    {
        final StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 96); i++)
        {
            s.append(String.format("%02x", b[i]));
        }
        return s.append(b.length > 96 ? "..." : "").toString();
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
