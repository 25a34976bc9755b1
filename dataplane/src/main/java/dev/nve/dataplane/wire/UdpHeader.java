package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;

/**
 * UDP header (RFC 768).
 * <pre>
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  |            Length             |           Checksum            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * All fields big-endian.
 */
public final class UdpHeader
{
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int LENGTH_OFFSET = 4;
    public static final int CHECKSUM_OFFSET = 6;
    public static final int HEADER_LENGTH = 8;

    private MemorySegment segment;
    private long offset;

    public UdpHeader wrap(final MemorySegment segment, final long offset)
    {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    public int sourcePort()
    {
        return segment.get(U16_BE, offset + SOURCE_PORT_OFFSET) & 0xFFFF;
    }

    public int destinationPort()
    {
        return segment.get(U16_BE, offset + DESTINATION_PORT_OFFSET) & 0xFFFF;
    }

    public int length()
    {
        return segment.get(U16_BE, offset + LENGTH_OFFSET) & 0xFFFF;
    }

    public int checksum()
    {
        return segment.get(U16_BE, offset + CHECKSUM_OFFSET) & 0xFFFF;
    }

    public void sourcePort(final int port)
    {
        segment.set(U16_BE, offset + SOURCE_PORT_OFFSET, (short)port);
    }

    public void length(final int length)
    {
        segment.set(U16_BE, offset + LENGTH_OFFSET, (short)length);
    }

    public void checksum(final int checksum)
    {
        segment.set(U16_BE, offset + CHECKSUM_OFFSET, (short)checksum);
    }
}
