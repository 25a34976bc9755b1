package dev.nve.dataplane.disruptor;

import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.pipeline.Pipeline;
import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.port.InMemoryPort;
import dev.nve.dataplane.port.Port;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.FrameBuilder;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static dev.nve.dataplane.pipeline.TestHost.BROADCAST;
import static dev.nve.dataplane.pipeline.TestHost.C1_MAC;
import static dev.nve.dataplane.pipeline.TestHost.C2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.C3_MAC;
import static dev.nve.dataplane.pipeline.TestHost.REMOTE200_MAC;
import static dev.nve.dataplane.pipeline.TestHost.REMOTE2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.REMOTE3_MAC;
import static dev.nve.dataplane.pipeline.TestHost.udp4;
import static dev.nve.dataplane.pipeline.TestHost.vxlanFrom;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Disruptor mode against inline mode on the same frames: same output frames on every port,
 * same counters; frames in = frames out + drops; every frame back in a pool after the run,
 * with the frames crossing between the two threads' pools (flood replicas allocated on the
 * handler thread, received frames freed there).
 */
final class DisruptorPipelineTest
{
    private static final String[] EXTRA_PORTS = {"spare"};
    private static final int BATCH = 32;

    /** Frames offered per port name, in order. */
    record Workload(Map<String, List<byte[]>> frames)
    {
        int total()
        {
            return frames.values().stream().mapToInt(List::size).sum();
        }
    }

    /** What a run produced: frames per output port (in order) and the counter snapshot. */
    record Outcome(Map<String, List<byte[]>> out, Map<String, Long> counters)
    {
        long transmitted()
        {
            return out.values().stream().mapToLong(List::size).sum();
        }
    }

