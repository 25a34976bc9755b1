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
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The filter derives per-port work bits and identities from the port table and the policy, and
 * derives them again when either changes, not per batch: an endpoint added, removed or put back
 * with another identity after the stage's first batch is filtered as what it is now. The
 * policy lets service1 (identity 300) into service1 endpoints on TCP 5201 only; identity 400
 * is selected by no policy.
 */
final class FilterStagePortChangesTest
{
    private static final long C1_MAC = 0x02_00_00_00_01_01L;
    private static final long C2_MAC = 0x02_00_00_00_01_02L;
    private static final long PEER_MAC = 0x02_00_00_00_02_01L;

    @Test
    void endpointsAddedRemovedAndChangedAfterTheFirstBatchAreFilteredAsTheyAreNow() throws Exception
    {
        final Tables tables = new Tables();
        final TableWriter writer = new TableWriter(tables);
        writer.setUnderlay("uplink", 0x02_00_00_00_00_01L, 1500, VxlanHeader.DEFAULT_PORT, List.of(InetAddress.getByName("198.18.0.1")), 0x02_00_00_00_00_FEL);
        final int network = writer.addNetwork(100, true);
        writer.addEndpoint("c1", 100, C1_MAC, 300);
        final IdentityRegistry identities = new IdentityRegistry();
        identities.register(Map.of("id", "service1"), 300);
        identities.register(Map.of("id", "other"), 400);
        final LabelSelector service1 = LabelSelector.of(Map.of("id", "service1"));
        writer.setPolicy(PolicyTable.of(new PolicyCompiler().compile(List.of(new PolicyRule("study", service1,
            List.of(new PeerRule(List.of(service1), Set.of(), List.of(new PortRule(PortRule.TCP, 5201, 0)))), List.of(), List.of(), List.of())),
            EnforcementMode.DEFAULT, identities)));
        final int uplink = tables.ports().find("uplink");
        try (ConntrackTable conntrack = new ConntrackTable(64); FrameMemory memory = FrameMemory.allocate(8))
        {
            // An unregistered worker: the writer's grace periods do not wait for it.
            final FilterStage filter = new FilterStage(tables, new StageCounters(new Counters(), "filter"), conntrack, null, 8, -1);
            final PacketBatch batch = new PacketBatch(memory, 8);
            // A service1 peer's SYN (carrying its identity) to TCP 5202; a local SYN to TCP 5201.
            final byte[] peerTo5202 = FrameBuilder.ethernet(C2_MAC, PEER_MAC).ipv4("198.19.0.2", "198.19.0.1").tcp(40000, 5202, FrameBuilder.TcpFlags.SYN).build();
            final byte[] localTo5201 = FrameBuilder.ethernet(C1_MAC, C2_MAC).ipv4("198.19.0.3", "198.19.0.1").tcp(40001, 5201, FrameBuilder.TcpFlags.SYN).build();

            assertEquals(Next.DROP, send(filter, batch, memory, network, peerTo5202, uplink, 300, tables.ports().find("c1")), "c1's ingress is enforced");

            writer.addEndpoint("c2", 100, C2_MAC, 300);
            final int c2 = tables.ports().find("c2");
            assertEquals(Next.DROP, send(filter, batch, memory, network, peerTo5202, uplink, 300, c2), "c2, added later as service1, is enforced too");

            final int c1 = tables.ports().find("c1");
            assertEquals(Next.TRANSMIT, send(filter, batch, memory, network, localTo5201, c2, PacketBatch.NO_IDENTITY, c1), "service1 c2 -> service1 c1 on 5201 is allowed");
            writer.removeEndpoint("c2");
            assertEquals(Next.DROP, send(filter, batch, memory, network, localTo5201, c2, PacketBatch.NO_IDENTITY, c1), "from c2 after its removal: not service1 any more");
            writer.addEndpoint("c2", 100, C2_MAC, 400);
            assertEquals(c2, tables.ports().find("c2"), "the same port");
            assertEquals(Next.TRANSMIT, send(filter, batch, memory, network, peerTo5202, uplink, 300, c2), "c2 back as identity 400: no policy selects it");
            assertEquals(Next.DROP, send(filter, batch, memory, network, localTo5201, c2, PacketBatch.NO_IDENTITY, c1),
                "from c2 as identity 400, on the connection it opened as service1: not allowed into c1 any more");

            writer.removeEndpoint("c2");
            writer.addEndpoint("c2", 100, C2_MAC, 300);
            assertEquals(Next.DROP, send(filter, batch, memory, network, peerTo5202, uplink, 300, c2), "c2 back as service1");
        }
        finally
        {
            tables.close();
        }
    }

    /** One batch of {@code frame}, received on port {@code from} carrying {@code identity}, to TRANSMIT on port {@code to}; returns where it goes. */
    private static byte send(final FilterStage filter, final PacketBatch batch, final FrameMemory memory, final int network, final byte[] frame,
        final int from, final int identity, final int to)
    {
        batch.clear();
        final long address = memory.dataStart(0);
        MemorySegment.copy(frame, 0, memory.segment(), ValueLayout.JAVA_BYTE, address, frame.length);
        final int k = batch.add(address, frame.length, from, 1_000_000L);
        batch.network[k] = network;
        batch.srcIdentity[k] = identity;
        batch.transmit(k, to);
        filter.process(batch);
        return batch.next[k];
    }
}
