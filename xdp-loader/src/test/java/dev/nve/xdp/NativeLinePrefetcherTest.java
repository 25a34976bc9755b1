package dev.nve.xdp;

import dev.nve.dataplane.conntrack.ConntrackBatchLookup;
import dev.nve.dataplane.conntrack.ConntrackKey;
import dev.nve.dataplane.conntrack.ConntrackTable;
import dev.nve.dataplane.table.LinePrefetcher;
import dev.nve.dataplane.table.LinePrefetchers;
import dev.nve.dataplane.wire.TcpHeader;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * The native prefetcher is what the tables find on a class path with xdp-loader (the build
 * compiles its library; no skip: without clang the build already failed), it never faults, and
 * the conntrack batch lookups give the plain lookups' answers with it.
 */
final class NativeLinePrefetcherTest
{
    @Test
    void theTablesFindTheNativePrefetcher()
    {
        assertInstanceOf(NativeLinePrefetcher.class, LinePrefetchers.platform(), String.valueOf(LinePrefetchers.absence()));
    }

    @Test
    void prefetchingNeverFaultsEvenOutsideMappedMemory()
    {
        final LinePrefetcher prefetcher = new NativeLinePrefetcher();
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment lines = arena.allocate(64 * 64, 64);
            final MemorySegment offsets = arena.allocate(8 * 4, 8);
            offsets.setAtIndex(ValueLayout.JAVA_LONG, 0, 0);
            offsets.setAtIndex(ValueLayout.JAVA_LONG, 1, 63 * 64);
            // Not mapped: page 0, and the top of the address space.
            offsets.setAtIndex(ValueLayout.JAVA_LONG, 2, -lines.address());
            offsets.setAtIndex(ValueLayout.JAVA_LONG, 3, -lines.address() - 4096);
            prefetcher.prefetch(lines.address(), offsets.address(), 4);
            prefetcher.prefetch(lines.address(), offsets.address(), 0);
            assertEquals(0L, lines.get(ValueLayout.JAVA_LONG, 0), "a prefetch changes no memory");
        }
    }

    @Test
    void batchLookupsWithThePrefetcherGiveThePlainAnswers()
    {
        final int batch = 64;
        try (ConntrackTable table = new ConntrackTable(10_000))
        {
            final ConntrackKey[] keys = new ConntrackKey[batch];
            final int[] packets = new int[batch];
            final long[] times = new long[batch];
            final long[] found = new long[batch];
            for (int i = 0; i < batch; i++)
            {
                keys[i] = new ConntrackKey();
                // Even packets' connections exist (opened by them), odd ones' do not.
                keys[i].ofIpv4(1, 0xC613_0001L, 0xC613_0100L + i, 40_000 + i, 443, 6);
                if (i % 2 == 0)
                {
                    table.create(keys[i], TcpHeader.SYN, 1_000L);
                }
                packets[i] = i;
                times[i] = 2_000L;
            }
            new ConntrackBatchLookup(batch, new NativeLinePrefetcher()).lookUp(table, keys, packets, batch, times, found);
            for (int i = 0; i < batch; i++)
            {
                assertEquals(table.lookup(keys[i], 2_000L), found[i], "packet " + i);
                assertEquals(i % 2 == 0, ConntrackTable.isEntry(found[i]), "packet " + i);
            }
        }
    }
}
