package dev.nve.xdp;

import dev.nve.dataplane.conntrack.ConntrackTable;
import dev.nve.dataplane.table.TableMemories;
import dev.nve.dataplane.table.TableMemory;
import dev.nve.dataplane.wire.TcpHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tables find xdp-loader's huge-page memory; it is aligned, zeroed and unmapped when its
 * arena closes, and the kernel's own accounting ({@code /proc/self/smaps}, AnonHugePages) shows
 * huge pages behind it whenever the transparent huge page mode gives them to advised memory
 * (and none when the mode is "never": no skip either way).
 */
final class HugePageTableMemoryTest
{
    private static final long HUGE = TableMemory.HUGE_PAGE;

    @Test
    void theTablesFindTheHugePageMemory()
    {
        assertInstanceOf(HugePageTableMemory.class, TableMemories.platform(), String.valueOf(TableMemories.absence()));
        final HugePageTableMemory memory = (HugePageTableMemory)TableMemories.platform();
        assertEquals(memory.pages(), TableMemories.pages(HUGE));
        assertTrue(TableMemories.pages(HUGE - 1).startsWith("4 KiB pages (under 2 MiB)"), TableMemories.pages(HUGE - 1));
    }

    @Test
    void memoryIsAlignedZeroedBackedByHugePagesAndUnmappedOnClose() throws IOException
    {
        final HugePageTableMemory memory = new HugePageTableMemory();
        final long bytes = 3 * HUGE + 100;
        final long address;
        try (Arena arena = Arena.ofShared())
        {
            final MemorySegment table = memory.allocate(arena, bytes);
            address = table.address();
            assertEquals(bytes, table.byteSize());
            assertEquals(0, address % HUGE, "2 MiB aligned");
            for (long offset = 0; offset + 8 <= bytes; offset += 4096)
            {
                assertEquals(0L, table.get(ValueLayout.JAVA_LONG, offset), "zeroed at " + offset);
                table.set(ValueLayout.JAVA_LONG, offset, offset ^ 0x5A5A);
            }
            for (long offset = 0; offset + 8 <= bytes; offset += 4096)
            {
                assertEquals(offset ^ 0x5A5A, table.get(ValueLayout.JAVA_LONG, offset), "written at " + offset);
            }
            final long hugeKib = anonHugePagesKib(address);
            if (memory.hugePagesOn())
            {
                // The kernel may fall back to 4 KiB pages for a fault it cannot serve with a huge
                // page (fragmented memory), so at least one, not all four.
                assertTrue(hugeKib >= HUGE / 1024, memory.pages() + ": AnonHugePages " + hugeKib + " kB");
                assertTrue(memory.pages().startsWith("2 MiB pages (transparent huge pages: "), memory.pages());
            }
            else
            {
                assertEquals(0, hugeKib, memory.pages());
                assertTrue(memory.pages().startsWith("4 KiB pages"), memory.pages());
            }
        }
        assertEquals(-1, anonHugePagesKib(address), "unmapped when the arena closed");
    }

    @Test
    void theModeIsTheBracketedWord(@TempDir final Path directory) throws IOException
    {
        final Path enabled = directory.resolve("enabled");
        Files.writeString(enabled, "always [madvise] never\n");
        assertEquals("madvise", HugePageTableMemory.transparentHugePageMode(enabled));
        Files.writeString(enabled, "always madvise [never]\n");
        assertEquals("never", HugePageTableMemory.transparentHugePageMode(enabled));
        Files.writeString(enabled, "garbage\n");
        assertEquals("unavailable", HugePageTableMemory.transparentHugePageMode(enabled));
        assertEquals("unavailable", HugePageTableMemory.transparentHugePageMode(directory.resolve("missing")));
    }

    @Test
    void aConntrackTableOnHugePagesTracksConnections()
    {
        // 200,000 entries: 19.2 MB of slots and 6.4 MB of address records, both from the platform.
        try (ConntrackTable table = new ConntrackTable(200_000))
        {
            // All but one entry IPv4, the last one IPv6 (an address record).
            for (int i = 0; i < 199_999; i++)
            {
                final long created = table.create(1, 4, 0, 0xC613_0001L, 0, 0xC613_0100L + i % 60_000, 1024 + i / 60_000, 443, 6, TcpHeader.SYN, 1_000L);
                assertTrue(ConntrackTable.isEntry(created), "connection " + i);
            }
            for (int i = 0; i < 199_999; i += 997)
            {
                final long reply = table.lookup(1, 4, 0, 0xC613_0100L + i % 60_000, 0, 0xC613_0001L, 443, 1024 + i / 60_000, 6, 2_000L);
                assertEquals(ConntrackTable.REPLY, ConntrackTable.direction(reply), "connection " + i);
            }
            final long v6 = table.create(1, 6, 0x2001_0db8_0000_0000L, 1, 0x2001_0db8_0000_0000L, 2, 5000, 53, 17, 0, 1_000L);
            assertTrue(ConntrackTable.isEntry(v6), "IPv6 connection: " + v6);
            assertEquals(v6, table.lookup(1, 6, 0x2001_0db8_0000_0000L, 1, 0x2001_0db8_0000_0000L, 2, 5000, 53, 17, 2_000L));
            assertEquals(200_000, table.size());
            assertEquals(TableMemories.platform().pages(), table.pages(), "19.2 MB of slots: the platform's pages");
        }
        // 20,000 entries: 1.9 MB of slots, under a huge page (with the records the table is 2.6 MB).
        try (ConntrackTable table = new ConntrackTable(20_000))
        {
            assertTrue(table.bytes() >= HUGE, "the whole table is " + table.bytes() + " bytes");
            assertEquals("4 KiB pages (under 2 MiB)", table.pages(), "the slots decide");
        }
    }

    /** AnonHugePages (kB) of the mapping holding {@code address} in /proc/self/smaps, or -1 when none does. */
    private static long anonHugePagesKib(final long address) throws IOException
    {
        final List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        boolean inside = false;
        for (final String line : lines)
        {
            final int dash = line.indexOf('-');
            final int space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.substring(0, dash).chars().allMatch(c -> Character.digit(c, 16) >= 0))
            {
                final long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                final long end = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                inside = Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0;
            }
            else if (inside && line.startsWith("AnonHugePages:"))
            {
                return Long.parseLong(line.substring("AnonHugePages:".length()).replace("kB", "").trim());
            }
        }
        return -1;
    }
}
