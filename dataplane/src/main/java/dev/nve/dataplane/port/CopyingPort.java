package dev.nve.dataplane.port;

import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A port whose frames live in another frame memory than the worker's: each received frame is
 * copied into a frame of the worker's pool, each frame to send into a frame of the inner
 * port's pool. This is how a worker serves an AF_XDP socket that cannot share its UMEM (the
 * kernel refused XDP_SHARED_UMEM, or separate UMEMs were asked for): one copy per frame each
 * way instead of none.
 *
 * <p>No frame is lost here. When the worker's pool is empty, received frames stay in this
 * port (in its receive batch, inner memory) until frames come back; the inner port's receive
 * ring then fills and the kernel counts the drops. When the inner pool is empty on transmit,
 * the inner port is flushed once (completions return frames); frames that still find no room
 * are returned to the worker's pool and counted in {@link #txNoFrame()}, as any port does with
 * frames it cannot send.
 *
 * <p>Packet path: no allocation, no locks, no exceptions; one thread.
 */
public final class CopyingPort implements Port
{
    private final Port inner;
    private final FramePool innerPool;
    private final FramePool workerPool;
    private final MemorySegment innerSegment;
    private final MemorySegment workerSegment;
    private final int workerMaxFrameLength;
    private final PacketBatch received;
    private final PacketBatch sending;
    private final int[] sendIndices;
    private int nextReceived;

    private long rxCopied;
    private long txCopied;
    private long rxOversize;
    private long txNoFrame;

    /**
     * @param inner      the port over its own frame memory ({@code inner.memory()} must be {@code innerPool}'s, or null)
     * @param innerPool  the free list {@code inner} takes receive buffers from and returns sent frames to
     * @param workerPool the worker's pool: received frames are copied into it, sent frames come from it
     * @param batch      frames handled per inner receive and transmit call
     */
    public CopyingPort(final Port inner, final FramePool innerPool, final FramePool workerPool, final int batch)
    {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.innerPool = Objects.requireNonNull(innerPool, "innerPool");
        this.workerPool = Objects.requireNonNull(workerPool, "workerPool");
        if (inner.memory() != null && inner.memory() != innerPool.memory())
        {
            throw new IllegalArgumentException("port " + inner.name() + " does not use the inner pool's frame memory");
        }
        if (innerPool.memory() == workerPool.memory())
        {
            throw new IllegalArgumentException("port " + inner.name() + " already uses the worker's frame memory: no copy needed");
        }
        if (batch < 1)
        {
            throw new IllegalArgumentException("batch " + batch + " < 1");
        }
        this.innerSegment = innerPool.memory().segment();
        this.workerSegment = workerPool.memory().segment();
        this.workerMaxFrameLength = workerPool.memory().maxFrameLength();
        this.received = new PacketBatch(innerPool.memory(), batch);
        this.sending = new PacketBatch(innerPool.memory(), batch);
        this.sendIndices = new int[batch];
    }

    @Override
    public int id()
    {
        return inner.id();
    }

    @Override
    public String name()
    {
        return inner.name();
    }

    /** The worker's frame memory: batches given to this port are over it. */
    @Override
    public FrameMemory memory()
    {
        return workerPool.memory();
    }

    @Override
    public int receive(final PacketBatch batch)
    {
        if (nextReceived == received.count())
        {
            received.clear();
            nextReceived = 0;
            inner.receive(received);
        }
        int copied = 0;
        while (nextReceived < received.count() && !batch.isFull())
        {
            final int i = nextReceived;
            final long from = received.address[i];
            final int length = received.length[i];
            if (length > workerMaxFrameLength)
            {
                innerPool.release(from);
                nextReceived++;
                rxOversize++;
                continue;
            }
            final long to = workerPool.allocate();
            if (to < 0)
            {
                break; // held until the worker's frames come back
            }
            MemorySegment.copy(innerSegment, from, workerSegment, to, length);
            innerPool.release(from);
            batch.add(to, length, received.inPort[i], received.timestampNanos[i]);
            nextReceived++;
            copied++;
        }
        rxCopied += copied;
        return copied;
    }

    @Override
    public int transmit(final PacketBatch batch, final int[] indices, final int count)
    {
        int accepted = 0;
        int k = 0;
        boolean flushed = false;
        while (k < count)
        {
            sending.clear();
            int n = 0;
            while (k < count && n < sendIndices.length)
            {
                final int i = indices[k++];
                final long from = batch.address[i];
                long to = innerPool.allocate();
                if (to < 0 && !flushed)
                {
                    inner.flush();
                    flushed = true;
                    to = innerPool.allocate();
                }
                if (to < 0)
                {
                    workerPool.release(from);
                    txNoFrame++;
                    continue;
                }
                final int length = batch.length[i];
                MemorySegment.copy(workerSegment, from, innerSegment, to, length);
                workerPool.release(from);
                sendIndices[n++] = sending.add(to, length, batch.inPort[i], batch.timestampNanos[i]);
            }
            txCopied += n;
            accepted += inner.transmit(sending, sendIndices, n);
        }
        return accepted;
    }

    @Override
    public int flush()
    {
        return inner.flush();
    }

    @Override
    public boolean awaitReadable(final int timeoutMillis)
    {
        return nextReceived < received.count() || inner.awaitReadable(timeoutMillis);
    }

    /** Frames received and held here, waiting for frames of the worker's pool. */
    public int held()
    {
        return received.count() - nextReceived;
    }

    public long rxCopied()
    {
        return rxCopied;
    }

    public long txCopied()
    {
        return txCopied;
    }

    /** Received frames longer than a frame of the worker's memory (dropped; only when the frame sizes differ). */
    public long rxOversize()
    {
        return rxOversize;
    }

    /** Frames to send dropped because the inner pool had no frame even after a flush. */
    public long txNoFrame()
    {
        return txNoFrame;
    }

    /** Gives the held frames back to the inner pool, then closes the inner port. */
    @Override
    public void close()
    {
        while (nextReceived < received.count())
        {
            innerPool.release(received.address[nextReceived++]);
        }
        inner.close();
    }
}
