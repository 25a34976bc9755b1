package dev.nve.dataplane.policy;

/** Ports [low, high] of one key and the verdict for them ({@link PolicyVerdict}). */
public record PortInterval(int low, int high, int verdict)
{
    public PortInterval
    {
        if (low < 0 || high > 0xFFFF || low > high)
        {
            throw new IllegalArgumentException("port interval [" + low + ", " + high + "]: must satisfy 0 <= low <= high <= 65535");
        }
    }

    public boolean contains(final int port)
    {
        return port >= low && port <= high;
    }
}
