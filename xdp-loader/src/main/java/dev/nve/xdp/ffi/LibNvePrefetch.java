package dev.nve.xdp.ffi;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Binding of nve's own helper library ({@code src/main/native/nve_prefetch.c}, built by the
 * Maven build into the jar): {@code void nve_prefetch_lines(uint64_t base, uint64_t offsets,
 * int32_t count)}. Loaded once from the class path through a temporary file, deleted again
 * once the library is mapped. No struct, no errno: the function cannot fail.
 */
@SuppressWarnings("restricted")
public final class LibNvePrefetch
{
    static final String RESOURCE = "/native/libnve_prefetch.so";

    private static final MethodHandle PREFETCH_LINES;
    private static final String ABSENCE;

    static
    {
        MethodHandle handle = null;
        String absence = null;
        try
        {
            handle = load();
        }
        catch (final IOException | RuntimeException | UnsatisfiedLinkError e)
        {
            absence = RESOURCE + " could not be loaded: " + e;
        }
        PREFETCH_LINES = handle;
        ABSENCE = absence;
    }

    private LibNvePrefetch()
    {
    }

    private static MethodHandle load() throws IOException
    {
        final Path file = Files.createTempFile("nve_prefetch", ".so");
        try
        {
            try (InputStream in = LibNvePrefetch.class.getResourceAsStream(RESOURCE))
            {
                if (in == null)
                {
                    throw new IOException(RESOURCE + " is not on the class path: the xdp-loader build compiles it with clang");
                }
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            final SymbolLookup library = SymbolLookup.libraryLookup(file, Arena.global());
            // critical: no thread-state transition around a call that only issues prefetches.
            return Native.downcall(library, "nve_prefetch_lines", FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG, JAVA_INT), false,
                Linker.Option.critical(false));
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }

    /** Whether the library is loaded; {@link #absence()} says why not. */
    public static boolean available()
    {
        return PREFETCH_LINES != null;
    }

    public static String absence()
    {
        return ABSENCE;
    }

    /** Prefetches {@code base + offset} for the {@code count} native longs at {@code offsets} (packet path; needs {@link #available()}). */
    public static void prefetchLines(final long base, final long offsets, final int count)
    {
        try
        {
            PREFETCH_LINES.invokeExact(base, offsets, count);
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }
}
