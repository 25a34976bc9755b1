package dev.nve.dataplane.conntrack;

import java.util.concurrent.TimeUnit;

/**
 * How long an entry lives after its last packet, per state. {@link #CILIUM_DEFAULTS} are
 * Cilium's defaults (TCP established 21600 s, TCP SYN 60 s, TCP closing 10 s, non-TCP 60 s).
 * Each must be positive and at most {@link #MAX_NANOS}: expiry times are kept in 32-bit
 * ticks that wrap, and a timeout must stay well inside half the wrap period.
 */
public record ConntrackTimeouts(long tcpEstablishedNanos, long tcpSynNanos, long tcpClosingNanos, long nonTcpNanos)
{
    /** 365 days; the 32-bit tick counter wraps after about 2 x 417 days. */
    public static final long MAX_NANOS = TimeUnit.DAYS.toNanos(365);

    public static final ConntrackTimeouts CILIUM_DEFAULTS = new ConntrackTimeouts(
        TimeUnit.SECONDS.toNanos(21_600),
        TimeUnit.SECONDS.toNanos(60),
        TimeUnit.SECONDS.toNanos(10),
        TimeUnit.SECONDS.toNanos(60));

    public ConntrackTimeouts
    {
        check("tcpEstablishedNanos", tcpEstablishedNanos);
        check("tcpSynNanos", tcpSynNanos);
        check("tcpClosingNanos", tcpClosingNanos);
        check("nonTcpNanos", nonTcpNanos);
    }

    private static void check(final String field, final long nanos)
    {
        if (nanos <= 0 || nanos > MAX_NANOS)
        {
            throw new IllegalArgumentException(field + " out of range (0, " + MAX_NANOS + "] ns: " + nanos);
        }
    }
}
