package dev.nve.xdp;

/** How the AF_XDP socket moves frames between the driver and the UMEM. */
public enum XskBindMode
{
    /** Zero-copy: the driver DMAs into the UMEM (XDP_ZEROCOPY); fails where unsupported. */
    ZERO_COPY,
    /** Copy mode (XDP_COPY): the kernel copies frames; works on every device (veth). */
    COPY,
    /** Neither flag: the kernel tries zero-copy and falls back to copy; the outcome is reported. */
    AUTO
}
