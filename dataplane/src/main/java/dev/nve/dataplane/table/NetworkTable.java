package dev.nve.dataplane.table;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Networks (tenant L2 segments): {@code VNI -> network index} in an off-heap hash table, and
 * per index the VNI, whether VXLAN-GBP is on, and the flood targets: local endpoint ports and
 * encapsulation templates of the remote VTEPs in the flood list. Flood target arrays are
 * replaced whole and published with release semantics, so a worker sees the old or the new
 * list, never a mix.
 */
public final class NetworkTable implements AutoCloseable
{
    public static final int MISSING = LongIntHashTable.MISSING;
    private static final VarHandle ARRAY = MethodHandles.arrayElementVarHandle(int[][].class);
    private static final int[] NONE = new int[0];

    private final LongIntHashTable byVni;
    private final int capacity;
    private final int[] vnis;
    private final boolean[] gbp;
    private final boolean[] identityInVni;
    /** The one network whose VNI field carries the sender's identity (Cilium mode), or MISSING. */
    private volatile int identityNetwork = MISSING;
    private final int[][] floodPorts;
    private final int[][] floodTemplates;
    private int nextIndex = 1;
    private int live;

    public NetworkTable(final int capacity)
    {
        this.capacity = capacity;
        this.byVni = new LongIntHashTable(capacity);
        this.vnis = new int[capacity + 1];
        this.gbp = new boolean[capacity + 1];
        this.identityInVni = new boolean[capacity + 1];
        this.floodPorts = new int[capacity + 1][];
        this.floodTemplates = new int[capacity + 1][];
        Arrays.fill(floodPorts, NONE);
        Arrays.fill(floodTemplates, NONE);
    }

    /** Network index of {@code vni} or {@link #MISSING}. VNI + 1 as key keeps key 0 free. */
    public int find(final int vni)
    {
        return byVni.get(vni + 1L);
    }

    /** Adds a network (control thread); returns its index, or -1 when the table is full. */
    public int add(final int vni, final boolean groupPolicy)
    {
        return add(vni, groupPolicy, false);
    }

    /**
     * Adds a network; with {@code vniCarriesIdentity} it is the single tenant of the
     * Cilium-compatible mode: every VNI received maps to it, and the VNI sent is the sender's
     * identity (TableWriter checks that it is then the only network).
     */
    public int add(final int vni, final boolean groupPolicy, final boolean vniCarriesIdentity)
    {
        final int existing = find(vni);
        if (existing != MISSING)
        {
            gbp[existing] = groupPolicy;
            return existing;
        }
        if (nextIndex > capacity)
        {
            return -1;
        }
        final int index = nextIndex++;
        vnis[index] = vni;
        gbp[index] = groupPolicy;
        identityInVni[index] = vniCarriesIdentity;
        byVni.put(vni + 1L, index);
        live++;
        if (vniCarriesIdentity)
        {
            identityNetwork = index;
        }
        return index;
    }

    /**
     * Unmaps {@code vni} (control thread): frames with it find no network from now on. The
     * index is never handed out again, so a worker still holding it in a batch reads a network
     * that is gone, never another one. The caller makes sure nothing points at it any more.
     *
     * @return false when the VNI had no network
     */
    public boolean remove(final int vni)
    {
        final int index = find(vni);
        if (index == MISSING)
        {
            return false;
        }
        byVni.remove(vni + 1L);
        if (identityNetwork == index)
        {
            identityNetwork = MISSING;
        }
        setFloodPorts(index, NONE);
        setFloodTemplates(index, NONE);
        vnis[index] = -1;
        live--;
        return true;
    }

    /** True for an index handed out and not removed. */
    public boolean isLive(final int network)
    {
        return network >= 1 && network < nextIndex && vnis[network] >= 0;
    }

    /** The highest index handed out: iterate {@code 1..highestIndex()} and skip what is not {@link #isLive}. */
    public int highestIndex()
    {
        return nextIndex - 1;
    }

    public int vni(final int network)
    {
        return vnis[network];
    }

    public boolean identityInVni(final int network)
    {
        return identityInVni[network];
    }

    /** The network of the VNI-carries-identity mode, or {@link #MISSING} (read once per batch by decap). */
    public int identityNetwork()
    {
        return identityNetwork;
    }

    public boolean groupPolicy(final int network)
    {
        return gbp[network];
    }

    public int[] floodPorts(final int network)
    {
        return (int[])ARRAY.getAcquire(floodPorts, network);
    }

    public int[] floodTemplates(final int network)
    {
        return (int[])ARRAY.getAcquire(floodTemplates, network);
    }

    public void setFloodPorts(final int network, final int[] ports)
    {
        ARRAY.setRelease(floodPorts, network, ports.clone());
    }

    public void setFloodTemplates(final int network, final int[] templates)
    {
        ARRAY.setRelease(floodTemplates, network, templates.clone());
    }

    /** Live networks. */
    public int size()
    {
        return live;
    }

    @Override
    public void close()
    {
        byVni.close();
    }
}
