package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U32_BE;
import static dev.nve.dataplane.wire.Bytes.U8;

/**
 * ARP packet (RFC 826) for Ethernet hardware addresses and IPv4 protocol addresses only.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  byte
 *  |   HTYPE = 1 (Ethernet)        |   PTYPE = 0x0800 (IPv4)       |   0
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   HLEN = 6    |   PLEN = 4    |   OPER (1 request, 2 reply)   |   4
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            Sender Hardware Address (SHA) bytes 0-3            |   8
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         SHA bytes 4-5         | Sender Protocol (SPA) 0-1     |  12
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         SPA bytes 2-3         | Target Hardware (THA) 0-1     |  16
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         THA bytes 2-5                         |  20
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Target Protocol Address (TPA)                 |  24
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * All fields big-endian. The accessors assume {@link #HEADER_LENGTH} bytes are present; check
 * with {@link #validate} first.
 */
public final class ArpHeader
{
    public static final int HTYPE_OFFSET = 0;
    public static final int PTYPE_OFFSET = 2;
    public static final int HLEN_OFFSET = 4;
    public static final int PLEN_OFFSET = 5;
    public static final int OPER_OFFSET = 6;
    public static final int SHA_OFFSET = 8;
    public static final int SPA_OFFSET = 14;
    public static final int THA_OFFSET = 18;
    public static final int TPA_OFFSET = 24;
    public static final int HEADER_LENGTH = 28;

    public static final int HTYPE_ETHERNET = 1;
    public static final int PTYPE_IPV4 = 0x0800;
    public static final int HLEN_ETHERNET = 6;
    public static final int PLEN_IPV4 = 4;
    public static final int OPER_REQUEST = 1;
    public static final int OPER_REPLY = 2;

    private MemorySegment segment;
    private long offset;

    public ArpHeader wrap(final MemorySegment segment, final long offset)
    {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    public long offset()
    {
        return offset;
    }

    public int htype()
    {
        return segment.get(U16_BE, offset + HTYPE_OFFSET) & 0xFFFF;
    }

    public int ptype()
    {
        return segment.get(U16_BE, offset + PTYPE_OFFSET) & 0xFFFF;
    }

    public int hlen()
    {
        return segment.get(U8, offset + HLEN_OFFSET) & 0xFF;
    }

    public int plen()
    {
        return segment.get(U8, offset + PLEN_OFFSET) & 0xFF;
    }

    public int oper()
    {
        return segment.get(U16_BE, offset + OPER_OFFSET) & 0xFFFF;
    }

    /** Sender hardware address as the low 48 bits of a long (see {@link Bytes#mac48}). */
    public long sha()
    {
        return Bytes.mac48(segment, offset + SHA_OFFSET);
    }

    /** Sender protocol address as an unsigned 32-bit value in an int (network order value). */
    public int spa()
    {
        return segment.get(U32_BE, offset + SPA_OFFSET);
    }

    public long tha()
    {
        return Bytes.mac48(segment, offset + THA_OFFSET);
    }

    public int tpa()
    {
        return segment.get(U32_BE, offset + TPA_OFFSET);
    }

    /** True for the only form handled: HTYPE Ethernet, PTYPE IPv4, HLEN 6, PLEN 4. */
    public boolean isEthernetIpv4()
    {
        return htype() == HTYPE_ETHERNET && ptype() == PTYPE_IPV4 && hlen() == HLEN_ETHERNET && plen() == PLEN_IPV4;
    }

    /**
     * @return {@link #HEADER_LENGTH}, or -1 when fewer bytes are available or the packet is not
     * Ethernet/IPv4 ARP.
     */
    public int validate(final int available)
    {
        if (available < HEADER_LENGTH || !isEthernetIpv4())
        {
            return -1;
        }
        return HEADER_LENGTH;
    }

    public void oper(final int operation)
    {
        segment.set(U16_BE, offset + OPER_OFFSET, (short)operation);
    }

    public void sha(final long mac)
    {
        Bytes.putMac48(segment, offset + SHA_OFFSET, mac);
    }

    public void spa(final int address)
    {
        segment.set(U32_BE, offset + SPA_OFFSET, address);
    }

    public void tha(final long mac)
    {
        Bytes.putMac48(segment, offset + THA_OFFSET, mac);
    }

    public void tpa(final int address)
    {
        segment.set(U32_BE, offset + TPA_OFFSET, address);
    }
}
