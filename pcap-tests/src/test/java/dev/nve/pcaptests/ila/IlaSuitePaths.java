package dev.nve.pcaptests.ila;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the ILA replay suite lives in the source tree (tests run from the module directory). */
final class IlaSuitePaths
{
    private IlaSuitePaths()
    {
    }

    static Path moduleDir()
    {
        final Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("pom.xml")) || !Files.isDirectory(dir.resolve("src/test")))
        {
            throw new IllegalStateException("not the pcap-tests module directory: " + dir + " (run the tests through Maven)");
        }
        return dir;
    }

    static Path casesRoot()
    {
        return moduleDir().resolve("src/test/resources/ila-cases");
    }
}
