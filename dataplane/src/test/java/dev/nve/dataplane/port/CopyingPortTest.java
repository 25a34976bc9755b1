package dev.nve.dataplane.port;

import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CopyingPort} between two frame memories (an {@link InMemoryPort} stands in for an
 * AF_XDP socket on its own UMEM): bytes, lengths and metadata survive both copies, every frame
 * of both pools is accounted for at every step, and exhausted pools hold or count frames
 * instead of losing them.
 */
final class CopyingPortTest
{
    private final FrameMemory innerMemory = FrameMemory.allocate(8, 2048, 256);
    private final FrameMemory workerMemory = FrameMemory.allocate(8, 2048, 256);
    private final FramePool innerPool = new FramePool(innerMemory);
    private final FramePool workerPool = new FramePool(workerMemory);
    private final InMemoryPort inner = new InMemoryPort(3, "c1", innerPool);
    private final CopyingPort port = new CopyingPort(inner, innerPool, workerPool, 4);

    @AfterEach
    void close()
    {
        innerMemory.close();
        workerMemory.close();
    }

    private static byte[] frame(final int length, final int seed)
    {
        final byte[] f = new byte[length];
        for (int i = 0; i < length; i++)
        {
            f[i] = (byte)(seed * 31 + i);
        }
        return f;
    }

    private static byte[] bytesOf(final PacketBatch batch, final int i)
    {
        final byte[] b = new byte[batch.length[i]];
        java.lang.foreign.MemorySegment.copy(batch.segment(), ValueLayout.JAVA_BYTE, batch.address[i], b, 0, b.length);
        return b;
    }

    @Test
    void framesCrossBothWaysUnchangedAndEveryFrameComesBack()
    {
        final byte[] a = frame(60, 1);
        final byte[] b = frame(1514, 2);
        inner.offer(7, a);
        inner.offer(8, b);
        final PacketBatch batch = new PacketBatch(workerMemory, 8);
        assertEquals(2, port.receive(batch));
        assertEquals(0, innerPool.inUse(), "inner frames return to the inner pool as soon as they are copied");
        assertEquals(2, workerPool.inUse());
        assertEquals(3, batch.inPort[0]);
        assertEquals(8, batch.timestampNanos[1]);
        assertArrayEquals(a, bytesOf(batch, 0));
        assertArrayEquals(b, bytesOf(batch, 1));
        assertEquals(workerMemory, port.memory());

        assertEquals(2, port.transmit(batch, new int[] {1, 0}, 2));
        assertEquals(0, workerPool.inUse(), "sent frames return to the worker's pool after the copy");
        assertEquals(0, innerPool.inUse());
        final List<byte[]> sent = inner.takeTransmitted();
        assertArrayEquals(b, sent.get(0));
        assertArrayEquals(a, sent.get(1));
        assertEquals(2, port.rxCopied());
        assertEquals(2, port.txCopied());
    }

    @Test
    void aFullBatchLeavesTheRestHeldForTheNextReceive()
    {
        for (int i = 0; i < 4; i++)
        {
            inner.offer(i, frame(100 + i, i));
        }
        final PacketBatch batch = new PacketBatch(workerMemory, 3);
        batch.add(workerPool.allocate(), 60, 0, 0); // a frame from another port already in the batch
        assertEquals(2, port.receive(batch));
        assertEquals(2, port.held());
        assertEquals(2, innerPool.inUse(), "held frames stay in the inner memory");
        final PacketBatch next = new PacketBatch(workerMemory, 8);
        assertEquals(2, port.receive(next));
        assertEquals(0, port.held());
        assertEquals(102, next.length[0]);
        assertArrayEquals(frame(103, 3), bytesOf(next, 1));
        assertEquals(0, innerPool.inUse());
    }

    @Test
    void anEmptyWorkerPoolHoldsFramesInsteadOfDroppingThem()
    {
        final long[] taken = new long[8];
        for (int i = 0; i < 7; i++)
        {
            taken[i] = workerPool.allocate();
        }
        inner.offer(frame(64, 1));
        inner.offer(frame(64, 2));
        final PacketBatch batch = new PacketBatch(workerMemory, 8);
        assertEquals(1, port.receive(batch));
        assertEquals(1, port.held());
        assertTrue(port.awaitReadable(0), "held frames are readable without waiting");
        for (int i = 0; i < 7; i++)
        {
            workerPool.release(taken[i]);
        }
        batch.clear();
        assertEquals(1, port.receive(batch));
        assertArrayEquals(frame(64, 2), bytesOf(batch, 0));
        assertFalse(port.awaitReadable(0));
    }

    @Test
    void anEmptyInnerPoolIsFlushedOnceThenTheRestIsCountedAndReturned()
    {
        final long[] taken = new long[8];
        for (int i = 0; i < 7; i++)
        {
            taken[i] = innerPool.allocate();
        }
        final PacketBatch batch = new PacketBatch(workerMemory, 8);
        for (int i = 0; i < 3; i++)
        {
            batch.add(workerPool.allocate(), 64, 0, 0);
        }
        assertEquals(1, port.transmit(batch, new int[] {0, 1, 2}, 3));
        assertEquals(2, port.txNoFrame());
        assertEquals(0, workerPool.inUse(), "frames that could not be sent go back to the worker's pool");
        assertEquals(7, innerPool.inUse());
        for (int i = 0; i < 7; i++)
        {
            innerPool.release(taken[i]);
        }
    }

    @Test
    void moreFramesThanOneInnerBatchAreSentInChunks()
    {
        final PacketBatch batch = new PacketBatch(workerMemory, 8);
        final int[] indices = new int[6];
        for (int i = 0; i < 6; i++)
        {
            indices[i] = batch.add(workerPool.allocate(), 70 + i, 0, 0);
        }
        assertEquals(6, port.transmit(batch, indices, 6));
        final List<byte[]> sent = inner.takeTransmitted();
        assertEquals(6, sent.size());
        assertEquals(75, sent.get(5).length);
        assertEquals(0, workerPool.inUse());
        assertEquals(0, innerPool.inUse());
    }

    @Test
    void closeGivesHeldFramesBack()
    {
        for (int i = 0; i < 3; i++)
        {
            inner.offer(frame(64, i));
        }
        final PacketBatch batch = new PacketBatch(workerMemory, 1);
        assertEquals(1, port.receive(batch));
        assertEquals(2, innerPool.inUse());
        port.close();
        assertEquals(0, innerPool.inUse());
    }

    @Test
    void portsOnTheWorkersMemoryOrAForeignPoolAreRefused()
    {
        final InMemoryPort direct = new InMemoryPort(0, "direct", workerPool);
        assertThrows(IllegalArgumentException.class, () -> new CopyingPort(direct, workerPool, workerPool, 4));
        final Port onInnerMemory = new Port()
        {
            @Override
            public int id()
            {
                return 1;
            }

            @Override
            public String name()
            {
                return "xsk";
            }

            @Override
            public int receive(final PacketBatch batch)
            {
                return 0;
            }

            @Override
            public int transmit(final PacketBatch batch, final int[] indices, final int count)
            {
                return 0;
            }

            @Override
            public FrameMemory memory()
            {
                return innerMemory;
            }
        };
        try (FrameMemory foreign = FrameMemory.allocate(4, 2048, 256))
        {
            assertThrows(IllegalArgumentException.class, () -> new CopyingPort(onInnerMemory, new FramePool(foreign), workerPool, 4));
        }
        assertEquals(workerMemory, new CopyingPort(onInnerMemory, innerPool, workerPool, 4).memory());
    }
}
