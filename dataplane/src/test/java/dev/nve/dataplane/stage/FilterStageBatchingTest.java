package dev.nve.dataplane.stage;

import dev.nve.dataplane.conntrack.ConntrackTable;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.flow.FlowEvents;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.policy.EnforcementMode;
import dev.nve.dataplane.policy.Identities;
import dev.nve.dataplane.policy.IdentityRegistry;
import dev.nve.dataplane.policy.LabelSelector;
import dev.nve.dataplane.policy.PeerRule;
import dev.nve.dataplane.policy.PolicyCompiler;
import dev.nve.dataplane.policy.PolicyRule;
import dev.nve.dataplane.policy.PolicyTable;
import dev.nve.dataplane.policy.PortRule;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.Bytes;
import dev.nve.dataplane.wire.FrameBuilder;
import dev.nve.dataplane.wire.VxlanHeader;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The batched {@link FilterStage} against the frame-by-frame {@link SequentialFilterReference}
 * on the same random batches: c1 and c2 (enforced both ways) talking to each other and to
 * remote peers (ipcache, GBP with identities that change within a connection, unknown = WORLD),
 * c2 sending with c1's address (another port, the same tuple: c1's grants must not let it
 * through), allowed and denied ports, SYN/ACK/FIN/RST, the ipcache and the policy changing
 * under open connections,
 * repeated tuples inside a batch (a connection opened and used in one batch), replies, flooded
 * frames, frames an earlier stage dropped, remote senders claiming the host identity, truncated
 * and non-IP frames, IPv4 headers FlowKey's fast path must hand to its full parse (options,
 * fragments, bad lengths, ICMP), and a conntrack table small enough to fill. Dispositions, drop reasons,
 * flow events, conntrack contents and rule counters must be identical.
 */
final class FilterStageBatchingTest
{
    private static final int BATCH = 64;
    private static final int VNI = 100;
    private static final long C1_MAC = 0x02_00_00_00_01_01L;
    private static final long C2_MAC = 0x02_00_00_00_01_02L;
    private static final long PEER_MAC = 0x02_00_00_00_02_01L;
    private static final String[] PEERS = {"198.19.1.1", "198.19.1.2", "198.19.1.3", "198.19.1.4"};
    private static final int[] PORTS = {80, 443, 8080, 22};
    private static final int[] FLAGS = {FrameBuilder.TcpFlags.SYN, FrameBuilder.TcpFlags.ACK, FrameBuilder.TcpFlags.SYN | FrameBuilder.TcpFlags.ACK,
        FrameBuilder.TcpFlags.ACK, FrameBuilder.TcpFlags.FIN | FrameBuilder.TcpFlags.ACK, FrameBuilder.TcpFlags.RST};

    /** One side: tables, stage, events, conntrack. */
    private static final class Side
    {
        final Tables tables = new Tables();
        final ConntrackTable conntrack = new ConntrackTable(24);
        final FlowEvents events = new FlowEvents(1 << 20);
        final Counters counters = new Counters();
        final Stage stage;
        final TableWriter writer;
        /** The policy, and the one it alternates with (web-out narrowed to port 80). */
        final PolicyTable policy;
        final PolicyTable narrowed;
        final int c1;
        final int c2;
        final int uplink;
        final int network;

