package dev.nve.dataplane.stage;

import dev.nve.dataplane.conntrack.ConntrackTable;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.FrameMemory;
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
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.FrameBuilder;
import dev.nve.dataplane.wire.VxlanHeader;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every rule that decides a packet is counted, exactly once per packet and check:
 * <ul>
 *   <li>when one batch meets more distinct rules than it has frames: traffic between two local
 *       endpoints is checked twice (the sender's egress, the receiver's ingress), so a batch of
 *       64 such frames can hit 128 rules;</li>
 *   <li>when a batch alternates between two rules and hits dozens of others once, among 2,048
 *       rules.</li>
 * </ul>
 */
final class FilterStageRuleCountsTest
{
    private static final int BATCH = 64;
    private static final long C1_MAC = 0x02_00_00_00_01_01L;
    private static final long C2_MAC = 0x02_00_00_00_01_02L;
    private static final LabelSelector C1 = LabelSelector.of(Map.of("app", "c1"));
    private static final LabelSelector C2 = LabelSelector.of(Map.of("app", "c2"));

    @Test
    void aBatchHittingTwiceAsManyRulesAsFramesCountsThemAll() throws Exception
    {
        // Rules 2k: c1 may send to c2's port 1000 + k; rules 2k + 1: c2 may receive it.
        final List<PolicyRule> rules = new ArrayList<>();
        for (int k = 0; k < BATCH; k++)
        {
            rules.add(egress(k));
            rules.add(new PolicyRule("ingress-" + k, C2, List.of(new PeerRule(List.of(C1), Set.of(), List.of(new PortRule(PortRule.TCP, 1000 + k, 0)))),
                List.of(), List.of(), List.of()));
        }
        final int[] ports = new int[BATCH];
        for (int k = 0; k < BATCH; k++)
        {
            ports[k] = 1000 + k;
        }
        final long[] expected = new long[rules.size()];
        Arrays.fill(expected, 1);
        assertCounts(rules, ports, expected);
    }

    @Test
    void aBatchAlternatingBetweenRulesAmongManyCountsEachExactly() throws Exception
    {
        // 2,048 egress rules of c1, rule k allowing c2's port 1000 + k.
        final List<PolicyRule> rules = new ArrayList<>();
        for (int k = 0; k < 2048; k++)
        {
            rules.add(egress(k));
        }
        // Frames alternate between rule 5's port and rule 1029's, then one frame for each of 32
        // other rules.
        final int[] ports = new int[BATCH];
        final long[] expected = new long[rules.size()];
        for (int j = 0; j < BATCH / 2; j++)
        {
            final int rule = j % 2 == 0 ? 5 : 1029;
            ports[j] = 1000 + rule;
            expected[rule]++;
        }
        for (int j = BATCH / 2; j < BATCH; j++)
        {
            final int rule = (100 + 37 * j) % 2048; // 32 distinct rules, none of them 5 or 1029
            ports[j] = 1000 + rule;
            expected[rule]++;
        }
        assertCounts(rules, ports, expected);
    }

    private static PolicyRule egress(final int k)
    {
        return new PolicyRule("egress-" + k, C1, List.of(), List.of(new PeerRule(List.of(C2), Set.of(), List.of(new PortRule(PortRule.TCP, 1000 + k, 0)))),
            List.of(), List.of());
    }

    /**
     * One batch of TCP SYNs from c1 to c2, frame j to {@code ports[j]} (source port 40000 + j),
     * through a filter with {@code rules}, once by each of three workers: one registered before
     * the policy was published, one after, and one unregistered stage (shared atomic counters).
     * Every frame must be allowed each time, and rule id r counted 3 x {@code expected[r]}
     * packets of the frames' length (rule ids are the rules' positions): the readers sum every
     * worker's counters.
     */
    private static void assertCounts(final List<PolicyRule> rules, final int[] ports, final long[] expected) throws Exception
    {
        try (Tables tables = new Tables(); ConntrackTable conntrack = new ConntrackTable(1024); FrameMemory memory = FrameMemory.allocate(BATCH))
        {
            final TableWriter writer = new TableWriter(tables);
            writer.setUnderlay("uplink", 0x02_00_00_00_00_01L, 1500, VxlanHeader.DEFAULT_PORT, List.of(InetAddress.getByName("198.18.0.1")), 0x02_00_00_00_00_FEL);
            final int network = writer.addNetwork(100, true);
            writer.addEndpoint("c1", 100, C1_MAC, 300);
            writer.addEndpoint("c2", 100, C2_MAC, 301);
            final int registeredBefore = tables.registerWorker().index();
            final IdentityRegistry identities = new IdentityRegistry();
            identities.register(Map.of("app", "c1"), 300);
            identities.register(Map.of("app", "c2"), 301);
            writer.setPolicy(PolicyTable.of(new PolicyCompiler().compile(rules, EnforcementMode.DEFAULT, identities)));
            final PolicyTable policy = tables.policy();
            for (int rule = 0; rule < rules.size(); rule++)
            {
                assertEquals(rules.get(rule).name(), policy.ruleNames().get(rule), "rule ids are the rules' positions");
            }
            final int c1 = tables.ports().find("c1");
            final int c2 = tables.ports().find("c2");
            final int registeredAfter = tables.registerWorker().index();
            assertTrue(policy.ruleCounts().hasOwnCounters(registeredBefore), "a table published after a worker registered has its counters");
            assertTrue(policy.ruleCounts().hasOwnCounters(registeredAfter), "a worker registered after a table was published has counters in it");
            final PacketBatch batch = new PacketBatch(memory, BATCH);
            int length = 0;
            for (final int worker : new int[] {registeredBefore, registeredAfter, -1})
            {
                final FilterStage filter = new FilterStage(tables, new StageCounters(new Counters(), "filter"), conntrack, null, BATCH, worker);
                batch.clear();
                for (int j = 0; j < ports.length; j++)
                {
                    final byte[] frame = FrameBuilder.ethernet(C2_MAC, C1_MAC).ipv4("198.19.0.1", "198.19.0.2").tcp(40000 + j, ports[j], FrameBuilder.TcpFlags.SYN)
                        .build();
                    final long address = memory.dataStart(j);
                    MemorySegment.copy(frame, 0, memory.segment(), ValueLayout.JAVA_BYTE, address, frame.length);
                    final int i = batch.add(address, frame.length, c1, 1_000_000L);
                    batch.network[i] = network;
                    batch.srcIdentity[i] = PacketBatch.NO_IDENTITY;
                    batch.transmit(i, c2);
                    length = frame.length;
                }
                filter.process(batch);
                for (int j = 0; j < ports.length; j++)
                {
                    assertEquals(Next.TRANSMIT, batch.next[j], "worker " + worker + ": frame to port " + ports[j] + " is allowed");
                }
            }
            assertEquals(ports.length, conntrack.size());
            long total = 0;
            for (int rule = 0; rule < rules.size(); rule++)
            {
                final String name = policy.ruleNames().get(rule);
                assertEquals(3 * expected[rule], policy.rulePackets(rule), name + " packets");
                assertEquals(3 * expected[rule] * length, policy.ruleBytes(rule), name + " bytes");
                total += expected[rule];
            }
            assertNotEquals(0, total);
        }
    }
}
