package dev.nve.dataplane.policy;

/**
 * The key of one interval list: (endpoint identity, direction, peer identity or
 * {@link #WILDCARD_PEER}, protocol class). Packed for the off-heap table as
 * <pre>
 *  bit 52: 1 (so no key is 0, the empty-slot marker)
 *  bits 51-28: endpoint identity (24)   bit 27: direction
 *  bits 26-2: peer (25: an identity, or bit 24 set for "any other peer")   bits 1-0: protocol class
 * </pre>
 */
public record PolicyKey(int endpoint, int direction, int peer, int protocolClass)
{
    /** The peer value that stands for every identity without a key of its own. */
    public static final int WILDCARD_PEER = 1 << 24;
    private static final long MARKER = 1L << 52;

    public PolicyKey
    {
        if (endpoint < 0 || endpoint > Identities.MAX)
        {
            throw new IllegalArgumentException("endpoint identity " + endpoint + ": out of range [0, " + Identities.MAX + "]");
        }
        if (direction != PolicyDirection.INGRESS && direction != PolicyDirection.EGRESS)
        {
            throw new IllegalArgumentException("direction " + direction + ": expected 0 (ingress) or 1 (egress)");
        }
        if ((peer < 0 || peer > Identities.MAX) && peer != WILDCARD_PEER)
        {
            throw new IllegalArgumentException("peer identity " + peer + ": out of range [0, " + Identities.MAX + "]");
        }
        if (protocolClass < 0 || protocolClass >= ProtocolClass.COUNT)
        {
            throw new IllegalArgumentException("protocol class " + protocolClass + ": expected 0 (TCP), 1 (UDP) or 2 (other)");
        }
    }

    public long packed()
    {
        return pack(endpoint, direction, peer, protocolClass);
    }

    /** Packing without checks, for the packet path; callers pass values in range. */
    static long pack(final int endpoint, final int direction, final int peer, final int protocolClass)
    {
        return MARKER | (long)endpoint << 28 | (long)direction << 27 | (long)peer << 2 | protocolClass;
    }

    public boolean isWildcard()
    {
        return peer == WILDCARD_PEER;
    }
}
