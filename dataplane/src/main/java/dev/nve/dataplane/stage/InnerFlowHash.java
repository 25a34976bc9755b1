package dev.nve.dataplane.stage;

import dev.nve.dataplane.wire.EthernetHeader;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U32_BE;
import static dev.nve.dataplane.wire.Bytes.U64_BE;
import static dev.nve.dataplane.wire.Bytes.U8;

/**
 * Hash of an inner frame's flow for the outer UDP source port (RFC 7348 §5), so that ECMP
 * and RSS in the underlay spread tenant flows while keeping each flow on one path. Covers the
 * MAC addresses and EtherType, and for untagged IPv4/IPv6 the addresses and the first four
 * transport bytes (the ports of TCP and UDP).
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
        long h = segment.get(U64_BE, frame) * 0x9E37_79B9_7F4A_7C15L;
        h ^= (segment.get(U32_BE, frame + 8) & 0xFFFF_FFFFL) * 0xC2B2_AE3D_27D4_EB4FL;
        final int etherType = segment.get(U16_BE, frame + EthernetHeader.ETHER_TYPE_OFFSET) & 0xFFFF;
        h ^= etherType;
        if (etherType == EthernetHeader.TYPE_IPV4 && length >= IPV4_ADDRESSES + 8)
        {
            h = mix(h, segment.get(U64_BE, frame + IPV4_ADDRESSES));
            final int l4 = EthernetHeader.HEADER_LENGTH + ((segment.get(U8, frame + EthernetHeader.HEADER_LENGTH) & 0x0F) << 2);
            if (length >= l4 + 4)
            {
                h = mix(h, segment.get(U32_BE, frame + l4));
            }
        }
        else if (etherType == EthernetHeader.TYPE_IPV6 && length >= IPV6_ADDRESSES + 32 + 4)
        {
            h = mix(h, segment.get(U64_BE, frame + IPV6_ADDRESSES));
            h = mix(h, segment.get(U64_BE, frame + IPV6_ADDRESSES + 8));
            h = mix(h, segment.get(U64_BE, frame + IPV6_ADDRESSES + 16));
            h = mix(h, segment.get(U64_BE, frame + IPV6_ADDRESSES + 24));
            h = mix(h, segment.get(U32_BE, frame + IPV6_ADDRESSES + 32));
        }
        h ^= h >>> 31;
        h *= 0xBF58_476D_1CE4_E5B9L;
        return (int)(h ^ (h >>> 29));
    }

    private static long mix(final long h, final long value)
    {
        return Long.rotateLeft(h ^ (value * 0x9E37_79B9_7F4A_7C15L), 27) * 5 + 0x52DC_E729;
    }
}
