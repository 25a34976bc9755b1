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

import static dev.nve.control.ops.ChurnFixture.*;
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
    /** How a batch of operations reaches the control thread. */
    @FunctionalInterface
    private interface BatchPath
    {
        void apply(ObjectNode batchParams) throws Exception;
    }

    @Test
    void noFrameGoesAstrayOrIsLostWhileTheTablesChurn() throws Exception
    {
        try (ChurnFixture f = new ChurnFixture())
        {
            churn(f, "direct", UPDATES, params -> f.ops.handle(request("batch", params)));
        }
    }

    /** The same through the control socket: JSON text over a Unix socket to the server's control thread. */
    @Test
    void theSameThroughTheControlSocket(@TempDir final Path dir) throws Exception
    {
        try (ChurnFixture f = new ChurnFixture();
             ControlServer server = ControlServer.start(ControlServerOptions.defaults().withSocketPath(dir.resolve("nve.sock")), f.ops);
             ControlClient client = ControlClient.connect(dir.resolve("nve.sock")))
        {
            churn(f, "socket", UPDATES / 2, params -> client.call("batch", params));
        }
    }

    private void churn(final ChurnFixture f, final String path, final long target, final BatchPath send) throws Exception
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
