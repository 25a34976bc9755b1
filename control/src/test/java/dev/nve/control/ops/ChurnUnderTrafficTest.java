package dev.nve.control.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.config.HostConfig;
import dev.nve.control.socket.ControlClient;
import dev.nve.control.socket.ControlServer;
import dev.nve.control.socket.ControlServerOptions;
import dev.nve.control.socket.Request;
import dev.nve.dataplane.conntrack.ConntrackTable;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.flow.FlowEvents;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.pipeline.Pipeline;
import dev.nve.dataplane.policy.IdentityRegistry;
import dev.nve.dataplane.port.InMemoryPort;
import dev.nve.dataplane.port.Port;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.FrameBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Traffic through the pipeline on a worker thread while the control thread churns the tables
 * through {@link TableOps} batches: remote endpoints moving between two VTEPs each (FDB
 * replacements), ILA identifiers moving between two locators, and the Cilium policy replaced
 * by an equivalent one. Every frame is checked as it leaves: an encapsulated frame must go to
 * one of the two VTEPs its inner MAC may be behind, with a valid outer IPv4 checksum and the
 * right VNI; an ILA frame must carry one of its identifier's two locators. Nothing may be
 * dropped (every entry always exists; an update replaces it in place) and every frame offered
 * must come out. Prints the update rate and the batch latency reached.
 */
final class ChurnUnderTrafficTest
{
    static final ObjectMapper JSON = new ObjectMapper();
    static final int MACS = 256;
    static final int SIRS = 64;
    static final long UPDATES = 400_000;
    static final long MAX_MILLIS = 20_000;
    static final int BATCH_OPS = 500;
    static final String[] VTEPS = {"198.18.0.2", "198.18.0.3", "198.18.0.4", "198.18.0.5"};
    static final long[] LOCATORS = {0x2001_0db8_000b_0000L, 0x2001_0db8_000c_0000L, 0x2001_0db8_000d_0000L};
    static final long C1_MAC = 0x02_00_00_00_01_01L;
    static final long A1_MAC = 0x02_00_00_00_0a_01L;
    static final long ROUTER_MAC = 0x02_00_00_00_00_eeL;

    static long remoteMac(final int i)
    {
        return 0x02_00_00_00_b0_00L + i;
    }

    /**
     * The VTEP of MAC i in phase 0 or 1: each MAC has its own pair. The first {@link #LONERS}
     * MACs have a VTEP of their own in phase 1, so each of their moves frees a template and the
     * next one reuses the slot: the worker epochs must keep a worker from using a reused slot.
     */
    static String vtep(final int i, final int phase)
    {
        return i < LONERS && phase == 1 ? "198.18.1." + (10 + i) : VTEPS[(i + phase) % VTEPS.length];
    }

    static final int LONERS = 8;

    static int locatorOf(final int j, final int phase)
    {
        return (j + phase) % LOCATORS.length;
    }

    static String config()
    {
        final StringBuilder fdb = new StringBuilder();
        for (int i = 0; i < MACS; i++)
        {
            fdb.append(i == 0 ? "" : ",").append(String.format("{\"vni\":100,\"mac\":\"%s\",\"vtep\":\"%s\"}", mac(remoteMac(i)), vtep(i, 0)));
        }
        final StringBuilder mappings = new StringBuilder();
        for (int j = 0; j < SIRS; j++)
        {
            mappings.append(j == 0 ? "" : ",").append(String.format("{\"sir\":\"fd00:5::b:%x\",\"type\":\"iid\",\"locator\":\"%s\"}", j, locator(locatorOf(j, 0))));
        }
        return "{\"underlay\":{\"port\":\"uplink\",\"mac\":\"02:00:00:00:00:01\",\"vteps\":[\"198.18.0.1\"],\"gatewayMac\":\"02:00:00:00:00:fe\"},"
            + "\"networks\":[{\"vni\":100,\"gbp\":true},{\"vni\":300,\"gbp\":true}],"
            + "\"endpoints\":[{\"name\":\"c1\",\"port\":\"c1\",\"vni\":100,\"mac\":\"" + mac(C1_MAC) + "\",\"ips\":[\"198.19.1.1\"],\"labels\":{\"id\":\"service1\"}},"
            + "{\"name\":\"a1\",\"port\":\"a1\",\"mac\":\"" + mac(A1_MAC) + "\",\"ips\":[\"fd00:5::a1\"]}],"
            + "\"fdb\":[" + fdb + ",{\"vni\":300,\"mac\":\"" + mac(remoteMac(0)) + "\",\"vtep\":\"" + VTEPS[0] + "\"}],"
            + "\"ports\":[\"c3\"],"
            + "\"ila\":{\"routerMac\":\"" + mac(ROUTER_MAC) + "\",\"locators\":[\"2001:db8:a::/64\"],\"sirPrefixes\":[\"fd00:5::/64\"],\"tenants\":[],"
            + "\"mappings\":[" + mappings + "]},"
            + "\"tables\":{\"fdbEntries\":1024,\"encapTemplates\":14}}";
    }

