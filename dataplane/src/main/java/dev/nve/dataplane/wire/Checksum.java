package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U32_BE;
import static dev.nve.dataplane.wire.Bytes.U8;

/**
 * The Internet checksum (RFC 1071) over frame memory, and its incremental update (RFC 1624).
 * Sums are kept unfolded in a long so callers can add pseudo-header parts before folding once.
 */
public final class Checksum
{
    private Checksum()
    {
    }

    /** Unfolded one's-complement sum of {@code length} bytes, read as big-endian 16-bit words. */
    public static long sum(final MemorySegment segment, final long offset, final int length)
    {
        long sum = 0;
        long i = offset;
        final long end = offset + length;
        while (i + 4 <= end)
        {
            sum += segment.get(U32_BE, i) & 0xFFFF_FFFFL;
            i += 4;
        }
        if (i + 2 <= end)
        {
            sum += segment.get(U16_BE, i) & 0xFFFF;
            i += 2;
        }
        if (i < end)
        {
            sum += (segment.get(U8, i) & 0xFF) << 8;
        }
        return sum;
    }

    /** Folds an unfolded sum to 16 bits (no complement). */
    public static int fold(final long unfolded)
    {
        long sum = unfolded;
        sum = (sum & 0xFFFF_FFFFL) + (sum >>> 32);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        return (int)sum;
    }

    /** The checksum field value: complement of the folded sum. */
    public static int finish(final long unfolded)
    {
        return ~fold(unfolded) & 0xFFFF;
    }

    /** Full checksum of a byte range, as written to a header field. */
    public static int compute(final MemorySegment segment, final long offset, final int length)
    {
        return finish(sum(segment, offset, length));
    }

    /**
     * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit word changing from m to m'.
     * Never returns 0xFFFF: where a full recompute over all-zero data gives 0xFFFF this gives
     * 0x0000 (both are zero in one's complement). UDP callers still send 0x0000 as 0xFFFF.
     */
    public static int update16(final int checksum, final int oldWord, final int newWord)
    {
        final long sum = (~checksum & 0xFFFF) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        return ~fold(sum) & 0xFFFF;
    }

    /** RFC 1624 update with a precomputed difference: {@code diff} = sum(~old words) + sum(new words). */
    public static int updateWithDifference(final int checksum, final long diff)
    {
        return ~fold((~checksum & 0xFFFF) + diff) & 0xFFFF;
    }

    /** IPv4 pseudo-header sum (source, destination, protocol, transport length), unfolded. */
    public static long ipv4PseudoHeaderSum(final MemorySegment segment, final long ipv4Offset, final int protocol, final int transportLength)
    {
        return (segment.get(U32_BE, ipv4Offset + Ipv4Header.SOURCE_OFFSET) & 0xFFFF_FFFFL) +
            (segment.get(U32_BE, ipv4Offset + Ipv4Header.DESTINATION_OFFSET) & 0xFFFF_FFFFL) +
            protocol + transportLength;
    }

    /** IPv6 pseudo-header sum (RFC 8200 §8.1), unfolded. */
    public static long ipv6PseudoHeaderSum(final MemorySegment segment, final long ipv6Offset, final int nextHeader, final int transportLength)
    {
        return sum(segment, ipv6Offset + Ipv6Header.SOURCE_OFFSET, 32) + nextHeader + (transportLength & 0xFFFF_FFFFL);
    }
}
