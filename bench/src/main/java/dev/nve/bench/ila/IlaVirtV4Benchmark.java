package dev.nve.bench.ila;

import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.stage.IlaEgressStage;
import dev.nve.dataplane.stage.IlaIngressStage;
import dev.nve.dataplane.table.IlaIdentifier;
import dev.nve.dataplane.table.IlaTable;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.FrameBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.nve.bench.ila.IlaBenchFixture.BATCH;
import static dev.nve.bench.ila.IlaBenchFixture.IP;
import static dev.nve.bench.ila.IlaBenchFixture.PAYLOAD;

/**
 * ILA VIRT_V4 (RFC 7915 translation at the edge) on batches of 64 UDP frames with 64-byte
 * payloads; one operation is one packet ({@code @OperationsPerInvocation(64)}).
 * <ul>
 *   <li>{@link #egress}: IPv4 (106-byte frame) from an endpoint of IPv4 tenant 300 to an address
 *       mapped to another host → IPv6 (126 bytes): lookup, header rewrite into the headroom, UDP
 *       checksum moved to the IPv6 pseudo header;</li>
 *   <li>{@link #ingress}: IPv6 (126 bytes) from the underlay to a local VIRT_V4 identifier → IPv4
 *       (106 bytes) with a computed header checksum and the UDP checksum moved back;</li>
 *   <li>{@link #egressHarness} / {@link #ingressHarness}: the refill alone (the translation moves
 *       the frame's start and rewrites its headers, so every invocation copies the original
 *       frame back into place and refills the descriptors), to subtract.</li>
 * </ul>
 * Descriptors are as classify leaves them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IlaVirtV4Benchmark
{
    static final int VNID = 300;
    static final long SIR4 = 0xFD00_0044_0000_0000L;
    static final int LOCAL_IP = 0xC613_0104;   // 198.19.1.4
    static final int REMOTE_IP = 0xC613_010B;  // 198.19.1.11

    private Tables tables;
    private Counters counters;
    private FrameMemory memory;
    private PacketBatch batch;
    private MemorySegment segment;
    private IlaEgressStage egress;
    private IlaIngressStage ingress;
    private final long[] address = new long[BATCH];
    private MemorySegment ipv4Frame;
    private MemorySegment ipv6Frame;
    private int endpoint;
    private int uplink;

    @Setup(Level.Trial)
    public void setUp()
    {
        tables = new Tables(new Tables.Sizes(16, 64, 16, 16, 4));
        final TableWriter w = new TableWriter(tables);
        w.setUnderlay(IlaBenchFixture.UPLINK, IlaBenchFixture.UNDERLAY_MAC, 1500, 4789, List.of(address("198.18.0.1")), IlaBenchFixture.GATEWAY_MAC);
        w.setIlaDomain(new long[] {IlaBenchFixture.LOCATOR_A}, new long[0], Map.of(),
            Map.of(VNID, new IlaTable.Ipv4Tenant(SIR4, new int[] {0xC613_0100}, new int[] {24})), IlaBenchFixture.ROUTER_MAC);
        w.addEndpoint(IlaBenchFixture.ENDPOINT, -1, IlaBenchFixture.ENDPOINT_MAC, 0, VNID);
        w.addIlaMapping(IlaIdentifier.TYPE_VIRT_V4, 0, LOCAL_IP & 0xFFFF_FFFFL, VNID, IlaBenchFixture.LOCATOR_A, IlaTable.ChecksumMode.ADJUST_TRANSPORT,
            IlaBenchFixture.ENDPOINT, -1);
        w.addIlaMapping(IlaIdentifier.TYPE_VIRT_V4, 0, REMOTE_IP & 0xFFFF_FFFFL, VNID, IlaBenchFixture.LOCATOR_B, IlaTable.ChecksumMode.ADJUST_TRANSPORT,
            null, -1);
        endpoint = tables.ports().find(IlaBenchFixture.ENDPOINT);
        uplink = tables.ports().find(IlaBenchFixture.UPLINK);
        counters = new Counters();
        egress = new IlaEgressStage(tables, new StageCounters(counters, "ila-egress"), BATCH);
        ingress = new IlaIngressStage(tables, new StageCounters(counters, "ila-ingress"), BATCH);
        memory = IlaBenchFixture.memory();
        final FramePool pool = new FramePool(memory);
        batch = new PacketBatch(memory, BATCH);
        segment = memory.segment();
        for (int i = 0; i < BATCH; i++)
        {
            address[i] = pool.allocate();
        }
        final byte[] v4 = FrameBuilder.ethernet(IlaBenchFixture.ROUTER_MAC, IlaBenchFixture.ENDPOINT_MAC).ipv4("198.19.1.4", "198.19.1.11")
            .udp(10_000, 5_000).payload(PAYLOAD).build();
        if (v4.length != IP + 20 + 8 + PAYLOAD)
        {
            throw new IllegalStateException("IPv4 frame is " + v4.length + " bytes");
        }
        ipv4Frame = MemorySegment.ofArray(v4);
        // The IPv6 frame the peer host's egress would send for the reverse direction.
        final String src = IlaBenchFixture.text(SIR4, IlaIdentifier.virtualV4(VNID, REMOTE_IP));
        final String dst = IlaBenchFixture.text(IlaBenchFixture.LOCATOR_A, IlaIdentifier.virtualV4(VNID, LOCAL_IP));
        ipv6Frame = MemorySegment.ofArray(IlaBenchFixture.frame(IlaBenchFixture.UNDERLAY_MAC, IlaBenchFixture.GATEWAY_MAC, src, dst, 0));
        check(true);
        check(false);
        System.out.printf("%n[setup] ila virt-v4: IPv4 frame %d bytes, IPv6 frame %d bytes%n", ipv4Frame.byteSize(), ipv6Frame.byteSize());
    }

    private void check(final boolean out)
    {
        if (out)
        {
            egress();
        }
        else
        {
            ingress();
        }
        for (int i = 0; i < BATCH; i++)
        {
            final int expectedPort = out ? uplink : endpoint;
            final int expectedLength = out ? IP + 40 + 8 + PAYLOAD : IP + 20 + 8 + PAYLOAD;
            if (batch.next[i] != Next.TRANSMIT || batch.outPort[i] != expectedPort || batch.length[i] != expectedLength)
            {
                throw new IllegalStateException((out ? "egress" : "ingress") + " frame " + i + ": next " + Next.name(batch.next[i]) + " out "
                    + batch.outPort[i] + " length " + batch.length[i] + "; " + IlaBenchFixture.nonZero(counters));
            }
        }
    }

    private void refill(final MemorySegment template, final int port, final byte next)
    {
        final PacketBatch b = batch;
        final MemorySegment s = segment;
        final int length = (int)template.byteSize();
        b.clear();
        for (int i = 0; i < BATCH; i++)
        {
            final long frame = address[i];
            MemorySegment.copy(template, 0, s, frame, length);
            b.add(frame, length, port, 0L);
            b.next[i] = next;
            b.l3Offset[i] = IP;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long egress()
    {
        refill(ipv4Frame, endpoint, Next.ILA_EGRESS);
        egress.process(batch);
        return batch.address[BATCH - 1] + egress.sink();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long ingress()
    {
        refill(ipv6Frame, uplink, Next.ILA_INGRESS);
        ingress.process(batch);
        return batch.address[BATCH - 1] + ingress.sink();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long egressHarness()
    {
        refill(ipv4Frame, endpoint, Next.ILA_EGRESS);
        return batch.address[BATCH - 1];
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long ingressHarness()
    {
        refill(ipv6Frame, uplink, Next.ILA_INGRESS);
        return batch.address[BATCH - 1];
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        IlaBenchFixture.closeCheckingDrops(tables, memory, counters);
    }

    private static InetAddress address(final String literal)
    {
        try
        {
            return InetAddress.getByName(literal);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalStateException(e);
        }
    }
}
