package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U32_BE;
import static dev.nve.dataplane.wire.Bytes.U64_BE;
import static dev.nve.dataplane.wire.Bytes.U8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Ipv6HeaderTest
{
    private static final long SOURCE_HIGH = 0x2001_0DB8_0000_0001L;
    private static final long SOURCE_LOW = 0x0000_0000_0000_0010L;
    private static final long DESTINATION_HIGH = 0xFD00_0000_0000_0002L;
    private static final long DESTINATION_LOW = 0x8000_0000_0000_0020L;

    /** A packet of 40 + {@code payloadLength} bytes (plus {@code slack} more in the buffer), at {@code offset}. */
    private static MemorySegment packet(final int offset, final int nextHeader, final int payloadLength, final int slack)
    {
        final MemorySegment segment = MemorySegment.ofArray(new byte[offset + Ipv6Header.HEADER_LENGTH + payloadLength + slack]);
        segment.set(U32_BE, offset, 0x6A31_2345);
        segment.set(U16_BE, offset + Ipv6Header.PAYLOAD_LENGTH_OFFSET, (short)payloadLength);
        segment.set(U8, offset + Ipv6Header.NEXT_HEADER_OFFSET, (byte)nextHeader);
        segment.set(U8, offset + Ipv6Header.HOP_LIMIT_OFFSET, (byte)64);
        segment.set(U64_BE, offset + Ipv6Header.SOURCE_OFFSET, SOURCE_HIGH);
        segment.set(U64_BE, offset + Ipv6Header.SOURCE_OFFSET + 8, SOURCE_LOW);
        segment.set(U64_BE, offset + Ipv6Header.DESTINATION_OFFSET, DESTINATION_HIGH);
        segment.set(U64_BE, offset + Ipv6Header.DESTINATION_OFFSET + 8, DESTINATION_LOW);
        return segment;
    }

    /** Writes an options-style extension header (HBH, Routing, DstOpts) of {@code 8 * (hdrExtLen + 1)} bytes. */
    private static int options(final MemorySegment segment, final long at, final int nextHeader, final int hdrExtLen)
    {
        segment.set(U8, at, (byte)nextHeader);
        segment.set(U8, at + 1, (byte)hdrExtLen);
        return (hdrExtLen + 1) * 8;
    }

    private static void fragment(final MemorySegment segment, final long at, final int nextHeader, final int fragmentOffset, final boolean more)
    {
        segment.set(U8, at, (byte)nextHeader);
        segment.set(U16_BE, at + 2, (short)((fragmentOffset << 3) | (more ? 1 : 0)));
        segment.set(U32_BE, at + 4, 0xCAFE_F00D);
    }

    @Test
    void accessors()
    {
        final Ipv6Header ip = new Ipv6Header().wrap(packet(2, Ipv6Header.NH_UDP, 8, 0), 2);
        assertEquals(2, ip.offset());
        assertEquals(6, ip.version());
        assertEquals(0x1_2345, ip.flowLabel());
        assertEquals(8, ip.payloadLength());
        assertEquals(Ipv6Header.NH_UDP, ip.nextHeader());
        assertEquals(64, ip.hopLimit());
        assertEquals(SOURCE_HIGH, ip.sourceHigh());
        assertEquals(SOURCE_LOW, ip.sourceLow());
        assertEquals(DESTINATION_HIGH, ip.destinationHigh());
        assertEquals(DESTINATION_LOW, ip.destinationLow());
    }

    @Test
    void setters()
    {
        final MemorySegment segment = packet(0, Ipv6Header.NH_UDP, 8, 0);
        final Ipv6Header ip = new Ipv6Header().wrap(segment, 0);
        ip.source(DESTINATION_HIGH, DESTINATION_LOW);
        ip.destination(SOURCE_HIGH, SOURCE_LOW);
        ip.payloadLength(0xFFFF);
        assertEquals(DESTINATION_HIGH, ip.sourceHigh());
        assertEquals(DESTINATION_LOW, ip.sourceLow());
        assertEquals(SOURCE_HIGH, ip.destinationHigh());
        assertEquals(SOURCE_LOW, ip.destinationLow());
        assertEquals(0xFFFF, ip.payloadLength());
        assertEquals(6, ip.version());
        assertEquals(Ipv6Header.NH_UDP, ip.nextHeader());
    }

    @Test
    void walkWithoutExtensionHeaders()
    {
        final Ipv6Header ip = new Ipv6Header().wrap(packet(0, Ipv6Header.NH_UDP, 8, 20), 0);
        assertEquals(48, ip.walk(68));
        assertEquals(40, ip.transportOffset());
        assertEquals(Ipv6Header.NH_UDP, ip.transportProtocol());
        assertEquals(-1, ip.fragmentHeaderOffset());
        assertFalse(ip.isFragment());
        assertFalse(ip.isNonFirstFragment());
        assertFalse(ip.isAtomicFragment());
    }

    @Test
    void walkEmptyPayloadNoNextHeader()
    {
        final Ipv6Header ip = new Ipv6Header().wrap(packet(0, Ipv6Header.NH_NONE, 0, 0), 0);
        assertEquals(40, ip.walk(40));
        assertEquals(Ipv6Header.NH_NONE, ip.transportProtocol());
        assertEquals(40, ip.transportOffset());
    }

    @Test
    void walkHopByHopDestinationOptionsRoutingToUdp()
    {
        final int chain = 8 + 16 + 24;
        final MemorySegment segment = packet(3, Ipv6Header.NH_HOP_BY_HOP, chain + 8, 0);
        long at = 3 + Ipv6Header.HEADER_LENGTH;
        at += options(segment, at, Ipv6Header.NH_DESTINATION_OPTIONS, 0);
        at += options(segment, at, Ipv6Header.NH_ROUTING, 1);
        at += options(segment, at, Ipv6Header.NH_UDP, 2);
        assertEquals(3 + 40 + chain, at);

        final Ipv6Header ip = new Ipv6Header().wrap(segment, 3);
        assertEquals(40 + chain + 8, ip.walk(40 + chain + 8));
        assertEquals(40 + chain, ip.transportOffset());
        assertEquals(Ipv6Header.NH_UDP, ip.transportProtocol());
        assertFalse(ip.isFragment());
    }

    @Test
    void walkAuthenticationHeaderToTcp()
    {
        // AH payload length 4: (4 + 2) * 4 = 24 bytes.
        final MemorySegment segment = packet(0, Ipv6Header.NH_AH, 24 + 20, 0);
        segment.set(U8, 40, (byte)Ipv6Header.NH_TCP);
        segment.set(U8, 41, (byte)4);
        final Ipv6Header ip = new Ipv6Header().wrap(segment, 0);
        assertEquals(84, ip.walk(84));
        assertEquals(64, ip.transportOffset());
        assertEquals(Ipv6Header.NH_TCP, ip.transportProtocol());
    }

    @Test
    void walkStopsAtEsp()
    {
        final Ipv6Header ip = new Ipv6Header().wrap(packet(0, Ipv6Header.NH_ESP, 16, 0), 0);
        assertEquals(56, ip.walk(56));
        assertEquals(Ipv6Header.NH_ESP, ip.transportProtocol());
        assertEquals(40, ip.transportOffset());
    }

    @Test
    void firstFragment()
    {
        final MemorySegment segment = packet(0, Ipv6Header.NH_FRAGMENT, 8 + 8, 0);
        fragment(segment, 40, Ipv6Header.NH_UDP, 0, true);
        final Ipv6Header ip = new Ipv6Header().wrap(segment, 0);
        assertEquals(56, ip.walk(56));
        assertTrue(ip.isFragment());
        assertEquals(40, ip.fragmentHeaderOffset());
        assertFalse(ip.isNonFirstFragment());
        assertFalse(ip.isAtomicFragment());
        assertEquals(48, ip.transportOffset());
        assertEquals(Ipv6Header.NH_UDP, ip.transportProtocol());
    }

    @Test
    void nonFirstFragment()
    {
        for (final boolean more : new boolean[] {true, false})
        {
            final MemorySegment segment = packet(0, Ipv6Header.NH_FRAGMENT, 8 + 8, 0);
            fragment(segment, 40, Ipv6Header.NH_UDP, 185, more);
            final Ipv6Header ip = new Ipv6Header().wrap(segment, 0);
            assertEquals(56, ip.walk(56));
            assertTrue(ip.isFragment());
            assertTrue(ip.isNonFirstFragment());
            assertFalse(ip.isAtomicFragment());
        }
    }

    /**
     * A non-first fragment carries payload bytes, not headers, after its fragment header, even
     * when the fragment header's Next Header names an extension header (it names the first header
     * of the original fragmentable part). The walk must stop there, as Linux's
     * {@code ipv6_skip_exthdr} does. Fails against Ipv6Header.walk as written: it parses the
     * payload as a Destination Options header (case 1: invalid; case 2: a bogus TCP header).
     */
    @Test
    void nonFirstFragmentStopsTheWalk()
    {
        for (final int payloadByte0And1 : new int[] {0x3CFF, 0x0600})
        {
            final MemorySegment segment = packet(0, Ipv6Header.NH_FRAGMENT, 8 + 16, 0);
            fragment(segment, 40, Ipv6Header.NH_DESTINATION_OPTIONS, 185, true);
            segment.set(U16_BE, 48, (short)payloadByte0And1);
            final Ipv6Header ip = new Ipv6Header().wrap(segment, 0);
            assertEquals(64, ip.walk(64), "payload starting 0x" + Integer.toHexString(payloadByte0And1));
            assertTrue(ip.isNonFirstFragment());
            assertEquals(40, ip.fragmentHeaderOffset());
            assertEquals(48, ip.transportOffset());
            assertEquals(Ipv6Header.NH_DESTINATION_OPTIONS, ip.transportProtocol());
        }
    }

    /**
     * RFC 8200 §4.1: Hop-by-Hop Options may only follow the IPv6 header immediately. Fails against
     * Ipv6Header.walk as written, which accepts it anywhere in the chain.
     */
    @Test
    void hopByHopNotFirstInvalid()
    {
        final MemorySegment segment = packet(0, Ipv6Header.NH_DESTINATION_OPTIONS, 8 + 8 + 8, 0);
        options(segment, 40, Ipv6Header.NH_HOP_BY_HOP, 0);
        options(segment, 48, Ipv6Header.NH_UDP, 0);
        assertEquals(Ipv6Header.WALK_INVALID, new Ipv6Header().wrap(segment, 0).walk(64));
    }

    @Test
    void smallestNonFirstFragmentOffset()
    {
        final MemorySegment segment = packet(0, Ipv6Header.NH_FRAGMENT, 8, 0);
        fragment(segment, 40, Ipv6Header.NH_UDP, 1, false);
        final Ipv6Header ip = new Ipv6Header().wrap(segment, 0);
        assertEquals(48, ip.walk(48));
        assertTrue(ip.isNonFirstFragment());
    }

    @Test
    void atomicFragment()
    {
        final MemorySegment segment = packet(0, Ipv6Header.NH_FRAGMENT, 8 + 8, 0);
        fragment(segment, 40, Ipv6Header.NH_UDP, 0, false);
        // Reserved bits (0x0006) set must not make it look like a real fragment.
        segment.set(U16_BE, 42, (short)0x0006);
        final Ipv6Header ip = new Ipv6Header().wrap(segment, 0);
        assertEquals(56, ip.walk(56));
        assertTrue(ip.isFragment());
        assertTrue(ip.isAtomicFragment());
        assertFalse(ip.isNonFirstFragment());
        assertEquals(48, ip.transportOffset());
    }

    @Test
    void fragmentAfterHopByHop()
    {
        final MemorySegment segment = packet(0, Ipv6Header.NH_HOP_BY_HOP, 8 + 8 + 8, 0);
        options(segment, 40, Ipv6Header.NH_FRAGMENT, 0);
        fragment(segment, 48, Ipv6Header.NH_ICMPV6, 0, true);
        final Ipv6Header ip = new Ipv6Header().wrap(segment, 0);
        assertEquals(64, ip.walk(64));
        assertEquals(48, ip.fragmentHeaderOffset());
        assertEquals(56, ip.transportOffset());
        assertEquals(Ipv6Header.NH_ICMPV6, ip.transportProtocol());
    }

    @Test
    void twoFragmentHeadersInvalid()
    {
        final MemorySegment segment = packet(0, Ipv6Header.NH_FRAGMENT, 8 + 8 + 8, 0);
        fragment(segment, 40, Ipv6Header.NH_FRAGMENT, 0, true);
        fragment(segment, 48, Ipv6Header.NH_UDP, 0, true);
        assertEquals(Ipv6Header.WALK_INVALID, new Ipv6Header().wrap(segment, 0).walk(64));
    }

    @Test
    void fragmentHeaderCutShortInvalid()
    {
        final MemorySegment segment = packet(0, Ipv6Header.NH_FRAGMENT, 4, 16);
        fragment(segment, 40, Ipv6Header.NH_UDP, 0, true);
        assertEquals(Ipv6Header.WALK_INVALID, new Ipv6Header().wrap(segment, 0).walk(60));
    }

    @Test
    void chainRunningPastPacketInvalid()
    {
        // Payload length 8 but the Hop-by-Hop header says 16 bytes; the buffer has room, the packet does not.
        final MemorySegment segment = packet(0, Ipv6Header.NH_HOP_BY_HOP, 8, 32);
        options(segment, 40, Ipv6Header.NH_UDP, 1);
        assertEquals(Ipv6Header.WALK_INVALID, new Ipv6Header().wrap(segment, 0).walk(80));
    }

    @Test
    void extensionHeaderFixedPartPastPacketInvalid()
    {
        final MemorySegment segment = packet(0, Ipv6Header.NH_DESTINATION_OPTIONS, 4, 32);
        options(segment, 40, Ipv6Header.NH_UDP, 0);
        assertEquals(Ipv6Header.WALK_INVALID, new Ipv6Header().wrap(segment, 0).walk(76));
    }

    @Test
    void authenticationHeaderPastPacketInvalid()
    {
        final MemorySegment segment = packet(0, Ipv6Header.NH_AH, 16, 32);
        segment.set(U8, 40, (byte)Ipv6Header.NH_TCP);
        segment.set(U8, 41, (byte)4);
        assertEquals(Ipv6Header.WALK_INVALID, new Ipv6Header().wrap(segment, 0).walk(88));
    }

    @Test
    void chainEndingExactlyAtPacketEndIsValid()
    {
        final MemorySegment segment = packet(0, Ipv6Header.NH_HOP_BY_HOP, 16, 0);
        options(segment, 40, Ipv6Header.NH_NONE, 1);
        final Ipv6Header ip = new Ipv6Header().wrap(segment, 0);
        assertEquals(56, ip.walk(56));
        assertEquals(56, ip.transportOffset());
        assertEquals(Ipv6Header.NH_NONE, ip.transportProtocol());
    }

    private static MemorySegment destinationOptionsChain(final int count)
    {
        final MemorySegment segment = packet(0, Ipv6Header.NH_DESTINATION_OPTIONS, count * 8 + 8, 0);
        for (int i = 0; i < count; i++)
        {
            options(segment, 40 + i * 8L, i == count - 1 ? Ipv6Header.NH_UDP : Ipv6Header.NH_DESTINATION_OPTIONS, 0);
        }
        return segment;
    }

    @Test
    void maxExtensionHeadersAccepted()
    {
        final int count = Ipv6Header.MAX_EXTENSION_HEADERS;
        final Ipv6Header ip = new Ipv6Header().wrap(destinationOptionsChain(count), 0);
        assertEquals(40 + count * 8 + 8, ip.walk(40 + count * 8 + 8));
        assertEquals(40 + count * 8, ip.transportOffset());
        assertEquals(Ipv6Header.NH_UDP, ip.transportProtocol());
    }

    @Test
    void moreThanMaxExtensionHeadersInvalid()
    {
        final int count = Ipv6Header.MAX_EXTENSION_HEADERS + 1;
        final Ipv6Header ip = new Ipv6Header().wrap(destinationOptionsChain(count), 0);
        assertEquals(Ipv6Header.WALK_INVALID, ip.walk(40 + count * 8 + 8));
    }

    @Test
    void payloadLengthPastAvailableInvalid()
    {
        final Ipv6Header ip = new Ipv6Header().wrap(packet(0, Ipv6Header.NH_UDP, 8, 0), 0);
        assertEquals(Ipv6Header.WALK_INVALID, ip.walk(47));
        assertEquals(48, ip.walk(48));
    }

    @Test
    void shorterThanFixedHeaderInvalid()
    {
        final Ipv6Header ip = new Ipv6Header().wrap(packet(0, Ipv6Header.NH_UDP, 0, 0), 0);
        assertEquals(Ipv6Header.WALK_INVALID, ip.walk(39));
        assertEquals(40, ip.walk(40));
    }

    @Test
    void wrongVersionInvalid()
    {
        final MemorySegment segment = packet(0, Ipv6Header.NH_UDP, 8, 0);
        final Ipv6Header ip = new Ipv6Header().wrap(segment, 0);
        for (final int version : new int[] {0, 4, 7, 15})
        {
            segment.set(U8, 0, (byte)(version << 4));
            assertEquals(version, ip.version());
            assertEquals(Ipv6Header.WALK_INVALID, ip.walk(48), "version " + version);
        }
    }

    @Test
    void walkResetsFragmentStateOnReuse()
    {
        final MemorySegment fragmented = packet(0, Ipv6Header.NH_FRAGMENT, 8 + 8, 0);
        fragment(fragmented, 40, Ipv6Header.NH_UDP, 185, false);
        final Ipv6Header ip = new Ipv6Header().wrap(fragmented, 0);
        assertEquals(56, ip.walk(56));
        assertTrue(ip.isFragment());

        ip.wrap(packet(0, Ipv6Header.NH_UDP, 8, 0), 0);
        assertEquals(48, ip.walk(48));
        assertFalse(ip.isFragment());
        assertFalse(ip.isNonFirstFragment());
    }
}
