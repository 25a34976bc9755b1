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
 * contradicting lengths).
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
                MemorySegment.copy(frame, 0, segment, ValueLayout.JAVA_BYTE, 64, length);
                final int expected = full.parseAny(segment, 64, length);
                assertEquals(expected, fast.parse(segment, 64, length), "frame " + n);
                if (expected == FlowKey.IP)
                {
                    assertEquals(full.version, fast.version);
                    assertEquals(full.protocol, fast.protocol);
                    assertEquals(full.srcHigh, fast.srcHigh);
                    assertEquals(full.srcLow, fast.srcLow);
                    assertEquals(full.dstHigh, fast.dstHigh);
                    assertEquals(full.dstLow, fast.dstLow);
                    assertEquals(full.srcPort, fast.srcPort);
                    assertEquals(full.dstPort, fast.dstPort);
                    assertEquals(full.tcpFlags, fast.tcpFlags, "frame " + n);
                }
            }
        }
    }
}
