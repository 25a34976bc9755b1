package dev.nve.dataplane.stage;

import dev.nve.dataplane.wire.FrameBuilder;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class InnerFlowHashTest
{
    private static final long A = 0x02_00_00_00_00_0AL;
    private static final long B = 0x02_00_00_00_00_0BL;

    private static int hash(final byte[] frame)
    {
        return InnerFlowHash.hash(MemorySegment.ofArray(frame), 0, frame.length);
    }

    @Test
    void sameFlowSameHashWhateverThePayload()
    {
        final byte[] small = FrameBuilder.ethernet(A, B).ipv4("198.19.0.1", "198.19.0.2").udp(1000, 53).payload(10).build();
        final byte[] large = FrameBuilder.ethernet(A, B).ipv4("198.19.0.1", "198.19.0.2").udp(1000, 53).payload(900).build();
        assertEquals(hash(small), hash(large));
        final byte[] v6a = FrameBuilder.ethernet(A, B).ipv6("2001:db8::1", "2001:db8::2").tcp(1, 2, 0x10).payload(3).build();
        final byte[] v6b = FrameBuilder.ethernet(A, B).ipv6("2001:db8::1", "2001:db8::2").tcp(1, 2, 0x10).payload(300).build();
        assertEquals(hash(v6a), hash(v6b));
    }

    @Test
    void portsAndAddressesSeparateFlows()
    {
        final Set<Integer> hashes = new HashSet<>();
        hashes.add(hash(FrameBuilder.ethernet(A, B).ipv4("198.19.0.1", "198.19.0.2").udp(1000, 53).build()));
        hashes.add(hash(FrameBuilder.ethernet(A, B).ipv4("198.19.0.1", "198.19.0.2").udp(1001, 53).build()));
        hashes.add(hash(FrameBuilder.ethernet(A, B).ipv4("198.19.0.1", "198.19.0.2").udp(1000, 54).build()));
        hashes.add(hash(FrameBuilder.ethernet(A, B).ipv4("198.19.0.3", "198.19.0.2").udp(1000, 53).build()));
        hashes.add(hash(FrameBuilder.ethernet(A, B).ipv4("198.19.0.1", "198.19.0.4").udp(1000, 53).build()));
        hashes.add(hash(FrameBuilder.ethernet(A, B).ipv6("fd00::1", "fd00::2").udp(1000, 53).build()));
        hashes.add(hash(FrameBuilder.ethernet(A, B).ipv6("fd00::1", "fd00::3").udp(1000, 53).build()));
        hashes.add(hash(FrameBuilder.ethernet(A, B).ipv6("fd00::1", "fd00::2").udp(1002, 53).build()));
        assertEquals(8, hashes.size());
    }

    /** IP flows are told apart by addresses and ports (the MACs are the host pair's); other frames by their MACs. */
    @Test
    void macsCountOnlyForFramesThatAreNotIp()
    {
        assertEquals(hash(FrameBuilder.ethernet(A, B).ipv4("198.19.0.1", "198.19.0.2").udp(1000, 53).build()),
            hash(FrameBuilder.ethernet(B, A).ipv4("198.19.0.1", "198.19.0.2").udp(1000, 53).build()));
        final byte[] arp = FrameBuilder.ethernet(A, B).ipv4("198.19.0.1", "198.19.0.2").udp(1000, 53).build();
        arp[12] = 0x08;
        arp[13] = 0x06;
        final byte[] arpOtherMac = FrameBuilder.ethernet(B, A).ipv4("198.19.0.1", "198.19.0.2").udp(1000, 53).build();
        arpOtherMac[12] = 0x08;
        arpOtherMac[13] = 0x06;
        assertNotEquals(hash(arp), hash(arpOtherMac));
    }

    @Test
    void sourcePortsSpreadOverTheDynamicRange()
    {
        final Set<Integer> ports = new HashSet<>();
        for (int sport = 0; sport < 2000; sport++)
        {
            final int h = hash(FrameBuilder.ethernet(A, B).ipv4("198.19.0.1", "198.19.0.2").udp(sport, 80).build());
            ports.add(49152 | (h & 0x3FFF));
        }
        assertTrue(ports.size() > 1800, "2000 flows spread over " + ports.size() + " ports");
    }

    /** Reads nothing past {@code length} (a heap segment of exactly that size would throw). */
    @Property(tries = 500)
    void readsOnlyTheFrame(@ForAll @Size(min = 14, max = 120) final byte[] frame, @ForAll @IntRange(min = 0, max = 3) final int type,
        @ForAll final byte ihl)
    {
        final byte[] copy = frame.clone();
        if (copy.length >= 14)
        {
            final int etherType = switch (type)
            {
                case 0 -> 0x0800;
                case 1 -> 0x86DD;
                case 2 -> 0x8100;
                default -> ((copy[12] & 0xFF) << 8) | (copy[13] & 0xFF);
            };
            copy[12] = (byte)(etherType >>> 8);
            copy[13] = (byte)etherType;
            if (copy.length > 14)
            {
                copy[14] = ihl;
            }
        }
        final int h = hash(copy);
        // trailing bytes beyond length never matter
        final byte[] longer = Arrays.copyOf(copy, copy.length + 64);
        Arrays.fill(longer, copy.length, longer.length, (byte)0x5A);
        assertEquals(h, InnerFlowHash.hash(MemorySegment.ofArray(longer), 0, copy.length));
        // and the frame may start anywhere in the segment
        final byte[] shifted = new byte[copy.length + 7];
        System.arraycopy(copy, 0, shifted, 7, copy.length);
        assertEquals(h, InnerFlowHash.hash(MemorySegment.ofArray(shifted), 7, copy.length));
    }

    @Test
    void shortestFramesHash()
    {
        final byte[] f = new byte[14];
        Arrays.fill(f, (byte)1);
        hash(f);
        final byte[] g = f.clone();
        g[0] = 2;
        assertNotEquals(hash(f), hash(g));
    }
}
