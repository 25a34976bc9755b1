package dev.nve.bench;

import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.table.FdbTable;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.FrameBuilder;
import dev.nve.dataplane.wire.VxlanHeader;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Shared set-up of the stage and table benchmarks (never measured): one host with underlay
 * port {@code uplink} (VTEP 198.18.0.1), one remote VTEP 198.18.0.2, network VNI 100 and
 * endpoint port {@code c1}; 64-byte inner frames (Ethernet 14 + IPv4 20 + UDP 8 + 22 bytes
 * payload) and their VXLAN encapsulation (114 bytes).
 * <p>
 * Random FDB hits: the 64 frames of the batch are reused on every invocation, so to make the
 * lookups hit random entries of a large FDB each invocation writes the next 64 destination
 * MACs of a precomputed key stream ({@link #STREAM_LENGTH} uniformly random picks among the
 * inserted MACs) into the frames. Without that the same 64 entries would stay in L1 and a
 * 1,000,000-entry FDB would measure like a 64-entry one.
 */
final class Fixtures
{
    static final int BATCH = 64;
    static final int VNI = 100;
    static final int INNER_FRAME_LENGTH = 64;
    static final int INNER_PAYLOAD = INNER_FRAME_LENGTH - 14 - 20 - 8;
    /** Outer Ethernet + IPv4 + UDP + VXLAN in front of the inner frame. */
    static final int OUTER_HEADERS = 14 + 20 + 8 + 8;
    static final int UNDERLAY_MTU = 1500;
    static final long UNDERLAY_MAC = 0x02_00_00_00_00_01L;
    static final long GATEWAY_MAC = 0x02_00_00_00_00_FEL;
    static final long REMOTE_VTEP_MAC = 0x02_00_00_00_00_02L;
    static final long ENDPOINT_MAC = 0x02_00_00_00_01_01L;
    static final String LOCAL_VTEP = "198.18.0.1";
    static final String REMOTE_VTEP = "198.18.0.2";
    static final String UPLINK = "uplink";
    static final String ENDPOINT = "c1";
    /** Key stream length for large FDBs: 2^20 random picks, consumed 64 per invocation. */
    static final int STREAM_LENGTH = 1 << 20;
    /** Above this many entries the tables get the large sizes the issue names. */
    static final int DEFAULT_FDB_LIMIT = Tables.Sizes.DEFAULT.fdbEntries() - 16;
    /** Endpoint ports that the many local MACs of the large decap FDB sit behind. */
    static final int LOCAL_PORTS = 8;

    private Fixtures()
    {
    }

    /** Tables sized for {@code fdbEntries}: the defaults, or (4096, 1,100,000, 4096) for 1M. */
    static Tables tables(final int fdbEntries)
    {
        return fdbEntries <= DEFAULT_FDB_LIMIT ? new Tables() : new Tables(new Tables.Sizes(4096, 1_100_000, 4096));
    }

    /** Underlay, remote VTEP, network and endpoint {@code c1}, as the control thread sets them. */
    static TableWriter baseConfig(final Tables tables)
    {
        final TableWriter writer = new TableWriter(tables);
        writer.setUnderlay(UPLINK, UNDERLAY_MAC, UNDERLAY_MTU, VxlanHeader.DEFAULT_PORT, List.of(address(LOCAL_VTEP)), GATEWAY_MAC);
        writer.addRemoteVtep(address(REMOTE_VTEP), REMOTE_VTEP_MAC);
        writer.addNetwork(VNI, false);
        writer.addEndpoint(ENDPOINT, VNI, ENDPOINT_MAC, 0);
        return writer;
    }

    /**
     * Adds {@code count} distinct random remote MACs (to 198.18.0.2) and returns them.
     */
    static long[] addRemoteMacs(final TableWriter writer, final int count, final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final FdbTable fdb = writer.tables().fdb();
        final int network = writer.tables().networks().find(VNI);
        final InetAddress vtep = address(REMOTE_VTEP);
        final long[] macs = new long[count];
        int added = 0;
        while (added < count)
        {
            final long mac = randomUnicastMac(random);
            if (fdb.get(FdbTable.key(network, mac)) != FdbTable.MISSING)
            {
                continue;
            }
            writer.addRemoteMac(VNI, mac, vtep);
            macs[added++] = mac;
        }
        return macs;
    }

    /**
     * Puts {@code count} distinct random local MACs in the FDB, spread over endpoint ports
     * {@code c1..c8}, and returns them ({@code c1}'s own MAC first). The eight endpoints are
     * added through {@code TableWriter.addEndpoint}; the other MACs are written straight into
     * the FDB with the same value encoding ({@code FdbTable.local(port)}) because TableWriter has
     * no call for a second MAC behind an endpoint port (it refuses a second addEndpoint on a
     * port). The workers see exactly what they would see if that call existed.
     */
    static long[] addLocalMacs(final TableWriter writer, final int count, final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final FdbTable fdb = writer.tables().fdb();
        final int network = writer.tables().networks().find(VNI);
        final long[] macs = new long[count];
        final int[] ports = new int[LOCAL_PORTS];
        macs[0] = ENDPOINT_MAC;
        ports[0] = writer.tables().ports().find(ENDPOINT);
        int added = 1;
        for (int p = 1; p < LOCAL_PORTS && added < count; p++)
        {
            final long mac = randomUnicastMac(random);
            writer.addEndpoint("c" + (p + 1), VNI, mac, 0);
            ports[p] = writer.tables().ports().find("c" + (p + 1));
            macs[added++] = mac;
        }
        while (added < count)
        {
            final long mac = randomUnicastMac(random);
            final long key = FdbTable.key(network, mac);
            if (fdb.get(key) != FdbTable.MISSING)
            {
                continue;
            }
            if (!fdb.put(key, FdbTable.local(ports[added % LOCAL_PORTS])))
            {
                throw new IllegalStateException("FDB full at " + added);
            }
            macs[added++] = mac;
        }
        return macs;
    }

    /** 48 random bits, unicast, locally administered (bit 1 of the first byte). */
    static long randomUnicastMac(final SplittableRandom random)
    {
        return (random.nextLong() & 0xFEFF_FFFF_FFFFL) | 0x0200_0000_0000L;
    }

    /**
     * The destination MACs the benchmark writes into its frames, 64 per invocation: the one MAC
     * repeated for a single-entry FDB, else {@link #STREAM_LENGTH} uniform picks.
     */
    static long[] keyStream(final long[] macs, final long seed)
    {
        if (macs.length == 1)
        {
            final long[] stream = new long[BATCH];
            java.util.Arrays.fill(stream, macs[0]);
            return stream;
        }
        final SplittableRandom random = new SplittableRandom(seed);
        final long[] stream = new long[STREAM_LENGTH];
        for (int i = 0; i < stream.length; i++)
        {
            stream[i] = macs[random.nextInt(macs.length)];
        }
        return stream;
    }

    /** A 64-byte Ethernet/IPv4/UDP frame; flows differ by UDP source port. */
    static byte[] innerFrame(final long dstMac, final long srcMac, final String src, final String dst, final int flow)
    {
        final byte[] frame = FrameBuilder.ethernet(dstMac, srcMac).ipv4(src, dst).udp(10_000 + flow, 5_000).payload(INNER_PAYLOAD).build();
        if (frame.length != INNER_FRAME_LENGTH)
        {
            throw new IllegalStateException("inner frame is " + frame.length + " bytes");
        }
        return frame;
    }

    /** Frame memory for one batch (4096-byte frames, 256 bytes headroom), plus spare frames. */
    static FrameMemory memory()
    {
        return FrameMemory.allocate(2 * BATCH);
    }

    /** Takes a frame from the pool and writes {@code bytes} at its data start. */
    static long place(final FramePool pool, final byte[] bytes)
    {
        final long address = pool.allocate();
        MemorySegment.copy(bytes, 0, pool.memory().segment(), ValueLayout.JAVA_BYTE, address, bytes.length);
        return address;
    }

    /** Sum of every drop counter of every stage. */
    static long totalDrops(final Counters counters)
    {
        long drops = 0;
        for (final Map.Entry<String, Long> e : counters.snapshot().entrySet())
        {
            if (e.getKey().contains("/drop/"))
            {
                drops += e.getValue();
            }
        }
        return drops;
    }

    static String dropSummary(final Counters counters)
    {
        final StringBuilder s = new StringBuilder();
        for (final Map.Entry<String, Long> e : counters.snapshot().entrySet())
        {
            if (e.getValue() != 0)
            {
                s.append(e.getKey()).append('=').append(e.getValue()).append(' ');
            }
        }
        return s.toString();
    }

    static String hex(final MemorySegment segment, final long offset, final int length)
    {
        final StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++)
        {
            s.append(String.format("%02x", segment.get(ValueLayout.JAVA_BYTE, offset + i)));
        }
        return s.toString();
    }

    static long usedHeapAfterGc()
    {
        final Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++)
        {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }

    static InetAddress address(final String literal)
    {
        try
        {
            return InetAddress.getByName(literal);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
