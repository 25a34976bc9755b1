package dev.nve.dataplane.stage;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.counter.PortCounters;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.port.InMemoryPort;
import dev.nve.dataplane.port.Port;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

final class TransmitStageTest
{
    private final StageFixture f = new StageFixture(TestHost.Addressing.V4, false);
    private final StageCounters counters = f.stageCounters("transmit");
    private final InMemoryPort uplink = new InMemoryPort(0, "uplink", f.pool);
    private final InMemoryPort c1 = new InMemoryPort(1, "c1", f.pool);
    // port 2 (c2) has no I/O in this worker; port 3 (c3) exists
    private final InMemoryPort c3 = new InMemoryPort(3, "c3", f.pool);
    private final Port[] ports = {uplink, c1, null, c3};
    private final PortCounters[] portCounters = {
        new PortCounters(f.counters, "uplink"), new PortCounters(f.counters, "c1"), null, new PortCounters(f.counters, "c3")};
    private final TransmitStage stage = new TransmitStage(ports, portCounters, counters, f.pool, 16);

    @AfterEach
    void close()
    {
        assertEquals(0, f.pool.inUse(), "every frame sent or returned");
        f.close();
    }

    @Test
    void everyDispositionEndsHere()
    {
        final byte[] a = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
        final int toC3 = f.add("c1", a);
        f.batch.transmit(toC3, 3);
        final int toMissing = f.add("c1", a);
        f.batch.transmit(toMissing, 2);
        final int outOfRange = f.add("c1", a);
        f.batch.transmit(outOfRange, 900);
        final int dropped = f.add("uplink", a);
        f.batch.drop(dropped, DropReason.INVALID_VNI);
        final int stuck = f.add("c1", a);
        f.batch.next[stuck] = Next.VXLAN_ENCAP;
        final int unclassified = f.add("uplink", a);
        assertEquals(Next.CLASSIFY, f.batch.next[unclassified]);
        stage.process(f.batch);
        f.batch.clear();

        assertEquals(1, c3.txFrames());
        assertArrayEquals(a, c3.takeTransmitted().get(0));
        assertEquals(0, c1.txFrames());
        assertEquals(0, uplink.txFrames());
        assertEquals(1, counters.packets());
        assertEquals(2, counters.drops(DropReason.PORT_NOT_CONFIGURED));
        assertEquals(2, counters.drops(DropReason.INVALID_PACKET), "intermediate dispositions are pipeline bugs, not leaks");
        assertEquals(1, portCounters[3].txPackets());
        assertEquals(2, portCounters[1].drops(DropReason.PORT_NOT_CONFIGURED));
        assertEquals(1, portCounters[1].drops(DropReason.INVALID_PACKET));
        assertEquals(1, portCounters[0].drops(DropReason.INVALID_VNI));
        assertEquals(1, portCounters[0].drops(DropReason.INVALID_PACKET));
    }

    @Test
    void framesArePassedPerPortInBatchOrder()
    {
        for (int n = 0; n < 10; n++)
        {
            final int i = f.add("c1", new byte[] {(byte)n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
            f.batch.transmit(i, n % 2 == 0 ? 0 : 3);
        }
        stage.process(f.batch);
        f.batch.clear();
        final var up = uplink.takeTransmitted();
        final var three = c3.takeTransmitted();
        assertEquals(5, up.size());
        assertEquals(5, three.size());
        for (int k = 0; k < 5; k++)
        {
            assertEquals(2 * k, up.get(k)[0]);
            assertEquals(2 * k + 1, three.get(k)[0]);
        }
    }
}
