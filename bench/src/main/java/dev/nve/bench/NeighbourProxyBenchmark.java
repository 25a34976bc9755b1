package dev.nve.bench;

import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.stage.NeighbourProxyStage;
import dev.nve.dataplane.table.IpCache;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.ArpHeader;
import dev.nve.dataplane.wire.FrameBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;

/**
 * {@link NeighbourProxyStage} on a batch of 64 frames from endpoint {@code c1}, on their way to
 * flooding: {@code arp}: 64 ARP requests for 64 different proxied addresses, each answered;
 * {@code ns}: 64 neighbour solicitations (with a source link-layer option, checksum verified),
 * each answered with an advertisement (checksum computed); {@code udp}: 64 ordinary 64-byte
 * UDP frames, which the stage only looks at (what it adds to every other frame). The proxy
 * table holds 1,024 entries (IPv4 and IPv6). One operation is one frame (ns/frame).
 * <p>
 * The stage rewrites requests in place, so every invocation first restores the 64 frames
 * (a copy of each frame's bytes) and the descriptors; {@link #harness} measures that alone,
 * and the stage's cost is {@code proxy - harness}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class NeighbourProxyBenchmark
{
    private static final int ENTRIES = 1024;
    private static final long PROXY_MAC_BASE = 0x02_00_C6_13_00_00L;

    @Param({"arp", "ns", "udp"})
    public String kind;

    private Tables tables;
    private Counters counters;
    private FrameMemory memory;
    private PacketBatch batch;
    private NeighbourProxyStage stage;
    private Arena arena;
    private MemorySegment originals;
    private MemorySegment segment;
    private final long[] address = new long[Fixtures.BATCH];
    private final int[] length = new int[Fixtures.BATCH];
    private int endpoint;
    private int network;

    @Setup(Level.Trial)
    public void setUp()
    {
        tables = new Tables();
        final TableWriter writer = Fixtures.baseConfig(tables);
        for (int i = 0; i < ENTRIES / 2; i++)
        {
            writer.putNeighbour(Fixtures.VNI, address("198.19." + (1 + i / 250) + "." + (1 + i % 250)), PROXY_MAC_BASE + i);
            writer.putNeighbour(Fixtures.VNI, address("fd00::1:" + Integer.toHexString(i)), PROXY_MAC_BASE + i);
        }
        endpoint = tables.ports().find(Fixtures.ENDPOINT);
        network = tables.networks().find(Fixtures.VNI);
        counters = new Counters();
        stage = new NeighbourProxyStage(tables, new StageCounters(counters, NeighbourProxyStage.NAME));
        memory = Fixtures.memory();
        segment = memory.segment();
        final FramePool pool = new FramePool(memory);
        batch = new PacketBatch(memory, Fixtures.BATCH);
        arena = Arena.ofConfined();
        originals = arena.allocate((long)Fixtures.BATCH * 128, 64);
        for (int i = 0; i < Fixtures.BATCH; i++)
        {
            final int entry = i * 7 % (ENTRIES / 2);
            final byte[] frame = switch (kind)
            {
                case "arp" -> FrameBuilder.arp(0xFFFF_FFFF_FFFFL, Fixtures.ENDPOINT_MAC, ArpHeader.OPER_REQUEST, Fixtures.ENDPOINT_MAC, "198.19.200.1", 0,
                    "198.19." + (1 + entry / 250) + "." + (1 + entry % 250));
                case "ns" -> FrameBuilder.neighbourSolicitation(0x33_33_FF_00_00_00L | entry, Fixtures.ENDPOINT_MAC, "fd00::2", "ff02::1:ff00:" + Integer.toHexString(entry),
                    "fd00::1:" + Integer.toHexString(entry), Fixtures.ENDPOINT_MAC);
                case "udp" -> Fixtures.innerFrame(0xFFFF_FFFF_FFFFL, Fixtures.ENDPOINT_MAC, "198.19.0.1", "198.19.0.2", i);
                default -> throw new IllegalArgumentException(kind);
            };
            address[i] = Fixtures.place(pool, frame);
            length[i] = frame.length;
            MemorySegment.copy(frame, 0, originals, ValueLayout.JAVA_BYTE, (long)i * 128, frame.length);
        }
        proxy();
        final long expected = kind.equals("udp") ? 0 : Fixtures.BATCH;
        long answered = 0;
        for (int i = 0; i < Fixtures.BATCH; i++)
        {
            answered += batch.next[i] == Next.TRANSMIT && batch.outPort[i] == endpoint ? 1 : 0;
        }
        if (answered != expected)
        {
            throw new IllegalStateException(kind + ": " + answered + " of 64 frames answered, expected " + expected);
        }
        System.out.printf("%n[setup] neigh-proxy %s: %d proxy entries, %d bytes off-heap%n", kind, tables.neighbours().size(), tables.neighbours().offHeapBytes());
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        arena.close();
        tables.close();
        memory.close();
    }

    private static InetAddress address(final String literal)
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

    /** What a port's receive and the stages before do: frames back to the requests, descriptors to flood. */
    private void refill()
    {
        batch.clear();
        for (int i = 0; i < Fixtures.BATCH; i++)
        {
            MemorySegment.copy(originals, (long)i * 128, segment, address[i], length[i]);
            final int j = batch.add(address[i], length[i], endpoint, 0);
            batch.network[j] = network;
            batch.next[j] = Next.FLOOD;
        }
    }

    @Benchmark
    @OperationsPerInvocation(Fixtures.BATCH)
    public PacketBatch proxy()
    {
        refill();
        stage.process(batch);
        return batch;
    }

    @Benchmark
    @OperationsPerInvocation(Fixtures.BATCH)
    public PacketBatch harness()
    {
        refill();
        return batch;
    }
}
