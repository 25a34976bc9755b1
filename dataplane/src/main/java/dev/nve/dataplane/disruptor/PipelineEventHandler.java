package dev.nve.dataplane.disruptor;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.Sequence;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.pipeline.Pipeline;
import dev.nve.dataplane.port.Port;

/**
 * The consumer of a {@link DisruptorPipeline}: runs every stage of a {@link Pipeline} (built
 * exactly as for inline mode, over this thread's ports and pool) on each event's batch
 * ({@link Handoff#SWAP}) or on its own copy of the event's descriptors ({@link Handoff#COPY}).
 *
 * <p>Frame ownership on this thread: every frame released here (drops in the transmit stage,
 * ports that free a frame once sent, AF_XDP completions) goes into {@link #pool()}, a
 * full-range pool owned by this thread; the flood stage allocates its replicas from it. After
 * each run of events (and when idle) the frames beyond {@code reserve} go back to the receive
 * thread through the single-producer single-consumer return queue, so the receive pool never
 * starves while this side keeps enough for flooding.
 *
 * <p>The event's slot is released to the producer as soon as its batch is done (sequence
 * callback), not only at the end of a run, so the receive side can refill it early.
 */
public final class PipelineEventHandler implements EventHandler<BatchEvent>, IdleWork
{
    private final Pipeline pipeline;
    private final Port[] ports;
    private final FramePool pool;
    private final SpscLongQueue returns;
    private final int reserve;
    private final Handoff handoff;
    private final PacketBatch local;
    private Sequence sequence;

    private long events;
    private long frames;
    private long returnQueueFull;
    private volatile long processedFramesVolatile;

    PipelineEventHandler(final Pipeline pipeline, final Port[] ports, final FramePool pool, final SpscLongQueue returns, final int reserve,
        final Handoff handoff, final int batchCapacity)
    {
        this.handoff = handoff;
        this.local = new PacketBatch(pool.memory(), batchCapacity);
        this.pipeline = pipeline;
        this.ports = ports.clone();
        this.pool = pool;
        this.returns = returns;
        this.reserve = reserve;
    }

    @Override
    public void setSequenceCallback(final Sequence sequenceCallback)
    {
        this.sequence = sequenceCallback;
    }

    @Override
    public void onEvent(final BatchEvent event, final long eventSequence, final boolean endOfBatch)
    {
        final PacketBatch received = event.batch;
        final int count = received.count();
        final PacketBatch batch;
        if (handoff == Handoff.SWAP)
        {
            batch = received;
        }
        else
        {
            batch = local;
            batch.clear();
            for (int i = 0; i < count; i++)
            {
                batch.add(received.address[i], received.length[i], received.inPort[i], received.timestampNanos[i]);
            }
        }
        pipeline.process(batch);
        pipeline.collectGarbage(false);
        events++;
        frames += count;
        if (sequence != null)
        {
            sequence.set(eventSequence);
        }
        if (endOfBatch)
        {
            flushPorts();
            returnSurplus();
            processedFramesVolatile = frames;
        }
    }

    /** Idle: completes pending sends and gives surplus frames back (called by the wait strategy). */
    @Override
    public int doIdleWork()
    {
        final int work = flushPorts() + returnSurplus() + pipeline.collectGarbage(true);
        processedFramesVolatile = frames;
        return work;
    }

    private int flushPorts()
    {
        int completed = 0;
        for (final Port port : ports)
        {
            if (port != null)
            {
                completed += port.flush();
            }
        }
        return completed;
    }

    private int returnSurplus()
    {
        int returned = 0;
        int surplus = pool.available() - reserve;
        while (surplus-- > 0)
        {
            final long address = pool.allocate();
            if (!returns.add(address))
            {
                pool.release(address);
                returnQueueFull++;
                break;
            }
            returned++;
        }
        if (returned > 0)
        {
            returns.publish();
        }
        return returned;
    }

    /** This thread's pool (touch only from the handler thread, or after it stopped). */
    public FramePool pool()
    {
        return pool;
    }

    public Pipeline pipeline()
    {
        return pipeline;
    }

    /** Frames processed so far; readable from any thread (updated after each run of events). */
    public long processedFrames()
    {
        return processedFramesVolatile;
    }

    /** Events processed (handler thread, or after it stopped). */
    public long events()
    {
        return events;
    }

    /** Times the return queue was full (frames then stay here until the next try); expected 0. */
    public long returnQueueFull()
    {
        return returnQueueFull;
    }
}
