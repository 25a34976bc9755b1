package dev.nve.control.bgp;

/**
 * One peer's session settings. Validated here so that a bad value fails when the config is read,
 * naming the field, rather than as an OPEN the peer refuses.
 *
 * @param localAs                   our AS, 1..4294967295; above 65535 the OPEN carries AS_TRANS
 * @param remoteAs                  the AS the peer must announce (equal to {@code localAs} for iBGP)
 * @param localBgpId                our BGP identifier, an IPv4 address as an unsigned 32-bit value, not 0
 * @param holdTimeSeconds           the hold time we offer: 0 (no keepalives) or 3..65535
 * @param connectRetryInitialMillis the first wait before reconnecting after a failure
 * @param connectRetryMaxMillis     the back-off's ceiling, also the connect attempt's time-out
 */
public record BgpSessionConfig(long localAs, long remoteAs, long localBgpId, int holdTimeSeconds,
    long connectRetryInitialMillis, long connectRetryMaxMillis)
{
    public static final int DEFAULT_HOLD_TIME = 90;
    public static final long DEFAULT_CONNECT_RETRY_INITIAL = 1_000;
    public static final long DEFAULT_CONNECT_RETRY_MAX = 60_000;
    private static final long MAX_AS = 0xFFFF_FFFFL;

    public BgpSessionConfig
    {
        require(localAs >= 1 && localAs <= MAX_AS, "localAs", localAs);
        require(remoteAs >= 1 && remoteAs <= MAX_AS, "remoteAs", remoteAs);
        require(localBgpId >= 1 && localBgpId <= MAX_AS, "localBgpId", localBgpId);
        require(holdTimeSeconds == 0 || holdTimeSeconds >= 3 && holdTimeSeconds <= 0xFFFF, "holdTimeSeconds", holdTimeSeconds);
        require(connectRetryInitialMillis >= 1, "connectRetryInitialMillis", connectRetryInitialMillis);
        require(connectRetryMaxMillis >= connectRetryInitialMillis, "connectRetryMaxMillis", connectRetryMaxMillis);
    }

    /** The defaults: hold time 90 s, reconnect after 1 s doubling up to 60 s. */
    public static BgpSessionConfig of(final long localAs, final long remoteAs, final long localBgpId)
    {
        return new BgpSessionConfig(localAs, remoteAs, localBgpId, DEFAULT_HOLD_TIME, DEFAULT_CONNECT_RETRY_INITIAL, DEFAULT_CONNECT_RETRY_MAX);
    }

    /** This config with another hold time. */
    public BgpSessionConfig withHoldTime(final int seconds)
    {
        return new BgpSessionConfig(localAs, remoteAs, localBgpId, seconds, connectRetryInitialMillis, connectRetryMaxMillis);
    }

    private static void require(final boolean valid, final String field, final long value)
    {
        if (!valid)
        {
            throw new IllegalArgumentException(field + " " + value + " is out of range");
        }
    }
}
