package dev.nve.dataplane.table;

/**
 * Role of each port: the underlay, an endpoint (container) port in one network, or unused.
 * Indexed by port id; plain per-element writes by the control thread are atomic for these
 * element types, and a port's role is set before frames can arrive on it.
 */
public final class PortTable
{
    public static final byte ROLE_NONE = 0;
    public static final byte ROLE_UNDERLAY = 1;
    public static final byte ROLE_ENDPOINT = 2;
    public static final int MAX_PORTS = 1024;

    private final String[] names = new String[MAX_PORTS];
    private final byte[] roles = new byte[MAX_PORTS];
    private final int[] networks = new int[MAX_PORTS];
    private final int[] identities = new int[MAX_PORTS];
    private final long[] macs = new long[MAX_PORTS];
    private final int[] ilaTenants = new int[MAX_PORTS];
    private int count;

    /** Adds a port (control thread) and returns its id; an existing name returns the same id. */
    public int add(final String name)
    {
        final int existing = find(name);
        if (existing >= 0)
        {
            return existing;
        }
        if (count == MAX_PORTS)
        {
            throw new IllegalStateException("too many ports (max " + MAX_PORTS + "): " + name);
        }
        names[count] = name;
        networks[count] = -1;
        identities[count] = -1;
        macs[count] = -1;
        ilaTenants[count] = -1;
        return count++;
    }

    public int find(final String name)
    {
        for (int i = 0; i < count; i++)
        {
            if (names[i].equals(name))
            {
                return i;
            }
        }
        return -1;
    }

    public void setUnderlay(final int port)
    {
        roles[port] = ROLE_UNDERLAY;
    }

    /**
     * @param network network index, or -1 for an endpoint reached only through ILA
     * @param ilaTenant VNID of the endpoint's ILA tenant (VIRT_UNI_V6), or -1
     */
    public void setEndpoint(final int port, final int network, final int identity, final long mac, final int ilaTenant)
    {
        networks[port] = network;
        identities[port] = identity;
        macs[port] = mac;
        ilaTenants[port] = ilaTenant;
        roles[port] = ROLE_ENDPOINT;
    }

    /** MAC of the endpoint on the port, or -1. */
    public long mac(final int port)
    {
        return macs[port];
    }

    /** VNID of the port's ILA tenant, or -1. */
    public int ilaTenant(final int port)
    {
        return ilaTenants[port];
    }

    public void clear(final int port)
    {
        roles[port] = ROLE_NONE;
        networks[port] = -1;
        identities[port] = -1;
        macs[port] = -1;
        ilaTenants[port] = -1;
    }

    public byte role(final int port)
    {
        return port >= 0 && port < MAX_PORTS ? roles[port] : ROLE_NONE;
    }

    public int network(final int port)
    {
        return networks[port];
    }

    public int identity(final int port)
    {
        return identities[port];
    }

    public String name(final int port)
    {
        return names[port];
    }

    public int count()
    {
        return count;
    }
}
