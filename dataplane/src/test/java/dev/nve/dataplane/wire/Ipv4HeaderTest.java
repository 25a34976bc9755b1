package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Ipv4HeaderTest
{
    private static final HexFormat HEX = HexFormat.of();

    /**
     * 198.18.0.1 → 198.18.0.2, UDP, total length 0x73, DF, TTL 64, checksum 0xae52. By hand:
     * 4500 + 0073 + 0000 + 4000 + 4011 + c612 + 0001 + c612 + 0002 = 0x251ab;
     * fold: 0x51ab + 0x2 = 0x51ad; complement: 0xae52.
     */
    private static final String HEADER = "45000073" + "00004000" + "4011ae52" + "c6120001" + "c6120002";
    private static final int TOTAL_LENGTH = 0x73;

    private static MemorySegment packet(final String header)
    {
        final byte[] bytes = new byte[Math.max(TOTAL_LENGTH, header.length() / 2)];
        final byte[] head = HEX.parseHex(header);
        System.arraycopy(head, 0, bytes, 0, head.length);
        return MemorySegment.ofArray(bytes);
    }

    @Test
    void accessors()
    {
        final Ipv4Header ip = new Ipv4Header().wrap(packet(HEADER), 0);
        assertEquals(4, ip.version());
        assertEquals(20, ip.headerLength());
        assertEquals(TOTAL_LENGTH, ip.totalLength());
        assertEquals(0x4000, ip.flagsAndFragmentOffset());
        assertEquals(64, ip.ttl());
        assertEquals(Ipv4Header.PROTOCOL_UDP, ip.protocol());
        assertEquals(0xAE52, ip.checksum());
        assertEquals(0xC612_0001, ip.source());
        assertEquals(0xC612_0002, ip.destination());
        assertEquals(0, ip.offset());
    }

    @Test
    void validateGood()
    {
        final Ipv4Header ip = new Ipv4Header().wrap(packet(HEADER), 0);
        assertEquals(TOTAL_LENGTH, ip.validate(TOTAL_LENGTH));
        assertEquals(TOTAL_LENGTH, ip.validate(TOTAL_LENGTH + 100));
    }

    @Test
    void validateRejectsWrongVersion()
    {
        assertEquals(-1, new Ipv4Header().wrap(packet("65" + HEADER.substring(2)), 0).validate(TOTAL_LENGTH));
        assertEquals(-1, new Ipv4Header().wrap(packet("05" + HEADER.substring(2)), 0).validate(TOTAL_LENGTH));
    }

    @Test
    void validateRejectsShortIhl()
    {
        for (int ihl = 0; ihl < 5; ihl++)
        {
            final String first = "4" + Integer.toHexString(ihl);
            assertEquals(-1, new Ipv4Header().wrap(packet(first + HEADER.substring(2)), 0).validate(TOTAL_LENGTH), "IHL " + ihl);
        }
    }

    @Test
    void validateRejectsTotalLengthBeyondAvailable()
    {
        final Ipv4Header ip = new Ipv4Header().wrap(packet(HEADER), 0);
        assertEquals(-1, ip.validate(TOTAL_LENGTH - 1));
    }

    @Test
    void validateRejectsTotalLengthBelowHeaderLength()
    {
        final Ipv4Header ip = new Ipv4Header().wrap(packet("45000013" + HEADER.substring(8)), 0);
        assertEquals(-1, ip.validate(TOTAL_LENGTH));
        ip.totalLength(20);
        assertEquals(20, ip.validate(TOTAL_LENGTH));
    }

    @Test
    void validateRejectsTruncated()
    {
        final Ipv4Header ip = new Ipv4Header().wrap(packet(HEADER), 0);
        assertEquals(-1, ip.validate(19));
        assertEquals(-1, ip.validate(0));
    }

    @Test
    void validateRejectsOptionsBeyondAvailable()
    {
        // IHL 15 (60 bytes of header), total length 60, only 40 available.
        final Ipv4Header ip = new Ipv4Header().wrap(packet("4f00003c" + HEADER.substring(8)), 0);
        assertEquals(-1, ip.validate(40));
        assertEquals(60, ip.validate(60));
        assertEquals(60, ip.headerLength());
    }

    @Test
    void checksumValidAndInvalid()
    {
        final MemorySegment segment = packet(HEADER);
        final Ipv4Header ip = new Ipv4Header().wrap(segment, 0);
        assertTrue(ip.checksumValid());
        segment.set(U8, Ipv4Header.TTL_OFFSET, (byte)63);
        assertFalse(ip.checksumValid());
        ip.checksum(0xAE52 + 0x0100);
        assertTrue(ip.checksumValid());
    }

    @Test
    void updateChecksumMatchesHandComputedVector()
    {
        final MemorySegment segment = packet(HEADER);
        final Ipv4Header ip = new Ipv4Header().wrap(segment, 0);
        ip.checksum(0x1234);
        assertFalse(ip.checksumValid());
        ip.updateChecksum();
        assertEquals(0xAE52, ip.checksum());
        assertTrue(ip.checksumValid());
    }

    @Test
    void updateChecksumCoversOptions()
    {
        // IHL 6, total length 28: one option word (NOP NOP NOP EOL), a 4-byte payload the
        // header checksum must not cover, and the header at offset 4 of the buffer.
        final byte[] bytes = HEX.parseHex("ffffffff" + "4600001c" + "00004000" + "40110000" + "c6120001" + "c6120002" + "01010100" + "ffffffff");
        final Ipv4Header ip = new Ipv4Header().wrap(MemorySegment.ofArray(bytes), 4);
        ip.updateChecksum();
        // 4600 + 001c + 0000 + 4000 + 4011 + c612 + 0001 + c612 + 0002 + 0101 + 0100 = 0x25455;
        // fold: 0x5455 + 0x2 = 0x5457; complement: 0xaba8.
        assertEquals(0xABA8, ip.checksum());
        assertTrue(ip.checksumValid());
        assertEquals(28, ip.validate(28));
        assertEquals(-1, ip.validate(27));
    }

    @Test
    void isFragment()
    {
        final MemorySegment segment = packet(HEADER);
        final Ipv4Header ip = new Ipv4Header().wrap(segment, 0);
        assertFalse(ip.isFragment(), "DF only");
        segment.set(U16_BE, Ipv4Header.FLAGS_FRAGMENT_OFFSET, (short)0x0000);
        assertFalse(ip.isFragment(), "no flags");
        segment.set(U16_BE, Ipv4Header.FLAGS_FRAGMENT_OFFSET, (short)0x2000);
        assertTrue(ip.isFragment(), "first fragment: MF, offset 0");
        segment.set(U16_BE, Ipv4Header.FLAGS_FRAGMENT_OFFSET, (short)0x00B9);
        assertTrue(ip.isFragment(), "last fragment: offset 185");
        segment.set(U16_BE, Ipv4Header.FLAGS_FRAGMENT_OFFSET, (short)0x20B9);
        assertTrue(ip.isFragment(), "middle fragment");
        segment.set(U16_BE, Ipv4Header.FLAGS_FRAGMENT_OFFSET, (short)0x8000);
        assertFalse(ip.isFragment(), "reserved bit only");
    }

    /**
     * A TTL decrement through RFC 1624 eqn. 3 gives exactly the full recompute, 0x0000 included:
     * the other words of an IPv4 header never sum to zero (the version nibble is 4), the only case
     * in which eqn. 3 and recompute differ (see {@link ChecksumTest}).
     */
    @Property
    void ttlDecrementByUpdate16EqualsRecompute(@ForAll @Size(min = 40, max = 40) final byte[] random, @ForAll @IntRange(min = 5, max = 10) final int ihl)
    {
        final MemorySegment segment = MemorySegment.ofArray(random);
        segment.set(U8, 0, (byte)(0x40 | ihl));
        final Ipv4Header ip = new Ipv4Header().wrap(segment, 0);
        ip.updateChecksum();
        assertTrue(ip.checksumValid());

        final int oldWord = segment.get(U16_BE, Ipv4Header.TTL_OFFSET) & 0xFFFF;
        final int newWord = (oldWord - 0x0100) & 0xFFFF;
        segment.set(U16_BE, Ipv4Header.TTL_OFFSET, (short)newWord);
        final int incremental = Checksum.update16(ip.checksum(), oldWord, newWord);
        ip.updateChecksum();
        assertEquals(ip.checksum(), incremental);
    }

    /** The little-endian 64-bit fast check agrees with the big-endian RFC 1071 sum, options included. */
    @Property
    void checksumValidAgreesWithTheBigEndianSum(@ForAll @Size(min = 60, max = 60) final byte[] random, @ForAll @IntRange(min = 5, max = 15) final int ihl,
        @ForAll final boolean fixChecksum)
    {
        final MemorySegment segment = MemorySegment.ofArray(random);
        segment.set(U8, 0, (byte)(0x40 | ihl));
        final Ipv4Header ip = new Ipv4Header().wrap(segment, 0);
        if (fixChecksum)
        {
            ip.updateChecksum();
        }
        assertEquals(Checksum.fold(Checksum.sum(segment, 0, ihl * 4)) == 0xFFFF, ip.checksumValid());
        assertTrue(!fixChecksum || ip.checksumValid());
    }

    /** The register accessors after loadFixedHeader() give exactly what the memory accessors give. */
    @Property
    void loadedFieldsEqualTheMemoryAccessors(@ForAll @Size(min = 60, max = 60) final byte[] random, @ForAll @IntRange(min = 20, max = 60) final int available,
        @ForAll final boolean fixChecksum)
    {
        final MemorySegment segment = MemorySegment.ofArray(random);
        final Ipv4Header ip = new Ipv4Header().wrap(segment, 0);
        if (fixChecksum)
        {
            segment.set(U8, 0, (byte)(0x40 | (random[0] & 0x0F) | 0x05));
            ip.updateChecksum();
        }
        ip.loadFixedHeader();
        assertEquals(ip.validate(available), ip.validateLoaded(available));
        assertEquals(ip.headerLength(), ip.loadedHeaderLength());
        assertEquals(ip.totalLength(), ip.loadedTotalLength());
        assertEquals(ip.flagsAndFragmentOffset(), ip.loadedFlagsAndFragmentOffset());
        assertEquals(ip.protocol(), ip.loadedProtocol());
        assertEquals(ip.destination(), ip.loadedDestination());
        if (ip.headerLength() >= Ipv4Header.MIN_HEADER_LENGTH)
        {
            assertEquals(ip.checksumValid(), ip.checksumValidLoaded());
        }
    }
}
