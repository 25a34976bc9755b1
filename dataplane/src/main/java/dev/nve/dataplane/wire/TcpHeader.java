package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U32_BE;
import static dev.nve.dataplane.wire.Bytes.U8;

/**
 * TCP header (RFC 9293), options allowed.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Sequence Number                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Acknowledgment Number                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Data |       |C|E|U|A|P|R|S|F|                               |
 *  | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *  |       |       |R|E|G|K|H|T|N|N|                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Checksum            |         Urgent Pointer        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Options (Data Offset > 5)                     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * All fields big-endian. The flags byte is the whole of byte 13 (CWR..FIN); the reserved bits of
 * byte 12 are not reported.
 */
public final class TcpHeader
{
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int SEQUENCE_OFFSET = 4;
    public static final int ACKNOWLEDGMENT_OFFSET = 8;
    public static final int DATA_OFFSET_OFFSET = 12;
    public static final int FLAGS_OFFSET = 13;
    public static final int WINDOW_OFFSET = 14;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int URGENT_POINTER_OFFSET = 18;
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int MAX_HEADER_LENGTH = 60;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    private MemorySegment segment;
    private long offset;

    public TcpHeader wrap(final MemorySegment segment, final long offset)
    {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    public long offset()
    {
        return offset;
    }

    public int sourcePort()
    {
        return segment.get(U16_BE, offset + SOURCE_PORT_OFFSET) & 0xFFFF;
    }

    public int destinationPort()
    {
        return segment.get(U16_BE, offset + DESTINATION_PORT_OFFSET) & 0xFFFF;
    }

    /** Sequence number as 32 raw bits in an int; compare with serial arithmetic ({@code a - b < 0}). */
    public int sequence()
    {
        return segment.get(U32_BE, offset + SEQUENCE_OFFSET);
    }

    /** Acknowledgment number as 32 raw bits in an int (meaningful when {@link #ACK} is set). */
    public int acknowledgment()
    {
        return segment.get(U32_BE, offset + ACKNOWLEDGMENT_OFFSET);
    }

    /** Header length in bytes (Data Offset × 4), options included. */
    public int headerLength()
    {
        return (segment.get(U8, offset + DATA_OFFSET_OFFSET) & 0xF0) >>> 2;
    }

    /** The flags byte: an OR of {@link #FIN}, {@link #SYN}, ... {@link #CWR}. */
    public int flags()
    {
        return segment.get(U8, offset + FLAGS_OFFSET) & 0xFF;
    }

    public int window()
    {
        return segment.get(U16_BE, offset + WINDOW_OFFSET) & 0xFFFF;
    }

    public int checksum()
    {
        return segment.get(U16_BE, offset + CHECKSUM_OFFSET) & 0xFFFF;
    }

    public int urgentPointer()
    {
        return segment.get(U16_BE, offset + URGENT_POINTER_OFFSET) & 0xFFFF;
    }

    /**
     * Checks that the fixed header fits, the data offset is at least 5 words and the options fit
     * in {@code available}.
     *
     * @return the header length in bytes, or -1 when the header is invalid or truncated.
     */
    public int validate(final int available)
    {
        if (available < MIN_HEADER_LENGTH)
        {
            return -1;
        }
        final int headerLength = headerLength();
        if (headerLength < MIN_HEADER_LENGTH || headerLength > available)
        {
            return -1;
        }
        return headerLength;
    }

    public void sourcePort(final int port)
    {
        segment.set(U16_BE, offset + SOURCE_PORT_OFFSET, (short)port);
    }

    public void destinationPort(final int port)
    {
        segment.set(U16_BE, offset + DESTINATION_PORT_OFFSET, (short)port);
    }

    public void checksum(final int checksum)
    {
        segment.set(U16_BE, offset + CHECKSUM_OFFSET, (short)checksum);
    }
}
