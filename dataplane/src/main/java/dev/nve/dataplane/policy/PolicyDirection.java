package dev.nve.dataplane.policy;

/**
 * Direction of a lookup, seen from the local endpoint. INGRESS: the endpoint receives from the
 * peer (the peer is the source, the port the destination port). EGRESS: the endpoint sends to
 * the peer (the port is the packet's destination port).
 */
public final class PolicyDirection
{
    public static final int INGRESS = 0;
    public static final int EGRESS = 1;

    private PolicyDirection()
    {
    }

    public static String name(final int direction)
    {
        return direction == INGRESS ? "ingress" : "egress";
    }
}
