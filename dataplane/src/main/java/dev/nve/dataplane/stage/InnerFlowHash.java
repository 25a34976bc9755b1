package dev.nve.dataplane.stage;

import dev.nve.dataplane.wire.EthernetHeader;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U32_LE;
import static dev.nve.dataplane.wire.Bytes.U64_LE;
import static dev.nve.dataplane.wire.Bytes.U8;

/**
 * Hash of an inner frame's flow for the outer UDP source port (RFC 7348 §5), so that ECMP
 * and RSS in the underlay spread tenant flows while keeping each flow on one path. For untagged
 * IPv4 and IPv6 it covers the addresses and the first four transport bytes (the ports of TCP and
 * UDP): that is where a tenant's flows differ, so the MAC addresses (mostly one pair per host
 * pair) are left out. Other frames hash the MAC addresses and the EtherType.
 */
public final class InnerFlowHash
{
    private static final int IPV4_ADDRESSES = EthernetHeader.HEADER_LENGTH + 12;
    private static final int IPV6_ADDRESSES = EthernetHeader.HEADER_LENGTH + 8;

    private InnerFlowHash()
    {
    }

    public static int hash(final MemorySegment segment, final long frame, final int length)
    {
        // Byte order does not matter to a hash, so the words are read little-endian (no byte
        // swaps on x86), and each word gets its own odd multiplier so the products are
        // independent of each other (the CPU overlaps them) instead of one long serial chain;
        // the final avalanche spreads the high product bits into the low ones we keep.
        final int etherType = segment.get(U16_BE, frame + EthernetHeader.ETHER_TYPE_OFFSET) & 0xFFFF;
        long h = etherType;
        if (etherType == EthernetHeader.TYPE_IPV4 && length >= IPV4_ADDRESSES + 8)
        {
            h ^= segment.get(U64_LE, frame + IPV4_ADDRESSES) * 0x1656_67B1_9E37_79F9L;
            final int l4 = EthernetHeader.HEADER_LENGTH + ((segment.get(U8, frame + EthernetHeader.HEADER_LENGTH) & 0x0F) << 2);
            if (length >= l4 + 4)
            {
                h ^= (segment.get(U32_LE, frame + l4) & 0xFFFF_FFFFL) * 0x85EB_CA77_C2B2_AE63L;
            }
        }
        else if (etherType == EthernetHeader.TYPE_IPV6 && length >= IPV6_ADDRESSES + 32 + 4)
        {
            h ^= segment.get(U64_LE, frame + IPV6_ADDRESSES) * 0x1656_67B1_9E37_79F9L;
            h ^= segment.get(U64_LE, frame + IPV6_ADDRESSES + 8) * 0x85EB_CA77_C2B2_AE63L;
            h ^= segment.get(U64_LE, frame + IPV6_ADDRESSES + 16) * 0x27D4_EB2F_1656_67C5L;
            h ^= segment.get(U64_LE, frame + IPV6_ADDRESSES + 24) * 0x94D0_49BB_1331_11EBL;
            h ^= (segment.get(U32_LE, frame + IPV6_ADDRESSES + 32) & 0xFFFF_FFFFL) * 0xFF51_AFD7_ED55_8CCDL;
        }
        else
        {
            h ^= segment.get(U64_LE, frame) * 0x9E37_79B9_7F4A_7C15L;
            h ^= (segment.get(U32_LE, frame + 8) & 0xFFFF_FFFFL) * 0xC2B2_AE3D_27D4_EB4FL;
        }
        h ^= h >>> 32;
        h *= 0xBF58_476D_1CE4_E5B9L;
        h ^= h >>> 29;
        return (int)(h ^ (h >>> 32));
    }
}
