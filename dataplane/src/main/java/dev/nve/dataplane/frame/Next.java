package dev.nve.dataplane.frame;

/**
 * Where a frame goes next in the pipeline (its disposition), VPP-style: each stage handles the
 * frames whose {@code next} names it and sets the value for the stage after it.
 */
public final class Next
{
    /** Finished: counted under its drop reason and its frame returned. */
    public static final byte DROP = 0;
    /** Just received: needs classification by input port role and headers. */
    public static final byte CLASSIFY = 1;
    /** VXLAN from the underlay: strip the outer headers. */
    public static final byte VXLAN_DECAP = 2;
    /** An Ethernet frame in a known network: look up its destination MAC. */
    public static final byte BRIDGE = 3;
    /** Broadcast, multicast or unknown unicast: replicate to the network's flood targets. */
    public static final byte FLOOD = 4;
    /** To a remote VTEP: prepend the outer headers of {@code PacketBatch.encapTemplate}. */
    public static final byte VXLAN_ENCAP = 5;
    /** Ready: send on {@code PacketBatch.outPort}. */
    public static final byte TRANSMIT = 6;
    /** IPv6 from an endpoint to the router MAC: SIR to ILA translation. */
    public static final byte ILA_EGRESS = 7;
    /** IPv6 from the underlay to one of our locators: ILA to SIR translation. */
    public static final byte ILA_INGRESS = 8;

    private Next()
    {
    }

    public static String name(final byte next)
    {
        return switch (next)
        {
            case DROP -> "drop";
            case CLASSIFY -> "classify";
            case VXLAN_DECAP -> "vxlan-decap";
            case BRIDGE -> "bridge";
            case FLOOD -> "flood";
            case VXLAN_ENCAP -> "vxlan-encap";
            case TRANSMIT -> "transmit";
            case ILA_EGRESS -> "ila-egress";
            case ILA_INGRESS -> "ila-ingress";
            default -> "unknown(" + next + ")";
        };
    }
}
