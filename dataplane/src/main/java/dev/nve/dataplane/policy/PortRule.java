package dev.nve.dataplane.policy;

/**
 * One {@code toPorts[].ports[]} entry. {@code protocol} is {@link #ANY} (TCP and UDP, never
 * ICMP), {@link #TCP} or {@link #UDP}; {@code port} 0 means every port of the protocol;
 * {@code endPort}, when not 0, makes the range [port, endPort].
 */
public record PortRule(int protocol, int port, int endPort)
{
    public static final int ANY = 0;
    public static final int TCP = 6;
    public static final int UDP = 17;

    public PortRule
    {
        if (protocol != ANY && protocol != TCP && protocol != UDP)
        {
            throw new IllegalArgumentException("protocol " + protocol + ": expected 0 (ANY), 6 (TCP) or 17 (UDP)");
        }
        if (port < 0 || port > 0xFFFF)
        {
            throw new IllegalArgumentException("port " + port + ": out of range [0, 65535]");
        }
        if (endPort != 0)
        {
            if (port == 0)
            {
                throw new IllegalArgumentException("endPort " + endPort + ": needs a port");
            }
            if (endPort < port || endPort > 0xFFFF)
            {
                throw new IllegalArgumentException("endPort " + endPort + ": must be in [port " + port + ", 65535]");
            }
        }
    }

    /** Lowest port covered. */
    public int low()
    {
        return port;
    }

    /** Highest port covered. */
    public int high()
    {
        return port == 0 ? 0xFFFF : endPort == 0 ? port : endPort;
    }

    /** True when this entry covers the protocol class ({@link ProtocolClass}). */
    public boolean covers(final int protocolClass)
    {
        return switch (protocolClass)
        {
            case ProtocolClass.TCP -> protocol == ANY || protocol == TCP;
            case ProtocolClass.UDP -> protocol == ANY || protocol == UDP;
            default -> false;
        };
    }
}
