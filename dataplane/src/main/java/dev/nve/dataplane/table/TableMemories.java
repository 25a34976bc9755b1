package dev.nve.dataplane.table;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** The {@link TableMemory} on the class path, looked up once, and the tables' allocation through it (set-up path). */
public final class TableMemories
{
    private static final PlatformService<TableMemory> PLATFORM = PlatformService.load(TableMemory.class);

    private TableMemories()
    {
    }

    /** The class path's table memory, or null: tables then get ordinary memory ({@link #absence()} says why). */
    public static TableMemory platform()
    {
        return PLATFORM.service();
    }

    /** Why {@link #platform()} is null, or null when it is not. */
    public static String absence()
    {
        return PLATFORM.absence();
    }

    /**
     * Zeroed memory of {@code bytes} for a table, aligned to {@code alignment} (at most
     * {@link TableMemory#HUGE_PAGE}), released when {@code arena} closes: the platform's for a
     * table of a huge page or more, else {@code arena.allocate}'s.
     */
    public static MemorySegment allocate(final Arena arena, final long bytes, final long alignment)
    {
        if (alignment > TableMemory.HUGE_PAGE)
        {
            throw new IllegalArgumentException("alignment above " + TableMemory.HUGE_PAGE + ": " + alignment);
        }
        final TableMemory platform = PLATFORM.service();
        return platform != null && bytes >= TableMemory.HUGE_PAGE ? platform.allocate(arena, bytes) : arena.allocate(bytes, alignment);
    }

    /** What backs a table of {@code bytes} ({@link #allocate}), for operators. */
    public static String pages(final long bytes)
    {
        final TableMemory platform = PLATFORM.service();
        if (platform == null)
        {
            return "4 KiB pages (" + PLATFORM.absence() + ")";
        }
        return bytes >= TableMemory.HUGE_PAGE ? platform.pages() : "4 KiB pages (under " + (TableMemory.HUGE_PAGE >> 20) + " MiB)";
    }
}
