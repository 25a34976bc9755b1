package dev.nve.dataplane.table;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without xdp-loader on the class path (dataplane's own tests) there is no platform table memory:
 * tables get ordinary, zeroed, aligned memory, and the operators' line says why. xdp-loader's
 * HugePageTableMemoryTest covers the platform's.
 */
final class TableMemoriesTest
{
    @Test
    void withoutThePlatformTablesGetOrdinaryMemoryAndTheReason()
    {
        assertNull(TableMemories.platform());
        assertTrue(TableMemories.absence().contains("no TableMemory on the class path"), TableMemories.absence());
        assertTrue(TableMemories.pages(TableMemory.HUGE_PAGE * 4).startsWith("4 KiB pages (no TableMemory"), TableMemories.pages(1));
        try (Arena arena = Arena.ofConfined())
        {
            final long bytes = 3 * TableMemory.HUGE_PAGE + 96;
            final MemorySegment table = TableMemories.allocate(arena, bytes, 64);
            assertEquals(bytes, table.byteSize());
            assertEquals(0, table.address() % 64);
            for (long offset = 0; offset + 8 <= bytes; offset += 4096)
            {
                assertEquals(0L, table.get(ValueLayout.JAVA_LONG, offset), "offset " + offset);
            }
        }
    }

    @Test
    void anAlignmentAboveAHugePageIsRefused()
    {
        try (Arena arena = Arena.ofConfined())
        {
            assertThrows(IllegalArgumentException.class, () -> TableMemories.allocate(arena, 4096, 2 * TableMemory.HUGE_PAGE));
        }
    }
}
