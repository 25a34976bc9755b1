package dev.nve.dataplane.table;

/**
 * ILA identifiers (draft-herbert-intarea-ila §4): the low 64 bits of an address, as a long
 * with the first wire byte most significant.
 * <pre>
 *   0   1   2   3   4                                                          63
 *  +---+---+---+---+------------------------------------------------------------+
 *  |   Type    | C |  type specific (IID, LUID: identifier bits)               |
 *  +---+---+---+---+----------------------------+-------------------------------+
 *  | VIRT_UNI_V6 | C |       VNID (28 bits)       |  tenant address low 32 bits  |
 *  +-------------+---+----------------------------+-------------------------------+
 *  |  VIRT_V4    | C |       VNID (28 bits)       |  tenant IPv4 address          |
 *  +-------------+---+----------------------------+-------------------------------+
 * </pre>
 * The C bit marks a checksum-neutral mapping: the low 16 bits were adjusted so that the
 * one's-complement sum of the whole address did not change.
 */
public final class IlaIdentifier
{
    public static final int TYPE_IID = 0;
    public static final int TYPE_LUID = 1;
    public static final int TYPE_VIRT_V4 = 2;
    public static final int TYPE_VIRT_UNI_V6 = 3;
    public static final long C_BIT = 1L << 60;
    public static final int MAX_VNID = (1 << 28) - 1;

    private IlaIdentifier()
    {
    }

    public static int type(final long identifier)
    {
        return (int)(identifier >>> 61);
    }

    public static boolean checksumNeutral(final long identifier)
    {
        return (identifier & C_BIT) != 0;
    }

    public static int vnid(final long identifier)
    {
        return (int)(identifier >>> 32) & MAX_VNID;
    }

    /** A VIRT_UNI_V6 identifier for tenant {@code vnid} and the tenant address's low 32 bits. */
    public static long virtualUnicastV6(final int vnid, final int low32)
    {
        return ((long)TYPE_VIRT_UNI_V6 << 61) | ((long)(vnid & MAX_VNID) << 32) | (low32 & 0xFFFF_FFFFL);
    }

    /** A VIRT_V4 identifier for IPv4 tenant {@code vnid} and one of its IPv4 addresses (C bit clear). */
    public static long virtualV4(final int vnid, final int ipv4)
    {
        return ((long)TYPE_VIRT_V4 << 61) | ((long)(vnid & MAX_VNID) << 32) | (ipv4 & 0xFFFF_FFFFL);
    }

    /** Sum of the four 16-bit words of a 64-bit value (unfolded). */
    public static long wordSum(final long value)
    {
        return (value >>> 48) + ((value >>> 32) & 0xFFFF) + ((value >>> 16) & 0xFFFF) + (value & 0xFFFF);
    }

    /**
     * One's-complement addition kept in the canonical range [0x0000, 0xFFFE]: the two
     * representations of zero are folded to 0x0000 (the choice RFC 6296 §3.5 makes for
     * NPTv6). Over that range adding d and then ~d is the identity, so a neutral-map
     * adjustment of any low word other than 0xFFFF round-trips exactly.
     */
    public static int addCanonical(final int word, final int delta)
    {
        int sum = (word & 0xFFFF) + (delta & 0xFFFF);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        return sum == 0xFFFF ? 0 : sum;
    }
}
