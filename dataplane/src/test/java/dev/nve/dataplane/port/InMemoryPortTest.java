package dev.nve.dataplane.port;

import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class InMemoryPortTest
{
    private final FrameMemory memory = FrameMemory.allocate(4, 2048, 256);
    private final FramePool pool = new FramePool(memory);

    @AfterEach
    void close()
    {
        memory.close();
    }

    @Test
    void offeredFramesComeBackOutUnchanged()
    {
        final InMemoryPort port = new InMemoryPort(2, "mem", pool);
        final byte[] a = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
        final byte[] b = new byte[1500];
        b[1499] = 7;
        port.offer(a);
        port.offer(99, b);
        a[0] = 100; // the port keeps its own copy
        port.offer(new byte[memory.maxFrameLength() + 1]);
        assertEquals(3, port.pending());

        final PacketBatch batch = new PacketBatch(memory, 8);
        assertEquals(2, port.receive(batch));
        assertFalse(port.hasPendingInput());
        assertEquals(1, port.rxOversize());
        assertEquals(2, port.rxFrames());
        assertEquals(2, batch.inPort[0]);
        assertEquals(0, batch.timestampNanos[0]);
        assertEquals(99, batch.timestampNanos[1]);
        assertEquals(2, pool.inUse());

        assertEquals(2, port.transmit(batch, new int[] {1, 0}, 2));
        assertEquals(0, pool.inUse());
        assertEquals(2, port.txFrames());
        assertEquals(List.of(99L, 0L), port.transmittedTimestamps());
        final List<byte[]> sent = port.takeTransmitted();
        assertEquals(2, sent.size());
        assertArrayEquals(b, sent.get(0));
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, sent.get(1));
        assertTrue(port.transmitted().isEmpty());
        assertTrue(port.takeTransmitted().isEmpty());
    }

    @Test
    void waitsForFramesWhenThePoolIsEmpty()
    {
        final InMemoryPort port = new InMemoryPort(0, "mem", pool);
        for (int i = 0; i < 6; i++)
        {
            port.offer(i, new byte[] {(byte)i, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        }
        final PacketBatch batch = new PacketBatch(memory, 8);
        assertEquals(4, port.receive(batch));
        assertEquals(2, port.pending());
        assertEquals(4, port.transmit(batch, new int[] {0, 1, 2, 3}, 4));
        batch.clear();
        assertEquals(2, port.receive(batch));
        assertEquals(4, batch.timestampNanos[0]);
        assertEquals(2, port.transmit(batch, new int[] {0, 1}, 2));
        assertEquals(0, pool.inUse());
        final List<byte[]> sent = port.takeTransmitted();
        for (int i = 0; i < 6; i++)
        {
            assertEquals(i, sent.get(i)[0]);
        }
    }
}
