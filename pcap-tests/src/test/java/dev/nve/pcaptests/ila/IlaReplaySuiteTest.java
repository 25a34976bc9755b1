package dev.nve.pcaptests.ila;

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
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The ILA pcap replay suite: every directory under {@code src/test/resources/ila-cases} is
 * replayed through {@code Replay} as host A; outputs must equal the golden files byte for byte
 * (ordered by timestamp), the counters must match, tshark must find the destination addresses,
 * hop limits and transport checksum statuses of every output frame as the case says (Good on
 * the wire for adjust-transport and neutral modes, Bad for no-action); where the case has a
 * reverse half, A's uplink output is replayed into host B, which must deliver the original
 * packets with checksums Good. Regenerate with {@link RegenerateIlaCases}.
 */
final class IlaReplaySuiteTest
{
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> cases() throws IOException
    {
        final List<Path> dirs = IlaCaseFiles.caseDirs(IlaSuitePaths.casesRoot());
        assertTrue(dirs.size() >= 20, "the ILA suite has " + dirs.size() + " cases, expected at least 20");
        final boolean oracle = IlaTshark.locate() != null;
        return dirs.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), dir.toUri(), () ->
        {
            final Path work = Files.createDirectories(tmp.resolve(dir.getFileName().toString()));
            final List<String> problems = new ArrayList<>(IlaCaseFiles.verify(dir, work, oracle));
            if (!problems.isEmpty())
            {
                final JsonNode checks = IlaCaseFiles.JSON.readTree(dir.resolve("checks.json").toFile());
                final String bug = checks.has("knownBug") ? "\nKNOWN BUG (the golden output is the correct behaviour): " + checks.get("knownBug").asText() : "";
                fail(dir.getFileName() + ": " + checks.path("description").asText() + bug + "\n  " + String.join("\n  ", problems));
            }
        }));
    }

    /** The oracle half needs tshark: skipped without it, a failure under CI=true. */
    @Test
    void tsharkOracleAvailable()
    {
        IlaTshark.require();
    }

    /**
     * The checked-in files are what {@link IlaCases} generates today (inputs, golden outputs,
     * counters, checks), so the model and the files cannot drift apart.
     */
    @Test
    void filesMatchTheGenerator() throws IOException
    {
        final Path generated = tmp.resolve("generated");
        final List<IlaCase> cases = IlaCases.all();
        final List<String> names = IlaCaseFiles.caseDirs(IlaSuitePaths.casesRoot()).stream().map(p -> p.getFileName().toString()).toList();
        assertEquals(cases.stream().map(c -> c.name).toList(), names, "case directories (regenerate the suite)");
        for (final IlaCase c : cases)
        {
            final Path dir = generated.resolve(c.name);
            IlaCaseFiles.write(c, dir);
            final Path checkedIn = IlaSuitePaths.casesRoot().resolve(c.name);
            try (Stream<Path> files = Files.walk(dir))
            {
                for (final Path f : files.filter(Files::isRegularFile).toList())
                {
                    final Path other = checkedIn.resolve(dir.relativize(f).toString());
                    assertTrue(Files.exists(other), other + " is missing (regenerate the suite)");
                    assertTrue(Arrays.equals(Files.readAllBytes(f), Files.readAllBytes(other)), other + " differs from the generator (regenerate the suite)");
                }
            }
            try (Stream<Path> files = Files.walk(checkedIn))
            {
                assertEquals(Files.walk(dir).filter(Files::isRegularFile).count(), files.filter(Files::isRegularFile).count(),
                    checkedIn + " has files the generator does not write");
            }
        }
    }
}
