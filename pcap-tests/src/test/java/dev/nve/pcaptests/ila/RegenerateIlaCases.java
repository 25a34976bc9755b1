package dev.nve.pcaptests.ila;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Regenerates the ILA replay suite from {@link IlaCases}; runs only with
 * {@code -Dnve.regenerate=true}:
 * <pre>
 *   ./mvnw -B -pl pcap-tests test -Dnve.regenerate=true -Dtest=RegenerateIlaCases
 * </pre>
 * The golden outputs are the model's (never a dataplane run's). After writing, every case is
 * verified against the dataplane and tshark; a case that fails without a declared known bug
 * fails the regeneration. {@code tshark -V} dumps of the golden outputs go to
 * {@code target/ila-regenerated/CASE/} for reading. Review the diff before committing.
 */
@EnabledIfSystemProperty(named = "nve.regenerate", matches = "true")
final class RegenerateIlaCases
{
    @Test
    void regenerate() throws Exception
    {
        IlaTshark.require();
        final Path root = IlaSuitePaths.casesRoot();
        Files.createDirectories(root);
        for (final Path old : IlaCaseFiles.caseDirs(root))
        {
            IlaCaseFiles.deleteRecursively(old);
        }
        final Path dumps = IlaSuitePaths.moduleDir().resolve("target/ila-regenerated");
        IlaCaseFiles.deleteRecursively(dumps);
        final List<String> failures = new ArrayList<>();
        for (final IlaCase c : IlaCases.all())
        {
            final Path dir = root.resolve(c.name);
            IlaCaseFiles.write(c, dir);
            final Path work = Files.createTempDirectory("nve-ila-case-");
            try
            {
                final List<String> problems = IlaCaseFiles.verify(dir, work, true);
                final String verdict = problems.isEmpty() ? "ok" : c.knownBug != null ? "KNOWN BUG, fails until fixed" : "FAILS";
                System.out.println(c.name + ": " + verdict);
                problems.forEach(p -> System.out.println("    " + p));
                if (!problems.isEmpty() && c.knownBug == null)
                {
                    failures.add(c.name);
                }
                if (problems.isEmpty() && c.knownBug != null)
                {
                    System.out.println("    NOTE: the known bug seems fixed: " + c.knownBug);
                }
                for (final String sub : List.of("expected", "reverse/expected"))
                {
                    for (final String pcap : IlaCaseFiles.pcaps(dir.resolve(sub)))
                    {
                        final Path dump = dumps.resolve(c.name).resolve(sub.replace('/', '-') + "-" + pcap.replace(".pcap", ".txt"));
                        Files.createDirectories(dump.getParent());
                        Files.writeString(dump, IlaTshark.verbose(dir.resolve(sub).resolve(pcap)));
                    }
                }
            }
            finally
            {
                IlaCaseFiles.deleteRecursively(work);
            }
        }
        System.out.println("regenerated " + IlaCases.all().size() + " ILA cases in " + root);
        if (!failures.isEmpty())
        {
            throw new AssertionError("cases that fail without a declared known bug: " + failures);
        }
    }
}
