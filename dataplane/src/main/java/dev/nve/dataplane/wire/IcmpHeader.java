package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U32_BE;
import static dev.nve.dataplane.wire.Bytes.U8;

/**
 * ICMP header for IPv4 (RFC 792).
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Type      |     Code      |          Checksum             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |    Rest of Header (echo: Identifier, Sequence; errors: ...)   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   Data (errors: the invoking IPv4 header + 8 bytes or more)   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * All fields big-endian. The checksum covers the whole ICMP message, no pseudo-header.
 */
public final class IcmpHeader
{
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int REST_OF_HEADER_OFFSET = 4;
    public static final int HEADER_LENGTH = 8;

    public static final int ECHO_REPLY = 0;
    public static final int DEST_UNREACHABLE = 3;
    public static final int SOURCE_QUENCH = 4;
    public static final int REDIRECT = 5;
    public static final int ECHO_REQUEST = 8;
    public static final int TIME_EXCEEDED = 11;
    public static final int PARAMETER_PROBLEM = 12;

    private MemorySegment segment;
    private long offset;

    public IcmpHeader wrap(final MemorySegment segment, final long offset)
    {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    public long offset()
    {
        return offset;
    }

    public int type()
    {
        return segment.get(U8, offset + TYPE_OFFSET) & 0xFF;
    }

    public int code()
    {
        return segment.get(U8, offset + CODE_OFFSET) & 0xFF;
    }

    public int checksum()
    {
        return segment.get(U16_BE, offset + CHECKSUM_OFFSET) & 0xFFFF;
    }

    /** The 32 bits after the checksum, raw in an int (echo: identifier high, sequence low). */
    public int restOfHeader()
    {
        return segment.get(U32_BE, offset + REST_OF_HEADER_OFFSET);
    }

    /**
     * True for the error messages that quote an invoking packet (destination unreachable,
     * source quench, redirect, time exceeded, parameter problem; RFC 1122 §3.2.2).
     */
    public boolean isError()
    {
        final int type = type();
        return type == DEST_UNREACHABLE || type == SOURCE_QUENCH || type == REDIRECT ||
            type == TIME_EXCEEDED || type == PARAMETER_PROBLEM;
    }

    public void type(final int type)
    {
        segment.set(U8, offset + TYPE_OFFSET, (byte)type);
    }

    public void code(final int code)
    {
        segment.set(U8, offset + CODE_OFFSET, (byte)code);
    }

    public void checksum(final int checksum)
    {
        segment.set(U16_BE, offset + CHECKSUM_OFFSET, (short)checksum);
    }

    public void restOfHeader(final int value)
    {
        segment.set(U32_BE, offset + REST_OF_HEADER_OFFSET, value);
    }
}