    static String mac(final long mac)
    {
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", mac >>> 40 & 0xFF, mac >>> 32 & 0xFF, mac >>> 24 & 0xFF, mac >>> 16 & 0xFF, mac >>> 8 & 0xFF, mac & 0xFF);
    }

    static String locator(final int k)
    {
        final long l = LOCATORS[k];
        return String.format("%x:%x:%x:%x::/64", l >>> 48 & 0xFFFF, l >>> 32 & 0xFFFF, l >>> 16 & 0xFFFF, l & 0xFFFF);
    }

    /** Two equivalent policies for c1 (egress to anything): replacing one by the other must not drop a frame. */
    static final String[] POLICIES = {
        "{\"endpointSelector\":{\"matchLabels\":{\"id\":\"service1\"}},\"egress\":[{\"toEntities\":[\"all\"]}]}",
        "{\"endpointSelector\":{\"matchLabels\":{\"id\":\"service1\"}},\"egress\":[{\"toEntities\":[\"world\",\"all\"]}]}"};

    /** Tables from {@link #config()}, the operations over them and a pipeline with in-memory ports. */
    private static final class Fixture implements AutoCloseable
    {
        final Tables tables;
        final FrameMemory memory = FrameMemory.allocate(4096);
        final TableWriter writer;
        final TableOps ops;
        final FramePool pool = new FramePool(memory);
        final Counters counters = new Counters();
        final InMemoryPort uplink;
        final InMemoryPort c1;
        final InMemoryPort a1;
        final InMemoryPort c3;
        final Pipeline pipeline;

        Fixture() throws Exception
        {
            final HostConfig config = HostConfig.parse(JSON.readTree(config()));
            tables = new Tables(config.sizes());
            writer = new TableWriter(tables);
            final IdentityRegistry identities = config.apply(writer);
            ops = new TableOps(new OpsContext(tables, writer, config, identities, new Counters(), null, Map::of));
            ops.handle(request("policy.import", JSON.createObjectNode().put("name", "p").set("policy", JSON.readTree(POLICIES[0]))));
            final Port[] ports = new Port[4];
            uplink = new InMemoryPort(tables.ports().find("uplink"), "uplink", pool);
            c1 = new InMemoryPort(tables.ports().find("c1"), "c1", pool);
            a1 = new InMemoryPort(tables.ports().find("a1"), "a1", pool);
            c3 = new InMemoryPort(tables.ports().find("c3"), "c3", pool);
            ports[uplink.id()] = uplink;
            ports[c1.id()] = c1;
            ports[a1.id()] = a1;
            ports[c3.id()] = c3;
            pipeline = new Pipeline(tables, ports, pool, counters, 64, new ConntrackTable(4096), new FlowEvents(1 << 16));
        }

        long retired()
        {
            return writer.templatesRetired();
        }

        @Override
        public void close()
        {
            tables.close();
            memory.close();
        }
    }

    /** How a batch of operations reaches the control thread. */
    @FunctionalInterface
    private interface BatchPath
    {
        void apply(ObjectNode batchParams) throws Exception;
    }

    @Test
    void noFrameGoesAstrayOrIsLostWhileTheTablesChurn() throws Exception
    {
        try (Fixture f = new Fixture())
        {
            churn(f, "direct", UPDATES, params -> f.ops.handle(request("batch", params)));
        }
    }

    /** The same through the control socket: JSON text over a Unix socket to the server's control thread. */
    @Test
    void theSameThroughTheControlSocket(@TempDir final Path dir) throws Exception
    {
        try (Fixture f = new Fixture();
             ControlServer server = ControlServer.start(ControlServerOptions.defaults().withSocketPath(dir.resolve("nve.sock")), f.ops);
             ControlClient client = ControlClient.connect(dir.resolve("nve.sock")))
        {
            churn(f, "socket", UPDATES / 2, params -> client.call("batch", params));
        }
    }

