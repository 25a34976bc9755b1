package dev.nve.xdp;

/**
 * The XDP program's per-CPU counters ({@code enum nve_xdp_counter} in nve_xdp.h; the indices
 * are checked by StructLayoutTest). PASS + REDIRECT + REDIRECT_FAILED is every frame the
 * program saw; the others say why a frame was steered or passed.
 */
public enum XdpCounter
{
    /** XDP_PASS: not nve's traffic. */
    PASS(0),
    /** XDP_REDIRECT into the socket of the frame's rx queue. */
    REDIRECT(1),
    /** nve's traffic, but no socket on the frame's queue: passed to the kernel. */
    REDIRECT_FAILED(2),
    /** Steered because the interface is an endpoint port (steer everything). */
    STEER_ENDPOINT(3),
    /** Steered: UDP to a local IPv4 VTEP address and port. */
    STEER_VTEP4(4),
    /** Steered: UDP to a local IPv6 VTEP address and port. */
    STEER_VTEP6(5),
    /** Steered: IPv6 destination inside a local ILA locator. */
    STEER_ILA(6),
    /** Passed: headers shorter than they claim. */
    TRUNCATED(7),
    /** Passed: IPv4 fragment. */
    FRAGMENT(8),
    /** Passed: ICMPv6 neighbour discovery to an ILA locator. */
    ND(9);

    /** NVE_CNT_MAX: entries of the counter map. */
    public static final int COUNT = 10;

    private final int index;

    XdpCounter(final int index)
    {
        this.index = index;
    }

    /** Key in the {@code nve_counters} map. */
    public int index()
    {
        return index;
    }

    /** The C enumerator, e.g. {@code NVE_CNT_STEER_VTEP4}. */
    public String cName()
    {
        return "NVE_CNT_" + name();
    }
}
