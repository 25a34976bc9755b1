package dev.nve.dataplane.worker;

import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.port.InMemoryPort;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

import static dev.nve.dataplane.pipeline.TestHost.C1_MAC;
import static dev.nve.dataplane.pipeline.TestHost.C2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.REMOTE2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.udp4;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link PipelineAgent} on a {@link Worker} thread over in-memory ports. In-memory ports are
 * not thread-safe, so the test offers frames before the start or through the agent's command
 * queue (which runs them on the worker thread), reads the thread-safe counters while it runs,
 * and looks at the ports only after {@link Worker#close()} joined the thread.
 */
@Timeout(value = 30)
final class WorkerTest
{
    private static final int FRAMES = 1000;

    @Test
    void runsThePipelineOnItsThreadUntilClosed() throws Exception
    {
        try (TestHost host = TestHost.standard(TestHost.Addressing.V4, false))
        {
            final byte[] frame = udp4(C2_MAC, C1_MAC, 40000, 100);
            for (int i = 0; i < FRAMES; i++)
            {
                host.port("c1").offer(frame);
            }
            final PipelineAgent agent = new PipelineAgent("test", host.pipeline);
            final PollIdleStrategy idle = (PollIdleStrategy)IdleStrategies.parse("poll:1:0", host.ports().values().toArray(InMemoryPort[]::new));
            final Worker worker = new Worker(agent, idle);
            try
            {
                worker.start();
                assertTrue(worker.isRunning());
                awaitCounter(() -> host.counter("port/c2/tx_packets"), FRAMES);
                // more frames while it runs: offered on the worker thread through a command
                assertEquals(Boolean.TRUE, agent.call(() ->
                {
                    for (int i = 0; i < FRAMES; i++)
                    {
                        host.port("c1").offer(udp4(REMOTE2_MAC, C1_MAC, 40001, 64));
                    }
                    return Boolean.TRUE;
                }).get(10, TimeUnit.SECONDS));
                awaitCounter(() -> host.counter("port/uplink/tx_packets"), FRAMES);
            }
            finally
            {
                worker.close();
            }
            assertFalse(worker.isRunning());
            assertFalse(worker.thread().isAlive());
            assertEquals(0, worker.errors(), String.valueOf(worker.firstError()));
            final List<byte[]> out = host.out("c2");
            assertEquals(FRAMES, out.size());
            assertArrayEquals(frame, out.get(FRAMES - 1));
            assertEquals(FRAMES, host.out("uplink").size(), "encapsulated to the remote VTEP");
            assertEquals(0, host.pool.inUse(), "every frame back in the pool");
            assertTrue(idle.parks() > 0, "idle in-memory ports cannot wait, so the poll strategy parked: " + idle.parks());
        }
    }

    @Test
    void commandsRunOnTheWorkerThreadAndTheRestRunAtClose() throws Exception
    {
        try (TestHost host = TestHost.standard(TestHost.Addressing.V4, false))
        {
            final PipelineAgent agent = new PipelineAgent("cmd", host.pipeline);
            final Worker worker = new Worker(agent, IdleStrategies.parse("sleep:100"));
            final AtomicReference<String> lateThread = new AtomicReference<>();
            try
            {
                worker.start();
                assertEquals("nve-worker-cmd", agent.call(() -> Thread.currentThread().getName()).get(5, TimeUnit.SECONDS));
                final var failing = agent.call(() ->
                {
                    throw new IllegalStateException("boom");
                });
                final var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> failing.get(5, TimeUnit.SECONDS));
                assertEquals("boom", e.getCause().getMessage());
            }
            finally
            {
                worker.close();
            }
            assertTrue(agent.offer(() -> lateThread.set(Thread.currentThread().getName())), "queue accepts after close");
            assertNull(lateThread.get(), "nobody runs commands after the worker ended");
            assertEquals(0, worker.errors(), "a failing command completes its future; it is not an agent error");
        }
    }

    @Test
    void commandQueueIsBounded()
    {
        try (TestHost host = TestHost.standard(TestHost.Addressing.V4, false))
        {
            final PipelineAgent agent = new PipelineAgent("full", host.pipeline);
            int accepted = 0;
            while (agent.offer(() -> { }))
            {
                accepted++;
            }
            assertEquals(PipelineAgent.COMMAND_QUEUE_CAPACITY, accepted);
            assertTrue(agent.call(() -> 1).isCompletedExceptionally());
            // drained (and run) by the duty cycle, a bounded number per cycle
            assertEquals(PipelineAgent.MAX_COMMANDS_PER_CYCLE, agent.doWork());
            agent.onClose();
            assertTrue(agent.offer(() -> { }));
        }
    }

    @Test
    void threadStartHookRunsFirstOnTheWorkerThread() throws Exception
    {
        final List<String> events = new ArrayList<>();
        final Agent agent = new CountingAgent(events, -1);
        final Worker worker = new Worker(agent, new BusySpinIdleStrategy(), () ->
        {
            synchronized (events)
            {
                events.add("hook on " + Thread.currentThread().getName());
            }
        });
        try
        {
            worker.start();
            Thread.sleep(20);
        }
        finally
        {
            worker.close();
        }
        synchronized (events)
        {
            assertEquals("hook on nve-worker-counting", events.get(0));
            assertEquals("start", events.get(1));
            assertEquals("work", events.get(2));
            assertEquals("close", events.get(events.size() - 1));
        }
    }

    @Test
    void aFailingStartHookFailsStartAndStopsTheThread() throws Exception
    {
        final List<String> events = new ArrayList<>();
        final Worker worker = new Worker(new CountingAgent(events, -1), new BusySpinIdleStrategy(), () ->
        {
            throw new IllegalStateException("sched_setaffinity: EINVAL cpu 99");
        });
        final IllegalStateException e = assertThrows(IllegalStateException.class, worker::start);
        assertTrue(e.getMessage().contains("failed to start: sched_setaffinity: EINVAL cpu 99"), e.getMessage());
        assertFalse(worker.isRunning());
        worker.thread().join(5000);
        assertFalse(worker.thread().isAlive());
        synchronized (events)
        {
            assertFalse(events.contains("work"), events.toString());
        }
        assertThrows(IllegalStateException.class, worker::start, "a closed worker does not start again");
    }

    @Test
    void dutyCycleErrorsAreCountedAndTheLoopGoesOn() throws Exception
    {
        final List<String> events = new ArrayList<>();
        final CountingAgent agent = new CountingAgent(events, 10);
        final Worker worker = new Worker(agent, new BusySpinIdleStrategy());
        try
        {
            worker.start();
            final long deadline = System.nanoTime() + 5_000_000_000L;
            while (worker.errors() < 3 && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            assertTrue(worker.isRunning(), "errors do not stop the worker");
        }
        finally
        {
            worker.close();
        }
        assertTrue(worker.errors() >= 3);
        assertEquals("duty cycle 10", worker.firstError().getMessage());
        assertTrue(agent.cycles.get() > 30);
    }

    @Test
    void closeIsIdempotentAndWorksBeforeStart()
    {
        final Worker worker = new Worker(new CountingAgent(new ArrayList<>(), -1), new BusySpinIdleStrategy());
        worker.close();
        worker.close();
        assertFalse(worker.isRunning());
        assertThrows(IllegalStateException.class, worker::start);
    }

    private static void awaitCounter(final LongSupplier counter, final long expected) throws InterruptedException
    {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (counter.getAsLong() < expected && System.nanoTime() < deadline)
        {
            Thread.sleep(1);
        }
        assertEquals(expected, counter.getAsLong());
    }

    /** Records its life cycle; throws on every {@code failEvery}-th duty cycle (never when < 0). */
    private static final class CountingAgent implements Agent
    {
        private final List<String> events;
        private final int failEvery;
        final AtomicInteger cycles = new AtomicInteger();

        CountingAgent(final List<String> events, final int failEvery)
        {
            this.events = events;
            this.failEvery = failEvery;
        }

        private void event(final String event)
        {
            synchronized (events)
            {
                if (events.isEmpty() || !events.get(events.size() - 1).equals(event))
                {
                    events.add(event);
                }
            }
        }

        @Override
        public void onStart()
        {
            event("start");
        }

        @Override
        public int doWork()
        {
            event("work");
            final int n = cycles.incrementAndGet();
            if (failEvery > 0 && n % failEvery == 0)
            {
                throw new IllegalStateException("duty cycle " + n);
            }
            return 0;
        }

        @Override
        public void onClose()
        {
            event("close");
        }

        @Override
        public String roleName()
        {
            return "counting";
        }

        @Override
        public String toString()
        {
            return Arrays.toString(new int[] {cycles.get()});
        }
    }
}
