package dev.nve.dataplane.table;

import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/** The {@link LinePrefetcher} on the class path, looked up once (set-up path). */
public final class LinePrefetchers
{
    private static final LinePrefetcher PLATFORM;
    private static final String ABSENCE;

    static
    {
        LinePrefetcher found = null;
        String absence;
        try
        {
            found = ServiceLoader.load(LinePrefetcher.class, LinePrefetcher.class.getClassLoader()).findFirst().orElse(null);
            absence = found == null ? "no LinePrefetcher on the class path (xdp-loader provides the native one)" : null;
        }
        catch (final ServiceConfigurationError e)
        {
            absence = "the LinePrefetcher on the class path failed to start: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
        }
        PLATFORM = found;
        ABSENCE = absence;
    }

    private LinePrefetchers()
    {
    }

    /** The class path's prefetcher, or null: the tables then touch their lines with loads ({@link #absence()} says why). */
    public static LinePrefetcher platform()
    {
        return PLATFORM;
    }

    /** Why {@link #platform()} is null, or null when it is not. */
    public static String absence()
    {
        return ABSENCE;
    }
}
