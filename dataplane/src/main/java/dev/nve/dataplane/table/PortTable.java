package dev.nve.dataplane.table;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Role of each port: the underlay, an endpoint (container) port in one network, or unused.
 * Indexed by port id, written by the control thread, read by the workers with plain loads. The
 * role is the publication point: the endpoint's fields (network, identity, MAC, ILA tenant) are
 * written while the role is none, and the role goes up only after a grace period
 * ({@code TableWriter}). Port ids are never reused for another name.
 */
public final class PortTable
{
    public static final byte ROLE_NONE = 0;
    public static final byte ROLE_UNDERLAY = 1;
    public static final byte ROLE_ENDPOINT = 2;
    public static final int MAX_PORTS = 1024;

    private static final VarHandle ROLES = MethodHandles.arrayElementVarHandle(byte[].class);

    private final String[] names = new String[MAX_PORTS];
    private final byte[] roles = new byte[MAX_PORTS];
    private final int[] networks = new int[MAX_PORTS];
    private final int[] identities = new int[MAX_PORTS];
    private final long[] macs = new long[MAX_PORTS];
    private final int[] ilaTenants = new int[MAX_PORTS];
    private int count;
    /** Bumped after every change of a role or an endpoint's fields (see {@link #version()}). */
    private final AtomicLong version = new AtomicLong();

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
        ROLES.setRelease(roles, port, ROLE_UNDERLAY);
        version.incrementAndGet();
    }

    /**
     * @param network network index, or -1 for an endpoint reached only through ILA
     * @param ilaTenant VNID of the endpoint's ILA tenant (VIRT_UNI_V6), or -1
     */
    public void setEndpoint(final int port, final int network, final int identity, final long mac, final int ilaTenant)
    {
        writeEndpoint(port, network, identity, mac, ilaTenant);
        publishEndpoint(port);
    }

    /** The endpoint's fields, while the port's role is none (see TableWriter for the grace periods). */
    public void writeEndpoint(final int port, final int network, final int identity, final long mac, final int ilaTenant)
    {
        networks[port] = network;
        identities[port] = identity;
        macs[port] = mac;
        ilaTenants[port] = ilaTenant;
        version.incrementAndGet();
    }

    /** Makes the port an endpoint's (release store: the fields written before come first). */
    public void publishEndpoint(final int port)
    {
        ROLES.setRelease(roles, port, ROLE_ENDPOINT);
        version.incrementAndGet();
    }

    /**
     * Takes the endpoint off the port (role none). The fields stay as they were: a worker still
     * in a batch that read the old role reads the old fields, never new ones (the writer waits
     * for a grace period before it puts different fields on this port).
     */
    public void retireEndpoint(final int port)
    {
        ROLES.setRelease(roles, port, ROLE_NONE);
        version.incrementAndGet();
    }

    /**
     * Changes so far: a worker that keeps values derived from roles and fields (FilterStage's
     * per-port work bits) reads it at the start of a batch and derives them again when it moved.
     * Bumped after the change, so a worker that reads the new version reads the new role and
     * fields.
     */
    public long version()
    {
        return version.get();
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

    /**
     * The port's role. A plain load (per frame, so no acquire): the writer publishes a role only
     * after every worker has started a batch since the fields were written, and each batch
     * starts with a full fence, so a worker that sees the role sees the fields.
     */
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
