package dev.nve.dataplane.table;

/** The {@link LinePrefetcher} on the class path, looked up once (set-up path). */
public final class LinePrefetchers
{
    private static final PlatformService<LinePrefetcher> PLATFORM = PlatformService.load(LinePrefetcher.class);

    private LinePrefetchers()
    {
    }

    /** The class path's prefetcher, or null: the tables then touch their lines with loads ({@link #absence()} says why). */
    public static LinePrefetcher platform()
    {
        return PLATFORM.service();
    }

    /** Why {@link #platform()} is null, or null when it is not. */
    public static String absence()
    {
        return PLATFORM.absence();
    }
}
