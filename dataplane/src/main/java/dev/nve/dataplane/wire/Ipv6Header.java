package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U32_BE;
import static dev.nve.dataplane.wire.Bytes.U64_BE;
import static dev.nve.dataplane.wire.Bytes.U8;

/**
 * IPv6 fixed header (RFC 8200) and a walk of the extension-header chain.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version| Traffic Class |           Flow Label                  |
 *  |         Payload Length        |  Next Header  |   Hop Limit   |
 *  |                  Source Address (128)                         |
 *  |               Destination Address (128)                       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * All fields big-endian. {@link #walk} follows Hop-by-Hop, Routing, Destination Options and
 * Fragment headers to the upper-layer header and records what it passed.
 */
public final class Ipv6Header
{
    public static final int VERSION_CLASS_FLOW_OFFSET = 0;
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    public static final int NEXT_HEADER_OFFSET = 6;
    public static final int HOP_LIMIT_OFFSET = 7;
    public static final int SOURCE_OFFSET = 8;
    public static final int DESTINATION_OFFSET = 24;
    public static final int HEADER_LENGTH = 40;

    public static final int NH_HOP_BY_HOP = 0;
    public static final int NH_TCP = 6;
    public static final int NH_UDP = 17;
    public static final int NH_ROUTING = 43;
    public static final int NH_FRAGMENT = 44;
    public static final int NH_ESP = 50;
    public static final int NH_AH = 51;
    public static final int NH_ICMPV6 = 58;
    public static final int NH_NONE = 59;
    public static final int NH_DESTINATION_OPTIONS = 60;

    /** Extension headers walked before giving up: bounds the work on hostile chains. */
    public static final int MAX_EXTENSION_HEADERS = 8;

    public static final int FRAGMENT_HEADER_LENGTH = 8;
    private static final int FRAGMENT_OFFSET_MASK = 0xFFF8;
    private static final int MORE_FRAGMENTS = 0x0001;

    /** Result of {@link #walk}: the chain was malformed or ran past the packet. */
    public static final int WALK_INVALID = -1;

    private MemorySegment segment;
    private long offset;
    private int transportOffset;
    private int transportProtocol;
    private int fragmentHeaderOffset;
    private boolean routingSegmentsLeft;

