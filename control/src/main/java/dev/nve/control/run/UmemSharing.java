package dev.nve.control.run;

import java.util.Locale;

/** How the AF_XDP sockets of the worker get their frames ({@code nve run --umem}). */
public enum UmemSharing
{
    /** One UMEM for every port; a port whose shared bind the kernel refuses gets its own UMEM and a copy (reported). */
    AUTO,
    /** One UMEM for every port, or stop with the kernel's reason. */
    SHARED,
    /** The first port on the worker's UMEM, every other port on its own UMEM with a copy each way. */
    PER_PORT;

    /** {@code auto}, {@code shared} or {@code per-port}. */
    public static UmemSharing parse(final String text)
    {
        return switch (text == null ? "" : text.strip().toLowerCase(Locale.ROOT))
        {
            case "auto" -> AUTO;
            case "shared" -> SHARED;
            case "per-port", "perport" -> PER_PORT;
            default -> throw new IllegalArgumentException("--umem \"" + text + "\": expected auto, shared or per-port");
        };
    }
}
