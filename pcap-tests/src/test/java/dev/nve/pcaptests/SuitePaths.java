package dev.nve.pcaptests;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the suite lives: the module directory (Maven's basedir) and the repository root. */
final class SuitePaths
{
    static final String DOCS_EXAMPLE_CASE = "42-docs-example-basic";

    private SuitePaths()
    {
    }

    static Path moduleDir()
    {
        Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir.resolve("src/test")) && Files.isDirectory(dir.resolve("pcap-tests/src/test")))
        {
            dir = dir.resolve("pcap-tests"); // started from the repository root (an IDE)
        }
        if (!Files.isRegularFile(dir.resolve("pom.xml")) || !Files.isDirectory(dir.resolve("src/test")))
        {
            throw new IllegalStateException("not the pcap-tests module directory: " + dir + " (run the tests through Maven)");
        }
        return dir;
    }

    /** The case directories in the source tree (what the suite runs and the generator writes). */
    static Path casesRoot()
    {
        return moduleDir().resolve("src/test/resources/cases");
    }

    static Path repositoryRoot()
    {
        return moduleDir().getParent();
    }

    /** The bundled example that {@code ./nve demo} replays. */
    static Path docsExampleDir()
    {
        return repositoryRoot().resolve("docs/examples/basic");
    }
}
