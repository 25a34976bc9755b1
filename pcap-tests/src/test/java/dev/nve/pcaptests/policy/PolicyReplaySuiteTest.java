package dev.nve.pcaptests.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nve.control.config.ConfigException;
import dev.nve.control.replay.Replay;
import dev.nve.dataplane.pcap.PcapReader;
import dev.nve.dataplane.pcap.PcapRecord;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The identity-filter replay suite: every directory under {@code src/test/resources/policy-cases}
 * holds config.json and in/PORT.pcap (written by {@link RegeneratePolicyCases} from
 * {@link PolicyCases}) and a hand-written expected.json:
 * <pre>
 *   description   what the case shows
 *   error         instead of outputs: strings the refusal message must contain
 *   out           per output port, its frames in order: decoded fields ({@link OutputFrame}) and/or
 *                 "same": "PORT#i" (the frame is input i of PORT unchanged), "same_inner":
 *                 "PORT#i" (the inner frame of that VXLAN input), "inner_same": "PORT#i" (the
 *                 VXLAN output carries that input unchanged); ports not named transmit nothing
 *   drops         drop totals per reason, exactly
 *   replicas      frames added by flooding (default 0), for the accounting in + replicas = out + drops
 *   flows         the flows.jsonl events in order, exactly that many; each a subset of dotted
 *                 paths ("source.labels" compared as a set), "repeat": n for n equal events
 *   counters      a subset of counters.json; "policy_rules" exactly
 * </pre>
 */
final class PolicyReplaySuiteTest
{
    /** Equal JSON, numbers compared by value (counters.json has longs, expected.json ints). */
    private static final java.util.Comparator<JsonNode> NUMBERS_BY_VALUE = (a, b) ->
        a.equals(b) || a.isNumber() && b.isNumber() && a.asLong() == b.asLong() ? 0 : 1;

    @TempDir
    Path tmp;

