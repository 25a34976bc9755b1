package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U32_BE;
import static dev.nve.dataplane.wire.Bytes.U64_BE;
import static dev.nve.dataplane.wire.Bytes.U8;

/**
 * ICMPv6 header (RFC 4443) and the target address of Neighbor Solicitation / Advertisement
 * (RFC 4861 §4.3, §4.4).
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Type      |     Code      |          Checksum             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Message body (NS: reserved; NA: R|S|O flags, reserved; ...)  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  +          NS/NA: Target Address (128)                          +
 *  |                                                               |
 *  +                                                               +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  NS/NA: Options ...                                           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * All fields big-endian. The checksum includes the IPv6 pseudo-header
 * ({@link Checksum#ipv6PseudoHeaderSum}). {@link #HEADER_LENGTH} counts the first 32 bits of the
 * body too, which every message type in use has; the ND target needs {@link #ND_MESSAGE_LENGTH}.
 */
public final class Icmpv6Header
{
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int BODY_OFFSET = 4;
    public static final int ND_TARGET_OFFSET = 8;
    public static final int HEADER_LENGTH = 8;
    public static final int ND_MESSAGE_LENGTH = 24;

    public static final int DEST_UNREACHABLE = 1;
    public static final int PACKET_TOO_BIG = 2;
    public static final int TIME_EXCEEDED = 3;
    public static final int PARAMETER_PROBLEM = 4;
    public static final int ECHO_REQUEST = 128;
    public static final int ECHO_REPLY = 129;
    public static final int NEIGHBOR_SOLICIT = 135;
    public static final int NEIGHBOR_ADVERT = 136;

    /** Neighbor Advertisement flags in the first body word ({@link #body()}). */
    public static final int NA_FLAG_ROUTER = 0x8000_0000;
    public static final int NA_FLAG_SOLICITED = 0x4000_0000;
    public static final int NA_FLAG_OVERRIDE = 0x2000_0000;

    private static final int FIRST_INFORMATIONAL_TYPE = 128;

    private MemorySegment segment;
    private long offset;

    public Icmpv6Header wrap(final MemorySegment segment, final long offset)
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

    /** The first 32 bits of the message body, raw in an int (NA: flags; echo: id, sequence). */
    public int body()
    {
        return segment.get(U32_BE, offset + BODY_OFFSET);
    }

    /** Error messages have types 0–127 (RFC 4443 §2.1). */
    public boolean isError()
    {
        return type() < FIRST_INFORMATIONAL_TYPE;
    }

    /** First (most significant) 64 bits of the NS/NA target address. */
    public long ndTargetHigh()
    {
        return segment.get(U64_BE, offset + ND_TARGET_OFFSET);
    }

    public long ndTargetLow()
    {
        return segment.get(U64_BE, offset + ND_TARGET_OFFSET + 8);
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

    public void body(final int value)
    {
        segment.set(U32_BE, offset + BODY_OFFSET, value);
    }

    public void ndTarget(final long high, final long low)
    {
        segment.set(U64_BE, offset + ND_TARGET_OFFSET, high);
        segment.set(U64_BE, offset + ND_TARGET_OFFSET + 8, low);
    }
}
