package dev.nve.dataplane.stage;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.pipeline.Outer;
import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.table.FdbTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.nve.dataplane.pipeline.TestHost.C1_MAC;
import static dev.nve.dataplane.pipeline.TestHost.REMOTE2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.udp4;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

final class VxlanEncapStageTest
{
    private final StageFixture f = new StageFixture(TestHost.Addressing.V4, true);
    private final StageCounters counters = f.stageCounters("vxlan-encap");
    private final VxlanEncapStage stage = new VxlanEncapStage(f.tables, counters);
    private final int template = FdbTable.templateOf(f.tables.fdb().get(FdbTable.key(f.tables.networks().find(100), REMOTE2_MAC)));

    @AfterEach
    void close()
    {
        f.releaseAll();
        assertEquals(0, f.pool.inUse());
        f.close();
    }

    private int toEncap(final byte[] frame, final int identity)
    {
        final int i = f.add("c1", frame);
        f.batch.next[i] = Next.VXLAN_ENCAP;
        f.batch.encapTemplate[i] = template;
        f.batch.srcIdentity[i] = identity;
        return i;
    }

    @Test
    void encapMovesTheStartIntoTheHeadroomAndTransmitsOnTheUnderlay()
    {
        final byte[] inner = udp4(REMOTE2_MAC, C1_MAC, 1, 20);
        final int i = toEncap(inner, 77);
        final long before = f.batch.address[i];
        stage.process(f.batch);
        assertEquals(Next.TRANSMIT, f.batch.next[i]);
        assertEquals(f.tables.underlay().portId(), f.batch.outPort[i]);
        assertEquals(before - 50, f.batch.address[i]);
        assertEquals(inner.length + 50, f.batch.length[i]);
        final Outer o = Outer.parse(f.bytes(i));
        assertEquals(77, o.groupPolicyId());
        assertArrayEquals(inner, o.inner());
        assertEquals(1, counters.packets());
    }

    @Test
    void noHeadroomIsDroppedNotWrittenOutsideTheFrame()
    {
        final byte[] inner = udp4(REMOTE2_MAC, C1_MAC, 1, 20);
        final long spare = f.pool.allocate(); // so that the frame used has a neighbour below it
        final long frame = f.pool.allocate();
        f.pool.release(spare);
        final long start = f.memory.frameBaseOf(frame) + 49; // one byte short of the 50 needed
        MemorySegment.copy(inner, 0, f.memory.segment(), ValueLayout.JAVA_BYTE, start, inner.length);
        final int i = f.batch.add(start, inner.length, f.port("c1"), 0);
        f.batch.next[i] = Next.VXLAN_ENCAP;
        f.batch.encapTemplate[i] = template;
        f.batch.srcIdentity[i] = 1;
        // the previous frame's last bytes must stay untouched
        final long previousEnd = f.memory.frameBaseOf(frame) - 8;
        final boolean hasPrevious = previousEnd >= 0;
        final long guard = hasPrevious ? f.memory.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, previousEnd) : 0;
        stage.process(f.batch);
        assertEquals(Next.DROP, f.batch.next[i]);
        assertEquals(DropReason.NO_HEADROOM.code(), f.batch.dropReason[i]);
        assertEquals(1, counters.drops(DropReason.NO_HEADROOM));
        if (hasPrevious)
        {
            assertEquals(guard, f.memory.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, previousEnd));
        }
        assertEquals(start, f.batch.address[i]);
    }

    @Test
    void exactlyEnoughHeadroomIsEnough()
    {
        final byte[] inner = udp4(REMOTE2_MAC, C1_MAC, 1, 20);
        final long frame = f.pool.allocate();
        final long start = f.memory.frameBaseOf(frame) + 50;
        MemorySegment.copy(inner, 0, f.memory.segment(), ValueLayout.JAVA_BYTE, start, inner.length);
        final int i = f.batch.add(start, inner.length, f.port("c1"), 0);
        f.batch.next[i] = Next.VXLAN_ENCAP;
        f.batch.encapTemplate[i] = template;
        f.batch.srcIdentity[i] = 5;
        stage.process(f.batch);
        assertEquals(Next.TRANSMIT, f.batch.next[i]);
        assertEquals(f.memory.frameBaseOf(frame), f.batch.address[i]);
    }

    @Test
    void identityThatDoesNotFitGbpIsDroppedAndNoIdentitySendsZero()
    {
        final int big = toEncap(udp4(REMOTE2_MAC, C1_MAC, 1, 20), 65536);
        final int none = toEncap(udp4(REMOTE2_MAC, C1_MAC, 2, 20), PacketBatch.NO_IDENTITY);
        final int max = toEncap(udp4(REMOTE2_MAC, C1_MAC, 3, 20), 65535);
        stage.process(f.batch);
        assertEquals(Next.DROP, f.batch.next[big]);
        assertEquals(DropReason.INVALID_IDENTITY.code(), f.batch.dropReason[big]);
        assertEquals(Next.TRANSMIT, f.batch.next[none]);
        assertEquals(0, Outer.parse(f.bytes(none)).groupPolicyId());
        assertEquals(0x88, Outer.parse(f.bytes(none)).vxlanFlags());
        assertEquals(65535, Outer.parse(f.bytes(max)).groupPolicyId());
        assertEquals(3, counters.packets());
        assertEquals(1, counters.drops(DropReason.INVALID_IDENTITY));
    }

    @Test
    void framesForOtherStagesAreUntouched()
    {
        final byte[] inner = udp4(REMOTE2_MAC, C1_MAC, 1, 20);
        final int i = f.add("c1", inner);
        f.batch.next[i] = Next.BRIDGE;
        stage.process(f.batch);
        assertEquals(Next.BRIDGE, f.batch.next[i]);
        assertArrayEquals(inner, f.bytes(i));
        assertEquals(0, counters.packets());
    }
}