    static Path casesRoot()
    {
        Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir.resolve("src/test")) && Files.isDirectory(dir.resolve("pcap-tests/src/test")))
        {
            dir = dir.resolve("pcap-tests");
        }
        return dir.resolve("src/test/resources/policy-cases");
    }

    static List<Path> caseDirs() throws IOException
    {
        try (Stream<Path> dirs = Files.list(casesRoot()))
        {
            return dirs.filter(d -> Files.exists(d.resolve("config.json"))).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> cases() throws IOException
    {
        final List<Path> dirs = caseDirs();
        assertTrue(dirs.size() >= 22, "the policy suite has " + dirs.size() + " cases, expected at least 22");
        return dirs.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), dir.toUri(), () ->
        {
            final JsonNode expected = PolicyHost.JSON.readTree(dir.resolve("expected.json").toFile());
            final List<String> problems = verify(dir, expected, Files.createDirectories(tmp.resolve(dir.getFileName().toString())));
            if (!problems.isEmpty())
            {
                fail(dir.getFileName() + ": " + expected.path("description").asText() + "\n  " + String.join("\n  ", problems));
            }
        }));
    }

    /** The committed inputs are what {@link PolicyCases} generates, so model and files cannot drift apart. */
    @Test
    void inputsMatchTheCaseModel() throws IOException
    {
        final List<PolicyCase> cases = PolicyCases.all();
        assertEquals(cases.stream().map(c -> c.name).toList(), caseDirs().stream().map(d -> d.getFileName().toString()).toList(),
            "case directories (run RegeneratePolicyCases and write expected.json for new cases)");
        for (final PolicyCase c : cases)
        {
            final Path generated = tmp.resolve("generated").resolve(c.name);
            c.writeInputs(generated);
            final Path committed = casesRoot().resolve(c.name);
            try (Stream<Path> files = Files.walk(generated))
            {
                for (final Path f : files.filter(Files::isRegularFile).toList())
                {
                    final Path other = committed.resolve(generated.relativize(f).toString());
                    assertTrue(Files.exists(other) && Arrays.equals(Files.readAllBytes(f), Files.readAllBytes(other)),
                        other + " is missing or differs from PolicyCases (run RegeneratePolicyCases)");
                }
            }
            assertTrue(Files.exists(committed.resolve("expected.json")), committed + "/expected.json is missing (write it by hand)");
        }
    }

    static List<String> verify(final Path dir, final JsonNode expected, final Path out) throws IOException
    {
        final List<String> problems = new ArrayList<>();
        final Map<String, List<byte[]>> inputs = new LinkedHashMap<>();
        final Map<String, Path> inputFiles = new LinkedHashMap<>();
        if (Files.isDirectory(dir.resolve("in")))
        {
            try (Stream<Path> files = Files.list(dir.resolve("in")))
            {
                for (final Path f : files.sorted().toList())
                {
                    final String port = f.getFileName().toString().replace(".pcap", "");
                    inputFiles.put(port, f);
                    inputs.put(port, PcapReader.read(f).records().stream().map(PcapRecord::data).toList());
                }
            }
        }
        final Replay.Result result;
        try
        {
            result = Replay.run(new Replay.Options(dir.resolve("config.json"), inputFiles, out, Replay.Options.DEFAULT_BATCH,
                Replay.Options.DEFAULT_FRAME_SIZE, Replay.Options.DEFAULT_FRAMES));
        }
        catch (final ConfigException e)
        {
            if (!expected.has("error"))
            {
                problems.add("replay refused the case: " + e.getMessage());
            }
            for (final JsonNode part : expected.path("error"))
            {
                if (!e.getMessage().contains(part.asText()))
                {
                    problems.add("refusal \"" + e.getMessage() + "\" does not contain \"" + part.asText() + "\"");
                }
            }
            if (Files.exists(out.resolve("counters.json")))
            {
                problems.add("a refused replay wrote counters.json");
            }
            return problems;
        }
        if (expected.has("error"))
        {
            problems.add("replay ran, but the case must be refused with " + expected.get("error"));
            return problems;
        }
        final JsonNode counters = result.counters();

        final JsonNode wantOut = expected.path("out");
        final TreeSet<String> ports = new TreeSet<>(result.outputs().keySet());
        wantOut.fieldNames().forEachRemaining(ports::add);
        for (final String port : ports)
        {
            final List<byte[]> got = result.outputs().containsKey(port) ?
                PcapReader.read(result.outputs().get(port)).records().stream().map(PcapRecord::data).toList() : List.of();
            final JsonNode want = wantOut.path(port);
            if (got.size() != want.size())
            {
                problems.add(port + ": transmitted " + got.size() + " frames, expected " + want.size() + describe(got));
                continue;
            }
            for (int i = 0; i < got.size(); i++)
            {
                checkFrame(port + "[" + i + "]", OutputFrame.decode(got.get(i)), want.get(i), inputs, problems);
            }
        }

        final Map<String, Long> drops = new LinkedHashMap<>();
        counters.path("drops").properties().forEach(e -> drops.put(e.getKey(), e.getValue().asLong()));
        final Map<String, Long> wantDrops = new LinkedHashMap<>();
        expected.path("drops").properties().forEach(e -> wantDrops.put(e.getKey(), e.getValue().asLong()));
        if (!drops.equals(wantDrops))
        {
            problems.add("drops " + drops + ", expected exactly " + wantDrops);
        }

        long in = 0;
        long transmitted = 0;
        for (final JsonNode port : counters.path("ports"))
        {
            in += port.path("rx_packets").asLong();
            transmitted += port.path("tx_packets").asLong();
        }
        final long dropped = drops.values().stream().mapToLong(Long::longValue).sum();
        final long inputCount = inputs.values().stream().mapToLong(List::size).sum();
        if (in != inputCount || in + expected.path("replicas").asLong(0) != transmitted + dropped)
        {
            problems.add("accounting: " + inputCount + " input frames, " + in + " received, " + transmitted + " transmitted, " + dropped
                + " dropped, replicas " + expected.path("replicas").asLong(0) + " (received + replicas must equal transmitted + dropped)");
        }
        if (counters.path("frames_in_use_after_run").asLong(-1) != 0)
        {
            problems.add("frames in use after the run: " + counters.path("frames_in_use_after_run"));
        }

        checkFlows(Files.readAllLines(out.resolve(Replay.FLOWS_FILE)), expected.path("flows"), counters, problems);

        expected.path("counters").properties().forEach(e ->
        {
            final JsonNode actual = counters.path(e.getKey());
            if (e.getKey().equals("policy_rules") ? !e.getValue().equals(NUMBERS_BY_VALUE, actual) : !e.getValue().asText().equals(actual.asText()))
            {
                problems.add("counters." + e.getKey() + ": " + actual + ", expected " + e.getValue());
            }
        });
        return problems;
    }

    private static void checkFrame(final String where, final OutputFrame frame, final JsonNode want, final Map<String, List<byte[]>> inputs,
        final List<String> problems)
    {
        want.properties().forEach(e ->
        {
            final String key = e.getKey();
            final String value = e.getValue().asText();
            switch (key)
            {
                case "same" -> compareBytes(where, frame.bytes, input(inputs, value, false), value, problems);
                case "same_inner" -> compareBytes(where, frame.bytes, input(inputs, value, true), "inner frame of " + value, problems);
                case "inner_same" -> compareBytes(where + " inner", frame.inner, input(inputs, value, false), value, problems);
                default ->
                {
                    if (!value.equals(frame.fields.get(key)))
                    {
                        problems.add(where + " " + key + ": " + frame.fields.get(key) + ", expected " + value + " (frame " + frame.fields + ")");
                    }
                }
            }
        });
    }

    private static byte[] input(final Map<String, List<byte[]>> inputs, final String reference, final boolean inner)
    {
        final String[] parts = reference.split("#");
        final byte[] frame = inputs.getOrDefault(parts[0], List.of()).get(Integer.parseInt(parts[1]));
        return inner ? OutputFrame.decode(frame).inner : frame;
    }

    private static void compareBytes(final String where, final byte[] got, final byte[] want, final String what, final List<String> problems)
    {
        if (got == null || !Arrays.equals(got, want))
        {
            problems.add(where + ": not byte for byte " + what + (got == null ? " (no inner frame)" : " (first difference at byte " + Arrays.mismatch(got, want) + ")"));
        }
    }

    private static void checkFlows(final List<String> lines, final JsonNode want, final JsonNode counters, final List<String> problems)
        throws IOException
    {
        final List<JsonNode> expectedEvents = new ArrayList<>();
        for (final JsonNode event : want)
        {
            for (int n = 0; n < event.path("repeat").asInt(1); n++)
            {
                expectedEvents.add(event);
            }
        }
        if (lines.size() != expectedEvents.size())
        {
            problems.add("flows.jsonl has " + lines.size() + " events, expected " + expectedEvents.size() + ":\n    " + String.join("\n    ", lines));
            return;
        }
        if (counters.path("flow_events").asLong() != lines.size() || counters.path("flow_events_lost").asLong() != 0)
        {
            problems.add("counters flow_events " + counters.path("flow_events") + " / flow_events_lost " + counters.path("flow_events_lost")
                + ", expected " + lines.size() + " / 0");
        }
        for (int i = 0; i < lines.size(); i++)
        {
            final JsonNode got = PolicyHost.JSON.readTree(lines.get(i));
            final int index = i;
            expectedEvents.get(i).properties().forEach(e ->
            {
                if (e.getKey().equals("repeat"))
                {
                    return;
                }
                JsonNode actual = got;
                for (final String part : e.getKey().split("\\."))
                {
                    actual = actual.path(part);
                }
                final boolean same = e.getValue().isArray() ? texts(e.getValue()).equals(texts(actual)) :
                    e.getValue().isNull() ? actual.isMissingNode() : e.getValue().asText().equals(actual.asText()) && !actual.isMissingNode();
                if (!same)
                {
                    problems.add("flow " + index + " " + e.getKey() + ": " + (actual.isMissingNode() ? "absent" : actual) + ", expected " + e.getValue()
                        + "\n    " + lines.get(index));
                }
            });
        }
    }

    private static TreeSet<String> texts(final JsonNode array)
    {
        final TreeSet<String> set = new TreeSet<>();
        array.forEach(v -> set.add(v.asText()));
        return set;
    }

    private static String describe(final List<byte[]> frames)
    {
        final StringBuilder text = new StringBuilder();
        for (final byte[] f : frames)
        {
            text.append("\n    ").append(OutputFrame.decode(f).fields);
        }
        return text.toString();
    }
}