    private void churn(final Fixture f, final String path, final long target, final BatchPath send) throws Exception
    {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<String> astray = new AtomicReference<>();
        final long[] offered = new long[1];
        final long[] checked = new long[2];
        final Thread worker = Thread.ofPlatform().name("churn-worker").start(() ->
            runWorker(f.pipeline, f.uplink, f.c1, f.a1, stop, astray, offered, checked));
        long updates = 0;
        final List<Long> latencies = new ArrayList<>();
        final long start = System.nanoTime();
        int round = 0;
        try
        {
            while (updates < target && System.nanoTime() - start < MAX_MILLIS * 1_000_000L && astray.get() == null && worker.isAlive())
            {
                final ArrayNode batch = batch(round);
                final long t0 = System.nanoTime();
                send.apply(JSON.createObjectNode().set("ops", batch));
                latencies.add(System.nanoTime() - t0);
                updates += batch.size();
                round++;
            }
        }
        finally
        {
            stop.set(true);
            worker.join(30_000);
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        latencies.sort(null);
        System.out.printf("ChurnUnderTrafficTest %s: %d updates in %.2f s = %.0f updates/s (batches of %d; batch latency median %.2f ms, p99 %.2f ms); "
                + "%d frames offered, %d VXLAN + %d ILA frames checked; %d template slots retired and reused%n",
            path, updates, seconds, updates / seconds, BATCH_OPS, latencies.get(latencies.size() / 2) / 1e6, latencies.get(latencies.size() * 99 / 100) / 1e6,
            offered[0], checked[0], checked[1], f.retired());
        assertNull(astray.get());
        assertTrue(f.retired() > 100, "template slots were retired and reused under traffic: " + f.retired());
        assertTrue(updates >= 10 * BATCH_OPS && checked[0] > 1000 && checked[1] > 1000, "churn and traffic both ran: " + updates + " " + Arrays.toString(checked));
        assertEquals(offered[0], checked[0] + checked[1], "every frame offered came out on the underlay");
        for (final Map.Entry<String, Long> e : f.counters.snapshot().entrySet())
        {
            if (e.getKey().contains("/drop/"))
            {
                assertEquals(0L, e.getValue(), "no frame dropped: " + e.getKey());
            }
        }
        assertEquals(0, f.pool.inUse(), "every frame back in the pool");
    }

    /** Round {@code round}'s operations: every MAC and identifier to its phase's VTEP or locator; the policy replaced every 20 rounds. */
    private static ArrayNode batch(final int round) throws Exception
    {
        final ArrayNode batch = JSON.createArrayNode();
        final int phase = 1 - (round & 1);
        for (int k = 0; k < BATCH_OPS; k++)
        {
            final int n = round * BATCH_OPS + k;
            if (k % 5 == 4)
            {
                final int j = n % SIRS;
                batch.addObject().put("op", "ila.add").putObject("params").put("type", "iid").put("sir", String.format("fd00:5::b:%x", j))
                    .put("locator", locator(locatorOf(j, phase)));
            }
            else
            {
                final int i = n % MACS;
                batch.addObject().put("op", "fdb.add").putObject("params").put("vni", 100).put("mac", mac(remoteMac(i))).put("vtep", vtep(i, phase));
            }
        }
        if (round % 20 == 19)
        {
            batch.addObject().put("op", "policy.import").putObject("params").put("name", "p").set("policy", JSON.readTree(POLICIES[round / 20 % 2]));
        }
        return batch;
    }

    /**
     * The visibility bound: a frame handed to the worker after an update's response was
     * received uses the update, every time. MAC 0 moves between its two VTEPs 2,000 times; after
     * each move one frame to it is sent (among background frames to the other MACs, so the
     * worker is mid-traffic, not idle) and must leave towards the new VTEP.
     */
    @Test
    void everyFrameSentAfterAnUpdateWasAnsweredUsesIt() throws Exception
    {
        try (Fixture f = new Fixture())
        {
            final BlockingQueue<Integer> probes = new ArrayBlockingQueue<>(1);
            final BlockingQueue<String> seen = new ArrayBlockingQueue<>(1);
            final AtomicBoolean stop = new AtomicBoolean();
            final Thread worker = Thread.ofPlatform().name("visibility-worker").start(() ->
            {
                final byte[] probe = FrameBuilder.ethernet(remoteMac(0), C1_MAC).ipv4("198.19.1.1", "198.19.1.2").udp(40000, 7).payload(18).build();
                int n = 0;
                while (!stop.get())
                {
                    f.c1.offer(FrameBuilder.ethernet(remoteMac(1 + n++ % (MACS - 1)), C1_MAC).ipv4("198.19.1.1", "198.19.1.2").udp(40001, 7).payload(18).build());
                    if (probes.poll() != null)
                    {
                        f.c1.offer(probe);
                    }
                    while (f.c1.hasPendingInput())
                    {
                        f.pipeline.poll();
                    }
                    for (final byte[] frame : f.uplink.takeTransmitted())
                    {
                        final ByteBuffer b = ByteBuffer.wrap(frame);
                        if ((b.getLong(50) >>> 16) == remoteMac(0))
                        {
                            seen.add((b.get(30) & 0xFF) + "." + (b.get(31) & 0xFF) + "." + (b.get(32) & 0xFF) + "." + (b.get(33) & 0xFF));
                        }
                    }
                }
            });
            try
            {
                for (int k = 0; k < 2000; k++)
                {
                    final String vtep = vtep(0, 1 - (k & 1));
                    f.ops.handle(request("fdb.add", JSON.createObjectNode().put("vni", 100).put("mac", mac(remoteMac(0))).put("vtep", vtep)));
                    probes.put(0);
                    final String to = seen.poll(10, TimeUnit.SECONDS);
                    assertEquals(vtep, to, "move " + k + ": the first frame after the answer went to the old VTEP");
                }
            }
            finally
            {
                stop.set(true);
                worker.join(10_000);
            }
        }
    }

    /**
     * A local endpoint moving on its port: c3's endpoint alternates between (VNI 100, identity
     * 7001) and (VNI 300, identity 7002), each move one batch (endpoint.del + endpoint.add),
     * while the worker sends frames from c3 to a MAC known in both networks. Every frame that
     * leaves must carry one of the two real pairs of VNI and VXLAN-GBP identity, never a mix
     * of the old and the new endpoint; frames in the instant between del and add are dropped as
     * coming from a port with no endpoint (the endpoint really is absent then) and counted.
     */
    @Test
    void aLocalEndpointMovesBetweenNetworksWithoutTornFrames() throws Exception
    {
        try (Fixture f = new Fixture())
        {
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicReference<String> torn = new AtomicReference<>();
            final long[] seen = new long[2];
            final long c3Mac = 0x02_00_00_00_03_03L;
            final Thread worker = Thread.ofPlatform().name("move-worker").start(() ->
            {
                final byte[] frame = FrameBuilder.ethernet(remoteMac(0), c3Mac).ipv4("198.19.3.3", "198.19.1.2").udp(40000, 7).payload(18).build();
                while (!stop.get() && torn.get() == null)
                {
                    for (int k = 0; k < 32; k++)
                    {
                        f.c3.offer(frame);
                    }
                    while (f.c3.hasPendingInput())
                    {
                        f.pipeline.poll();
                    }
                    for (final byte[] out : f.uplink.takeTransmitted())
                    {
                        final ByteBuffer b = ByteBuffer.wrap(out);
                        final int gbp = b.getShort(44) & 0xFFFF;
                        final int vni = b.getInt(46) >>> 8;
                        if (vni == 100 && gbp == 7001)
                        {
                            seen[0]++;
                        }
                        else if (vni == 300 && gbp == 7002)
                        {
                            seen[1]++;
                        }
                        else
                        {
                            torn.compareAndSet(null, "VNI " + vni + " with identity " + gbp);
                        }
                    }
                }
            });
            final int moves = 5000;
            try
            {
                for (int k = 0; k < moves && torn.get() == null; k++)
                {
                    final int vni = (k & 1) == 0 ? 300 : 100;
                    final int identity = vni == 300 ? 7002 : 7001;
                    final ObjectNode batch = JSON.createObjectNode();
                    final ArrayNode ops = batch.putArray("ops");
                    if (k > 0)
                    {
                        ops.addObject().put("op", "endpoint.del").putObject("params").put("port", "c3");
                    }
                    ops.addObject().put("op", "endpoint.add").putObject("params").put("port", "c3").put("vni", vni).put("mac", mac(c3Mac))
                        .put("identity", identity);
                    f.ops.handle(request("batch", batch));
                }
            }
            finally
            {
                stop.set(true);
                worker.join(10_000);
            }
            final long absent = f.counters.snapshot().getOrDefault("stage/classify/drop/PORT_NOT_CONFIGURED", 0L);
            System.out.printf("ChurnUnderTrafficTest endpoint moves: %d moves; frames out as (100, 7001) %d, as (300, 7002) %d; "
                + "dropped while the port had no endpoint %d%n", moves, seen[0], seen[1], absent);
            assertNull(torn.get(), "a frame mixed the old and the new endpoint");
            assertTrue(seen[0] > 0 && seen[1] > 0, "frames left as both endpoints");
            for (final Map.Entry<String, Long> e : f.counters.snapshot().entrySet())
            {
                if (e.getKey().contains("/drop/") && !e.getKey().endsWith("/PORT_NOT_CONFIGURED"))
                {
                    assertEquals(0L, e.getValue(), "no other drop: " + e.getKey());
                }
            }
        }
    }

    private static Request request(final String op, final ObjectNode params)
    {
        return new Request(JSON.getNodeFactory().numberNode(1), op, params);
    }

    private static void runWorker(final Pipeline pipeline, final InMemoryPort uplink, final InMemoryPort c1, final InMemoryPort a1, final AtomicBoolean stop,
        final AtomicReference<String> astray, final long[] offered, final long[] checked)
    {
        final byte[][] toMac = new byte[MACS][];
        for (int i = 0; i < MACS; i++)
        {
            toMac[i] = FrameBuilder.ethernet(remoteMac(i), C1_MAC).ipv4("198.19.1.1", "198.19.1.2").udp(40000 + i, 7).payload(18).build();
        }
        final byte[][] toSir = new byte[SIRS][];
        for (int j = 0; j < SIRS; j++)
        {
            toSir[j] = FrameBuilder.ethernet(ROUTER_MAC, A1_MAC).ipv6("fd00:5::a1", String.format("fd00:5::b:%x", j)).udp(41000, 7).payload(10).build();
        }
        int n = 0;
        while (!stop.get() && astray.get() == null)
        {
            for (int k = 0; k < 48; k++, n++)
            {
                c1.offer(toMac[n % MACS]);
                if (k % 3 == 0)
                {
                    a1.offer(toSir[n % SIRS]);
                    offered[0]++;
                }
                offered[0]++;
            }
            while (c1.hasPendingInput() || a1.hasPendingInput())
            {
                pipeline.poll();
            }
            for (final byte[] frame : uplink.takeTransmitted())
            {
                final String problem = check(frame, checked);
                if (problem != null)
                {
                    astray.compareAndSet(null, problem);
                }
            }
        }
    }

    /** Null when the frame went where its destination may be; else what is wrong. */
    static String check(final byte[] frame, final long[] checked)
    {
        final ByteBuffer b = ByteBuffer.wrap(frame); // network byte order
        final int etherType = b.getShort(12) & 0xFFFF;
        if (etherType == 0x0800)
        {
            int sum = 0;
            for (int o = 14; o < 34; o += 2)
            {
                sum += b.getShort(o) & 0xFFFF;
            }
            while (sum > 0xFFFF)
            {
                sum = (sum & 0xFFFF) + (sum >>> 16);
            }
            final int vni = b.getInt(14 + 20 + 8 + 4) >>> 8;
            final long innerDst = (b.getLong(50) >>> 16);
            final int i = (int)(innerDst - remoteMac(0));
            final String dst = (b.get(30) & 0xFF) + "." + (b.get(31) & 0xFF) + "." + (b.get(32) & 0xFF) + "." + (b.get(33) & 0xFF);
            checked[0]++;
            if (sum != 0xFFFF || vni != 100 || i < 0 || i >= MACS)
            {
                return "torn VXLAN frame: checksum sum " + Integer.toHexString(sum) + " vni " + vni + " inner MAC index " + i;
            }
            if (!dst.equals(vtep(i, 0)) && !dst.equals(vtep(i, 1)))
            {
                return "MAC index " + i + " sent to " + dst + ", which it is never behind";
            }
            return null;
        }
        if (etherType == 0x86DD)
        {
            final long upper = b.getLong(14 + 24);
            final int j = (int)(b.getLong(14 + 32) & 0xFFFF);
            checked[1]++;
            if (j >= SIRS || (upper != LOCATORS[locatorOf(j, 0)] && upper != LOCATORS[locatorOf(j, 1)]))
            {
                return "ILA identifier " + j + " sent to locator " + Long.toHexString(upper);
            }
            return null;
        }
        return "unexpected frame type " + Integer.toHexString(etherType);
    }
}
