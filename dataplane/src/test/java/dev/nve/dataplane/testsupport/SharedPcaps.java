package dev.nve.dataplane.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Finds the shared capture corpus ({@code shared/pcaps/real}) that lives beside the repository,
 * not in it. Order: {@code NVE_SHARED} (the shared directory), then, walking up from the working
 * directory to the repository root (the {@code pom.xml} of {@code nve-parent}), a {@code shared}
 * directory inside the root or next to it.
 */
public final class SharedPcaps
{
    private static final String REAL = "pcaps/real";

    private SharedPcaps()
    {
    }

    /** The directory of real third-party captures; fails the calling test if it cannot be found. */
    public static Path realDir()
    {
        final List<Path> tried = new ArrayList<>();
        final String env = System.getenv("NVE_SHARED");
        if (env != null && !env.isBlank())
        {
            final Path candidate = Path.of(env).resolve(REAL);
            if (Files.isDirectory(candidate))
            {
                return candidate;
            }
            tried.add(candidate);
        }

        final Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath().normalize();
        for (Path dir = start; dir != null; dir = dir.getParent())
        {
            if (isRepositoryRoot(dir))
            {
                final Path inside = dir.resolve("shared").resolve(REAL);
                if (Files.isDirectory(inside))
                {
                    return inside;
                }
                tried.add(inside);
                if (dir.getParent() != null)
                {
                    final Path beside = dir.getParent().resolve("shared").resolve(REAL);
                    if (Files.isDirectory(beside))
                    {
                        return beside;
                    }
                    tried.add(beside);
                }
                break;
            }
        }
        return fail("shared capture corpus not found (set NVE_SHARED to the directory holding pcaps/real); working directory "
            + start + ", tried " + (tried.isEmpty() ? "nothing: no nve-parent pom.xml above the working directory" : tried));
    }

    /** One file of {@link #realDir()}. */
    public static Path real(final String fileName)
    {
        return realDir().resolve(fileName);
    }

    private static boolean isRepositoryRoot(final Path dir)
    {
        final Path pom = dir.resolve("pom.xml");
        if (!Files.isRegularFile(pom))
        {
            return false;
        }
        try
        {
            // A module's pom names nve-parent too, as its parent; only the root is packaged as a pom.
            final String text = Files.readString(pom);
            return text.contains("<artifactId>nve-parent</artifactId>") && text.contains("<packaging>pom</packaging>");
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
