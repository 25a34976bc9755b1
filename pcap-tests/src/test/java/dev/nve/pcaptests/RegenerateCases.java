package dev.nve.pcaptests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Regenerates the replay suite and the bundled example; runs only with
 * {@code -Dnve.regenerate=true}:
 * <pre>
 *   ./mvnw -B -pl pcap-tests test -Dnve.regenerate=true -Dtest=RegenerateCases
 * </pre>
 * Each case's golden outputs are accepted only if they equal the case model, the counters and
 * the tshark oracle agree (see {@link CaseGenerator}); {@code tshark -V} dumps of every golden
 * output go to {@code target/regenerated/CASE/PORT.txt} for reading. Review the diff of
 * {@code src/test/resources/cases} and {@code docs/examples/basic} before committing.
 */
@EnabledIfSystemProperty(named = "nve.regenerate", matches = "true")
final class RegenerateCases
{
    @Test
    void regenerate() throws Exception
    {
        Tshark.require();
        final Path dumps = SuitePaths.moduleDir().resolve("target/regenerated");
        CaseGenerator.deleteRecursively(dumps);
        final CaseGenerator generator = new CaseGenerator(System.out, dumps);
        generator.writeAll(Cases.all(), SuitePaths.casesRoot());

        final Path example = SuitePaths.docsExampleDir();
        final Path source = SuitePaths.casesRoot().resolve(SuitePaths.DOCS_EXAMPLE_CASE);
        Files.createDirectories(example);
        Files.copy(source.resolve("config.json"), example.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(source.resolve("in/uplink.pcap"), example.resolve("uplink.pcap"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(source.resolve("in/c1.pcap"), example.resolve("c1.pcap"), StandardCopyOption.REPLACE_EXISTING);

        System.out.println("regenerated " + Cases.all().size() + " cases in " + SuitePaths.casesRoot() + " and the example in " + example);
        if (!generator.knownBugs.isEmpty())
        {
            System.out.println("cases whose golden output is the model, not the current dataplane (known bugs, these cases fail until fixed):");
            generator.knownBugs.forEach(b -> System.out.println("  " + b));
        }
    }
}
