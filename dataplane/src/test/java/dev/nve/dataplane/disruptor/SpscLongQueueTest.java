package dev.nve.dataplane.disruptor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class SpscLongQueueTest
{
    @Test
    void capacityMustBeAPowerOfTwo()
    {
        assertThrows(IllegalArgumentException.class, () -> new SpscLongQueue(3));
        assertThrows(IllegalArgumentException.class, () -> new SpscLongQueue(1));
        assertEquals(8, new SpscLongQueue(8).capacity());
    }

    @Test
    void fifoUntilFullThenRefusesAndWrapsAround()
    {
        final SpscLongQueue queue = new SpscLongQueue(4);
        final List<Long> out = new ArrayList<>();
        for (int round = 0; round < 10; round++)
        {
            for (int i = 0; i < 4; i++)
            {
                assertTrue(queue.offer(round * 10L + i));
            }
            assertFalse(queue.offer(99), "full");
            assertEquals(4, queue.size());
            assertEquals(3, queue.drain(out::add, 3));
            assertTrue(queue.offer(round * 10L + 4), "one slot freed");
            assertEquals(2, queue.drain(out::add, 100));
            assertEquals(0, queue.drain(out::add, 100));
            assertTrue(queue.isEmpty());
        }
        for (int round = 0; round < 10; round++)
        {
            for (int i = 0; i < 5; i++)
            {
                assertEquals(round * 10L + i, out.get(round * 5 + i));
            }
        }
    }

    @Test
    void addedValuesAreInvisibleUntilPublished()
    {
        final SpscLongQueue queue = new SpscLongQueue(4);
        final List<Long> out = new ArrayList<>();
        assertTrue(queue.add(1));
        assertTrue(queue.add(2));
        assertEquals(0, queue.drain(out::add, 10), "not published yet");
        assertEquals(0, queue.size());
        queue.publish();
        assertEquals(2, queue.size());
        assertTrue(queue.add(3));
        assertTrue(queue.add(4));
        assertFalse(queue.add(5), "full counts unpublished values too");
        assertEquals(2, queue.drain(out::add, 10));
        queue.publish();
        assertEquals(2, queue.drain(out::add, 10));
        assertEquals(List.of(1L, 2L, 3L, 4L), out);
    }

    @Test
    void twoThreadsSeeEveryValueOnceInOrder() throws InterruptedException
    {
        final SpscLongQueue queue = new SpscLongQueue(64);
        final long total = 500_000;
        final AtomicReference<String> failure = new AtomicReference<>();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        final Thread producer = Thread.ofPlatform().start(() ->
        {
            for (long v = 0; v < total && System.nanoTime() < deadline; )
            {
                // alternate single offers and batches published at once
                if ((v & 1024) == 0 ? queue.offer(v) : queue.add(v))
                {
                    v++;
                    if ((v & 7) == 0)
                    {
                        queue.publish();
                    }
                }
                else
                {
                    queue.publish();
                    Thread.onSpinWait();
                }
            }
            queue.publish();
        });
        final long[] expected = {0};
        while (expected[0] < total && System.nanoTime() < deadline)
        {
            final int n = queue.drain(v ->
            {
                if (v != expected[0] && failure.get() == null)
                {
                    failure.set("expected " + expected[0] + ", got " + v);
                }
                expected[0]++;
            }, 17);
            if (n == 0)
            {
                Thread.onSpinWait();
            }
        }
        producer.join();
        assertNull(failure.get());
        assertEquals(total, expected[0], "all values arrived within the time bound");
        assertTrue(queue.isEmpty());
    }
}
