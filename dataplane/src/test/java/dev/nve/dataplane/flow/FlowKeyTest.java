package dev.nve.dataplane.flow;

import dev.nve.dataplane.wire.FrameBuilder;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The IPv4 fast path of {@link FlowKey#parse} answers exactly as the header-by-header parse
 * ({@link FlowKey#parseAny}) on valid frames of every kind and on frames with random bytes of
 * their headers changed and random lengths (options, fragments, other protocols, cut short,
 * contradicting lengths), also for a frame that ends where its memory ends (the fast path reads
 * raw addresses) and for heap memory (no raw address: the full parse).
 */
final class FlowKeyTest
{
    private static final long MAC_A = 0x02_00_00_00_00_01L;
    private static final long MAC_B = 0x02_00_00_00_00_02L;

    @Test
    void fastPathAgreesWithTheFullParse()
    {
        final List<byte[]> templates = List.of(
            FrameBuilder.ethernet(MAC_A, MAC_B).ipv4("198.19.0.1", "198.19.1.2").tcp(40_000, 443, FrameBuilder.TcpFlags.SYN).payload(10).build(),
            FrameBuilder.ethernet(MAC_A, MAC_B).ipv4("198.19.0.1", "198.19.1.2").udp(53, 40_000).payload(30).build(),
            FrameBuilder.ethernet(MAC_A, MAC_B).ipv4("198.19.0.1", "198.19.1.2").icmpEcho().payload(8).build(),
            FrameBuilder.ethernet(MAC_A, MAC_B).vlan(10).ipv4("198.19.0.1", "198.19.1.2").tcp(1, 2, FrameBuilder.TcpFlags.ACK).build(),
            FrameBuilder.ethernet(MAC_A, MAC_B).ipv6("fd00::1", "2001:db8::2").tcp(40_000, 443, FrameBuilder.TcpFlags.ACK).payload(4).build());
        final SplittableRandom random = new SplittableRandom(5);
        final FlowKey fast = new FlowKey();
        final FlowKey full = new FlowKey();
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment segment = arena.allocate(256);
            for (int n = 0; n < 200_000; n++)
            {
                final byte[] frame = templates.get(random.nextInt(templates.size())).clone();
                final int changes = n % 4 == 0 ? 0 : random.nextInt(4);
                for (int c = 0; c < changes; c++)
                {
                    // Mostly the Ethernet type, the IPv4 header and the first transport bytes.
                    frame[random.nextInt(Math.min(frame.length, 60))] = (byte)random.nextInt(256);
                }
                final int length = random.nextInt(8) == 0 ? random.nextInt(frame.length + 1) : frame.length;
                // At offset 64, and ending exactly where the segment ends.
                final long end = segment.byteSize() - length;
                MemorySegment.copy(frame, 0, segment, ValueLayout.JAVA_BYTE, 64, length);
                MemorySegment.copy(frame, 0, segment, ValueLayout.JAVA_BYTE, end, length);
                final int expected = full.parseAny(segment, 64, length);
                assertEquals(expected, fast.parse(segment, 64, length), "frame " + n);
                assertSameTuple(expected, full, fast, "frame " + n);
                assertEquals(expected, fast.parse(segment, end, length), "frame " + n + " at the end");
                assertSameTuple(expected, full, fast, "frame " + n + " at the end");
                // Heap memory has no raw address: the header-by-header parse answers.
                assertEquals(expected, fast.parse(MemorySegment.ofArray(frame), 0, length), "frame " + n + " on the heap");
                assertSameTuple(expected, full, fast, "frame " + n + " on the heap");
            }
        }
    }

    private static void assertSameTuple(final int parsed, final FlowKey full, final FlowKey fast, final String what)
    {
        if (parsed == FlowKey.IP)
        {
            assertEquals(full.version, fast.version, what);
            assertEquals(full.protocol, fast.protocol, what);
            assertEquals(full.srcHigh, fast.srcHigh, what);
            assertEquals(full.srcLow, fast.srcLow, what);
            assertEquals(full.dstHigh, fast.dstHigh, what);
            assertEquals(full.dstLow, fast.dstLow, what);
            assertEquals(full.srcPort, fast.srcPort, what);
            assertEquals(full.dstPort, fast.dstPort, what);
            assertEquals(full.tcpFlags, fast.tcpFlags, what);
        }
    }
}
