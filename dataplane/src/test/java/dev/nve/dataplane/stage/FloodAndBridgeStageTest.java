package dev.nve.dataplane.stage;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.table.FdbTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.nve.dataplane.pipeline.TestHost.BROADCAST;
import static dev.nve.dataplane.pipeline.TestHost.C1_MAC;
import static dev.nve.dataplane.pipeline.TestHost.C2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.C3_MAC;
import static dev.nve.dataplane.pipeline.TestHost.REMOTE2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.udp4;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class FloodAndBridgeStageTest
{
    private final StageFixture f = new StageFixture(TestHost.Addressing.V4, true);
    private final StageCounters floodCounters = f.stageCounters("flood");
    private final StageCounters bridgeCounters = f.stageCounters("bridge");
    private final FloodStage flood = new FloodStage(f.tables, floodCounters, f.pool, 4);
    private final BridgeStage bridge = new BridgeStage(f.tables, bridgeCounters, 16);
    private final List<String> sent = new ArrayList<>();

    @AfterEach
    void close()
    {
        f.releaseAll();
        flood.replicas().clear();
        assertEquals(0, f.pool.inUse());
        f.close();
    }

    private int fromEndpoint(final String port, final byte[] frame)
    {
        final int i = f.add(port, frame);
        f.batch.network[i] = f.tables.ports().network(f.port(port));
        f.batch.srcIdentity[i] = f.tables.ports().identity(f.port(port));
        f.batch.next[i] = Next.BRIDGE;
        return i;
    }

    @Test
    void bridgeResolvesLocalRemoteMissingAndMulticast()
    {
        final int local = fromEndpoint("c1", udp4(C2_MAC, C1_MAC, 1, 10));
        final int remote = fromEndpoint("c1", udp4(REMOTE2_MAC, C1_MAC, 1, 10));
        final int otherVni = fromEndpoint("c1", udp4(C3_MAC, C1_MAC, 1, 10));
        final int broadcast = fromEndpoint("c1", udp4(BROADCAST, C1_MAC, 1, 10));
        final int self = fromEndpoint("c1", udp4(C1_MAC, C1_MAC, 1, 10));
        final int overlayToRemote = fromEndpoint("c1", udp4(REMOTE2_MAC, C1_MAC, 1, 10));
        f.batch.fromOverlay[overlayToRemote] = true;
        bridge.process(f.batch);
        assertEquals(Next.TRANSMIT, f.batch.next[local]);
        assertEquals(f.port("c2"), f.batch.outPort[local]);
        assertEquals(Next.VXLAN_ENCAP, f.batch.next[remote]);
        assertEquals(FdbTable.templateOf(f.tables.fdb().get(FdbTable.key(f.tables.networks().find(100), REMOTE2_MAC))), f.batch.encapTemplate[remote]);
        assertEquals(Next.FLOOD, f.batch.next[otherVni]);
        assertEquals(Next.FLOOD, f.batch.next[broadcast]);
        assertEquals(Next.DROP, f.batch.next[self]);
        assertEquals(DropReason.SAME_PORT.code(), f.batch.dropReason[self]);
        assertEquals(Next.DROP, f.batch.next[overlayToRemote]);
        assertEquals(DropReason.SPLIT_HORIZON.code(), f.batch.dropReason[overlayToRemote]);
        assertEquals(6, bridgeCounters.packets());
    }

    @Test
    void replicasCopyTheFrameAndItsMetadataAndOverflowIntoTheSink()
    {
        flood.replicaSink(replicas ->
        {
            for (int r = 0; r < replicas.count(); r++)
            {
                sent.add(Next.name(replicas.next[r]) + " port=" + replicas.outPort[r] + " template=" + replicas.encapTemplate[r]);
                assertEquals(TestHost.C1_IDENTITY, replicas.srcIdentity[r]);
                assertEquals(f.tables.networks().find(100), replicas.network[r]);
                assertEquals(f.port("c1"), replicas.inPort[r]);
                f.pool.release(replicas.address[r]);
            }
        });
        final byte[][] frames = new byte[3][];
        for (int n = 0; n < 3; n++)
        {
            frames[n] = udp4(BROADCAST, C1_MAC, n, 10 + n);
            final int i = fromEndpoint("c1", frames[n]);
            f.batch.next[i] = Next.FLOOD;
        }
        flood.process(f.batch);
        // each frame: the original to c2, replicas to the two flood VTEPs; replica batch of 4
        // fills once mid-batch (4 sent), 2 are left for flushReplicas
        assertEquals(4, sent.size());
        final PacketBatch left = flood.replicas();
        assertEquals(2, left.count());
        for (int r = 0; r < left.count(); r++)
        {
            final byte[] copy = new byte[left.length[r]];
            java.lang.foreign.MemorySegment.copy(f.memory.segment(), java.lang.foreign.ValueLayout.JAVA_BYTE, left.address[r], copy, 0, copy.length);
            assertArrayEquals(frames[2], copy, "replica is a byte copy of the original");
        }
        flood.flushReplicas();
        assertEquals(6, sent.size());
        assertEquals(0, flood.replicas().count());
        final int[] templates = f.tables.networks().floodTemplates(f.tables.networks().find(100));
        final Set<String> expected = new HashSet<>();
        for (final int t : templates)
        {
            expected.add("vxlan-encap port=-1 template=" + t);
        }
        assertEquals(expected, new HashSet<>(sent));
        for (int i = 0; i < 3; i++)
        {
            assertEquals(Next.TRANSMIT, f.batch.next[i]);
            assertEquals(f.port("c2"), f.batch.outPort[i]);
        }
        assertEquals(3, floodCounters.packets());
    }

    @Test
    void fromTheOverlayOnlyLocalPortsAndNeverTheInputPort()
    {
        flood.replicaSink(replicas ->
        {
            for (int r = 0; r < replicas.count(); r++)
            {
                sent.add(Next.name(replicas.next[r]) + " port=" + replicas.outPort[r]);
                f.pool.release(replicas.address[r]);
            }
        });
        final int i = f.add("uplink", udp4(BROADCAST, REMOTE2_MAC, 1, 10));
        f.batch.network[i] = f.tables.networks().find(100);
        f.batch.fromOverlay[i] = true;
        f.batch.next[i] = Next.FLOOD;
        final int j = fromEndpoint("c3", udp4(BROADCAST, C3_MAC, 1, 10));
        f.batch.next[j] = Next.FLOOD;
        flood.process(f.batch);
        flood.flushReplicas();
        assertEquals(Next.TRANSMIT, f.batch.next[i]);
        final Set<Integer> ports = new HashSet<>(List.of((int)f.batch.outPort[i]));
        for (final String s : sent)
        {
            assertTrue(s.startsWith("transmit port="), s);
            ports.add(Integer.parseInt(s.substring("transmit port=".length())));
        }
        assertEquals(Set.of(f.port("c1"), f.port("c2")), ports);
        // c3 is alone in VNI 200: its broadcast goes only to the flood VTEP
        assertEquals(Next.VXLAN_ENCAP, f.batch.next[j]);
        assertTrue(Arrays.stream(f.tables.networks().floodTemplates(f.tables.networks().find(200))).anyMatch(t -> t == f.batch.encapTemplate[j]));
    }
}
