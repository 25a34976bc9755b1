package dev.nve.dataplane.pcap;

import java.util.Objects;

/**
 * One captured frame as read from a pcap or pcapng file. {@code data} holds the captured bytes,
 * which may be fewer than {@code originalLength} when the capture was cut by a snap length;
 * readers keep both so that replay can tell a truncated capture from a short frame.
 *
 * @param timestampNanos nanoseconds since the Unix epoch (0 when the format has none, e.g. a
 *                       pcapng Simple Packet Block).
 * @param originalLength length of the frame on the wire, as recorded by the capturing tool.
 * @param linkType       the LINKTYPE_* value of the capture interface, e.g. {@link #LINKTYPE_ETHERNET}.
 * @param data           the captured bytes.
 */
public record PcapRecord(long timestampNanos, int originalLength, int linkType, byte[] data)
{
    /** LINKTYPE_ETHERNET: IEEE 802.3 frames starting at the destination MAC. */
    public static final int LINKTYPE_ETHERNET = 1;

    public PcapRecord
    {
        Objects.requireNonNull(data, "data");
    }

    /** Number of captured bytes. */
    public int capturedLength()
    {
        return data.length;
    }
}
