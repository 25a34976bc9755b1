package dev.nve.dataplane.counter;

import dev.nve.dataplane.frame.PacketBatch;

/**
 * Why a frame was dropped. Codes are stable: they appear in counters, flow events and
 * tests. Where Cilium has a reason with the same meaning its code is reused (see Cilium's
 * {@code pkg/monitor/api/drop.go}); nve's own reasons start at 220.
 */
public enum DropReason implements PacketBatch.DropReasonCode
{
    /** Cilium 133: no allow rule matched an endpoint that is in default-deny for that direction. */
    POLICY_DENIED(133, "policy denied"),
    /** Cilium 134: a length or field that contradicts the frame. */
    INVALID_PACKET(134, "invalid packet"),
    /** Cilium 136: the frame plus encapsulation exceeds the output MTU (never truncated). */
    FRAG_NEEDED(136, "fragmentation needed: frame exceeds the underlay MTU"),
    /** Cilium 139. */
    UNSUPPORTED_L3_PROTOCOL(139, "unsupported L3 protocol"),
    /** Cilium 142. */
    UNKNOWN_L4_PROTOCOL(142, "unknown L4 protocol"),
    /** Cilium 152: no local endpoint for the destination. */
    NO_LOCAL_ENDPOINT(152, "no matching local endpoint"),
    /** Cilium 156. */
    INVALID_IPV6_EXTENSION_HEADER(156, "invalid IPv6 extension header"),
    /** Cilium 157: an overlay frame arrived fragmented (VTEPs must not fragment, RFC 7348 §4.3). */
    FRAGMENT_NOT_SUPPORTED(157, "IP fragmentation not supported"),
    /** Cilium 166. */
    UNSUPPORTED_L2_PROTOCOL(166, "unsupported L2 protocol"),
    /** Cilium 196: hop limit reached while nve routes the packet (ILA). */
    TTL_EXCEEDED(196, "hop limit exceeded"),
    /** Cilium 171: an identity that does not fit the field that must carry it. */
    INVALID_IDENTITY(171, "invalid identity"),
    /** Cilium 181: a deny rule matched (deny rules win over allow rules). */
    POLICY_DENY(181, "policy denied by a deny rule"),
    /** Cilium 155: the conntrack table is full, so a new connection cannot be tracked; existing ones keep flowing. */
    CT_MAP_INSERTION_FAILED(155, "conntrack table full: new connection refused"),
    /** Cilium 183: a VNI that no configured network uses. */
    INVALID_VNI(183, "unknown VNI"),

    /** A header is cut short by the end of the frame. */
    TRUNCATED(220, "truncated header"),
    /** VXLAN header without the I flag (RFC 7348 §5). */
    VXLAN_FLAGS_INVALID(221, "VXLAN I flag not set"),
    /** Underlay traffic addressed to an IP that is not one of our VTEPs. */
    NOT_LOCAL_VTEP(222, "outer destination is not a local VTEP"),
    /** Underlay traffic that is not overlay (the XDP program passes it to the kernel). */
    NOT_OVERLAY(223, "not overlay traffic"),
    /** An IPv4 header whose checksum does not verify. */
    IPV4_CHECKSUM_INVALID(224, "IPv4 header checksum invalid"),
    /** Decapsulated frame whose destination is at another VTEP: no overlay hairpin. */
    SPLIT_HORIZON(225, "overlay frame for a remote destination (split horizon)"),
    /** Destination is the port the frame came in on. */
    SAME_PORT(226, "destination is the input port"),
    /** Nothing to flood to in the network. */
    NO_FLOOD_TARGET(227, "no flood target in the network"),
    /** No free frame to hold a replica. */
    NO_FREE_FRAME(228, "no free frame for replication"),
    /** A frame on a port that has no role in the configuration. */
    PORT_NOT_CONFIGURED(229, "input port not configured"),
    /** The output port could not take the frame (ring full). */
    TX_FULL(230, "output queue full"),
    /** Not enough headroom in the frame to prepend the outer headers. */
    NO_HEADROOM(231, "no headroom for encapsulation"),
    /** A frame larger than a frame buffer (e.g. an un-segmented GSO/BIG TCP capture). */
    FRAME_TOO_LARGE(232, "frame larger than the frame buffer"),
    /** ILA: no mapping for the identifier (egress) or no local endpoint owns it (ingress). */
    ILA_UNKNOWN_IDENTIFIER(233, "unknown ILA identifier"),
    /** IPv6 sent to the host's router MAC whose destination is in no SIR prefix. */
    NO_ROUTE(234, "destination in no SIR prefix"),
    /** ILA ingress: the identifier is ours but arrived with another of our locators. */
    ILA_LOCATOR_MISMATCH(235, "ILA locator does not match the identifier's mapping"),
    /** An endpoint port that is in no L2 network sent a frame that is not routed by ILA. */
    NO_NETWORK(236, "endpoint port is in no network"),
    /** ILA VIRT_V4 egress: an IPv4 header with options (IHL > 5); RFC 7915 §4.1 would drop the source-route ones, nve drops them all. */
    ILA_IPV4_OPTIONS(237, "IPv4 options: not translated to IPv6"),
    /** ILA ingress: a VIRT_V4 identifier whose VNID is no IPv4 tenant of this host. */
    ILA_NO_IPV4_TENANT(238, "VIRT_V4 identifier of a VNID without an IPv4 tenant"),
    /** ILA VIRT_V4: an ICMP/ICMPv6 message other than echo request/reply, or a fragmented one (RFC 7915 §4.2, §5.2). */
    ILA_ICMP_NOT_TRANSLATED(239, "ICMP message not translated between IPv4 and IPv6"),
    /** ILA VIRT_V4 egress: a fragment of a UDP datagram with checksum 0: IPv6 needs a checksum, which only the whole datagram gives (RFC 7915 §4.5). */
    ILA_UDP_ZERO_CHECKSUM_FRAGMENT(240, "fragmented IPv4 UDP without checksum: cannot be translated"),
    /** ILA VIRT_V4 ingress: the IPv6 source is not in the tenant's translated /96, so it has no IPv4 form. */
    ILA_SOURCE_NOT_TRANSLATABLE(241, "IPv6 source has no IPv4 form in the tenant"),
    /** ILA VIRT_V4 ingress: an IPv6 extension header other than one Fragment header. */
    ILA_EXTENSION_HEADER_NOT_TRANSLATED(242, "IPv6 extension header not translated to IPv4");

    /** values() clones on every call; the flush path uses this copy instead. */
    static final DropReason[] ALL = values();
    private static final DropReason[] BY_CODE = new DropReason[256];
    public static final int MAX_CODE = 255;

    static
    {
        for (final DropReason reason : ALL)
        {
            BY_CODE[reason.code] = reason;
        }
    }

    private final short code;
    private final String description;

    DropReason(final int code, final String description)
    {
        this.code = (short)code;
        this.description = description;
    }

    @Override
    public short code()
    {
        return code;
    }

    public String description()
    {
        return description;
    }

    /** The reason with {@code code}, or null when no reason has it. */
    public static DropReason ofCode(final int code)
    {
        return code >= 0 && code <= MAX_CODE ? BY_CODE[code] : null;
    }
}
