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
 * Updates that must be seen at once and never half: the visibility bound (a frame sent after an
 * update's answer uses it) and a local endpoint moving between networks under traffic. The host
 * is {@link ChurnFixture}'s.
 */
final class LiveUpdatesTest
{
    /**
     * The visibility bound: a frame handed to the worker after an update's response was
     * received uses the update, every time. MAC 0 moves between its two VTEPs 2,000 times; after
     * each move one frame to it is sent (among background frames to the other MACs, so the
     * worker is mid-traffic, not idle) and must leave towards the new VTEP.
     */
    @Test
    void everyFrameSentAfterAnUpdateWasAnsweredUsesIt() throws Exception
    {
        try (ChurnFixture f = new ChurnFixture())
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
        try (ChurnFixture f = new ChurnFixture())
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
            System.out.printf("LiveUpdatesTest endpoint moves: %d moves; frames out as (100, 7001) %d, as (300, 7002) %d; "
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
}
