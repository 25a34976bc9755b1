package dev.nve.pcaptests;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The pcap replay suite: every directory under {@code src/test/resources/cases} is replayed
 * through {@code Replay} and must reproduce its golden outputs byte for byte, its counters and
 * its tshark oracle checks ({@link CaseRunner}, {@link Oracle}). Regenerate with
 * {@link RegenerateCases}.
 */
final class ReplaySuiteTest
{
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> cases() throws IOException
    {
        final List<Path> dirs = CaseRunner.caseDirs(SuitePaths.casesRoot());
        assertTrue(dirs.size() >= 25, "the suite has " + dirs.size() + " cases, expected at least 25");
        final boolean oracle = Tshark.locate() != null;
        // Cases are independent (each replay has its own tables and frame memory) and the time goes
        // into tshark processes, so they run on a small pool; each dynamic test reports its own.
        final ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
        final Map<Path, Future<List<String>>> results = new LinkedHashMap<>();
        for (final Path dir : dirs)
        {
            results.put(dir, pool.submit(() ->
                CaseRunner.verify(dir, Files.createDirectories(tmp.resolve(dir.getFileName().toString())), oracle)));
        }
        pool.shutdown();
        return dirs.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), dir.toUri(), () ->
        {
            final List<String> problems = new ArrayList<>(results.get(dir).get());
            if (!problems.isEmpty())
            {
                final JsonNode checks = CaseRunner.JSON.readTree(dir.resolve("checks.json").toFile());
                final String bug = checks.has("knownBug") ? "\nKNOWN BUG (the golden output is the correct behaviour): " + checks.get("knownBug").asText() : "";
                fail(dir.getFileName() + ": " + checks.path("description").asText() + bug + "\n  " + String.join("\n  ", problems));
            }
        }));
    }

    /** The oracle half of the suite needs tshark: skipped without it, a failure under CI=true. */
    @Test
    void tsharkOracleAvailable()
    {
        Tshark.require();
    }

    /** ./nve demo replays docs/examples/basic: it must be the suite's case 42, byte for byte. */
    @Test
    void docsExampleIsTheSuiteCase() throws IOException
    {
        final Path example = SuitePaths.docsExampleDir();
        final Path source = SuitePaths.casesRoot().resolve(SuitePaths.DOCS_EXAMPLE_CASE);
        for (final String[] pair : new String[][] {{"config.json", "config.json"}, {"uplink.pcap", "in/uplink.pcap"}, {"c1.pcap", "in/c1.pcap"}})
        {
            assertTrue(Files.exists(example.resolve(pair[0])), example.resolve(pair[0]) + " is missing (regenerate the suite)");
            assertArrayEquals(Files.readAllBytes(source.resolve(pair[1])), Files.readAllBytes(example.resolve(pair[0])),
                "docs/examples/basic/" + pair[0] + " differs from case " + SuitePaths.DOCS_EXAMPLE_CASE + "/" + pair[1] + " (regenerate the suite)");
        }
        assertTrue(Arrays.asList(example.toFile().list()).containsAll(List.of("config.json", "uplink.pcap", "c1.pcap")));
    }
}
