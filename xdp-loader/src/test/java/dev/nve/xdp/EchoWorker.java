package dev.nve.xdp;

import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The AF_XDP side of the echo tests: on its own thread inside namespace b it opens an
 * {@link AfXdpPort}, configures the XDP program's steering, then receives batches and sends
 * every IPv4/UDP frame back with MACs, addresses and ports swapped (UDP checksum zeroed: the
 * sender's veth leaves it partial, RESULTS.md "TCP through AF_XDP"); other frames are released
 * to the pool. Stops on {@link #stop()} or its deadline; then drains, checks the frame
 * accounting, collects counters and closes the port, all on its own thread.
 */
final class EchoWorker
{
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final AfXdpPortConfig config;
    private final Consumer<AfXdpPort> setup;
    private final long deadlineNanos;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stop;
    private volatile AfXdpPort livePort;

    // results, published by done
    volatile String mode;
    volatile List<String> notes;
    volatile long echoed;
    volatile long released;
    volatile long midTrafficChecks;
    volatile FrameAccounting accountingAfterDrain;
    volatile XskStatistics statistics;
    volatile long[] xdpCounters;
    volatile int poolAvailableAfterClose = -1;
    volatile int poolCapacity;
    volatile long rxFrames;
    volatile long txCompleted;
    volatile long txRingFull;
    volatile long txKicks;
    volatile long txKicksRepeated;
    volatile long txKickErrors;

    EchoWorker(final AfXdpPortConfig config, final Consumer<AfXdpPort> setup, final long timeoutMillis)
    {
        this.config = config;
        this.setup = setup;
        this.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    /** Starts the worker thread inside namespace {@code nsFd}. */
    void start(final int nsFd, final String nsName)
    {
        NetNamespaces.newThreadIn(nsFd, nsName, this::run, failure).start();
    }

    /** Waits until the port is open and steering is set; rethrows a setup failure. */
    void awaitReady() throws InterruptedException
    {
        final boolean ok = ready.await(30, TimeUnit.SECONDS);
        rethrow();
        if (!ok)
        {
            throw new AssertionError("echo worker did not get ready in 30 s");
        }
    }

    void stop()
    {
        stop = true;
    }

    /** Stops and waits for the worker's teardown; rethrows what it threw. */
    void stopAndJoin() throws InterruptedException
    {
        stop = true;
        if (!done.await(30, TimeUnit.SECONDS))
        {
            throw new AssertionError("echo worker did not stop in 30 s");
        }
        rethrow();
    }

    /** The port while the worker runs (only for reading its program's counters from the test). */
    AfXdpPort port()
    {
        return livePort;
    }

    private void rethrow()
    {
        final Throwable t = failure.get();
        if (t instanceof Error e)
        {
            throw e;
        }
        if (t instanceof RuntimeException e)
        {
            throw e;
        }
        if (t != null)
        {
            throw new IllegalStateException(t);
        }
    }

    private void run()
    {
        AfXdpPort port = null;
        try
        {
            port = AfXdpPort.open(config);
            setup.accept(port);
            mode = port.modeDescription();
            notes = port.notes();
            livePort = port;
            ready.countDown();
            loop(port);
            if (!port.drainTransmit(5000))
            {
                throw new AssertionError("transmit did not drain: " + port.frameAccounting());
            }
            accountingAfterDrain = port.checkFrameAccounting();
            statistics = port.statistics();
            xdpCounters = port.program().counters();
            rxFrames = port.rxFrames();
            txCompleted = port.txCompleted();
            txRingFull = port.txRingFull();
            txKicks = port.txKicks();
            txKicksRepeated = port.txKicksRepeated();
            txKickErrors = port.txKickErrors();
            final FramePool pool = port.pool();
            poolCapacity = pool.capacity();
            livePort = null;
            port.close();
            poolAvailableAfterClose = pool.available();
            port = null;
        }
        catch (final Throwable t)
        {
            failure.set(t);
        }
        finally
        {
            if (port != null)
            {
                try
                {
                    port.close();
                }
                catch (final Throwable t)
                {
                    failure.get().addSuppressed(t);
                }
            }
            ready.countDown();
            done.countDown();
        }
    }

    private void loop(final AfXdpPort port)
    {
        final FramePool pool = port.pool();
        final PacketBatch batch = new PacketBatch(port.umem().frames(), config.batchSize());
        final MemorySegment frames = batch.segment();
        final int[] send = new int[batch.capacity()];
        long sinceCheck = 0;
        while (!stop && System.nanoTime() < deadlineNanos)
        {
            batch.clear();
            final int n = port.receive(batch);
            if (n == 0)
            {
                port.flush();
                if (port.txOutstanding() == 0)
                {
                    port.awaitReadable(1);
                }
                continue;
            }
            int k = 0;
            for (int i = 0; i < n; i++)
            {
                if (echo(frames, batch.address[i], batch.length[i]))
                {
                    send[k++] = i;
                }
                else
                {
                    pool.release(batch.address[i]);
                    released++;
                }
            }
            port.transmit(batch, send, k);
            echoed += k;
            port.flush();
            sinceCheck += n;
            if (sinceCheck >= 10_000)
            {
                // the invariant must hold at any moment, also mid-traffic with frames in every ring
                sinceCheck = 0;
                port.checkFrameAccounting();
                midTrafficChecks++;
            }
        }
    }

    /** Turns an Ethernet/IPv4/UDP frame around in place; false for anything else. */
    static boolean echo(final MemorySegment m, final long a, final int length)
    {
        if (length < 42 || m.get(SHORT_BE, a + 12) != 0x0800)
        {
            return false;
        }
        final long ip = a + 14;
        final int ihl = (m.get(ValueLayout.JAVA_BYTE, ip) & 0x0F) * 4;
        if (ihl < 20 || m.get(ValueLayout.JAVA_BYTE, ip + 9) != 17 || 14 + ihl + 8 > length)
        {
            return false;
        }
        // MACs
        final int d0 = m.get(INT_BE, a);
        final short d1 = m.get(SHORT_BE, a + 4);
        m.set(INT_BE, a, m.get(INT_BE, a + 6));
        m.set(SHORT_BE, a + 4, m.get(SHORT_BE, a + 10));
        m.set(INT_BE, a + 6, d0);
        m.set(SHORT_BE, a + 10, d1);
        // addresses (the header checksum is a sum: unchanged by the swap)
        final int src = m.get(INT_BE, ip + 12);
        m.set(INT_BE, ip + 12, m.get(INT_BE, ip + 16));
        m.set(INT_BE, ip + 16, src);
        // ports, and no UDP checksum (the sender's was left partial by veth offload)
        final long udp = ip + ihl;
        final short sport = m.get(SHORT_BE, udp);
        m.set(SHORT_BE, udp, m.get(SHORT_BE, udp + 2));
        m.set(SHORT_BE, udp + 2, sport);
        m.set(SHORT_BE, udp + 6, (short)0);
        return true;
    }
}
