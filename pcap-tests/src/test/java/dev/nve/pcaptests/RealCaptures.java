package dev.nve.pcaptests;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds the shared corpus of real third-party captures ({@code shared/pcaps/real}), which lives
 * beside the repository, not in it: {@code $NVE_SHARED/pcaps/real} when NVE_SHARED is set,
 * otherwise the first {@code shared/pcaps/real} found walking up from the module directory
 * (for /work/main/pcap-tests that is /work/shared/pcaps/real). Missing corpus: the calling test
 * is skipped, or fails under {@code CI=true}.
 */
final class RealCaptures
{
    private static final String REAL = "pcaps/real";

    private RealCaptures()
    {
    }

    static Path locate()
    {
        final String env = System.getenv("NVE_SHARED");
        if (env != null && !env.isBlank())
        {
            final Path candidate = Path.of(env).resolve(REAL);
            return Files.isDirectory(candidate) ? candidate : null;
        }
        for (Path dir = SuitePaths.moduleDir(); dir != null; dir = dir.getParent())
        {
            final Path candidate = dir.resolve("shared").resolve(REAL);
            if (Files.isDirectory(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    static Path require()
    {
        final Path dir = locate();
        if (dir == null)
        {
            final String message = "shared capture corpus not found: set NVE_SHARED to the directory holding pcaps/real, or put shared/pcaps/real "
                + "next to the repository (looked upwards from " + SuitePaths.moduleDir() + ")";
            if ("true".equalsIgnoreCase(System.getenv("CI")))
            {
                Assertions.fail(message + "; CI=true, so this is a failure, not a skip");
            }
            Assumptions.abort(message);
        }
        return dir;
    }

    /** Every capture of the corpus (*.pcap, *.pcapng), sorted by name. */
    static List<Path> files() throws IOException
    {
        try (Stream<Path> files = Files.list(require()))
        {
            return new ArrayList<>(files.filter(f ->
            {
                final String n = f.getFileName().toString();
                return n.endsWith(".pcap") || n.endsWith(".pcapng");
            }).sorted().toList());
        }
    }
}