    /**
     * A mix of everything the standard host does: decap to endpoints, local switching, encap
     * to remote MACs, floods from both sides (replicas), and drops of several reasons.
     */
    static Workload mixed(final int count, final long seed, final boolean withFloods)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final Map<String, List<byte[]>> frames = new LinkedHashMap<>();
        for (final String port : new String[] {"uplink", "c1", "c2", "c3", "spare"})
        {
            frames.put(port, new ArrayList<>());
        }
        for (int n = 0; n < count; n++)
        {
            final int sport = 1024 + (n & 0x7FFF);
            final int payload = 18 + random.nextInt(200);
            final int kind = random.nextInt(withFloods ? 12 : 9);
            switch (kind)
            {
                case 0 -> frames.get("uplink").add(vxlanFrom("198.18.0.2", "198.18.0.1", 100, -1, udp4(C1_MAC, REMOTE2_MAC, sport, payload)));
                case 1 -> frames.get("uplink").add(vxlanFrom("198.18.0.3", "198.18.0.1", 100, -1, udp4(C2_MAC, REMOTE3_MAC, sport, payload)));
                case 2 -> frames.get("uplink").add(vxlanFrom("198.18.0.2", "198.18.0.1", 999, -1, udp4(C1_MAC, REMOTE2_MAC, sport, payload)));
                case 3 -> frames.get("c1").add(udp4(REMOTE2_MAC, C1_MAC, sport, payload));
                case 4 -> frames.get("c1").add(udp4(C2_MAC, C1_MAC, sport, payload));
                case 5 -> frames.get("c2").add(udp4(REMOTE3_MAC, C2_MAC, sport, payload));
                case 6 -> frames.get("c3").add(udp4(REMOTE200_MAC, C3_MAC, sport, payload));
                case 7 -> frames.get("c1").add(udp4(C1_MAC, C1_MAC, sport, payload)); // SAME_PORT
                case 8 -> frames.get("spare").add(udp4(C1_MAC, C2_MAC, sport, payload)); // PORT_NOT_CONFIGURED
                case 9 -> frames.get("c1").add(udp4(BROADCAST, C1_MAC, sport, payload)); // c2 + R2 + R3
                case 10 -> frames.get("c3").add(udp4(BROADCAST, C3_MAC, sport, payload)); // R3 only
                default -> frames.get("uplink").add(vxlanFrom("198.18.0.2", "198.18.0.1", 100, -1, udp4(BROADCAST, REMOTE2_MAC, sport, payload)));
            }
        }
        // a few malformed ones
        frames.get("uplink").add(FrameBuilder.ethernet(0x02_00_00_00_00_01L, REMOTE2_MAC).etherType(0x0800).payload(new byte[6]).build());
        frames.get("c2").add(new byte[10]); // runt
        return new Workload(frames);
    }

    private static Tables configuredTables()
    {
        final Tables tables = new Tables(new Tables.Sizes(16, 256, 16));
        TestHost.configureStandard(new TableWriter(tables), TestHost.Addressing.V4, false, 1500);
        return tables;
    }

    private static List<String> portNames(final Tables tables)
    {
        final List<String> names = new ArrayList<>();
        for (int i = 0; i < tables.ports().count(); i++)
        {
            names.add(tables.ports().name(i));
        }
        names.addAll(List.of(EXTRA_PORTS));
        return names;
    }

    private static void offer(final Workload workload, final Map<String, InMemoryPort> ports)
    {
        workload.frames().forEach((name, list) -> list.forEach(ports.get(name)::offer));
    }

    /** Inline mode: one thread, one pool. */
    static Outcome inline(final Workload workload, final int frames)
    {
        try (Tables tables = configuredTables(); FrameMemory memory = FrameMemory.allocate(frames))
        {
            final FramePool pool = new FramePool(memory);
            final List<String> names = portNames(tables);
            final Map<String, InMemoryPort> ports = new LinkedHashMap<>();
            final Port[] array = new Port[names.size()];
            for (int i = 0; i < array.length; i++)
            {
                final InMemoryPort port = new InMemoryPort(i, names.get(i), pool);
                ports.put(names.get(i), port);
                array[i] = port;
            }
            final Counters counters = new Counters(4096);
            final Pipeline pipeline = new Pipeline(tables, array, pool, counters, BATCH);
            offer(workload, ports);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((pipeline.poll() > 0 || ports.values().stream().anyMatch(InMemoryPort::hasPendingInput)) && System.nanoTime() < deadline)
            {
                // until idle
            }
            assertEquals(0, pool.inUse(), "inline: every frame back in the pool");
            final Map<String, List<byte[]>> out = new LinkedHashMap<>();
            ports.forEach((name, port) -> out.put(name, port.takeTransmitted()));
            return new Outcome(out, counters.snapshot());
        }
    }

    /** Disruptor mode: the receive thread and the handler thread, each with its own pool and port objects. */
    static Outcome disruptor(final Workload workload, final int frames, final DisruptorPipeline.Settings settings)
    {
        try (Tables tables = configuredTables(); FrameMemory memory = FrameMemory.allocate(frames))
        {
            final FramePool rxPool = new FramePool(memory);
            final FramePool handlerPool = FramePools.carve(rxPool, settings.handlerReserve());
            final List<String> names = portNames(tables);
            final Map<String, InMemoryPort> rx = new LinkedHashMap<>();
            final Map<String, InMemoryPort> tx = new LinkedHashMap<>();
            final Port[] rxArray = new Port[names.size()];
            final Port[] txArray = new Port[names.size()];
            for (int i = 0; i < names.size(); i++)
            {
                final InMemoryPort in = new InMemoryPort(i, names.get(i), rxPool);
                final InMemoryPort out = new InMemoryPort(i, names.get(i), handlerPool);
                rx.put(names.get(i), in);
                tx.put(names.get(i), out);
                rxArray[i] = in;
                txArray[i] = out;
            }
            final Counters counters = new Counters(4096);
            final DisruptorPipeline pipeline = new DisruptorPipeline(tables, rxArray, rxPool, txArray, handlerPool, counters, settings);
            offer(workload, rx); // before start: the receive thread owns the ports from then on
            final int total = workload.total();
            pipeline.start();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((pipeline.handler().processedFrames() < total) && System.nanoTime() < deadline && pipeline.handlerFailure() == null)
            {
                Thread.onSpinWait();
            }
            pipeline.close();
            assertEquals(total, pipeline.rxAgent().publishedFrames(), "every offered frame was received and published");
            assertEquals(total, pipeline.handler().processedFrames(), "every published frame was processed");
            assertEquals(pipeline.rxAgent().publishedEvents(), pipeline.handler().events(), "events published = events handled");
            assertEquals(0, pipeline.rxAgent().releaseRefused(), "no frame came back twice");
            assertEquals(0, pipeline.handler().returnQueueFull());
            // pool accounting across both threads: every frame is free in exactly one pool
            assertEquals(memory.frameCount(), pipeline.freeFrames(), "every frame back in a pool");
            assertEquals(memory.frameCount(), rxPool.available() + handlerPool.available());
            for (int f = 0; f < memory.frameCount(); f++)
            {
                final long address = memory.dataStart(f);
                assertTrue(rxPool.isFree(address) ^ handlerPool.isFree(address), "frame " + f + " free in exactly one pool");
            }
            assertTrue(handlerPool.available() <= settings.handlerReserve(), "the handler returns its surplus");
            for (final InMemoryPort port : rx.values())
            {
                assertEquals(0, port.pending());
            }
            final Map<String, List<byte[]>> out = new LinkedHashMap<>();
            tx.forEach((name, port) -> out.put(name, port.takeTransmitted()));
            return new Outcome(out, counters.snapshot());
        }
    }

    private static List<String> sortedHex(final List<byte[]> frames)
    {
        final HexFormat hex = HexFormat.of();
        return frames.stream().map(hex::formatHex).sorted().toList();
    }

    private static void assertSameFramesInOrder(final Outcome expected, final Outcome actual)
    {
        final HexFormat hex = HexFormat.of();
        expected.out().forEach((port, frames) ->
        {
            final List<byte[]> got = actual.out().get(port);
            assertEquals(frames.size(), got.size(), "frames on " + port);
            for (int i = 0; i < frames.size(); i++)
            {
                assertEquals(hex.formatHex(frames.get(i)), hex.formatHex(got.get(i)), port + " frame " + i);
            }
        });
    }

    private static void assertSameFrames(final Outcome expected, final Outcome actual)
    {
        expected.out().forEach((port, frames) -> assertEquals(sortedHex(frames), sortedHex(actual.out().get(port)), "frames on " + port));
    }

    private static long sum(final Map<String, Long> counters, final String prefix, final String suffix)
    {
        return counters.entrySet().stream().filter(e -> e.getKey().startsWith(prefix) && e.getKey().contains(suffix)).mapToLong(Map.Entry::getValue).sum();
    }

    @ParameterizedTest
    @EnumSource(Handoff.class)
    void sameOutputsAndCountersAsInlineWithAmplePool(final Handoff handoff)
    {
        final Workload workload = mixed(3_000, 1, true);
        final Outcome inline = inline(workload, 8192);
        final Outcome disruptor = disruptor(workload, 8192, DisruptorPipeline.Settings.defaults().withBatchCapacity(BATCH).withHandlerReserve(256)
            .withIdle(YieldingIdleStrategy::new, YieldingIdleStrategy::new).withHandoff(handoff));
        assertTrue(inline.transmitted() > 2_000, "the workload transmits: " + inline.transmitted());
        assertTrue(sum(inline.counters(), "port/", "/drop/") > 100, "and drops");
        // batches are composed exactly as inline (the pool never runs dry), so even the order matches
        assertSameFramesInOrder(inline, disruptor);
        assertEquals(inline.counters(), disruptor.counters());
    }

    @ParameterizedTest
    @EnumSource(Handoff.class)
    void sameFramesAsInlineWhenThePoolIsTightAndFramesCirculateBetweenThreads(final Handoff handoff)
    {
        final Workload workload = mixed(30_000, 2, true);
        final Outcome inline = inline(workload, 8192);
        // 640 frames: the ring (4 x 32) plus the handler's reserve (256) plus little slack, so the
        // receive side keeps waiting for frames the handler returns
        final Outcome disruptor = disruptor(workload, 640, DisruptorPipeline.Settings.defaults().withBatchCapacity(BATCH).withRingSize(4)
            .withHandlerReserve(256).withIdle(YieldingIdleStrategy::new, YieldingIdleStrategy::new).withHandoff(handoff));
        assertSameFrames(inline, disruptor);
        assertEquals(inline.counters(), disruptor.counters());
    }

    @Test
    void framesInEqualFramesOutPlusDropsWithoutFlooding()
    {
        final Workload workload = mixed(50_000, 3, false);
        final Outcome outcome = disruptor(workload, 1024, DisruptorPipeline.Settings.defaults().withBatchCapacity(BATCH).withRingSize(8)
            .withHandlerReserve(64).withIdle(YieldingIdleStrategy::new, BusySpinIdleStrategy::new));
        final long in = sum(outcome.counters(), "port/", "/rx_packets");
        final long out = sum(outcome.counters(), "port/", "/tx_packets");
        final long drops = sum(outcome.counters(), "port/", "/drop/");
        assertEquals(workload.total(), in);
        assertEquals(outcome.transmitted(), out);
        assertEquals(in, out + drops, "in = out + drops");
        assertTrue(drops > 1_000);
        final Map<String, Long> byReason = new HashMap<>();
        for (final DropReason reason : new DropReason[] {DropReason.SAME_PORT, DropReason.PORT_NOT_CONFIGURED, DropReason.INVALID_VNI})
        {
            byReason.put(reason.name(), sum(outcome.counters(), "port/", "/drop/" + reason.name()));
            assertTrue(byReason.get(reason.name()) > 0, reason + " " + byReason);
        }
    }

    @Test
    void anIdlePipelinePublishesNothing() throws InterruptedException
    {
        try (Tables tables = configuredTables(); FrameMemory memory = FrameMemory.allocate(512))
        {
            final FramePool rxPool = new FramePool(memory);
            final FramePool handlerPool = FramePools.carve(rxPool, 128);
            final List<String> names = portNames(tables);
            final Port[] rx = new Port[names.size()];
            final Port[] tx = new Port[names.size()];
            for (int i = 0; i < names.size(); i++)
            {
                rx[i] = new InMemoryPort(i, names.get(i), rxPool);
                tx[i] = new InMemoryPort(i, names.get(i), handlerPool);
            }
            final DisruptorPipeline pipeline = new DisruptorPipeline(tables, rx, rxPool, tx, handlerPool, new Counters(4096),
                DisruptorPipeline.Settings.defaults().withHandlerReserve(128));
            pipeline.start();
            Thread.sleep(100);
            pipeline.close();
            assertEquals(0, pipeline.rxAgent().publishedEvents());
            assertEquals(0, pipeline.handler().events());
            assertEquals(512, pipeline.freeFrames());
        }
    }

    @Test
    void refusesSharedOrPartialPools()
    {
        try (Tables tables = configuredTables(); FrameMemory memory = FrameMemory.allocate(64))
        {
            final FramePool pool = new FramePool(memory);
            final Port[] none = new Port[portNames(tables).size()];
            final Counters counters = new Counters(4096);
            final DisruptorPipeline.Settings settings = DisruptorPipeline.Settings.defaults();
            final IllegalArgumentException same = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new DisruptorPipeline(tables, none, pool, none, pool, counters, settings));
            assertTrue(same.getMessage().contains("pool each"), same.getMessage());
            final FramePool partial = new FramePool(memory, 0, 32);
            assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> FramePools.carve(partial, 4))
                .getMessage().contains("every frame"));
        }
    }

    @Test
    void carveMovesFramesBetweenFullRangePools()
    {
        try (FrameMemory memory = FrameMemory.allocate(16))
        {
            final FramePool rx = new FramePool(memory);
            final FramePool handler = FramePools.carve(rx, 5);
            assertEquals(11, rx.available());
            assertEquals(5, handler.available());
            assertEquals(16, handler.capacity());
            final long a = handler.allocate();
            assertTrue(rx.release(a), "a frame freed on the other side is accepted");
            assertEquals(12, rx.available());
            final long[] all = new long[16];
            int n = 0;
            for (long x; (x = rx.allocate()) >= 0; )
            {
                all[n++] = x;
            }
            for (long x; (x = handler.allocate()) >= 0; )
            {
                all[n++] = x;
            }
            assertEquals(16, n);
            assertEquals(16, Arrays.stream(all).distinct().count(), "no frame was free in both pools");
        }
    }
}
