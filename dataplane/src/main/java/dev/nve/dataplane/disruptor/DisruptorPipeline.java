package dev.nve.dataplane.disruptor;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.pipeline.Pipeline;
import dev.nve.dataplane.port.Port;
import dev.nve.dataplane.table.Tables;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The pipeline spread over two threads with an LMAX Disruptor ring between them:
 * <pre>
 *   receive thread (RxAgent)                         handler thread (PipelineEventHandler)
 *   ports.receive ─► staging batch ─► RingBuffer&lt;BatchEvent&gt; ─► Pipeline.process: classify … transmit
 *         ▲  rxPool                                      │  handlerPool (drops, sent frames, flood replicas)
 *         └──────────── SpscLongQueue of frame addresses ◄┘  (frames beyond the handler's reserve)
 * </pre>
 * One event is one batch (preallocated; its descriptors copied in, or the whole batch swapped
 * in, see {@link Handoff}); empty batches are never published. The handler runs the same stage objects, built the same way, as inline mode: it
 * is an ordinary {@link Pipeline} over the handler thread's ports and pool, whose
 * {@link Pipeline#process} is called per event.
 *
 * <p>Frame ownership: each thread owns one full-range pool (see {@link FramePools}); the
 * receive thread's ports allocate from {@code rxPool}, everything the handler thread frees
 * lands in {@code handlerPool}, and the handler sends its surplus back through the return
 * queue, which the receive thread drains before every receive. Hence the port arrays:
 * {@code rxPorts} are only received from (on the receive thread), {@code txPorts} only
 * transmitted on and flushed (on the handler thread). A port that keeps per-port state on both
 * paths and frees frames (InMemoryPort, PcapPort) must appear as two objects, one over each
 * pool; the same object may appear in both arrays only if it is safe for that split.
 * {@code AfXdpPort} is not yet: see the package notes in docs/BENCHMARKS.md.
 *
 * <p>Lifecycle: {@link #start()} runs both threads; or {@link #startHandler()} runs only the
 * handler and the caller drives {@link #rxAgent()}{@code .doWork()} on its own thread (a
 * benchmark, a worker with its own agent runner). {@link #close()} stops receiving, lets the
 * handler finish every published event, stops it, and returns every frame that is in the
 * return queue to the receive pool; afterwards {@link #freeFrames()} is exact.
 */
public final class DisruptorPipeline implements AutoCloseable
{
    /**
     * @param batchCapacity  frames per batch (= per event)
     * @param ringSize       events in the ring (a power of two); with {@code batchCapacity} it
     *                       bounds the frames in flight between the threads
     * @param handlerReserve frames the handler keeps for flood replicas; the rest go back
     * @param rxIdle         idle strategy of the receive thread when {@link #start()} runs it
     * @param handlerIdle    idle strategy of the handler thread's wait strategy
     * @param handoff        how a batch crosses between the threads
     */
    public record Settings(int batchCapacity, int ringSize, int handlerReserve, Supplier<IdleStrategy> rxIdle, Supplier<IdleStrategy> handlerIdle,
                           Handoff handoff)
    {
        public Settings
        {
            if (batchCapacity < 1 || ringSize < 1 || Integer.bitCount(ringSize) != 1 || handlerReserve < 0)
            {
                throw new IllegalArgumentException("batchCapacity >= 1, ringSize a power of two, handlerReserve >= 0");
            }
            Objects.requireNonNull(rxIdle, "rxIdle");
            Objects.requireNonNull(handlerIdle, "handlerIdle");
            Objects.requireNonNull(handoff, "handoff");
        }

        /** Batches of 64, 16 events, a reserve of two batches, backoff idling on both threads (shared machines), copy hand-off. */
        public static Settings defaults()
        {
            return new Settings(PacketBatch.DEFAULT_CAPACITY, 16, 2 * PacketBatch.DEFAULT_CAPACITY, DisruptorPipeline::backoff,
                DisruptorPipeline::backoff, Handoff.COPY);
        }

        public Settings withBatchCapacity(final int value)
        {
            return new Settings(value, ringSize, handlerReserve, rxIdle, handlerIdle, handoff);
        }

        public Settings withRingSize(final int value)
        {
            return new Settings(batchCapacity, value, handlerReserve, rxIdle, handlerIdle, handoff);
        }

        public Settings withHandlerReserve(final int value)
        {
            return new Settings(batchCapacity, ringSize, value, rxIdle, handlerIdle, handoff);
        }

        public Settings withIdle(final Supplier<IdleStrategy> rx, final Supplier<IdleStrategy> handler)
        {
            return new Settings(batchCapacity, ringSize, handlerReserve, rx, handler, handoff);
        }

        public Settings withHandoff(final Handoff value)
        {
            return new Settings(batchCapacity, ringSize, handlerReserve, rxIdle, handlerIdle, value);
        }
    }

    private static IdleStrategy backoff()
    {
        return new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100));
    }

    private final Settings settings;
    private final FramePool rxPool;
    private final FramePool handlerPool;
    private final RingBuffer<BatchEvent> ring;
    private final SpscLongQueue returns;
    private final RxAgent rxAgent;
    private final PipelineEventHandler handler;
    private final BatchEventProcessor<BatchEvent> processor;
    private volatile Throwable handlerFailure;
    private volatile Throwable rxFailure;
    private AgentRunner rxRunner;
    private Thread handlerThread;
    private boolean closed;

    /**
     * @param rxPorts     ports received from on the receive thread, indexed by port id (null: none)
     * @param rxPool      full-range pool of the receive thread (the one {@code rxPorts} allocate from)
     * @param txPorts     ports transmitted on by the handler, indexed by port id; every port id
     *                    that can receive must have an entry here too (drops are charged to the
     *                    input port's counters)
     * @param handlerPool full-range pool of the handler thread ({@link FramePools#carve}), the one
     *                    {@code txPorts} release into
     */
    public DisruptorPipeline(final Tables tables, final Port[] rxPorts, final FramePool rxPool, final Port[] txPorts, final FramePool handlerPool,
        final Counters counters, final Settings settings)
    {
        if (rxPool == handlerPool)
        {
            throw new IllegalArgumentException("the receive and handler threads need a pool each (FramePools.carve)");
        }
        if (rxPool.memory() != handlerPool.memory())
        {
            throw new IllegalArgumentException("both pools must be over the same frame memory");
        }
        final int frameCount = rxPool.memory().frameCount();
        if (rxPool.capacity() != frameCount || handlerPool.capacity() != frameCount)
        {
            throw new IllegalArgumentException("both pools must cover every frame of the memory (see FramePools)");
        }
        if (rxPorts.length != txPorts.length)
        {
            throw new IllegalArgumentException("rxPorts and txPorts are both indexed by port id: " + rxPorts.length + " != " + txPorts.length);
        }
        this.settings = settings;
        this.rxPool = rxPool;
        this.handlerPool = handlerPool;
        this.returns = new SpscLongQueue(ceilPowerOfTwo(frameCount));
        final IdleStrategyWaitStrategy waitStrategy = new IdleStrategyWaitStrategy(settings.handlerIdle().get());
        final int batchCapacity = settings.batchCapacity();
        this.ring = RingBuffer.createSingleProducer(() -> new BatchEvent(new PacketBatch(rxPool.memory(), batchCapacity)), settings.ringSize(),
            waitStrategy);
        final Pipeline pipeline = new Pipeline(tables, txPorts, handlerPool, counters, batchCapacity);
        this.handler = new PipelineEventHandler(pipeline, txPorts, handlerPool, returns, settings.handlerReserve(), settings.handoff(), batchCapacity);
        waitStrategy.idleWork(handler);
        this.processor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), handler);
        processor.setExceptionHandler(new FailureRecorder());
        ring.addGatingSequences(processor.getSequence());
        this.rxAgent = new RxAgent("nve-rx", rxPorts, rxPool, ring, returns, counters, batchCapacity, settings.handoff());
    }

    /** Starts the receive thread and the handler thread. */
    public synchronized void start()
    {
        startHandler();
        rxRunner = new AgentRunner(settings.rxIdle().get(), this::rxFailed, null, rxAgent);
        AgentRunner.startOnThread(rxRunner, r -> Thread.ofPlatform().name("nve-rx").daemon(true).unstarted(r));
    }

    /** Starts only the handler thread; the caller runs {@link #rxAgent()} on one thread of its own. */
    public synchronized void startHandler()
    {
        if (handlerThread != null || closed)
        {
            throw new IllegalStateException("already started or closed");
        }
        handlerThread = Thread.ofPlatform().name("nve-pipeline").daemon(true).unstarted(processor);
        handlerThread.start();
    }

    private void rxFailed(final Throwable t)
    {
        if (rxFailure == null)
        {
            rxFailure = t;
        }
    }

    /** The producer: for callers that drive the receive duty cycle themselves. */
    public RxAgent rxAgent()
    {
        return rxAgent;
    }

    public PipelineEventHandler handler()
    {
        return handler;
    }

    /** The handler-side pipeline (its stage counters). */
    public Pipeline pipeline()
    {
        return handler.pipeline();
    }

    public RingBuffer<BatchEvent> ring()
    {
        return ring;
    }

    public SpscLongQueue returnQueue()
    {
        return returns;
    }

    /** The first exception a stage or port threw on the handler thread, or null. */
    public Throwable handlerFailure()
    {
        return handlerFailure;
    }

    /**
     * Stops the receive thread (when this object started it), lets the handler finish every
     * published event (at most {@code 10 s}), stops it, and drains the return queue into the
     * receive pool. Frames the receive side had staged when the ring was full are published
     * first. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (rxRunner != null)
        {
            rxRunner.close();
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        if (handlerThread != null)
        {
            // the receive side has stopped: publish what it staged while the ring was full
            while (rxAgent.stagedFrames() > 0 && System.nanoTime() < deadline && handlerFailure == null)
            {
                if (!publishStaged())
                {
                    Thread.onSpinWait();
                }
            }
            while (processor.getSequence().get() < ring.getCursor() && System.nanoTime() < deadline && handlerFailure == null)
            {
                Thread.onSpinWait();
            }
            processor.halt();
            try
            {
                handlerThread.join(TimeUnit.SECONDS.toMillis(10));
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
            // the handler has stopped: this thread now owns both pools
            handler.doIdleWork();
        }
        returns.drain(rxAgent, returns.capacity());
        if (handlerFailure != null)
        {
            throw new IllegalStateException("pipeline handler failed", handlerFailure);
        }
        if (rxFailure != null)
        {
            throw new IllegalStateException("receive agent failed", rxFailure);
        }
        if (handlerThread != null && handlerThread.isAlive())
        {
            throw new IllegalStateException("pipeline handler did not stop within 10 s");
        }
    }

    private boolean publishStaged()
    {
        return rxAgent.publishStagedOnly();
    }

    /**
     * Frames free in either pool or waiting in the return queue. After {@link #close()} with
     * all ports idle this equals the frame count of the memory minus what ports still hold.
     */
    public int freeFrames()
    {
        return rxPool.available() + handlerPool.available() + returns.size();
    }

    private static int ceilPowerOfTwo(final int n)
    {
        return n <= 2 ? 2 : Integer.highestOneBit(n - 1) << 1;
    }

    /** Records the first failure and stops the handler (a stage exception is a bug, not a packet outcome). */
    private final class FailureRecorder implements ExceptionHandler<BatchEvent>
    {
        @Override
        public void handleEventException(final Throwable ex, final long sequence, final BatchEvent event)
        {
            if (handlerFailure == null)
            {
                handlerFailure = ex;
            }
            processor.halt();
        }

        @Override
        public void handleOnStartException(final Throwable ex)
        {
            handlerFailure = ex;
        }

        @Override
        public void handleOnShutdownException(final Throwable ex)
        {
            if (handlerFailure == null)
            {
                handlerFailure = ex;
            }
        }
    }
}
