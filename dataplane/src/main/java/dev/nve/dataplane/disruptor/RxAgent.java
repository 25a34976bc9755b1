package dev.nve.dataplane.disruptor;

import com.lmax.disruptor.RingBuffer;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.counter.PortCounters;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.port.Port;
import org.agrona.concurrent.Agent;

import java.util.function.LongConsumer;

/**
 * The producer of a {@link DisruptorPipeline}: receives from its ports (round robin, like
 * {@code Pipeline.poll()}) into a staging batch and publishes the batch as one ring event
 * (swapped in or copied, see {@link Handoff}).
 * This thread owns {@link #pool()}, the pool its ports receive into; before receiving it drains
 * the return queue, through which the handler thread gives frames back.
 *
 * <p>Empty batches are never published. When the ring is full the filled staging batch is kept
 * and offered again on the next duty cycle (nothing is received meanwhile, so the port's own
 * ring backs up and the kernel counts the overrun), and the cycle reports no work so that the
 * idle strategy decides how to wait.
 */
public final class RxAgent implements Agent, LongConsumer
{
    private final Port[] ports;
    private final PortCounters[] portCounters;
    private final FramePool pool;
    private final RingBuffer<BatchEvent> ring;
    private final SpscLongQueue returns;
    private final String roleName;
    private final Handoff handoff;
    private PacketBatch staging;
    private int nextPort;

    private long published;
    private long framesPublished;
    private long ringFull;
    private long framesReturned;
    private long releaseRefused;
    private volatile long publishedFramesVolatile;

    RxAgent(final String roleName, final Port[] ports, final FramePool pool, final RingBuffer<BatchEvent> ring, final SpscLongQueue returns,
        final Counters counters, final int batchCapacity, final Handoff handoff)
    {
        this.roleName = roleName;
        this.handoff = handoff;
        this.ports = ports.clone();
        this.pool = pool;
        this.ring = ring;
        this.returns = returns;
        this.portCounters = new PortCounters[ports.length];
        for (int i = 0; i < ports.length; i++)
        {
            if (ports[i] != null)
            {
                if (ports[i].memory() != null && ports[i].memory() != pool.memory())
                {
                    throw new IllegalArgumentException("port " + ports[i].name() + " uses another frame memory than the receive pool");
                }
                portCounters[i] = new PortCounters(counters, ports[i].name());
            }
        }
        this.staging = new PacketBatch(pool.memory(), batchCapacity);
    }

    @Override
    public String roleName()
    {
        return roleName;
    }

    @Override
    public int doWork()
    {
        final int work = returns.drain(this, returns.capacity());
        if (staging.count() == 0 && receive() == 0)
        {
            return work;
        }
        final int frames = staging.count();
        return publish() ? work + frames : work;
    }

    /**
     * Publishes the staged batch, if there is one and the ring has room, without receiving
     * (for a drain after the duty cycle stopped).
     *
     * @return true when a batch was published.
     */
    boolean publishStagedOnly()
    {
        return staging.count() > 0 && publish();
    }

    private boolean publish()
    {
        if (!ring.hasAvailableCapacity(1))
        {
            ringFull++;
            return false;
        }
        final int frames = staging.count();
        final long sequence = ring.next();
        final BatchEvent event = ring.get(sequence);
        if (handoff == Handoff.SWAP)
        {
            staging = event.exchange(staging);
        }
        else
        {
            final PacketBatch from = staging;
            final PacketBatch to = event.batch;
            to.clear();
            for (int i = 0; i < frames; i++)
            {
                to.add(from.address[i], from.length[i], from.inPort[i], from.timestampNanos[i]);
            }
        }
        ring.publish(sequence);
        staging.clear();
        published++;
        framesPublished += frames;
        publishedFramesVolatile = framesPublished;
        return true;
    }

    private int receive()
    {
        final PacketBatch batch = staging;
        batch.clear();
        final int portCount = ports.length;
        for (int n = 0; n < portCount && !batch.isFull(); n++)
        {
            final int id = nextPort;
            nextPort = nextPort + 1 == portCount ? 0 : nextPort + 1;
            final Port port = ports[id];
            if (port == null)
            {
                continue;
            }
            final int first = batch.count();
            port.receive(batch);
            final int last = batch.count();
            if (last != first)
            {
                final PortCounters c = portCounters[id];
                for (int i = first; i < last; i++)
                {
                    c.received(batch.length[i]);
                }
                c.flush();
            }
        }
        return batch.count();
    }

    /** A frame address from the return queue goes back to this thread's pool. */
    @Override
    public void accept(final long address)
    {
        framesReturned++;
        if (!pool.release(address))
        {
            releaseRefused++;
        }
    }

    /** The pool this thread receives into (touch only from this agent's thread, or after it stopped). */
    public FramePool pool()
    {
        return pool;
    }

    /** Frames still in the staging batch (not yet published); 0 once the agent is drained. */
    int stagedFrames()
    {
        return staging.count();
    }

    /** Frames published so far; readable from any thread. */
    public long publishedFrames()
    {
        return publishedFramesVolatile;
    }

    /** Events published (agent thread, or after it stopped). */
    public long publishedEvents()
    {
        return published;
    }

    /** Duty cycles that found the ring full with a filled batch waiting (agent thread, or after it stopped). */
    public long ringFull()
    {
        return ringFull;
    }

    /** Frames that came back through the return queue (agent thread, or after it stopped). */
    public long framesReturned()
    {
        return framesReturned;
    }

    /** Returned frames the pool refused (already free: a double release somewhere); must stay 0. */
    public long releaseRefused()
    {
        return releaseRefused;
    }
}
