package dev.nve.pcaptests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nve.control.config.ConfigException;
import dev.nve.control.replay.Replay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Runs one case directory of the replay suite and compares the result with its golden files:
 * <pre>
 *   NN-name/config.json            host config (docs/CONFIG.md)
 *   NN-name/in/PORT.pcap           frames entering on PORT
 *   NN-name/expected/PORT.pcap     exactly what PORT transmits; no file: PORT transmits nothing
 *   NN-name/expected/counters.json counters that must match (a subset; "drops" objects exactly)
 *   NN-name/expected/error.txt     instead of outputs: Replay must refuse the case with a
 *                                  ConfigException whose message contains this text
 *   NN-name/checks.json            tshark oracle expectations per output frame ({@link Oracle})
 * </pre>
 */
final class CaseRunner
{
    static final ObjectMapper JSON = new ObjectMapper();

    private CaseRunner()
    {
    }

    /** The suite's case directories, sorted by name. */
    static List<Path> caseDirs(final Path root) throws IOException
    {
        try (Stream<Path> dirs = Files.list(root))
        {
            return dirs.filter(Files::isDirectory).filter(d -> Files.exists(d.resolve("config.json"))).sorted().toList();
        }
    }

    /** {@code in/PORT.pcap} files by port, sorted by port name. */
    static Map<String, Path> inputs(final Path caseDir) throws IOException
    {
        final Map<String, Path> inputs = new LinkedHashMap<>();
        final Path in = caseDir.resolve("in");
        if (Files.isDirectory(in))
        {
            try (Stream<Path> files = Files.list(in))
            {
                for (final Path file : files.filter(f -> f.getFileName().toString().endsWith(".pcap")).sorted().toList())
                {
                    final String name = file.getFileName().toString();
                    inputs.put(name.substring(0, name.length() - ".pcap".length()), file);
                }
            }
        }
        return inputs;
    }

    static Replay.Result replay(final Path caseDir, final Path outDir) throws ConfigException, IOException
    {
        return Replay.run(new Replay.Options(caseDir.resolve("config.json"), inputs(caseDir), outDir,
            Replay.Options.DEFAULT_BATCH, Replay.Options.DEFAULT_FRAME_SIZE, Replay.Options.DEFAULT_FRAMES));
    }

    /**
     * Replays {@code caseDir} into {@code outDir} and returns every difference from the golden
     * files (empty: the case passes). With {@code oracle} false the tshark checks are left out.
     */
    static List<String> verify(final Path caseDir, final Path outDir, final boolean oracle) throws IOException
    {
        final List<String> problems = new ArrayList<>();
        final Path expected = caseDir.resolve("expected");
        final Path errorFile = expected.resolve("error.txt");
        final Replay.Result result;
        try
        {
            result = replay(caseDir, outDir);
        }
        catch (final ConfigException e)
        {
            if (Files.exists(errorFile))
            {
                final String text = Files.readString(errorFile, StandardCharsets.UTF_8).strip();
                if (!e.getMessage().contains(text))
                {
                    problems.add("Replay refused the case with \"" + e.getMessage() + "\", expected a message containing \"" + text + "\"");
                }
                if (pcaps(outDir).size() > 0)
                {
                    problems.add("a refused replay left output files: " + pcaps(outDir));
                }
            }
            else
            {
                problems.add("Replay refused the case: " + e.getMessage());
            }
            return problems;
        }
        if (Files.exists(errorFile))
        {
            problems.add("Replay ran, but expected/error.txt says it must refuse the case: " + Files.readString(errorFile).strip());
            return problems;
        }

        final TreeSet<String> expectedFiles = pcaps(expected);
        final TreeSet<String> actualFiles = pcaps(outDir);
        if (!expectedFiles.equals(actualFiles))
        {
            problems.add("output files " + actualFiles + ", expected " + expectedFiles);
        }
        for (final String name : expectedFiles)
        {
            if (actualFiles.contains(name))
            {
                final byte[] want = Files.readAllBytes(expected.resolve(name));
                final byte[] got = Files.readAllBytes(outDir.resolve(name));
                if (!Arrays.equals(want, got))
                {
                    problems.add(name + " differs from expected/" + name + " (" + got.length + " vs " + want.length + " bytes, first difference at byte "
                        + Arrays.mismatch(want, got) + "; compare with tshark -V)");
                }
            }
        }

        final JsonNode expectedCounters = JSON.readTree(expected.resolve("counters.json").toFile());
        compareCounters(expectedCounters, result.counters(), "counters", problems);

        if (oracle)
        {
            final JsonNode checks = JSON.readTree(caseDir.resolve("checks.json").toFile());
            final JsonNode frames = checks.path("frames");
            final JsonNode config = JSON.readTree(caseDir.resolve("config.json").toFile());
            final String underlay = config.path("underlay").path("port").asText();
            final int vxlanPort = config.path("underlay").path("vxlanPort").asInt(4789);
            for (final String name : actualFiles)
            {
                final String port = name.substring(0, name.length() - ".pcap".length());
                if (!frames.has(port))
                {
                    problems.add("checks.json has no oracle checks for output port " + port);
                    continue;
                }
                final List<Map<String, String>> expectedFrames = new ArrayList<>();
                for (final JsonNode frame : frames.get(port))
                {
                    final Map<String, String> fields = new LinkedHashMap<>();
                    frame.properties().forEach(e -> fields.put(e.getKey(), e.getValue().asText()));
                    expectedFrames.add(fields);
                }
                problems.addAll(Oracle.check(outDir.resolve(name), expectedFrames, port.equals(underlay) ? vxlanPort : -1));
            }
            for (final Iterator<String> it = frames.fieldNames(); it.hasNext(); )
            {
                final String port = it.next();
                if (!actualFiles.contains(port + ".pcap") && frames.get(port).size() > 0)
                {
                    problems.add("checks.json describes frames on " + port + ", which transmitted nothing");
                }
            }
        }
        return problems;
    }

    /**
     * Compares the keys present in {@code expected} with {@code actual}; an object named "drops"
     * must be exactly equal (no extra reasons in the actual one).
     */
    static void compareCounters(final JsonNode expected, final JsonNode actual, final String path, final List<String> problems)
    {
        if (actual == null || actual.isMissingNode())
        {
            problems.add(path + ": missing in the actual counters");
            return;
        }
        if (expected.isObject())
        {
            if (!actual.isObject())
            {
                problems.add(path + ": expected an object, actual " + actual);
                return;
            }
            if (path.endsWith(".drops") || path.equals("drops"))
            {
                final Map<String, Long> want = new LinkedHashMap<>();
                final Map<String, Long> got = new LinkedHashMap<>();
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
        if (expected.isNumber() ? !actual.isNumber() || expected.asLong() != actual.asLong() : !expected.equals(actual))
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
}
