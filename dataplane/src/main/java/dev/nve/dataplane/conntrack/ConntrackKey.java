package dev.nve.dataplane.conntrack;

/**
 * A packet's connection key in the form {@link ConntrackTable} stores and compares, computed
 * once per packet (one instance per caller, reused: nothing allocated). The two endpoints are
 * ordered (A is the smaller by address, then port, unsigned) so that both directions of a
 * connection have the same key; {@link #flags} remembers whether the packet's source is B.
 * <pre>
 *  addresses          IPv4: A address (bits 32-63) | B address (0-31)
 *                     IPv6: a 64-bit digest of the four address halves (the table keeps the
 *                     addresses themselves in a record of their own and compares them too)
 *  portsZoneProtocol  A port (bits 48-63) | B port (32-47) | zone (8-31) | protocol (0-7)
 *  flags              {@link ConntrackTable#KEY_USED} | {@link ConntrackTable#KEY_IPV6} (IPv6)
 *                     | {@link ConntrackTable#KEY_SOURCE_IS_B} (the packet's source is B);
 *                     0 after a refused tuple
 *  aHigh .. bLow      the ordered addresses (IPv4: 0, A, 0, B)
 *  hash               picks the home slot, the same for both directions (0 after a refused tuple)
 * </pre>
 */
public final class ConntrackKey
{
    public long addresses;
    public long portsZoneProtocol;
    public int flags;
    public long aHigh;
    public long aLow;
    public long bHigh;
    public long bLow;
    public long hash;

    /**
     * The key of an IPv4 packet; addresses are in the low 32 bits. False (and {@link #flags} 0)
     * for a zone outside 24 bits or an address above 32 bits.
     */
    public boolean ofIpv4(final int zone, final long srcAddress, final long dstAddress, final int srcPort, final int dstPort, final int protocol)
    {
        if (((zone >>> 24) | ((srcAddress | dstAddress) >>> 32)) != 0)
        {
            return refuse();
        }
        // Branch-free (a packet's direction is random, a mispredicted branch costs more): the
        // endpoints as 48-bit (address, port) numbers; swap is all ones when the source is the
        // larger one (B).
        final long source = (srcAddress << 16) | (srcPort & 0xFFFF);
        final long destination = (dstAddress << 16) | (dstPort & 0xFFFF);
        final long swap = (destination - source) >> 63;
        final long difference = (source ^ destination) & swap;
        final long a = source ^ difference;
        final long b = destination ^ difference;
        aHigh = 0;
        aLow = a >>> 16;
        bHigh = 0;
        bLow = b >>> 16;
        addresses = (aLow << 32) | bLow;
        portsZoneProtocol = ((a & 0xFFFF) << 48) | ((b & 0xFFFF) << 32) | ((long)zone << 8) | (protocol & 0xFF);
        flags = ConntrackTable.KEY_USED | ((int)swap & ConntrackTable.KEY_SOURCE_IS_B);
        hash = hash(addresses, portsZoneProtocol, flags);
        return true;
    }

    /**
     * The key of a packet of either version (addresses as big-endian halves, IPv4 in the low 32
     * bits of the low half with the high half 0). False (and {@link #flags} 0) for a zone
     * outside 24 bits, a version other than 4 or 6, or an IPv4 address above 32 bits.
     */
    public boolean of(
        final int zone, final int version, final long srcHigh, final long srcLow, final long dstHigh, final long dstLow,
        final int srcPort, final int dstPort, final int protocol)
    {
        if (version == 4)
        {
            if ((srcHigh | dstHigh) != 0)
            {
                return refuse();
            }
            return ofIpv4(zone, srcLow, dstLow, srcPort, dstPort, protocol);
        }
        if (version != 6 || (zone >>> 24) != 0)
        {
            return refuse();
        }
        final int sPort = srcPort & 0xFFFF;
        final int dPort = dstPort & 0xFFFF;
        // The weighted sum of signs has the sign of the lexicographic comparison of (high, low,
        // port) (compareUnsigned promises only a sign, hence signum).
        final int order = (Integer.signum(Long.compareUnsigned(srcHigh, dstHigh)) << 2) + (Integer.signum(Long.compareUnsigned(srcLow, dstLow)) << 1)
            + Integer.signum(sPort - dPort);
        final long swap = (-order) >> 31;
        final long highDifference = (srcHigh ^ dstHigh) & swap;
        final long lowDifference = (srcLow ^ dstLow) & swap;
        final long sourceFirst = ((long)sPort << 16) | dPort;
        final long destinationFirst = ((long)dPort << 16) | sPort;
        aHigh = srcHigh ^ highDifference;
        aLow = srcLow ^ lowDifference;
        bHigh = dstHigh ^ highDifference;
        bLow = dstLow ^ lowDifference;
        addresses = digest(aHigh, aLow, bHigh, bLow);
        final long ports = sourceFirst ^ ((sourceFirst ^ destinationFirst) & swap);
        portsZoneProtocol = (ports << 32) | ((long)zone << 8) | (protocol & 0xFF);
        flags = ConntrackTable.KEY_USED | ConntrackTable.KEY_IPV6 | ((int)swap & ConntrackTable.KEY_SOURCE_IS_B);
        hash = hash(addresses, portsZoneProtocol, flags);
        return true;
    }

    private boolean refuse()
    {
        flags = 0;
        hash = 0;
        return false;
    }

    /** {@link #hash} of key words (also of the words a slot stores). */
    static long hash(final long addresses, final long portsZoneProtocol, final int flags)
    {
        long h = addresses * 0x9E37_79B9_7F4A_7C15L + portsZoneProtocol * 0xC2B2_AE3D_27D4_EB4FL + (flags & ConntrackTable.KEY_IPV6);
        h ^= h >>> 32;
        h *= 0xBF58_476D_1CE4_E5B9L;
        return h ^ (h >>> 29);
    }

    /** IPv6 addresses folded to one word; a collision only costs a comparison of the address record. */
    static long digest(final long aHigh, final long aLow, final long bHigh, final long bLow)
    {
        long h = aHigh * 0x1656_67B1_9E37_79F9L + aLow * 0xD6E8_FEB8_6659_FD93L + bHigh * 0x27D4_EB2F_1656_67C5L + bLow * 0x9E37_79B9_7F4A_7C15L;
        h ^= h >>> 31;
        h *= 0x94D0_49BB_1331_11EBL;
        return h ^ (h >>> 32);
    }
}
