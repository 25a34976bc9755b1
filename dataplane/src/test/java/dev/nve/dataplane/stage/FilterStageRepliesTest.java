package dev.nve.dataplane.stage;

import dev.nve.dataplane.conntrack.ConntrackTable;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.flow.FlowEvents;
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
 * The study's policy (c1, identity 300, lets in TCP 5201 from service1 = 300; its egress is not
 * enforced) and what a tracked connection remembers:
 * <ul>
 *   <li>c1 opens a connection to a peer on another host: its egress is not enforced, but the
 *       replies will come in through its enforced ingress, so the connection must be tracked on
 *       the way out and the replies let in. (Found by the demo: iperf3 between two hosts under
 *       the study's policy got no SYN-ACK.)</li>
 *   <li>a peer's packet that carries its identity (VXLAN-GBP) decides for itself only: the
 *       connection it opens does not cache that identity for the next packets, which without it
 *       are judged by the ipcache's answer.</li>
 * </ul>
 */
final class FilterStageRepliesTest
{
    private static final long C1_MAC = 0x02_00_00_00_01_01L;
    private static final long PEER_MAC = 0x02_00_00_00_02_01L;

    @Test
    void repliesToAConnectionOpenedThroughAnUnenforcedEgressAreLetIn() throws Exception
    {
        try (Study study = new Study())
        {
            final PacketBatch batch = study.batch;

            // c1 -> the peer's port 5201 (c1's egress is not enforced): passes and is tracked
            study.add(FrameBuilder.ethernet(PEER_MAC, C1_MAC).ipv4("198.19.0.1", "198.19.0.2").tcp(40000, 5201, FrameBuilder.TcpFlags.SYN).build(),
                study.c1, PacketBatch.NO_IDENTITY);
            batch.next[0] = Next.VXLAN_ENCAP;
            batch.outPort[0] = (short)study.uplink;
            study.filter.process(batch);
            assertEquals(Next.VXLAN_ENCAP, batch.next[0]);
            assertEquals(1, study.conntrack.size(), "the connection is tracked for its replies");

            // the SYN-ACK from 5201 to c1's port 40000: the ingress rule does not allow it, the connection does
            batch.clear();
            study.add(FrameBuilder.ethernet(C1_MAC, PEER_MAC).ipv4("198.19.0.2", "198.19.0.1")
                .tcp(5201, 40000, FrameBuilder.TcpFlags.SYN | FrameBuilder.TcpFlags.ACK).build(), study.uplink, 300);
            batch.transmit(0, study.c1);
            // a connection the peer opens to another port of c1 is still refused
            study.add(FrameBuilder.ethernet(C1_MAC, PEER_MAC).ipv4("198.19.0.2", "198.19.0.1").tcp(5201, 40001, FrameBuilder.TcpFlags.SYN).build(),
                study.uplink, 300);
            batch.transmit(1, study.c1);
            study.filter.process(batch);
            assertEquals(Next.TRANSMIT, batch.next[0], "the reply passes");
            assertEquals(Next.DROP, batch.next[1], "a new connection to a port the rule does not allow is dropped");
        }
    }

    @Test
    void aCarriedIdentityIsNotCachedForTheConnectionsLaterPackets() throws Exception
    {
        try (Study study = new Study())
        {
            final PacketBatch batch = study.batch;

            // the peer opens 5201 carrying service1's identity: allowed and tracked
            study.add(FrameBuilder.ethernet(C1_MAC, PEER_MAC).ipv4("198.19.0.2", "198.19.0.1").tcp(40000, 5201, FrameBuilder.TcpFlags.SYN).build(),
                study.uplink, 300);
            batch.transmit(0, study.c1);
            study.filter.process(batch);
            assertEquals(Next.TRANSMIT, batch.next[0]);
            assertEquals(1, study.conntrack.size());

            // the same connection's next packet carries no identity: the ipcache does not know the
            // peer (WORLD), and the opening direction is checked on every packet
            batch.clear();
            study.add(FrameBuilder.ethernet(C1_MAC, PEER_MAC).ipv4("198.19.0.2", "198.19.0.1").tcp(40000, 5201, FrameBuilder.TcpFlags.ACK).build(),
                study.uplink, PacketBatch.NO_IDENTITY);
            batch.transmit(0, study.c1);
            study.filter.process(batch);
            assertEquals(Next.DROP, batch.next[0], "judged as WORLD, not as the identity the first packet carried");
        }
    }

    /** The underlay, network 100, endpoint c1 (identity 300), the study's policy, and a filter with a batch of 8. */
    private static final class Study implements AutoCloseable
    {
        final Tables tables = new Tables();
        final ConntrackTable conntrack = new ConntrackTable(64);
        final FrameMemory memory = FrameMemory.allocate(8);
        final int network;
        final int c1;
        final int uplink;
        final FilterStage filter;
        final PacketBatch batch = new PacketBatch(memory, 8);

        Study() throws Exception
        {
            final TableWriter writer = new TableWriter(tables);
            writer.setUnderlay("uplink", 0x02_00_00_00_00_01L, 1500, VxlanHeader.DEFAULT_PORT, List.of(InetAddress.getByName("198.18.0.1")), 0x02_00_00_00_00_FEL);
            network = writer.addNetwork(100, true);
            writer.addEndpoint("c1", 100, C1_MAC, 300);
            final IdentityRegistry identities = new IdentityRegistry();
            identities.register(Map.of("id", "service1"), 300);
            final LabelSelector service1 = LabelSelector.of(Map.of("id", "service1"));
            writer.setPolicy(PolicyTable.of(new PolicyCompiler().compile(List.of(new PolicyRule("study", service1,
                List.of(new PeerRule(List.of(service1), Set.of(), List.of(new PortRule(PortRule.TCP, 5201, 0)))), List.of(), List.of(), List.of())),
                EnforcementMode.DEFAULT, identities)));
            c1 = tables.ports().find("c1");
            uplink = tables.ports().find("uplink");
            filter = new FilterStage(tables, new StageCounters(new Counters(), "filter"), conntrack, new FlowEvents(1 << 16), 8, tables.registerWorker().index());
        }

        /** Appends {@code frame} as received on {@code port} in the network, carrying {@code identity}. */
        void add(final byte[] frame, final int port, final int identity)
        {
            final long address = memory.dataStart(batch.count());
            MemorySegment.copy(frame, 0, memory.segment(), ValueLayout.JAVA_BYTE, address, frame.length);
            final int k = batch.add(address, frame.length, port, 1_000_000L + batch.count());
            batch.network[k] = network;
            batch.srcIdentity[k] = identity;
        }

        @Override
        public void close()
        {
            memory.close();
            conntrack.close();
            tables.close();
        }
    }
}
