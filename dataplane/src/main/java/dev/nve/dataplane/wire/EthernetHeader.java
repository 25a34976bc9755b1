package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;

/**
 * Ethernet II header with up to {@link #MAX_TAGS} 802.1Q / 802.1ad tags.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                   Destination MAC (48)                        |
 *  +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                               |      Source MAC (48)          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  | EtherType / TPID 0x8100,0x88a8| (TCI 16, next EtherType 16)*  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * All fields big-endian. {@link #parse} walks the tag stack once and remembers where the
 * payload starts, so later accessors are plain reads.
 */
public final class EthernetHeader
{
    public static final int DESTINATION_OFFSET = 0;
    public static final int SOURCE_OFFSET = 6;
    public static final int ETHER_TYPE_OFFSET = 12;
    public static final int HEADER_LENGTH = 14;
    public static final int TAG_LENGTH = 4;
    public static final int MAX_TAGS = 2;
    /** {@link #parse} result: the frame is cut short. */
    public static final int TRUNCATED = -1;
    /** {@link #parse} result: more than {@link #MAX_TAGS} VLAN tags. */
    public static final int TOO_MANY_TAGS = -2;

    public static final int TYPE_IPV4 = 0x0800;
    public static final int TYPE_ARP = 0x0806;
    public static final int TYPE_VLAN = 0x8100;
    public static final int TYPE_QINQ = 0x88A8;
    public static final int TYPE_IPV6 = 0x86DD;

    private MemorySegment segment;
    private long offset;
    private int tagCount;
    private int etherType;
    private int headerLength;

    /**
     * Points at a frame and walks its VLAN tags.
     *
     * @return the header length including tags, {@link #TRUNCATED} if the frame is shorter than
     * the header, or {@link #TOO_MANY_TAGS} if it carries more than {@link #MAX_TAGS} tags.
     */
    public int parse(final MemorySegment segment, final long offset, final int frameLength)
    {
        this.segment = segment;
        this.offset = offset;
        if (frameLength < HEADER_LENGTH)
        {
            return TRUNCATED;
        }
        int typeOffset = ETHER_TYPE_OFFSET;
        int type = segment.get(U16_BE, offset + typeOffset) & 0xFFFF;
        int tags = 0;
        while (type == TYPE_VLAN || type == TYPE_QINQ)
        {
            if (tags == MAX_TAGS)
            {
                return TOO_MANY_TAGS;
            }
            if (typeOffset + TAG_LENGTH + 2 > frameLength)
            {
                return TRUNCATED;
            }
            tags++;
            typeOffset += TAG_LENGTH;
            type = segment.get(U16_BE, offset + typeOffset) & 0xFFFF;
        }
        this.tagCount = tags;
        this.etherType = type;
        this.headerLength = typeOffset + 2;
        return headerLength;
    }

    /**
     * The destination MAC of the frame at {@code frame} in one 8-byte load (the frame must hold
     * at least 8 bytes, which every Ethernet frame does): the first six bytes read big-endian.
     */
    public static long destinationMac(final MemorySegment segment, final long frame)
    {
        return segment.get(Bytes.U64_BE, frame + DESTINATION_OFFSET) >>> 16;
    }

    public long destination()
    {
        return Bytes.mac48(segment, offset + DESTINATION_OFFSET);
    }

    public long source()
    {
        return Bytes.mac48(segment, offset + SOURCE_OFFSET);
    }

    /** The EtherType after the tag stack. */
    public int etherType()
    {
        return etherType;
    }

    public int tagCount()
    {
        return tagCount;
    }

    /** VLAN ID of tag {@code index} (0 = outermost). */
    public int vlanId(final int index)
    {
        return segment.get(U16_BE, offset + ETHER_TYPE_OFFSET + 2 + (long)index * TAG_LENGTH) & 0x0FFF;
    }

    public int headerLength()
    {
        return headerLength;
    }

    public static boolean isMulticast(final long mac)
    {
        return (mac & 0x0100_0000_0000L) != 0;
    }

    public static void putDestination(final MemorySegment segment, final long frameOffset, final long mac)
    {
        Bytes.putMac48(segment, frameOffset + DESTINATION_OFFSET, mac);
    }

    public static void putSource(final MemorySegment segment, final long frameOffset, final long mac)
    {
        Bytes.putMac48(segment, frameOffset + SOURCE_OFFSET, mac);
    }
}
