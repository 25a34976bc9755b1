package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U32_BE;
import static dev.nve.dataplane.wire.Bytes.U32_LE;
import static dev.nve.dataplane.wire.Bytes.U64_LE;
import static dev.nve.dataplane.wire.Bytes.U8;

/**
 * IPv4 header (RFC 791), options allowed.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version|  IHL  |    DSCP/ECN   |          Total Length         |
 *  |         Identification        |Flags|     Fragment Offset     |
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  |                       Source Address                          |
 *  |                    Destination Address                        |
 *  |                    Options (IHL > 5)                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * All fields big-endian.
 */
public final class Ipv4Header
{
    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOS_OFFSET = 1;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int IDENTIFICATION_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int CHECKSUM_OFFSET = 10;
    public static final int SOURCE_OFFSET = 12;
    public static final int DESTINATION_OFFSET = 16;
    public static final int MIN_HEADER_LENGTH = 20;

    public static final int PROTOCOL_ICMP = 1;
    public static final int PROTOCOL_TCP = 6;
    public static final int PROTOCOL_UDP = 17;

    /** Flags and fragment offset word: DF, MF and the offset's 13 bits. */
    public static final int DONT_FRAGMENT = 0x4000;
    public static final int MORE_FRAGMENTS = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    private MemorySegment segment;
    private long offset;
    // The fixed 20-byte header as loaded by loadFixedHeader(): bytes 0-7, 8-15 and 16-19,
    // little-endian words (byte k of a word is bits 8k to 8k+7).
    private long loaded0;
    private long loaded8;
    private int loaded16;

    public Ipv4Header wrap(final MemorySegment segment, final long offset)
    {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    public long offset()
    {
        return offset;
    }

    public int version()
    {
        return (segment.get(U8, offset + VERSION_IHL_OFFSET) & 0xF0) >>> 4;
    }

    /** Header length in bytes (IHL × 4). */
    public int headerLength()
    {
        return (segment.get(U8, offset + VERSION_IHL_OFFSET) & 0x0F) << 2;
    }

    public int totalLength()
    {
        return segment.get(U16_BE, offset + TOTAL_LENGTH_OFFSET) & 0xFFFF;
    }

    public int flagsAndFragmentOffset()
    {
        return segment.get(U16_BE, offset + FLAGS_FRAGMENT_OFFSET) & 0xFFFF;
    }

    /** True for any fragment: more-fragments set or a non-zero offset. */
    public boolean isFragment()
    {
        return (flagsAndFragmentOffset() & (MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public int ttl()
    {
        return segment.get(U8, offset + TTL_OFFSET) & 0xFF;
    }

    public int protocol()
    {
        return segment.get(U8, offset + PROTOCOL_OFFSET) & 0xFF;
    }

    public int checksum()
    {
        return segment.get(U16_BE, offset + CHECKSUM_OFFSET) & 0xFFFF;
    }

    /** Source address as an unsigned 32-bit value in an int (network order value). */
    public int source()
    {
        return segment.get(U32_BE, offset + SOURCE_OFFSET);
    }

    public int destination()
    {
        return segment.get(U32_BE, offset + DESTINATION_OFFSET);
    }

    /** True if the header checksum verifies (sum over the header folds to 0xFFFF). */
    public boolean checksumValid()
    {
        // Summed as little-endian 64-bit words, two 32-bit halves at a time: the one's-complement
        // sum is the same in either byte order up to a final swap (RFC 1071 §2(B)), and the
        // all-ones result that means "valid" reads the same both ways, so no byte is swapped.
        // IHL counts 32-bit words, so at most one 4-byte word is left after the 8-byte ones.
        final int length = headerLength();
        long sum = 0;
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            final long word = segment.get(U64_LE, offset + i);
            sum += (word & 0xFFFF_FFFFL) + (word >>> 32);
        }
        if (i < length)
        {
            sum += segment.get(U32_LE, offset + i) & 0xFFFF_FFFFL;
        }
        return Checksum.fold(sum) == 0xFFFF;
    }

    /**
     * Checks what a receiver must before trusting the other accessors: enough bytes for the
     * fixed header, version 4, IHL ≥ 5, header and total length inside {@code available}.
     *
     * @return the total length, or -1 when the header is invalid or truncated.
     */
    public int validate(final int available)
    {
        if (available < MIN_HEADER_LENGTH || version() != 4)
        {
            return -1;
        }
        final int headerLength = headerLength();
        final int totalLength = totalLength();
        if (headerLength < MIN_HEADER_LENGTH || totalLength < headerLength || totalLength > available)
        {
            return -1;
        }
        return totalLength;
    }

    public void totalLength(final int value)
    {
        segment.set(U16_BE, offset + TOTAL_LENGTH_OFFSET, (short)value);
    }

    public void checksum(final int value)
    {
        segment.set(U16_BE, offset + CHECKSUM_OFFSET, (short)value);
    }

    /**
     * Reads the fixed 20-byte header in three loads (the caller has checked that 20 bytes are
     * there); the {@code loaded*} methods then work on registers instead of one bounds-checked
     * memory access per field, which is what the receive path's classify needs per frame.
     */
    public Ipv4Header loadFixedHeader()
    {
        loaded0 = segment.get(U64_LE, offset);
        loaded8 = segment.get(U64_LE, offset + 8);
        loaded16 = segment.get(U32_LE, offset + 16);
        return this;
    }

    /** {@link #validate} on the loaded header; {@code available} must be at least 20. */
    public int validateLoaded(final int available)
    {
        final int versionIhl = (int)loaded0 & 0xFF;
        final int headerLength = (versionIhl & 0x0F) << 2;
        final int totalLength = loadedTotalLength();
        if (versionIhl >>> 4 != 4 || headerLength < MIN_HEADER_LENGTH || totalLength < headerLength || totalLength > available)
        {
            return -1;
        }
        return totalLength;
    }

    /** {@link #checksumValid} on the loaded header (options, if any, are read from memory). */
    public boolean checksumValidLoaded()
    {
        long sum = (loaded0 & 0xFFFF_FFFFL) + (loaded0 >>> 32) + (loaded8 & 0xFFFF_FFFFL) + (loaded8 >>> 32) + (loaded16 & 0xFFFF_FFFFL);
        final int length = loadedHeaderLength();
        for (int i = MIN_HEADER_LENGTH; i < length; i += Integer.BYTES)
        {
            sum += segment.get(U32_LE, offset + i) & 0xFFFF_FFFFL;
        }
        return Checksum.fold(sum) == 0xFFFF;
    }

    public int loadedHeaderLength()
    {
        return ((int)loaded0 & 0x0F) << 2;
    }

    public int loadedTotalLength()
    {
        return Short.reverseBytes((short)(loaded0 >>> 16)) & 0xFFFF;
    }

    public int loadedFlagsAndFragmentOffset()
    {
        return Short.reverseBytes((short)(loaded0 >>> 48)) & 0xFFFF;
    }

    public int loadedProtocol()
    {
        return (int)(loaded8 >>> 8) & 0xFF;
    }

    /** Source address as a big-endian value, as {@link #source()}. */
    public int loadedSource()
    {
        return Integer.reverseBytes((int)(loaded8 >>> 32));
    }

    /** Destination address as a big-endian value, as {@link #destination()}. */
    public int loadedDestination()
    {
        return Integer.reverseBytes(loaded16);
    }

    /** Recomputes the header checksum from scratch. */
    public void updateChecksum()
    {
        checksum(0);
        checksum(Checksum.compute(segment, offset, headerLength()));
    }
}