    public Ipv6Header wrap(final MemorySegment segment, final long offset)
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
        return (segment.get(U8, offset) & 0xF0) >>> 4;
    }

    public int payloadLength()
    {
        return segment.get(U16_BE, offset + PAYLOAD_LENGTH_OFFSET) & 0xFFFF;
    }

    public int nextHeader()
    {
        return segment.get(U8, offset + NEXT_HEADER_OFFSET) & 0xFF;
    }

    public int hopLimit()
    {
        return segment.get(U8, offset + HOP_LIMIT_OFFSET) & 0xFF;
    }

    /** First (most significant) 64 bits of the source address. */
    public long sourceHigh()
    {
        return segment.get(U64_BE, offset + SOURCE_OFFSET);
    }

    public long sourceLow()
    {
        return segment.get(U64_BE, offset + SOURCE_OFFSET + 8);
    }

    public long destinationHigh()
    {
        return segment.get(U64_BE, offset + DESTINATION_OFFSET);
    }

    public long destinationLow()
    {
        return segment.get(U64_BE, offset + DESTINATION_OFFSET + 8);
    }

    public void payloadLength(final int length)
    {
        segment.set(U16_BE, offset + PAYLOAD_LENGTH_OFFSET, (short)length);
    }

    public void destination(final long high, final long low)
    {
        segment.set(U64_BE, offset + DESTINATION_OFFSET, high);
        segment.set(U64_BE, offset + DESTINATION_OFFSET + 8, low);
    }

    public void source(final long high, final long low)
    {
        segment.set(U64_BE, offset + SOURCE_OFFSET, high);
        segment.set(U64_BE, offset + SOURCE_OFFSET + 8, low);
    }

    /**
     * Validates the fixed header and walks the extension headers.
     *
     * @param available bytes from the start of this header to the end of the frame.
     * @return the packet length (40 + payload length) or {@link #WALK_INVALID} when the version is
     * not 6, the payload length runs past {@code available}, or the chain is truncated, too
     * long or malformed. After success {@link #transportOffset()} and
     * {@link #transportProtocol()} name the upper-layer header (ESP, no-next-header and unknown
     * protocols end the walk too) and {@link #fragmentHeaderOffset()} is the fragment header's
     * offset or -1.
     */
    public int walk(final int available)
    {
        if (available < HEADER_LENGTH || version() != 6)
        {
            return WALK_INVALID;
        }
        final int packetLength = HEADER_LENGTH + payloadLength();
        if (packetLength > available)
        {
            return WALK_INVALID;
        }
        fragmentHeaderOffset = -1;
        routingSegmentsLeft = false;
        int nh = nextHeader();
        int at = HEADER_LENGTH;
        for (int i = 0; i <= MAX_EXTENSION_HEADERS; i++)
        {
            switch (nh)
            {
                case NH_HOP_BY_HOP, NH_ROUTING, NH_DESTINATION_OPTIONS ->
                {
                    // Hop-by-Hop is only valid right after the fixed header (RFC 8200 §4.1).
                    if (at + 8 > packetLength || (nh == NH_HOP_BY_HOP && at != HEADER_LENGTH))
                    {
                        return WALK_INVALID;
                    }
                    final int length = ((segment.get(U8, offset + at + 1) & 0xFF) + 1) << 3;
                    if (nh == NH_ROUTING && (segment.get(U8, offset + at + 3) & 0xFF) != 0)
                    {
                        routingSegmentsLeft = true;
                    }
                    nh = segment.get(U8, offset + at) & 0xFF;
                    at += length;
                    if (at > packetLength)
                    {
                        return WALK_INVALID;
                    }
                }
                case NH_AH ->
                {
                    if (at + 8 > packetLength)
                    {
                        return WALK_INVALID;
                    }
                    final int length = ((segment.get(U8, offset + at + 1) & 0xFF) + 2) << 2;
                    nh = segment.get(U8, offset + at) & 0xFF;
                    at += length;
                    if (at > packetLength)
                    {
                        return WALK_INVALID;
                    }
                }
                case NH_FRAGMENT ->
                {
                    if (at + FRAGMENT_HEADER_LENGTH > packetLength || fragmentHeaderOffset >= 0)
                    {
                        return WALK_INVALID;
                    }
                    fragmentHeaderOffset = at;
                    nh = segment.get(U8, offset + at) & 0xFF;
                    at += FRAGMENT_HEADER_LENGTH;
                    if ((segment.get(U16_BE, offset + fragmentHeaderOffset + 2) & FRAGMENT_OFFSET_MASK) != 0)
                    {
                        // A non-first fragment carries payload, not headers: stop here.
                        transportOffset = at;
                        transportProtocol = nh;
                        return packetLength;
                    }
                }
                default ->
                {
                    transportOffset = at;
                    transportProtocol = nh;
                    return packetLength;
                }
            }
        }
        return WALK_INVALID;
    }

    /** Offset of the upper-layer header from the start of this header (after {@link #walk}). */
    public int transportOffset()
    {
        return transportOffset;
    }

    public int transportProtocol()
    {
        return transportProtocol;
    }

    public int fragmentHeaderOffset()
    {
        return fragmentHeaderOffset;
    }

    /**
     * True when a Routing header still has segments left: the destination field is then an
     * intermediate hop and transport checksums cover the final destination (RFC 8200 §8.1).
     */
    public boolean hasRoutingSegmentsLeft()
    {
        return routingSegmentsLeft;
    }

    public boolean isFragment()
    {
        return fragmentHeaderOffset >= 0;
    }

    /** True for a fragment other than the first: it carries no transport header. */
    public boolean isNonFirstFragment()
    {
        return fragmentHeaderOffset >= 0 && (segment.get(U16_BE, offset + fragmentHeaderOffset + 2) & FRAGMENT_OFFSET_MASK) != 0;
    }

    /** True for an atomic fragment (offset 0, no more fragments, RFC 6946). */
    public boolean isAtomicFragment()
    {
        return fragmentHeaderOffset >= 0 && (segment.get(U16_BE, offset + fragmentHeaderOffset + 2) & (FRAGMENT_OFFSET_MASK | MORE_FRAGMENTS)) == 0;
    }

    public int flowLabel()
    {
        return segment.get(U32_BE, offset) & 0x000F_FFFF;
    }
}
