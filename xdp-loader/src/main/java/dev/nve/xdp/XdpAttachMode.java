package dev.nve.xdp;

import dev.nve.xdp.ffi.IfXdp;

/** How the XDP program is attached to an interface. */
public enum XdpAttachMode
{
    /** Native (driver) XDP: XDP_FLAGS_DRV_MODE. */
    NATIVE(IfXdp.XDP_FLAGS_DRV_MODE),
    /** Generic (skb) XDP: XDP_FLAGS_SKB_MODE, works on every device. */
    GENERIC(IfXdp.XDP_FLAGS_SKB_MODE),
    /** Native, falling back to generic when the driver refuses; the fallback is reported. */
    AUTO(0);

    private final int flags;

    XdpAttachMode(final int flags)
    {
        this.flags = flags;
    }

    /** The XDP_FLAGS_*_MODE bit ({@code 0} for AUTO). */
    public int flags()
    {
        return flags;
    }
}
