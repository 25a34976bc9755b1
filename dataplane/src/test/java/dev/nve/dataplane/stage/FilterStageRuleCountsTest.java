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
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every rule that decides a packet is counted, also when one batch meets more distinct rules
 * than it has frames: traffic between two local endpoints is checked twice (the sender's
 * egress, the receiver's ingress), so a batch of 64 such frames can hit 128 rules.
 */
final class FilterStageRuleCountsTest
{
    private static final int BATCH = 64;
    private static final long C1_MAC = 0x02_00_00_00_01_01L;
    private static final long C2_MAC = 0x02_00_00_00_01_02L;

    @Test
    void aBatchHittingTwiceAsManyRulesAsFramesCountsThemAll() throws Exception
    {
        try (Tables tables = new Tables(); ConntrackTable conntrack = new ConntrackTable(1024); FrameMemory memory = FrameMemory.allocate(BATCH))
        {
            final TableWriter writer = new TableWriter(tables);
            writer.setUnderlay("uplink", 0x02_00_00_00_00_01L, 1500, VxlanHeader.DEFAULT_PORT, List.of(InetAddress.getByName("198.18.0.1")), 0x02_00_00_00_00_FEL);
            final int network = writer.addNetwork(100, true);
            writer.addEndpoint("c1", 100, C1_MAC, 300);
            writer.addEndpoint("c2", 100, C2_MAC, 301);
            final IdentityRegistry identities = new IdentityRegistry();
            identities.register(Map.of("app", "c1"), 300);
            identities.register(Map.of("app", "c2"), 301);
            final LabelSelector c1Selector = LabelSelector.of(Map.of("app", "c1"));
            final LabelSelector c2Selector = LabelSelector.of(Map.of("app", "c2"));
            // Rules 2k: c1 may send to c2's port 1000 + k; rules 2k + 1: c2 may receive it.
            final List<PolicyRule> rules = new ArrayList<>();
            for (int k = 0; k < BATCH; k++)
            {
                rules.add(new PolicyRule("egress-" + k, c1Selector, List.of(),
                    List.of(new PeerRule(List.of(c2Selector), Set.of(), List.of(new PortRule(PortRule.TCP, 1000 + k, 0)))), List.of(), List.of()));
                rules.add(new PolicyRule("ingress-" + k, c2Selector,
                    List.of(new PeerRule(List.of(c1Selector), Set.of(), List.of(new PortRule(PortRule.TCP, 1000 + k, 0)))), List.of(), List.of(), List.of()));
            }
            writer.setPolicy(PolicyTable.of(new PolicyCompiler().compile(rules, EnforcementMode.DEFAULT, identities)));
            final PolicyTable policy = tables.policy();
            final int c1 = tables.ports().find("c1");
            final int c2 = tables.ports().find("c2");
            final FilterStage filter = new FilterStage(tables, new StageCounters(new Counters(), "filter"), conntrack, null, BATCH);
            final PacketBatch batch = new PacketBatch(memory, BATCH);
            int length = 0;
            for (int k = 0; k < BATCH; k++)
            {
                final byte[] frame = FrameBuilder.ethernet(C2_MAC, C1_MAC).ipv4("198.19.0.1", "198.19.0.2").tcp(40000, 1000 + k, FrameBuilder.TcpFlags.SYN).build();
                final long address = memory.dataStart(k);
                MemorySegment.copy(frame, 0, memory.segment(), ValueLayout.JAVA_BYTE, address, frame.length);
                final int i = batch.add(address, frame.length, c1, 1_000_000L);
                batch.network[i] = network;
                batch.srcIdentity[i] = PacketBatch.NO_IDENTITY;
                batch.transmit(i, c2);
                length = frame.length;
            }
            filter.process(batch);
            for (int k = 0; k < BATCH; k++)
            {
                assertEquals(Next.TRANSMIT, batch.next[k], "frame to port " + (1000 + k) + " is allowed both ways");
            }
            assertEquals(BATCH, conntrack.size());
            for (int rule = 0; rule < policy.ruleNames().size(); rule++)
            {
                final String name = policy.ruleNames().get(rule);
                assertEquals(1, policy.rulePackets(rule), name + " packets");
                assertEquals(length, policy.ruleBytes(rule), name + " bytes");
            }
            assertEquals(2 * BATCH, policy.ruleNames().size());
        }
    }
}
