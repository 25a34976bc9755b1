package dev.nve.dataplane.frame;

import dev.nve.dataplane.counter.DropReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class PacketBatchTest
{
    private final FrameMemory memory = FrameMemory.allocate(4, 2048, 256);

    @AfterEach
    void close()
    {
        memory.close();
    }

    @Test
    void addResetsEveryFieldOfAReusedSlot()
    {
        final PacketBatch batch = new PacketBatch(memory, 2);
        assertEquals(0, batch.add(memory.dataStart(0), 60, 3, 77));
        batch.outPort[0] = 9;
        batch.network[0] = 5;
        batch.srcIdentity[0] = 1234;
        batch.l3Offset[0] = 14;
        batch.l4Offset[0] = 34;
        batch.encapTemplate[0] = 2;
        batch.fromOverlay[0] = true;
        batch.viaIla[0] = true;
        batch.fromIpv4[0] = true;
        batch.drop(0, DropReason.TRUNCATED);
        batch.clear();
        assertEquals(0, batch.count());
        assertEquals(0, batch.add(memory.dataStart(1), 70, 4, 88));
        assertEquals(memory.dataStart(1), batch.address[0]);
        assertEquals(70, batch.length[0]);
        assertEquals(4, batch.inPort[0]);
        assertEquals(88, batch.timestampNanos[0]);
        assertEquals(-1, batch.outPort[0]);
        assertEquals(Next.CLASSIFY, batch.next[0]);
        assertEquals(0, batch.dropReason[0]);
        assertEquals(-1, batch.network[0]);
        assertEquals(PacketBatch.NO_IDENTITY, batch.srcIdentity[0]);
        assertEquals(0, batch.l3Offset[0]);
        assertEquals(0, batch.l4Offset[0]);
        assertEquals(-1, batch.encapTemplate[0]);
        assertFalse(batch.fromOverlay[0]);
        assertFalse(batch.viaIla[0]);
        assertFalse(batch.fromIpv4[0]);
    }

    @Test
    void everyDescriptorOfANewOrClearedBatchStartsFresh()
    {
        final PacketBatch batch = new PacketBatch(memory, 2);
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < 2; i++)
            {
                assertEquals(i, batch.add(memory.dataStart(i), 60, 1, 2));
                assertEquals(-1, batch.outPort[i], "round " + round);
                assertEquals(Next.CLASSIFY, batch.next[i]);
                assertEquals(-1, batch.network[i]);
                assertEquals(PacketBatch.NO_IDENTITY, batch.srcIdentity[i]);
                assertEquals(-1, batch.encapTemplate[i]);
                batch.transmit(i, 3);
                batch.network[i] = 4;
                batch.srcIdentity[i] = 5;
                batch.encapTemplate[i] = 6;
                batch.viaIla[i] = true;
            }
            batch.clear();
        }
    }

    @Test
    void fullBatchRefusesMore()
    {
        final PacketBatch batch = new PacketBatch(memory, 2);
        assertEquals(2, batch.capacity());
        assertEquals(0, batch.add(memory.dataStart(0), 60, 0, 0));
        assertFalse(batch.isFull());
        assertEquals(1, batch.add(memory.dataStart(1), 60, 0, 0));
        assertTrue(batch.isFull());
        assertEquals(-1, batch.add(memory.dataStart(2), 60, 0, 0));
        assertEquals(-1, batch.addCopyOf(batch, 0, memory.dataStart(2)));
        assertEquals(2, batch.count());
    }

    @Test
    void addCopyOfCopiesMetadataButNotTheAddress()
    {
        final PacketBatch source = new PacketBatch(memory, 2);
        source.add(memory.dataStart(0) + 50, 99, 2, 123);
        source.network[0] = 7;
        source.srcIdentity[0] = 4242;
        source.fromOverlay[0] = true;
        source.encapTemplate[0] = 3;
        source.l3Offset[0] = 14;
        source.l4Offset[0] = 34;
        source.transmit(0, 5);
        final PacketBatch copy = new PacketBatch(memory, 2);
        assertEquals(0, copy.addCopyOf(source, 0, memory.dataStart(1)));
        assertEquals(memory.dataStart(1), copy.address[0]);
        assertEquals(99, copy.length[0]);
        assertEquals(2, copy.inPort[0]);
        assertEquals(5, copy.outPort[0]);
        assertEquals(Next.TRANSMIT, copy.next[0]);
        assertEquals(123, copy.timestampNanos[0]);
        assertEquals(7, copy.network[0]);
        assertEquals(4242, copy.srcIdentity[0]);
        assertTrue(copy.fromOverlay[0]);
        assertEquals(3, copy.encapTemplate[0]);
        assertEquals(14, copy.l3Offset[0]);
        assertEquals(34, copy.l4Offset[0]);
    }

    @Test
    void dropAndTransmitSetTheDisposition()
    {
        final PacketBatch batch = new PacketBatch(memory, 2);
        batch.add(memory.dataStart(0), 60, 1, 0);
        batch.drop(0, DropReason.INVALID_VNI);
        assertEquals(Next.DROP, batch.next[0]);
        assertEquals(183, batch.dropReason[0]);
        batch.transmit(0, 1023);
        assertEquals(Next.TRANSMIT, batch.next[0]);
        assertEquals(1023, batch.outPort[0]);
        assertEquals(memory, batch.memory());
        assertEquals(memory.segment(), batch.segment());
    }

    @Test
    void nextNames()
    {
        assertEquals("drop", Next.name(Next.DROP));
        assertEquals("transmit", Next.name(Next.TRANSMIT));
        assertEquals("vxlan-encap", Next.name(Next.VXLAN_ENCAP));
        assertEquals("unknown(42)", Next.name((byte)42));
    }
}
