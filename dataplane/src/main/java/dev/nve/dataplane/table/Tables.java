package dev.nve.dataplane.table;

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
    private volatile Underlay underlay;

    public Tables(final Sizes sizes)
    {
        this.networks = new NetworkTable(sizes.networks());
        this.fdb = new FdbTable(sizes.fdbEntries());
        this.templates = new EncapTemplates(sizes.encapTemplates());
        this.ila = new IlaTable(sizes.ilaMappings(), sizes.ilaLocalMappings());
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

    /** The current underlay, or null before one is configured. */
    public Underlay underlay()
    {
        return underlay;
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
    }

    /** Table capacities, fixed when the tables are created. */
    public record Sizes(int networks, int fdbEntries, int encapTemplates, int ilaMappings, int ilaLocalMappings)
    {
        public static final Sizes DEFAULT = new Sizes(4096, 65536, 4096, 65536, IlaTable.DEFAULT_LOCAL_CAPACITY);

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