        Side(final boolean batched)
        {
            writer = new TableWriter(tables);
            writer.setUnderlay("uplink", 0x02_00_00_00_00_01L, 1500, VxlanHeader.DEFAULT_PORT, List.of(address("198.18.0.1")), 0x02_00_00_00_00_FEL);
            network = writer.addNetwork(VNI, true);
            writer.addEndpoint("c1", VNI, C1_MAC, 300);
            writer.addEndpoint("c2", VNI, C2_MAC, 301);
            c1 = tables.ports().find("c1");
            c2 = tables.ports().find("c2");
            uplink = tables.ports().find("uplink");
            final IdentityRegistry identities = new IdentityRegistry();
            identities.register(Map.of("app", "web"), 300);
            identities.register(Map.of("app", "db"), 301);
            identities.register(Map.of("app", "peer"), 400);
            identities.register(Map.of("app", "other"), 401);
            final LabelSelector web = LabelSelector.of(Map.of("app", "web"));
            final LabelSelector db = LabelSelector.of(Map.of("app", "db"));
            final LabelSelector peer = LabelSelector.of(Map.of("app", "peer"));
            policy = policy(identities, web, db, peer, 443);
            narrowed = policy(identities, web, db, peer, 0);
            writer.setPolicy(policy);
            writer.setIpIdentity(network, address(PEERS[0]), 400);
            writer.setIpIdentity(network, address(PEERS[1]), 400);
            writer.setIpIdentity(network, address(PEERS[2]), 401);
            final StageCounters stageCounters = new StageCounters(counters, "filter");
            stage = batched ? new FilterStage(tables, stageCounters, conntrack, events, BATCH, tables.registerWorker().index())
                : new SequentialFilterReference(tables, stageCounters, conntrack, events, BATCH);
        }

        /** web-out allows ports 80 to {@code webOutEnd} (0: 80 only); db egress allows 8080 only. */
        private static PolicyTable policy(final IdentityRegistry identities, final LabelSelector web, final LabelSelector db, final LabelSelector peer,
            final int webOutEnd)
        {
            final List<PolicyRule> rules = new ArrayList<>();
            rules.add(new PolicyRule("web-out", web, List.of(),
                List.of(new PeerRule(List.of(peer, db), Set.of(), List.of(new PortRule(PortRule.TCP, 80, webOutEnd)))), List.of(), List.of()));
            rules.add(new PolicyRule("web-in", web,
                List.of(new PeerRule(List.of(peer), Set.of(), List.of(new PortRule(PortRule.TCP, 8080, 0)))), List.of(), List.of(), List.of()));
            rules.add(new PolicyRule("db-in", db,
                List.of(new PeerRule(List.of(web), Set.of(), List.of(new PortRule(PortRule.TCP, 443, 0)))), List.of(), List.of(), List.of()));
            rules.add(new PolicyRule("db-deny-22", db, List.of(), List.of(), List.of(new PeerRule(List.of(), Set.of(),
                List.of(new PortRule(PortRule.TCP, 22, 0)))), List.of()));
            rules.add(new PolicyRule("db-out", db, List.of(),
                List.of(new PeerRule(List.of(peer), Set.of(), List.of(new PortRule(PortRule.TCP, 8080, 0)))), List.of(), List.of()));
            return PolicyTable.of(new PolicyCompiler().compile(rules, EnforcementMode.DEFAULT, identities));
        }
    }

