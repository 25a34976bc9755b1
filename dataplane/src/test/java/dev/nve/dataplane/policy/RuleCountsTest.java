package dev.nve.dataplane.policy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rule counters: per-worker single writers, summed by readers while the workers add. */
final class RuleCountsTest
{
    private static final int RULES = 100;
    private static final int BATCHES = 200_000;

    @Test
    void readersSeeEveryWorkersCountsAndNeverASumGoingBackwards() throws Exception
    {
        final RuleCounts counts = new RuleCounts(RULES);
        counts.addWorker(0);
        counts.addWorker(1);
        // Worker 2 has no counters of its own (not added), worker MAX_WORKERS cannot have any:
        // both add to the shared atomic array, concurrently.
        final int[] workers = {0, 1, 2, RuleCounts.MAX_WORKERS};
        final List<Thread> threads = new ArrayList<>();
        for (final int worker : workers)
        {
            threads.add(Thread.ofPlatform().start(() -> addBatches(counts, worker)));
        }
        final AtomicBoolean done = new AtomicBoolean();
        final long[] readerChecks = new long[1];
        final AtomicReference<String> backwards = new AtomicReference<>();
        final Thread reader = Thread.ofPlatform().start(() ->
        {
            long last = 0;
            while (!done.get())
            {
                final long now = counts.packets(7);
                if (now < last)
                {
                    backwards.compareAndSet(null, "rule 7 went back from " + last + " to " + now);
                }
                last = now;
                readerChecks[0]++;
            }
        });
        for (final Thread thread : threads)
        {
            thread.join();
        }
        done.set(true);
        reader.join();
        assertNull(backwards.get());
        // Each batch adds 1 packet and 100 bytes to rules 7 and (batch % RULES).
        final long perWorkerRule7 = BATCHES + BATCHES / RULES;
        assertEquals(workers.length * perWorkerRule7, counts.packets(7));
        assertEquals(workers.length * perWorkerRule7 * 100, counts.bytes(7));
        assertEquals(workers.length * (long)(BATCHES / RULES), counts.packets(8));
        assertTrue(readerChecks[0] > 0);
    }

    @Test
    void ruleIdsOutsideTheTableAreIgnoredAndAddingAWorkerTwiceKeepsItsCounts()
    {
        final RuleCounts counts = new RuleCounts(2);
        counts.addWorker(3);
        counts.add(3, new int[] {1, 2, -1, PolicyVerdict.NO_RULE}, new long[] {5, 9, 9, 9}, new long[] {50, 90, 90, 90}, 4);
        counts.addWorker(3);
        counts.add(-1, new int[] {1}, new long[] {1}, new long[] {10}, 1);
        assertEquals(6, counts.packets(1));
        assertEquals(60, counts.bytes(1));
        assertEquals(0, counts.packets(0));
    }

    private static void addBatches(final RuleCounts counts, final int worker)
    {
        final int[] rules = new int[2];
        final long[] packets = {1, 1};
        final long[] bytes = {100, 100};
        for (int batch = 0; batch < BATCHES; batch++)
        {
            rules[0] = 7;
            rules[1] = batch % RULES;
            counts.add(worker, rules, packets, bytes, 2);
        }
    }
}
