package dev.nve.dataplane.pipeline;

import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.port.InMemoryPort;
import dev.nve.dataplane.port.Port;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.FrameBuilder;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One nve host for tests: frame memory, tables configured through a {@link TableWriter}, one
 * {@link InMemoryPort} per configured port (plus any extra ports without a role), a
 * {@link Pipeline} and its counters. {@link #standard} builds the common topology:
 * <pre>
 *   port 0 uplink   underlay, VTEP 198.18.0.1 (or the IPv6 one), MTU 1500, gateway GATEWAY_MAC
 *   port 1 c1       endpoint VNI 100, C1_MAC, identity 1001
 *   port 2 c2       endpoint VNI 100, C2_MAC, identity 1002
 *   port 3 c3       endpoint VNI 200, C3_MAC, identity 2003
 *   port 4 spare    no role
 *   remote VTEPs R2 (VTEP2_MAC) and R3 (VTEP3_MAC); VNI 300 has no endpoint
 *   flood VNI 100: R2, R3; flood VNI 200: R3
 *   FDB VNI 100: REMOTE2_MAC at R2, REMOTE3_MAC at R3; VNI 200: REMOTE200_MAC at R3
 * </pre>
 */
public final class TestHost implements AutoCloseable
{
    public static final long UPLINK_MAC = 0x02_00_00_00_00_01L;
    public static final long GATEWAY_MAC = 0x02_00_00_00_00_FEL;
    public static final long VTEP2_MAC = 0x02_00_00_00_00_02L;
    public static final long VTEP3_MAC = 0x02_00_00_00_00_03L;
    public static final long C1_MAC = 0x02_00_00_00_01_01L;
    public static final long C2_MAC = 0x02_00_00_00_01_02L;
    public static final long C3_MAC = 0x02_00_00_00_02_03L;
    public static final long REMOTE2_MAC = 0x02_00_00_00_0A_02L;
    public static final long REMOTE3_MAC = 0x02_00_00_00_0A_03L;
    public static final long REMOTE200_MAC = 0x02_00_00_00_0B_03L;
    public static final int C1_IDENTITY = 1001;
    public static final int C2_IDENTITY = 1002;
    public static final int C3_IDENTITY = 2003;
    public static final int VXLAN_PORT = 4789;
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

    /** Underlay addressing: this host's VTEP and two remote VTEPs of the same family. */
    public record Addressing(String local, String remote2, String remote3)
    {
        public static final Addressing V4 = new Addressing("198.18.0.1", "198.18.0.2", "198.18.0.3");
        public static final Addressing V6 = new Addressing("2001:db8::1", "2001:db8::2", "2001:db8::3");
        /** ULA addresses: large words in the pseudo header sum (carries above 32 bits). */
        public static final Addressing V6_ULA = new Addressing("fd00::1", "fd00::2", "fd00::3");

        public boolean ipv6()
        {
            return local.contains(":");
        }
    }

    public final FrameMemory memory;
    public final FramePool pool;
    public final Tables tables;
    public final TableWriter writer;
    public final Counters counters;
    public final Pipeline pipeline;
    private final Map<String, InMemoryPort> ports = new LinkedHashMap<>();

    /**
     * @param frames      frames in the memory
     * @param poolFrames  frames the pool hands out (from frame 0)
     * @param configure   table configuration; ports get the ids the port table gives them
     * @param extraPorts  ports without a role, added after the configured ones
     */
    public TestHost(final Tables.Sizes sizes, final int frames, final int poolFrames, final int batchCapacity,
        final Consumer<TableWriter> configure, final String... extraPorts)
    {
        this.memory = FrameMemory.allocate(frames);
        this.pool = new FramePool(memory, 0, poolFrames);
        this.tables = new Tables(sizes);
        this.writer = new TableWriter(tables);
        configure.accept(writer);
        final List<String> names = new ArrayList<>();
        for (int i = 0; i < tables.ports().count(); i++)
        {
            names.add(tables.ports().name(i));
        }
        names.addAll(List.of(extraPorts));
        final Port[] array = new Port[names.size()];
        for (int i = 0; i < array.length; i++)
        {
            final InMemoryPort port = new InMemoryPort(i, names.get(i), pool);
            ports.put(names.get(i), port);
            array[i] = port;
        }
        this.counters = new Counters(1024);
        this.pipeline = new Pipeline(tables, array, pool, counters, batchCapacity);
    }

    public static TestHost standard(final Addressing addressing, final boolean gbp)
    {
        return standard(addressing, gbp, 1500, 256);
    }

    public static TestHost standard(final Addressing addressing, final boolean gbp, final int mtu, final int poolFrames)
    {
        return new TestHost(new Tables.Sizes(16, 256, 16), Math.max(poolFrames, 16), poolFrames, 32,
            w -> configureStandard(w, addressing, gbp, mtu), "spare");
    }

    /** The standard topology; {@code extraLocalVteps} are further local VTEP addresses (decap only). */
    public static void configureStandard(final TableWriter w, final Addressing a, final boolean gbp, final int mtu, final String... extraLocalVteps)
    {
        final List<InetAddress> vteps = new ArrayList<>();
        vteps.add(ip(a.local()));
        for (final String extra : extraLocalVteps)
        {
            vteps.add(ip(extra));
        }
        w.setUnderlay("uplink", UPLINK_MAC, mtu, VXLAN_PORT, vteps, GATEWAY_MAC);
        w.addRemoteVtep(ip(a.remote2()), VTEP2_MAC);
        w.addRemoteVtep(ip(a.remote3()), VTEP3_MAC);
        w.addNetwork(100, gbp);
        w.addNetwork(200, gbp);
        w.addNetwork(300, false);
        w.addEndpoint("c1", 100, C1_MAC, C1_IDENTITY);
        w.addEndpoint("c2", 100, C2_MAC, C2_IDENTITY);
        w.addEndpoint("c3", 200, C3_MAC, C3_IDENTITY);
        w.addFloodVtep(100, ip(a.remote2()));
        w.addFloodVtep(100, ip(a.remote3()));
        w.addFloodVtep(200, ip(a.remote3()));
        w.addRemoteMac(100, REMOTE2_MAC, ip(a.remote2()));
        w.addRemoteMac(100, REMOTE3_MAC, ip(a.remote3()));
        w.addRemoteMac(200, REMOTE200_MAC, ip(a.remote3()));
    }

    public static InetAddress ip(final String literal)
    {
        try
        {
            return InetAddress.getByName(literal);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalArgumentException(e);
        }
    }

    public InMemoryPort port(final String name)
    {
        final InMemoryPort port = ports.get(name);
        if (port == null)
        {
            throw new IllegalArgumentException("no port " + name);
        }
        return port;
    }

    public Map<String, InMemoryPort> ports()
    {
        return ports;
    }

    public void send(final String port, final byte[]... frames)
    {
        for (final byte[] frame : frames)
        {
            port(port).offer(frame);
        }
    }

    /** Polls until every port is idle (bounded); returns the frames handled. */
    public int run()
    {
        int total = 0;
        for (int i = 0; i < 100_000; i++)
        {
            final int n = pipeline.poll();
            if (n == 0)
            {
                return total;
            }
            total += n;
        }
        throw new AssertionError("pipeline did not go idle");
    }

    /** Offers the frames on {@code port}, runs, and returns what every port transmitted. */
    public Map<String, List<byte[]>> exchange(final String port, final byte[]... frames)
    {
        send(port, frames);
        run();
        return takeAll();
    }

    public Map<String, List<byte[]>> takeAll()
    {
        final Map<String, List<byte[]>> out = new LinkedHashMap<>();
        ports.forEach((name, p) -> out.put(name, p.takeTransmitted()));
        return out;
    }

    public List<byte[]> out(final String port)
    {
        return port(port).takeTransmitted();
    }

    public long counter(final String label)
    {
        final Long value = counters.snapshot().get(label);
        if (value == null)
        {
            throw new AssertionError("no counter " + label + " in " + counters.snapshot().keySet());
        }
        return value;
    }

    public long portDrops(final String port, final DropReason reason)
    {
        return counter("port/" + port + "/drop/" + reason.name());
    }

    public long stageDrops(final String stage, final DropReason reason)
    {
        return stage(stage).drops(reason);
    }

    public StageCounters stage(final String name)
    {
        return pipeline.stageCounters().stream().filter(s -> s.stage().equals(name)).findFirst()
            .orElseThrow(() -> new AssertionError("no stage " + name));
    }

    /** Sum of drops over every reason, every port. */
    public long totalPortDrops()
    {
        long sum = 0;
        for (final String port : ports.keySet())
        {
            for (final DropReason reason : DropReason.values())
            {
                sum += portDrops(port, reason);
            }
        }
        return sum;
    }

    public long totalStageDrops()
    {
        long sum = 0;
        for (final StageCounters stage : pipeline.stageCounters())
        {
            for (final DropReason reason : DropReason.values())
            {
                sum += stage.drops(reason);
            }
        }
        return sum;
    }

    public long totalStageDrops(final DropReason reason)
    {
        long sum = 0;
        for (final StageCounters stage : pipeline.stageCounters())
        {
            sum += stage.drops(reason);
        }
        return sum;
    }

    public long totalPortRx()
    {
        long sum = 0;
        for (final String port : ports.keySet())
        {
            sum += counter("port/" + port + "/rx_packets");
        }
        return sum;
    }

    public long totalPortTx()
    {
        long sum = 0;
        for (final String port : ports.keySet())
        {
            sum += counter("port/" + port + "/tx_packets");
        }
        return sum;
    }

    /** Frames the InMemoryPorts actually took for sending. */
    public long totalTransmittedFrames()
    {
        return ports.values().stream().mapToLong(InMemoryPort::txFrames).sum();
    }

    // ---- frames ----

    /** A UDP/IPv4 frame between tenant addresses in 198.19.0.0/16. */
    public static byte[] udp4(final long dst, final long src, final int sourcePort, final int payload)
    {
        return FrameBuilder.ethernet(dst, src).ipv4("198.19.0.1", "198.19.0.2").udp(sourcePort, 5000).payload(payload).build();
    }

    /** A VXLAN frame from remote VTEP {@code from} to this host's VTEP {@code to}. */
    public static byte[] vxlanFrom(final String from, final String to, final int vni, final int gbpId, final byte[] inner)
    {
        return FrameBuilder.vxlan(UPLINK_MAC, VTEP2_MAC, from, to, 50000, vni, gbpId, inner);
    }

    @Override
    public void close()
    {
        tables.close();
        memory.close();
    }
}