    @Test
    void batchedStageDecidesExactlyAsTheFrameByFrameOne()
    {
        final Side batched = new Side(true);
        final Side sequential = new Side(false);
        try (FrameMemory memory = FrameMemory.allocate(2 * BATCH))
        {
            final SplittableRandom random = new SplittableRandom(7);
            final PacketBatch a = new PacketBatch(memory, BATCH);
            final PacketBatch b = new PacketBatch(memory, BATCH);
            final MemorySegment segment = memory.segment();
            long now = 1_000_000_000L;
            int forwarded = 0;
            int dropped = 0;
            for (int round = 0; round < 300; round++)
            {
                a.clear();
                b.clear();
                now += random.nextInt(3) == 0 ? 20_000_000_000L : 1_000_000L; // sometimes past the 10 s closing timeout
                if (round % 5 == 2)
                {
                    // The ipcache changes under open connections: peer identities cached in
                    // conntrack entries must not outlive it (the reference always asks the ipcache).
                    final int identity = round % 10 == 2 ? 401 : 400;
                    for (final Side side : List.of(batched, sequential))
                    {
                        side.writer.setIpIdentity(side.network, address(PEERS[1]), identity);
                        side.writer.setIpIdentity(side.network, address(PEERS[3]), 800 - identity);
                    }
                }
                if (round % 7 == 3)
                {
                    // The policy changes under open connections: web-out narrowed, then widened again.
                    assertRuleCounts(batched, sequential, "round " + round + ", before the policy change");
                    for (final Side side : List.of(batched, sequential))
                    {
                        side.writer.setPolicy(round % 14 == 3 ? side.narrowed : side.policy);
                    }
                }
                for (int i = 0; i < BATCH; i++)
                {
                    final long frame = memory.dataStart(i);
                    final int kind = random.nextInt(6);
                    final String peer = PEERS[random.nextInt(PEERS.length)];
                    final int localPort = 40_000 + random.nextInt(3);
                    final int port = PORTS[random.nextInt(PORTS.length)];
                    final int flags = FLAGS[random.nextInt(FLAGS.length)];
                    final byte[] bytes = switch (kind)
                    {
                        case 0 -> FrameBuilder.ethernet(PEER_MAC, C1_MAC).ipv4("198.19.0.1", peer).tcp(localPort, port, flags).payload(10).build();
                        case 1 -> FrameBuilder.ethernet(C1_MAC, PEER_MAC).ipv4(peer, "198.19.0.1").tcp(port, localPort, flags).payload(10).build();
                        case 2 -> FrameBuilder.ethernet(C2_MAC, C1_MAC).ipv4("198.19.0.1", "198.19.0.2").tcp(localPort, port, flags).payload(10).build();
                        case 3 -> FrameBuilder.ethernet(C1_MAC, C2_MAC).ipv4("198.19.0.2", "198.19.0.1").tcp(port, localPort, flags).payload(10).build();
                        case 5 -> FrameBuilder.ethernet(PEER_MAC, C2_MAC).ipv4("198.19.0.1", peer).tcp(localPort, port, flags).payload(10).build();
                        default -> FrameBuilder.ethernet(C1_MAC, PEER_MAC).ipv4(peer, "198.19.0.1").udp(port, localPort).payload(10).build();
                    };
                    MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, frame, bytes.length);
                    final int length = random.nextInt(40) == 0 ? 30 : mangle(random, segment, frame, bytes.length); // a few cut short
                    final boolean fromC1 = kind == 0 || kind == 2;
                    final boolean fromC2 = kind == 3 || kind == 5;
                    // Remote senders: a GBP identity (one web-in allows, or another), the host identity (refused), or none.
                    final int claim = random.nextInt(10);
                    final int gbp = kind != 1 && kind != 4 ? PacketBatch.NO_IDENTITY
                        : claim < 3 ? 400 : claim == 3 ? 401 : claim == 4 ? Identities.HOST : PacketBatch.NO_IDENTITY;
                    // c1 to a peer: encapsulated, sometimes flooded (unknown MAC), sometimes already dropped by a stage before.
                    final int route = random.nextInt(12);
                    for (final Side side : List.of(batched, sequential))
                    {
                        final PacketBatch batch = side == batched ? a : b;
                        final int k = batch.add(frame, length, fromC1 ? side.c1 : fromC2 ? side.c2 : side.uplink, now + i);
                        batch.network[k] = side.network;
                        batch.srcIdentity[k] = gbp;
                        if (kind == 0 && route == 0)
                        {
                            // A flood has no out port; the field keeps a value that must not count.
                            batch.next[k] = Next.FLOOD;
                            batch.outPort[k] = (short)side.c2;
                        }
                        else if (kind == 0 && route == 1)
                        {
                            batch.drop(k, DropReason.NO_LOCAL_ENDPOINT);
                        }
                        else if (kind == 0 || kind == 5)
                        {
                            batch.next[k] = Next.VXLAN_ENCAP;
                            batch.outPort[k] = (short)side.uplink;
                        }
                        else
                        {
                            batch.transmit(k, kind == 2 ? side.c2 : side.c1);
                        }
                    }
                }
                batched.stage.process(a);
                sequential.stage.process(b);
                for (int i = 0; i < BATCH; i++)
                {
                    assertEquals(b.next[i], a.next[i], "round " + round + " frame " + i + ": next");
                    assertEquals(b.dropReason[i], a.dropReason[i], "round " + round + " frame " + i + ": drop reason");
                    forwarded += a.next[i] != Next.DROP ? 1 : 0;
                    dropped += a.next[i] == Next.DROP ? 1 : 0;
                }
                assertEquals(drain(sequential.events), drain(batched.events), "round " + round + ": flow events");
                assertEquals(sequential.conntrack.size(), batched.conntrack.size(), "round " + round + ": connections");
                if (round % 50 == 49)
                {
                    sequential.conntrack.sweep(now, 1 << 10);
                    batched.conntrack.sweep(now, 1 << 10);
                }
            }
            assertTrue(forwarded > 1000 && dropped > 1000, "both outcomes exercised: " + forwarded + " forwarded, " + dropped + " dropped");
            final long refused = batched.counters.snapshot().get("stage/filter/drop/" + DropReason.INVALID_IDENTITY.name());
            assertTrue(refused > 100, "host identity claims refused: " + refused);
            assertRuleCounts(batched, sequential, "at the end");
            assertEquals(sequential.counters.snapshot(), batched.counters.snapshot());
        }
        finally
        {
            for (final Side side : List.of(batched, sequential))
            {
                side.conntrack.close();
                side.tables.close();
            }
        }
    }

    /** The per-rule counters of both sides' current policy tables are equal. */
    private static void assertRuleCounts(final Side batched, final Side sequential, final String when)
    {
        for (int rule = 0; rule < 5; rule++)
        {
            assertEquals(sequential.tables.policy().rulePackets(rule), batched.tables.policy().rulePackets(rule), when + ": rule " + rule + " packets");
            assertEquals(sequential.tables.policy().ruleBytes(rule), batched.tables.policy().ruleBytes(rule), when + ": rule " + rule + " bytes");
        }
    }

    /**
     * Sometimes changes the frame at {@code frame} (Ethernet + IPv4 + TCP or UDP) where the
     * IPv4 fast path of FlowKey and its full parse must agree: header fields it checks, and lengths
     * around its minimum; returns the frame's length.
     */
    private static int mangle(final SplittableRandom random, final MemorySegment segment, final long frame, final int length)
    {
        final long l3 = frame + 14;
        return switch (random.nextInt(24))
        {
            case 0 -> set8(segment, l3, 0x46, length); // options (the ports move)
            case 1 -> set8(segment, l3, 0x55, length); // version 5
            case 2 -> set16(segment, l3 + 6, 0x0001, length); // a later fragment
            case 3 -> set16(segment, l3 + 6, 0x2000, length); // more fragments, the first one
            case 4 -> set16(segment, l3 + 2, length - 13, length); // longer than the frame
            case 5 -> set16(segment, l3 + 2, 30, length); // too short for TCP's flags, UDP's ports are in
            case 6 -> set8(segment, l3 + 9, 1, length); // ICMP
            case 7 -> set16(segment, frame + 12, 0x0806, length); // ARP
            case 8 -> 47; // one byte short of a TCP header up to its flags
            case 9 -> 48;
            default -> length;
        };
    }

    private static int set8(final MemorySegment segment, final long offset, final int value, final int length)
    {
        segment.set(ValueLayout.JAVA_BYTE, offset, (byte)value);
        return length;
    }

    private static int set16(final MemorySegment segment, final long offset, final int value, final int length)
    {
        segment.set(Bytes.U16_BE, offset, (short)value);
        return length;
    }

    private static List<FlowEvents.FlowEvent> drain(final FlowEvents events)
    {
        final List<FlowEvents.FlowEvent> drained = new ArrayList<>();
        events.drain(drained::add, Integer.MAX_VALUE);
        return drained;
    }

    private static InetAddress address(final String literal)
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
