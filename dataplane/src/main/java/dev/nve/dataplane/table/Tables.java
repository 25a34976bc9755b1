package dev.nve.dataplane.table;

import dev.nve.dataplane.policy.PolicyTable;

/**
 * Every lookup table of one host, read by the workers and written only through a
 * {@link TableWriter} on the control thread.
 */
public final class Tables implements AutoCloseable
{
    private final PortTable ports = new PortTable();
    private final NetworkTable networks;
    private final FdbTable fdb;
    private final EncapTemplates templates;
    private final IlaTable ila;
    private final IpCache ipCache;
    private final NeighbourTable neighbours;
    private final WorkerEpochs epochs = new WorkerEpochs();
    private volatile Underlay underlay;
    /** Replaced whole by the control thread; workers read it once per batch. */
    private volatile PolicyTable policy = PolicyTable.none();

    public Tables(final Sizes sizes)
    {
        this.networks = new NetworkTable(sizes.networks());
        this.fdb = new FdbTable(sizes.fdbEntries());
        this.templates = new EncapTemplates(sizes.encapTemplates());
        this.ila = new IlaTable(sizes.ilaMappings(), sizes.ilaLocalMappings());
        this.ipCache = new IpCache(sizes.ipCacheEntries());
        this.neighbours = new NeighbourTable(sizes.neighbourEntries());
    }

    public Tables()
    {
        this(Sizes.DEFAULT);
    }

    public PortTable ports()
    {
        return ports;
    }

    public NetworkTable networks()
    {
        return networks;
    }

    public FdbTable fdb()
    {
        return fdb;
    }

    public EncapTemplates templates()
    {
        return templates;
    }

    public IlaTable ila()
    {
        return ila;
    }

    public IpCache ipCache()
    {
        return ipCache;
    }

    /** The ARP/ND proxy table: {@code (network, IP) -> MAC}. */
    public NeighbourTable neighbours()
    {
        return neighbours;
    }

    /** The workers' batch counters: when a retired entry may be reused. */
    public WorkerEpochs epochs()
    {
        return epochs;
    }

    /** The current underlay, or null before one is configured. */
    public Underlay underlay()
    {
        return underlay;
    }

    /** The current compiled policy (never null). */
    public PolicyTable policy()
    {
        return policy;
    }

    /**
     * Registers a worker (before it starts): its batch counter ({@link #epochs()}) and its own
     * rule counters in the policy table in force and in every one published later
     * ({@code RuleCounts}). Synchronized with {@link #policy(PolicyTable)} so that no table is
     * published without the counters of a worker registered meanwhile.
     */
    public synchronized WorkerEpochs.Slot registerWorker()
    {
        final WorkerEpochs.Slot slot = epochs.register();
        policy.ruleCounts().addWorker(slot.index());
        return slot;
    }

    synchronized void policy(final PolicyTable policy)
    {
        for (int worker = 0; worker < epochs.workers(); worker++)
        {
            policy.ruleCounts().addWorker(worker);
        }
        this.policy = policy;
    }

    void underlay(final Underlay underlay)
    {
        this.underlay = underlay;
    }

    @Override
    public void close()
    {
        networks.close();
        fdb.close();
        templates.close();
        ila.close();
        ipCache.close();
        neighbours.close();
    }

    /** Table capacities, fixed when the tables are created. */
    public record Sizes(int networks, int fdbEntries, int encapTemplates, int ilaMappings, int ilaLocalMappings, int ipCacheEntries,
                        int neighbourEntries)
    {
        public static final Sizes DEFAULT = new Sizes(4096, 65536, 4096, 65536, IlaTable.DEFAULT_LOCAL_CAPACITY, IpCache.DEFAULT_ENTRIES,
            NeighbourTable.DEFAULT_ENTRIES);

        public Sizes(final int networks, final int fdbEntries, final int encapTemplates, final int ilaMappings, final int ilaLocalMappings,
            final int ipCacheEntries)
        {
            this(networks, fdbEntries, encapTemplates, ilaMappings, ilaLocalMappings, ipCacheEntries, NeighbourTable.DEFAULT_ENTRIES);
        }

        public Sizes(final int networks, final int fdbEntries, final int encapTemplates, final int ilaMappings, final int ilaLocalMappings)
        {
            this(networks, fdbEntries, encapTemplates, ilaMappings, ilaLocalMappings, IpCache.DEFAULT_ENTRIES);
        }

        public Sizes(final int networks, final int fdbEntries, final int encapTemplates)
        {
            this(networks, fdbEntries, encapTemplates, DEFAULT.ilaMappings(), DEFAULT.ilaLocalMappings());
        }

        public Sizes(final int networks, final int fdbEntries, final int encapTemplates, final int ilaMappings)
        {
            this(networks, fdbEntries, encapTemplates, ilaMappings, Math.min(ilaMappings, IlaTable.DEFAULT_LOCAL_CAPACITY));
        }
    }
}
