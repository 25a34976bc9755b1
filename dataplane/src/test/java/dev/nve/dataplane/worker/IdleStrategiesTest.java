package dev.nve.dataplane.worker;

import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.port.InMemoryPort;
import dev.nve.dataplane.port.Port;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class IdleStrategiesTest
{
    @Test
    void parsesEveryForm()
    {
        assertInstanceOf(BusySpinIdleStrategy.class, IdleStrategies.parse("busy-spin"));
        assertInstanceOf(YieldingIdleStrategy.class, IdleStrategies.parse("yield"));
        assertInstanceOf(BackoffIdleStrategy.class, IdleStrategies.parse("backoff"));
        assertInstanceOf(BackoffIdleStrategy.class, IdleStrategies.parse(" BACKOFF "));
        final IdleStrategy sleep = IdleStrategies.parse("sleep:250");
        assertInstanceOf(SleepingIdleStrategy.class, sleep);
        assertTrue(sleep.toString().contains("250000"), sleep.toString());
        final PollIdleStrategy poll = assertInstanceOf(PollIdleStrategy.class, IdleStrategies.parse("poll:5"));
        assertEquals(5, poll.timeoutMillis());
        assertTrue(poll.toString().contains("spins 150, yields 50"), poll.toString());
        final PollIdleStrategy rounds = assertInstanceOf(PollIdleStrategy.class, IdleStrategies.parse("poll:1:0"));
        assertTrue(rounds.toString().contains("spins 0, yields 0"), rounds.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "spin", "busy", "busy-spin:1", "yield:2", "backoff:3", "sleep", "sleep:", "sleep:0", "sleep:1000001", "sleep:-5",
        "sleep:1.5", "sleep:abc", "poll", "poll:", "poll:0", "poll:1001", "poll:5:", "poll:5:-1", "poll:5:x", "poll:1:2:3", "sleep:99999999999"})
    void refusesWhatIsNotAForm(final String spec)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IdleStrategies.parse(spec));
        assertTrue(e.getMessage().contains(spec.strip()), e.getMessage());
        assertTrue(e.getMessage().contains("expected one of") || e.getMessage().contains("out of range"), e.getMessage());
    }

    @Test
    void refusesNull()
    {
        assertThrows(IllegalArgumentException.class, () -> IdleStrategies.parse(null));
    }

    @Test
    void pollSpinsThenYieldsThenWaits()
    {
        final AtomicInteger waits = new AtomicInteger();
        final PollIdleStrategy poll = new PollIdleStrategy(timeout ->
        {
            waits.incrementAndGet();
            return ReadinessWaiter.TIMEOUT;
        }, 3, 10, 1000);
        assertTrue(poll.toString().contains("spins 8, yields 2"), poll.toString());
        for (int i = 0; i < 10; i++)
        {
            poll.idle(0);
        }
        assertEquals(0, waits.get(), "the first idle rounds spin and yield");
        poll.idle(0);
        poll.idle(0);
        assertEquals(2, waits.get());
        assertEquals(2, poll.timeouts());
        poll.idle(7);
        for (int i = 0; i < 10; i++)
        {
            poll.idle(0);
        }
        assertEquals(2, waits.get(), "work resets the rounds");
        poll.idle();
        assertEquals(3, waits.get());
        poll.reset();
        poll.idle();
        assertEquals(3, waits.get());
    }

    @Test
    void pollParksWhenPortsCannotWait()
    {
        try (FrameMemory memory = FrameMemory.allocate(16))
        {
            final FramePool pool = new FramePool(memory);
            final Port a = new InMemoryPort(0, "a", pool);
            final Port b = new InMemoryPort(1, "b", pool);
            final PollIdleStrategy poll = (PollIdleStrategy)IdleStrategies.parse("poll:50:0", a, null, b);
            final long start = System.nanoTime();
            for (int i = 0; i < 20; i++)
            {
                poll.idle(0);
            }
            final long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(20, poll.parks(), "in-memory ports cannot wait: every sleep became a short park");
            assertEquals(0, poll.timeouts());
            assertTrue(elapsedMillis < 20 * 50 / 2, "parks are short, not the 50 ms timeout: " + elapsedMillis + " ms");
        }
    }

    @Test
    void pollWaitsOnPortsInRotationAndCountsWakeups()
    {
        final int[] calls = new int[2];
        final Port slow = new WaitingPort(0, calls, false);
        final Port ready = new WaitingPort(1, calls, true);
        final PollIdleStrategy poll = (PollIdleStrategy)IdleStrategies.parse("poll:2:0", slow, ready);
        for (int i = 0; i < 6; i++)
        {
            poll.idle(0);
        }
        assertEquals(3, calls[0]);
        assertEquals(3, calls[1]);
        assertEquals(3, poll.wakeups());
        assertEquals(3, poll.timeouts(), "a port that waited the whole timeout timed out");
        assertEquals(0, poll.parks());
    }

    @Test
    void noPortsMeansPark()
    {
        assertEquals(ReadinessWaiter.CANNOT_WAIT, ReadinessWaiter.of().await(5));
        assertEquals(ReadinessWaiter.CANNOT_WAIT, ReadinessWaiter.of((Port)null).await(5));
        final PollIdleStrategy poll = (PollIdleStrategy)IdleStrategies.parse("poll:1:0");
        poll.idle(0);
        assertEquals(1, poll.parks());
    }

    /** A port that can wait: sleeps the whole timeout (not readable) or returns readable at once. */
    private record WaitingPort(int id, int[] calls, boolean readable) implements Port
    {
        @Override
        public String name()
        {
            return "waiting" + id;
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
        public boolean awaitReadable(final int timeoutMillis)
        {
            calls[id]++;
            if (readable)
            {
                return true;
            }
            final long end = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (System.nanoTime() < end)
            {
                java.util.concurrent.locks.LockSupport.parkNanos(end - System.nanoTime());
            }
            return false;
        }
    }
}
