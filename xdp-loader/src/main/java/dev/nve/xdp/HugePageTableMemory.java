package dev.nve.xdp;

import dev.nve.dataplane.table.TableMemory;
import dev.nve.xdp.ffi.Errno;
import dev.nve.xdp.ffi.LibC;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The tables' {@link TableMemory} (found through ServiceLoader): private anonymous mappings on
 * 2 MiB boundaries, advised {@code MADV_HUGEPAGE} so that the kernel backs them with transparent
 * huge pages when it faults them in (the mode "madvise", Debian's default, gives huge pages only
 * to memory advised so; "always" to any). With the conntrack table's lines prefetched, 4 KiB
 * pages made the page walks the limit: FilterStage's lookup pass 25.7 -> 22.5 ns per packet,
 * docs/BENCHMARKS.md. Where the kernel has transparent huge pages off ("never", or no THP at
 * all) the mapping keeps 4 KiB pages and {@link #pages()} says so; advice that fails is not an
 * error either, only slower.
 */
public final class HugePageTableMemory implements TableMemory
{
    /** Where the kernel says its transparent huge page mode: e.g. {@code always [madvise] never}. */
    public static final Path THP_ENABLED = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    private final String mode;
    private volatile String adviceFailure;

    public HugePageTableMemory()
    {
        this.mode = transparentHugePageMode(THP_ENABLED);
    }

    /** The bracketed word of {@code enabled} ({@code always}, {@code madvise}, {@code never}), or {@code unavailable}. */
    static String transparentHugePageMode(final Path enabled)
    {
        try
        {
            final String modes = Files.readString(enabled, StandardCharsets.US_ASCII);
            final int open = modes.indexOf('[');
            final int close = modes.indexOf(']', open + 1);
            return open >= 0 && close > open ? modes.substring(open + 1, close) : "unavailable";
        }
        catch (final IOException e)
        {
            return "unavailable";
        }
    }

    /** Whether the kernel gives huge pages to memory advised {@code MADV_HUGEPAGE}. */
    public boolean hugePagesOn()
    {
        return mode.equals("always") || mode.equals("madvise");
    }

    @Override
    public MemorySegment allocate(final Arena arena, final long bytes)
    {
        if (bytes <= 0)
        {
            throw new IllegalArgumentException("table bytes must be positive: " + bytes);
        }
        final long length = (bytes + HUGE_PAGE - 1) & -HUGE_PAGE;
        // One huge page more than needed, then the unaligned head and the rest of the tail
        // unmapped: what stays starts on a 2 MiB boundary (mmap only promises 4 KiB).
        final MemorySegment mapping = LibC.mmap(length + HUGE_PAGE, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0,
            "table memory of " + bytes + " bytes");
        final long start = (mapping.address() + HUGE_PAGE - 1) & -HUGE_PAGE;
        final long head = start - mapping.address();
        if (head > 0)
        {
            LibC.munmap(MemorySegment.ofAddress(mapping.address()).reinterpret(head), "table memory head");
        }
        LibC.munmap(MemorySegment.ofAddress(start + length).reinterpret(HUGE_PAGE - head), "table memory tail");
        final MemorySegment table = MemorySegment.ofAddress(start).reinterpret(length);
        if (hugePagesOn())
        {
            final int errno = LibC.madvise(table, LibC.MADV_HUGEPAGE);
            adviceFailure = errno == 0 ? null : "madvise(MADV_HUGEPAGE) failed: " + Errno.name(errno);
        }
        return table.reinterpret(bytes, arena, unused -> LibC.munmap(table, "table memory"));
    }

    @Override
    public String pages()
    {
        final String failure = adviceFailure;
        if (!hugePagesOn())
        {
            return "4 KiB pages (transparent huge pages: " + mode + ")";
        }
        return failure == null ? "2 MiB pages (transparent huge pages: " + mode + ")" : "4 KiB pages (" + failure + ")";
    }
}
