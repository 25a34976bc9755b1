package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U32_BE;
import static dev.nve.dataplane.wire.Bytes.U8;

/**
 * VXLAN header (RFC 7348) with the Group Based Policy extension (draft-smith-vxlan-group-policy).
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |G|R|R|R|I|R|R|R|R|D|R|R|A|R|R|R|        Group Policy ID        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          VXLAN Network Identifier (VNI)       |   Reserved    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Without GBP, bytes 1–3 are reserved and ignored on receive (RFC 7348 §5). All fields big-endian.
 */
public final class VxlanHeader
{
    public static final int FLAGS_OFFSET = 0;
    public static final int GBP_FLAGS_OFFSET = 1;
    public static final int GROUP_POLICY_ID_OFFSET = 2;
    public static final int VNI_OFFSET = 4;
    public static final int HEADER_LENGTH = 8;
    public static final int DEFAULT_PORT = 4789;

    public static final int FLAG_I = 0x08;
    public static final int FLAG_G = 0x80;
    public static final int MAX_VNI = 0xFF_FFFF;
    public static final int MAX_GROUP_POLICY_ID = 0xFFFF;

    private MemorySegment segment;
    private long offset;

    public VxlanHeader wrap(final MemorySegment segment, final long offset)
    {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    public int flags()
    {
        return segment.get(U8, offset + FLAGS_OFFSET) & 0xFF;
    }

    public boolean vniValid()
    {
        return (flags() & FLAG_I) != 0;
    }

    public boolean hasGroupPolicy()
    {
        return (flags() & FLAG_G) != 0;
    }

    public int groupPolicyId()
    {
        return segment.get(U16_BE, offset + GROUP_POLICY_ID_OFFSET) & 0xFFFF;
    }

    public int vni()
    {
        return segment.get(U32_BE, offset + VNI_OFFSET) >>> 8;
    }

    public void groupPolicyId(final int id)
    {
        segment.set(U16_BE, offset + GROUP_POLICY_ID_OFFSET, (short)id);
    }

    /** Writes a whole header: flags I (and G with a policy id when {@code gbp}), VNI, zero reserved. */
    public static void write(final MemorySegment segment, final long offset, final int vni, final boolean gbp, final int groupPolicyId)
    {
        segment.set(U8, offset + FLAGS_OFFSET, (byte)(gbp ? FLAG_I | FLAG_G : FLAG_I));
        segment.set(U8, offset + GBP_FLAGS_OFFSET, (byte)0);
        segment.set(U16_BE, offset + GROUP_POLICY_ID_OFFSET, (short)(gbp ? groupPolicyId : 0));
        segment.set(U32_BE, offset + VNI_OFFSET, vni << 8);
    }
}
