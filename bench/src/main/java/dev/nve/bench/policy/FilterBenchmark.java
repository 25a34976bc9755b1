package dev.nve.bench.policy;

import dev.nve.dataplane.conntrack.ConntrackTable;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.policy.EnforcementMode;
import dev.nve.dataplane.policy.IdentityRegistry;
import dev.nve.dataplane.policy.LabelSelector;
import dev.nve.dataplane.policy.PeerRule;
import dev.nve.dataplane.policy.PolicyCompiler;
import dev.nve.dataplane.policy.PolicyRule;
import dev.nve.dataplane.policy.PolicyTable;
import dev.nve.dataplane.policy.PortRule;
import dev.nve.dataplane.stage.FilterStage;
import dev.nve.dataplane.table.IpCache;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.Bytes;
import dev.nve.dataplane.wire.FrameBuilder;
import dev.nve.dataplane.wire.VxlanHeader;
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

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@link FilterStage} alone on batches of 64 TCP frames (64 bytes: Ethernet, IPv4, TCP, 10
 * bytes payload) of established connections of local endpoint {@code c1} (198.19.0.1), one
 * operation = one packet ({@code @OperationsPerInvocation(64)}): the score is ns/packet, Mpps =
 * 1000 / score.
 * <ul>
 *   <li>{@link #original}: {@code c1} to its peers, as the bridge leaves them (next VXLAN_ENCAP
 *       to the underlay port, network set): conntrack lookup, hit in the ORIGINAL direction,
 *       then the policy re-check (ipcache lookup of the peer, egress policy lookup) and the
 *       conntrack update: the expensive path;</li>
 *   <li>{@link #reply}: the peers' answers arriving from the overlay for {@code c1} (next
 *       TRANSMIT to {@code c1}): conntrack lookup, hit in the REPLY direction, update, no
 *       policy;</li>
 *   <li>{@link #mixed}: both, alternating frame by frame (a connection's data and its
 *       acknowledgements), as real traffic has them. The two above are each compiled for one
 *       direction (the JIT leaves the other direction's path out of the code it runs); here
 *       both paths are in the code that runs;</li>
 *   <li>{@link #harness}: the per-invocation refill alone, to subtract.</li>
 * </ul>
 * <b>Policy</b> ({@code rules}: 10, 1,000, 100,000): 1,000 peer identities ({@code app=svc-k})
 * plus {@code c1}'s ({@code app=web}). Every fifth rule selects {@code c1} (rule 10m: egress to
 * one peer identity, rule 10m + 5: ingress from one), the others select the peer identities
 * (egress and ingress alternating); each allows TCP 443 and a 16-port range that depends on the
 * rule, from a peer identity that depends on the rule; one more rule lets every endpoint reach
 * DNS (UDP 53, any peer), as most clusters have. {@code c1} is enforced both ways, so the reply
 * packets are filtered too. Rules of one (endpoint, peer) pair share a key, so more rules
 * mostly mean longer port-interval lists: 100,000 rules compile to 14,206 keys (684,296 bytes
 * off-heap), {@code c1}'s egress keys hold about 10 rules' intervals each (binary search).
 * <p>
 * <b>Peers</b>: 60,000 addresses 198.19.1.0 upwards in the ipcache (zone = the network index),
 * peer p with the identity of {@code c1}'s egress rule p mod (number of such rules); its
 * connections go to a port that rule allows (443 or one of its range). With
 * {@code spread=fixed} every peer takes rule 0's (the traffic of the 10-rule case whatever the
 * rule count, so only the policy's size changes).
 * <p>
 * <b>Connections</b> ({@code flows}: 1, 1,000,000): TCP from {@code c1} (random source port)
 * to a random peer, created through the conntrack table's own calls (SYN, SYN+ACK: ESTABLISHED)
 * before the measurement, so every measured packet is a hit and nothing is created or dropped
 * (the set-up checks it on the whole stream, the tear-down checks that nothing was dropped).
 * The 1,000,000-entry table is 128,000,000 bytes off-heap (122.1 MiB: 91.6 MiB of 32-byte slots, 30.5 MiB
 * of IPv6 address records), in 2 MiB pages with xdp-loader on the class path (the jar: the
 * set-up line says which pages).
 * <p>
 * <b>Frames</b>: 64 prebuilt frames per direction in {@link FrameMemory}. As in the decap
 * benchmark, each invocation refills the descriptors and writes the next 64 tuples of a stream
 * of 2^20 uniformly random picks among the connections into the frames (peer address and both
 * ports), so that the conntrack and ipcache lookups hit random entries instead of the same 64.
 * The IPv4 header checksum is not maintained: the filter does not check it. The filter never
 * writes frames.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FilterBenchmark
{
    static final int BATCH = 64;
    static final int VNI = 100;
    static final int IDENTITIES = 1000;
    static final int PEERS = 60_000;
    static final int STREAM_LENGTH = 1 << 20;
    static final long T0 = 1_000_000_000_000L;
    static final int FRAME_LENGTH = 64;
    static final int SOURCE_ADDRESS_OFFSET = 14 + 12;
    static final int DESTINATION_ADDRESS_OFFSET = 14 + 16;
    static final int SOURCE_PORT_OFFSET = 14 + 20;
    static final int DESTINATION_PORT_OFFSET = 14 + 22;
    static final int ENDPOINT_ADDRESS = 0xC613_0001; // 198.19.0.1
    static final int FIRST_PEER_ADDRESS = 0xC613_0100; // 198.19.1.0
    static final long ENDPOINT_MAC = 0x02_00_00_00_01_01L;
    static final long UNDERLAY_MAC = 0x02_00_00_00_00_01L;
    static final long REMOTE_VTEP_MAC = 0x02_00_00_00_00_02L;
    static final long PEER_MAC = 0x02_00_00_00_02_01L;
    static final int HTTPS = 443;
    static final int RANGE_WIDTH = 16;
    /** {@link #refill}: the direction of the batch's frames. */
    static final int ORIGINALS = 0;
    static final int REPLIES = 1;
    static final int ALTERNATING = 2;
    /** Both directions, each frame's drawn at random (fixed seed): the order of real mixed traffic, which no branch predictor learns. */
    static final int SHUFFLED = 3;

    @Param({"10", "1000", "100000"})
    public int rules;

    @Param({"1", "1000000"})
    public int flows;

    /**
     * How the peers' identities follow the rule count: {@code rules}, spread over all of
     * {@code c1}'s egress rules (more rules, more distinct (peer identity, port) pairs: ~17,000
     * with 100,000 rules); {@code fixed}, every peer with the identity of rule 0's peer and the
     * connections on rule 0's ports, whatever the rule count (the traffic of the 10-rule case), so
     * that only the size of the policy changes.
     */
    @Param({"rules"})
    public String spread;

    private Tables tables;
    private Counters counters;
    private FrameMemory memory;
    private MemorySegment segment;
    private ConntrackTable conntrack;
    private FilterStage filter;
    private PacketBatch batch;
    private final long[] originalFrames = new long[BATCH];
    private final long[] replyFrames = new long[BATCH];
    private int endpointPort;
    private int uplinkPort;
    private int network;
    private int[] streamPeer;
    private int[] streamSourcePort;
    private int[] streamDestinationPort;
    /** {@link #SHUFFLED}: whether the stream's frame at each position is a reply. */
    private boolean[] streamReply;
    private int streamMask;
    private int cursor;
    private long now = T0;

    static int identity(final int index)
    {
        return 256 + index;
    }

    static final int ENDPOINT_IDENTITY = identity(IDENTITIES);

    /** The peer identity (index) rule {@code r} allows or is selected by. */
    static int peerOf(final int rule)
    {
        return (rule / 10 * 7 + rule % 10) % IDENTITIES;
    }

    static int rangeLow(final int rule)
    {
        return 10_000 + (rule / 10 % 1000) * RANGE_WIDTH;
    }

    static LabelSelector app(final String name)
    {
        return LabelSelector.of(Map.of("app", name));
    }

    @Setup(Level.Trial)
    public void setUp()
    {
        tables = new Tables();
        final TableWriter writer = new TableWriter(tables);
        writer.setUnderlay("uplink", UNDERLAY_MAC, 1500, VxlanHeader.DEFAULT_PORT, List.of(address(0xC612_0001)), 0x02_00_00_00_00_FEL);
        writer.addRemoteVtep(address(0xC612_0002), REMOTE_VTEP_MAC);
        network = writer.addNetwork(VNI, false);
        writer.addEndpoint("c1", VNI, ENDPOINT_MAC, ENDPOINT_IDENTITY);
        endpointPort = tables.ports().find("c1");
        uplinkPort = tables.ports().find("uplink");

        final IdentityRegistry identities = new IdentityRegistry();
        for (int k = 0; k < IDENTITIES; k++)
        {
            identities.register(Map.of("app", "svc-" + k), identity(k));
        }
        identities.register(Map.of("app", "web"), ENDPOINT_IDENTITY);
        writer.setPolicy(PolicyTable.of(new PolicyCompiler().compile(policy(), EnforcementMode.DEFAULT, identities)));

        // c1's egress rules the peers are spread over (rules 0, 10, 20, ...).
        final int egressRules = switch (spread)
        {
            case "rules" -> (rules + 9) / 10;
            case "fixed" -> 1;
            default -> throw new IllegalArgumentException("spread must be rules or fixed: " + spread);
        };
        for (int p = 0; p < PEERS; p++)
        {
            writer.setIpIdentity(network, address(FIRST_PEER_ADDRESS + p), identity(peerOf(10 * (p % egressRules))));
        }

        conntrack = new ConntrackTable(flows);
        counters = new Counters();
        filter = new FilterStage(tables, new StageCounters(counters, "filter"), conntrack, null, BATCH, tables.registerWorker().index());
        createConnections(egressRules);

        memory = FrameMemory.allocate(2 * BATCH + 2);
        segment = memory.segment();
        final FramePool pool = new FramePool(memory);
        batch = new PacketBatch(memory, BATCH);
        for (int i = 0; i < BATCH; i++)
        {
            originalFrames[i] = place(pool, FrameBuilder.ethernet(PEER_MAC, ENDPOINT_MAC).ipv4("198.19.0.1", "198.19.1.0")
                .tcp(40_000, HTTPS, FrameBuilder.TcpFlags.ACK).payload(FRAME_LENGTH - 54).build());
            replyFrames[i] = place(pool, FrameBuilder.ethernet(ENDPOINT_MAC, PEER_MAC).ipv4("198.19.1.0", "198.19.0.1")
                .tcp(HTTPS, 40_000, FrameBuilder.TcpFlags.ACK).payload(FRAME_LENGTH - 54).build());
        }
        verifyWholeStream();
        System.out.printf("%n[setup] filter rules=%d flows=%d spread=%s: policy %d keys, %d bytes off-heap; ipcache %d entries; conntrack %d entries, %d bytes " +
                "off-heap (%.1f MiB, %s)%n", rules, flows, spread, tables.policy().keyCount(), tables.policy().bytes(), tables.ipCache().size(), conntrack.size(),
            conntrack.bytes(), conntrack.bytes() / 1048576.0, conntrack.pages());
    }

    /** The rules described in the class comment, plus the DNS rule. */
    private List<PolicyRule> policy()
    {
        final List<PolicyRule> policy = new ArrayList<>(rules + 1);
        for (int r = 0; r < rules; r++)
        {
            final boolean endpointRule = r % 5 == 0;
            final LabelSelector selected = endpointRule ? app("web") : app("svc-" + r % IDENTITIES);
            final List<PeerRule> section = List.of(new PeerRule(List.of(app("svc-" + peerOf(r))), Set.of(),
                List.of(new PortRule(PortRule.TCP, HTTPS, 0), new PortRule(PortRule.TCP, rangeLow(r), rangeLow(r) + RANGE_WIDTH - 1))));
            final boolean egress = endpointRule ? r % 10 == 0 : r % 2 == 0;
            policy.add(egress
                ? new PolicyRule("rule-" + r, selected, List.of(), section, List.of(), List.of())
                : new PolicyRule("rule-" + r, selected, section, List.of(), List.of(), List.of()));
        }
        policy.add(new PolicyRule("dns", LabelSelector.ALL_ENDPOINTS, List.of(),
            List.of(new PeerRule(List.of(), Set.of(), List.of(new PortRule(PortRule.UDP, 53, 0)))), List.of(), List.of()));
        return policy;
    }

    /** Opens {@code flows} distinct connections and draws the packet stream from them. */
    private void createConnections(final int egressRules)
    {
        final SplittableRandom random = new SplittableRandom(42);
        final int[] flowPeer = new int[flows];
        final int[] flowSourcePort = new int[flows];
        final int[] flowDestinationPort = new int[flows];
        for (int f = 0; f < flows; f++)
        {
            int size;
            do
            {
                final int p = flows == 1 ? 0 : random.nextInt(PEERS);
                final int rule = 10 * (p % egressRules);
                flowPeer[f] = FIRST_PEER_ADDRESS + p;
                flowSourcePort[f] = flows == 1 ? 40_000 : 1024 + random.nextInt(64_512);
                flowDestinationPort[f] = random.nextInt(4) == 0 ? HTTPS : rangeLow(rule) + random.nextInt(RANGE_WIDTH);
                size = conntrack.size();
                final long created = conntrack.create(network, 4, 0, ENDPOINT_ADDRESS & 0xFFFF_FFFFL, 0, flowPeer[f] & 0xFFFF_FFFFL,
                    flowSourcePort[f], flowDestinationPort[f], 6, FrameBuilder.TcpFlags.SYN, T0);
                check(ConntrackTable.isEntry(created), "conntrack create failed for connection " + f);
            }
            while (conntrack.size() == size); // a tuple drawn twice: draw again
            final long reply = conntrack.lookup(network, 4, 0, flowPeer[f] & 0xFFFF_FFFFL, 0, ENDPOINT_ADDRESS & 0xFFFF_FFFFL,
                flowDestinationPort[f], flowSourcePort[f], 6, T0);
            check(conntrack.update(reply, FrameBuilder.TcpFlags.SYN | FrameBuilder.TcpFlags.ACK, T0) == ConntrackTable.OK,
                "handshake of connection " + f);
        }
        final int length = flows == 1 ? BATCH : STREAM_LENGTH;
        streamPeer = new int[length];
        streamSourcePort = new int[length];
        streamDestinationPort = new int[length];
        streamMask = length - 1;
        for (int i = 0; i < length; i++)
        {
            final int f = random.nextInt(flows);
            streamPeer[i] = flowPeer[f];
            streamSourcePort[i] = flowSourcePort[f];
            streamDestinationPort[i] = flowDestinationPort[f];
        }
        // A random of its own, so that the stream above stays the one the other directions have.
        final SplittableRandom directions = new SplittableRandom(43);
        streamReply = new boolean[length];
        for (int i = 0; i < length; i++)
        {
            streamReply[i] = directions.nextBoolean();
        }
    }

    /**
     * Runs the whole stream once in each direction: nothing may be dropped or created, and only
     * the original direction may reach the policy (its rule counters).
     */
    private void verifyWholeStream()
    {
        final int invocations = (streamMask + 1) / BATCH;
        final int size = conntrack.size();
        for (int n = 0; n < invocations; n++)
        {
            reply();
        }
        check(rulePackets() == 0, "reply packets reached the policy");
        for (int n = 0; n < invocations; n++)
        {
            original();
            for (int i = 0; i < BATCH; i++)
            {
                check(batch.next[i] == Next.VXLAN_ENCAP, "frame " + i + " of invocation " + n + ": " + Next.name(batch.next[i]));
            }
        }
        check(rulePackets() == (long)invocations * BATCH, "original packets that reached the policy: " + rulePackets());
        check(conntrack.size() == size, "connections were created: " + (conntrack.size() - size));
        check(totalDrops() == 0, "frames were dropped: " + counters.snapshot());
        cursor = 0;
    }

    private long rulePackets()
    {
        long packets = 0;
        for (int r = 0; r < tables.policy().ruleNames().size(); r++)
        {
            packets += tables.policy().rulePackets(r);
        }
        return packets;
    }

    /**
     * Refill as a port's receive + the bridge would leave the batch, with the next 64 tuples, in
     * the direction(s) {@code directions} ({@link #ORIGINALS}, {@link #REPLIES},
     * {@link #ALTERNATING}, {@link #SHUFFLED}).
     */
    void refill(final int directions)
    {
        final PacketBatch b = batch;
        final MemorySegment s = segment;
        final int at = cursor;
        final long time = now += 1_000;
        b.clear();
        for (int i = 0; i < BATCH; i++)
        {
            final int pick = (at + i) & streamMask;
            final int k;
            if (directions == REPLIES || (directions == ALTERNATING && (i & 1) != 0) || (directions == SHUFFLED && streamReply[pick]))
            {
                final long frame = replyFrames[i];
                s.set(Bytes.U32_BE, frame + SOURCE_ADDRESS_OFFSET, streamPeer[pick]);
                s.set(Bytes.U16_BE, frame + SOURCE_PORT_OFFSET, (short)streamDestinationPort[pick]);
                s.set(Bytes.U16_BE, frame + DESTINATION_PORT_OFFSET, (short)streamSourcePort[pick]);
                k = b.add(frame, FRAME_LENGTH, uplinkPort, time);
                b.transmit(k, endpointPort);
                b.fromOverlay[k] = true;
            }
            else
            {
                final long frame = originalFrames[i];
                s.set(Bytes.U32_BE, frame + DESTINATION_ADDRESS_OFFSET, streamPeer[pick]);
                s.set(Bytes.U16_BE, frame + SOURCE_PORT_OFFSET, (short)streamSourcePort[pick]);
                s.set(Bytes.U16_BE, frame + DESTINATION_PORT_OFFSET, (short)streamDestinationPort[pick]);
                k = b.add(frame, FRAME_LENGTH, endpointPort, time);
                b.next[k] = Next.VXLAN_ENCAP;
                b.outPort[k] = (short)uplinkPort;
            }
            b.network[k] = network;
        }
        cursor = (at + BATCH) & streamMask;
    }

    /** The stage on the batch the last {@link #refill} left ({@link FilterStageBenchmark}). */
    long processRefilled()
    {
        filter.process(batch);
        return batch.next[BATCH - 1] + filter.sink();
    }

    /** Packets of {@code c1}'s connections, ORIGINAL direction: conntrack + policy re-check. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long original()
    {
        refill(ORIGINALS);
        filter.process(batch);
        return batch.next[BATCH - 1] + filter.sink();
    }

    /** The peers' replies: conntrack only. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long reply()
    {
        refill(REPLIES);
        filter.process(batch);
        return batch.next[BATCH - 1] + filter.sink();
    }

    /** Originals and replies alternating frame by frame (even frames original, odd replies). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long mixed()
    {
        refill(ALTERNATING);
        filter.process(batch);
        return batch.next[BATCH - 1] + filter.sink();
    }

    /** The refill alone (original direction; the reply refill writes as much). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long harness()
    {
        refill(ORIGINALS);
        return batch.address[BATCH - 1];
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        final long drops = totalDrops();
        final String summary = counters.snapshot().toString();
        conntrack.close();
        tables.close();
        memory.close();
        check(drops == 0, "frames were dropped during the run: " + summary);
    }

    private long totalDrops()
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

    private static long place(final FramePool pool, final byte[] bytes)
    {
        check(bytes.length == FRAME_LENGTH, "frame is " + bytes.length + " bytes");
        final long address = pool.allocate();
        MemorySegment.copy(bytes, 0, pool.memory().segment(), ValueLayout.JAVA_BYTE, address, bytes.length);
        return address;
    }

    private static InetAddress address(final int ipv4)
    {
        try
        {
            return InetAddress.getByAddress(new byte[] {(byte)(ipv4 >>> 24), (byte)(ipv4 >>> 16), (byte)(ipv4 >>> 8), (byte)ipv4});
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalArgumentException("4 bytes are always an address", e);
        }
    }

    private static void check(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalStateException(message);
        }
    }
}
