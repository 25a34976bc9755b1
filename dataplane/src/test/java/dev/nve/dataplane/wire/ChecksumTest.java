package dev.nve.dataplane.wire;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import java.util.List;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The Internet checksum and its incremental update.
 *
 * <h2>What RFC 1624 eqn. 3 guarantees, exactly</h2>
 * Write S for the one's-complement sum of the covered words (checksum field excluded) and
 * fold(x) for the end-around-carry reduction of x to 16 bits. For x &gt; 0, fold(x) lies in
 * [1, 0xFFFF] and is congruent to x mod 0xFFFF; fold(0) = 0.
 * <ul>
 *   <li>Full recompute: {@code ~fold(S)}. It is 0xFFFF only when every covered word is zero
 *   (fold(S) = 0), and 0x0000 when S is a non-zero multiple of 0xFFFF.</li>
 *   <li>Eqn. 3: {@code ~fold(~HC + ~m + m')}. The argument is never 0: either ~HC ≥ 1, or
 *   HC = 0xFFFF, which recompute only yields for all-zero data, so m = 0 and ~m = 0xFFFF. Hence
 *   eqn. 3 <b>never yields 0xFFFF</b>, and it yields 0x0000 exactly when the new S is
 *   ≡ 0 mod 0xFFFF.</li>
 * </ul>
 * So eqn. 3 equals the full recompute bit for bit in every case but one: the new data are all
 * zero, where recompute gives 0xFFFF and eqn. 3 gives 0x0000 (both one's-complement zero).
 * Eqn. 3 does yield 0x0000 from a valid header, correctly, whenever the recompute does (RFC 1624
 * §4's example: HC 0xDD2F, m 0x5555 → m' 0x3285 gives 0x0000, where RFC 1141's eqn. gave
 * 0xFFFF). The all-zero case cannot arise for IPv4 (version nibble 4) or for a transport checksum
 * (the pseudo-header carries the protocol number); for UDP the caller still maps a result of
 * 0x0000 to 0xFFFF on the wire (RFC 768).
 */
class ChecksumTest
{
    private static final HexFormat HEX = HexFormat.of();

    private static MemorySegment bytes(final String hex)
    {
        return MemorySegment.ofArray(HEX.parseHex(hex));
    }

    private static boolean allZero(final byte[] data)
    {
        for (final byte b : data)
        {
            if (b != 0)
            {
                return false;
            }
        }
        return true;
    }

    @Test
    void rfc1071Example()
    {
        // RFC 1071 §3: 0001 f203 f4f5 f6f7 sums to 0x2ddf0, folds to 0xddf2.
        final MemorySegment segment = bytes("0001f203f4f5f6f7");
        // The unfolded sum is read in 32-bit words, so only its folded value is defined.
        assertEquals(Checksum.fold(0x2DDF0L), Checksum.fold(Checksum.sum(segment, 0, 8)));
        assertEquals(0xDDF2, Checksum.fold(Checksum.sum(segment, 0, 8)));
        assertEquals(0x220D, Checksum.compute(segment, 0, 8));
    }

    @Test
    void oddLengthsPadWithZeroOnTheRight()
    {
        final MemorySegment segment = bytes("0001f203f4f5f6f7");
        assertEquals(0x0000L, Checksum.sum(segment, 0, 0));
        assertEquals(0x0000L, Checksum.sum(segment, 0, 1));
        assertEquals(0xF201L, Checksum.sum(segment, 0, 3));
        assertEquals(0x0DFE, Checksum.compute(segment, 0, 3));
        // f2 03 f4 f5 f6 -> f203 + f4f5 + f600
        assertEquals(Checksum.fold(0xF203L + 0xF4F5L + 0xF600L), Checksum.fold(Checksum.sum(segment, 2, 5)));
        // 01 f2 03 at an odd offset -> 01f2 + 0300
        assertEquals(0x01F2L + 0x0300L, Checksum.sum(segment, 1, 3));
        // Seven bytes: one 32-bit read, one 16-bit read, one trailing byte.
        assertEquals(Checksum.fold(0x0001L + 0xF203L + 0xF4F5L + 0xF600L), Checksum.fold(Checksum.sum(segment, 0, 7)));
    }

    @Test
    void foldAndFinishEdges()
    {
        assertEquals(0, Checksum.fold(0));
        assertEquals(0xFFFF, Checksum.finish(0));
        assertEquals(0xFFFF, Checksum.fold(0xFFFF));
        assertEquals(0x0000, Checksum.finish(0xFFFF));
        assertEquals(0x0001, Checksum.fold(0x10000));
        assertEquals(0xFFFF, Checksum.fold(0x1FFFE));
        assertEquals(0xFFFF, Checksum.fold(0xFFFF_FFFFL));
        assertEquals(0xFFFF, Checksum.fold(Long.MAX_VALUE - (Long.MAX_VALUE % 0xFFFF)));
        assertEquals((int)(Long.MAX_VALUE % 0xFFFF), Checksum.fold(Long.MAX_VALUE));
    }

    @Test
    void allZeroDataComputesToFfff()
    {
        final MemorySegment segment = MemorySegment.ofArray(new byte[12]);
        assertEquals(0xFFFF, Checksum.compute(segment, 0, 12));
    }

    @Test
    void rfc1624Section4Example()
    {
        // Other words sum to 0xCD7A; m = 0x5555 -> m' = 0x3285.
        final MemorySegment segment = bytes("cd7a" + "5555");
        final int before = Checksum.compute(segment, 0, 4);
        assertEquals(0xDD2F, before);
        segment.set(U16_BE, 2, (short)0x3285);
        assertEquals(0x0000, Checksum.compute(segment, 0, 4));
        assertEquals(0x0000, Checksum.update16(before, 0x5555, 0x3285));
    }

    @Test
    void update16OnAllZeroResultGivesPositiveZero()
    {
        // The single case where eqn. 3 and recompute differ: the new data are all zero.
        final MemorySegment segment = bytes("0000" + "1234");
        final int before = Checksum.compute(segment, 0, 4);
        segment.set(U16_BE, 2, (short)0);
        assertEquals(0xFFFF, Checksum.compute(segment, 0, 4));
        assertEquals(0x0000, Checksum.update16(before, 0x1234, 0x0000));
        // And from the all-zero state back: exact again.
        assertEquals(0xEDCB, Checksum.update16(0xFFFF, 0x0000, 0x1234));
        assertEquals(0xEDCB, Checksum.compute(bytes("00001234"), 0, 4));
    }

    @Test
    void update16NeverReturnsFfff()
    {
        assertEquals(0x0000, Checksum.update16(0xFFFF, 0x0000, 0x0000));
        assertEquals(0x0000, Checksum.update16(0xFFFF, 0xFFFF, 0xFFFF));
        assertEquals(0x0000, Checksum.update16(0x0000, 0x1234, 0x1234));
        assertEquals(0x0000, Checksum.update16(0xFFFF, 0x1234, 0x1234));
    }

    @Test
    void updateWithZeroDifferenceIsIdentity()
    {
        assertEquals(0x1234, Checksum.updateWithDifference(0x1234, 0));
        assertEquals(0x0000, Checksum.updateWithDifference(0x0000, 0));
        assertEquals(0xFFFF, Checksum.updateWithDifference(0xFFFF, 0));
    }

    @Test
    void udpOverIpv4Vector()
    {
        // 198.18.0.1:1234 -> 198.18.0.2:4789, UDP length 11, payload "nve".
        // Pseudo-header: c612 + 0001 + c612 + 0002 + 0011 + 000b = 0x18c43.
        // UDP: 04d2 + 12b5 + 000b + 0000 + 6e76 + 6500 = 0xeb08. Total 0x2774b -> 0x774d -> ~ 0x88b2.
        final MemorySegment segment = bytes("4500001f" + "00000000" + "40110000" + "c6120001" + "c6120002" + "04d212b5000b0000" + "6e7665");
        final long pseudo = Checksum.ipv4PseudoHeaderSum(segment, 0, Ipv4Header.PROTOCOL_UDP, 11);
        assertEquals(0x8C44, Checksum.fold(pseudo));
        assertEquals(0xEB08, Checksum.fold(Checksum.sum(segment, 20, 11)));
        assertEquals(0x88B2, Checksum.finish(pseudo + Checksum.sum(segment, 20, 11)));
        segment.set(U16_BE, 20 + UdpHeader.CHECKSUM_OFFSET, (short)0x88B2);
        assertEquals(0xFFFF, Checksum.fold(pseudo + Checksum.sum(segment, 20, 11)));
    }

    @Test
    void icmpv6OverIpv6Vector()
    {
        // 2001:db8::1 -> 2001:db8::2, echo request id 1 seq 1, no data.
        // Pseudo-header: 2dba + 2dbb + 0008 + 003a; ICMPv6: 8000 + 0001 + 0001; total 0xdbb9 -> ~ 0x2446.
        final MemorySegment segment = bytes("6000000000083a40" + "20010db8000000000000000000000001" + "20010db8000000000000000000000002" + "8000000000010001");
        final long pseudo = Checksum.ipv6PseudoHeaderSum(segment, 0, Ipv6Header.NH_ICMPV6, 8);
        assertEquals(0x2DBA + 0x2DBB + 0x0008 + 0x003A, Checksum.fold(pseudo));
        assertEquals(0x2446, Checksum.finish(pseudo + Checksum.sum(segment, 40, 8)));
    }

    @Test
    void ipv6PseudoHeaderCarriesA32BitLength()
    {
        final MemorySegment segment = MemorySegment.ofArray(new byte[40]);
        // Jumbogram-sized length: 0x0001_0002 contributes 0x0001 + 0x0002.
        assertEquals(0x0003 + Ipv6Header.NH_UDP, Checksum.fold(Checksum.ipv6PseudoHeaderSum(segment, 0, Ipv6Header.NH_UDP, 0x0001_0002)));
    }

    @Test
    void sumInNativeMemoryAtOddOffset()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment segment = arena.allocate(16);
            MemorySegment.copy(bytes("0001f203f4f5f6f7"), 0, segment, 5, 8);
            assertEquals(0x220D, Checksum.compute(segment, 5, 8));
        }
    }

    /**
     * (a) RFC 1624 eqn. 3 for one changed word equals the full recompute, except when the new
     * data are all zero (recompute 0xFFFF, eqn. 3 0x0000); it never returns 0xFFFF.
     */
    @Property(tries = 2000)
    void update16EqualsRecompute(@ForAll @Size(min = 2, max = 128) final byte[] data, @ForAll final int wordSeed,
        @ForAll @IntRange(min = 0, max = 0xFFFF) final int newWord)
    {
        final MemorySegment segment = MemorySegment.ofArray(data);
        final long at = 2L * Math.floorMod(wordSeed, data.length / 2);
        final int before = Checksum.compute(segment, 0, data.length);
        final int oldWord = segment.get(U16_BE, at) & 0xFFFF;
        segment.set(U16_BE, at, (short)newWord);
        final int recomputed = Checksum.compute(segment, 0, data.length);
        final int incremental = Checksum.update16(before, oldWord, newWord);

        assertNotEquals(0xFFFF, incremental);
        if (allZero(data))
        {
            assertEquals(0xFFFF, recomputed);
            assertEquals(0x0000, incremental);
        }
        else
        {
            assertEquals(recomputed, incremental);
        }
    }

    /**
     * (a') The new word is chosen so that the new sum is ≡ 0 mod 0xFFFF, as when the changed word
     * is a checksum field making the header valid: recompute and eqn. 3 both give 0x0000.
     */
    @Property(tries = 1000)
    void update16YieldsZeroExactlyWhenRecomputeDoes(@ForAll @Size(min = 2, max = 64) final byte[] data, @ForAll final int wordSeed)
    {
        final MemorySegment segment = MemorySegment.ofArray(data);
        final long at = 2L * Math.floorMod(wordSeed, data.length / 2);
        final int before = Checksum.compute(segment, 0, data.length);
        final int oldWord = segment.get(U16_BE, at) & 0xFFFF;
        segment.set(U16_BE, at, (short)0);
        final int newWord = Checksum.compute(segment, 0, data.length);
        segment.set(U16_BE, at, (short)newWord);

        assertEquals(0x0000, Checksum.compute(segment, 0, data.length));
        assertEquals(0x0000, Checksum.update16(before, oldWord, newWord));
    }

    /** (b) One update with the summed difference equals several update16 applied in turn. */
    @Property(tries = 2000)
    void updateWithDifferenceEqualsChainedUpdate16(@ForAll @IntRange(min = 0, max = 0xFFFF) final int checksum,
        @ForAll @Size(min = 2, max = 24) final List<@IntRange(min = 0, max = 0xFFFF) Integer> words)
    {
        int chained = checksum;
        long diff = 0;
        for (int i = 0; i + 1 < words.size(); i += 2)
        {
            final int oldWord = words.get(i);
            final int newWord = words.get(i + 1);
            chained = Checksum.update16(chained, oldWord, newWord);
            diff += (~oldWord & 0xFFFF) + newWord;
        }
        assertEquals(chained, Checksum.updateWithDifference(checksum, diff));
    }

    /** (b') On real data: several words changed, one update with the difference, equals recompute. */
    @Property(tries = 1000)
    void updateWithDifferenceEqualsRecompute(@ForAll @Size(min = 8, max = 64) final byte[] data, @ForAll @Size(min = 1, max = 4) final List<Integer> seeds,
        @ForAll @Size(min = 4, max = 4) final List<@IntRange(min = 0, max = 0xFFFF) Integer> newWords)
    {
        final MemorySegment segment = MemorySegment.ofArray(data);
        final int before = Checksum.compute(segment, 0, data.length);
        long diff = 0;
        for (int i = 0; i < seeds.size(); i++)
        {
            final long at = 2L * Math.floorMod(seeds.get(i), data.length / 2);
            final int oldWord = segment.get(U16_BE, at) & 0xFFFF;
            segment.set(U16_BE, at, (short)(int)newWords.get(i));
            diff += (~oldWord & 0xFFFF) + newWords.get(i);
        }
        final int incremental = Checksum.updateWithDifference(before, diff);
        final int recomputed = Checksum.compute(segment, 0, data.length);
        if (allZero(data))
        {
            assertEquals(0xFFFF, recomputed);
            assertEquals(0x0000, incremental);
        }
        else
        {
            assertEquals(recomputed, incremental);
        }
    }

    /**
     * (c) A sum over a buffer folds to the same value as the sums over two halves split at an even
     * offset; with the split at a multiple of 4 the unfolded sums are equal too (same reads).
     */
    @Property(tries = 2000)
    void sumSplitsAtEvenOffsets(@ForAll @Size(max = 256) final byte[] data, @ForAll final int splitSeed)
    {
        final MemorySegment segment = MemorySegment.ofArray(data);
        final int split = 2 * Math.floorMod(splitSeed, data.length / 2 + 1);
        final long whole = Checksum.sum(segment, 0, data.length);
        final long halves = Checksum.sum(segment, 0, split) + Checksum.sum(segment, split, data.length - split);
        assertEquals(Checksum.fold(whole), Checksum.fold(halves));
        if (split % 4 == 0)
        {
            assertEquals(whole, halves);
        }
    }

    /** Storing the computed checksum in a zeroed word makes the data verify (fold to 0xFFFF). */
    @Property(tries = 1000)
    void storedChecksumVerifies(@ForAll @Size(min = 2, max = 128) final byte[] data, @ForAll final int wordSeed)
    {
        final MemorySegment segment = MemorySegment.ofArray(data);
        final long at = 2L * Math.floorMod(wordSeed, data.length / 2);
        segment.set(U16_BE, at, (short)0);
        segment.set(U16_BE, at, (short)Checksum.compute(segment, 0, data.length));
        assertEquals(0xFFFF, Checksum.fold(Checksum.sum(segment, 0, data.length)));
    }

    /** The sum does not depend on where the bytes sit in memory (unaligned reads). */
    @Property(tries = 500)
    void sumIndependentOfPlacement(@ForAll @Size(max = 64) final byte[] data, @ForAll @IntRange(min = 0, max = 7) final int shift)
    {
        final byte[] shifted = new byte[data.length + shift];
        System.arraycopy(data, 0, shifted, shift, data.length);
        assertEquals(Checksum.sum(MemorySegment.ofArray(data), 0, data.length), Checksum.sum(MemorySegment.ofArray(shifted), shift, data.length));
    }
}
