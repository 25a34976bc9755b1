package dev.nve.dataplane.policy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Packets and bytes per rule of one {@link PolicyTable}, counted from its publication. Each
 * registered worker ({@code Tables.registerWorker}) adds to counters of its own, which only it
 * writes: plain stores, no atomic read-modify-write on the packet path and no cache line written
 * by two workers. Readers sum the workers' counters. A worker without counters of its own in
 * the table (index -1, or {@link #MAX_WORKERS} and above) adds atomically to a shared array.
 * <p>
 * Why not one shared array of atomics for everyone: each {@code getAndAdd} is a
 * {@code lock xadd}, a full barrier that waits for its line. With traffic spread over many rules
 * a batch adds to ~32 rules' counters spread over megabytes, and with several workers the
 * lines of the busiest rules move between cores every batch (docs/BENCHMARKS.md).
 */
public final class RuleCounts
{
    /** Workers that can have counters of their own; others share the atomic array. */
    public static final int MAX_WORKERS = 64;
    /** Element access with opaque semantics: a reader sees whole longs, the writer's stores are plain moves. */
    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(long[].class);

    /** Two longs per rule: packets at 2 x rule, bytes at 2 x rule + 1. */
    private final int length;
    private final AtomicLongArray shared;
    private final AtomicReferenceArray<long[]> perWorker = new AtomicReferenceArray<>(MAX_WORKERS);

    /** Counters for rule ids 0 to {@code rules} - 1 (the policy table makes its own). */
    public RuleCounts(final int rules)
    {
        this.length = 2 * Math.max(1, rules);
        this.shared = new AtomicLongArray(length);
    }

    /**
     * Set-up path, before worker {@code worker} can see the table: gives it counters of its own
     * (nothing for an index outside [0, {@link #MAX_WORKERS}); idempotent).
     */
    public void addWorker(final int worker)
    {
        if (worker >= 0 && worker < MAX_WORKERS && perWorker.get(worker) == null)
        {
            perWorker.compareAndSet(worker, null, new long[length]);
        }
    }

    /** Whether worker {@code worker} has counters of its own here (else it adds to the shared atomic array). */
    public boolean hasOwnCounters(final int worker)
    {
        return worker >= 0 && worker < MAX_WORKERS && perWorker.get(worker) != null;
    }

    /** Worker {@code worker}, once per batch: adds the batch's packets and bytes per rule (rule ids out of range are ignored). */
    public void add(final int worker, final int[] rules, final long[] packets, final long[] bytes, final int count)
    {
        final long[] own = worker >= 0 && worker < MAX_WORKERS ? perWorker.get(worker) : null;
        if (own == null)
        {
            addShared(rules, packets, bytes, count);
            return;
        }
        for (int i = 0; i < count; i++)
        {
            final int rule = rules[i];
            if (rule >= 0 && 2 * rule + 1 < length)
            {
                // Single writer: its own plain read, then a store readers see whole.
                COUNT.setOpaque(own, 2 * rule, own[2 * rule] + packets[i]);
                COUNT.setOpaque(own, 2 * rule + 1, own[2 * rule + 1] + bytes[i]);
            }
        }
    }

    private void addShared(final int[] rules, final long[] packets, final long[] bytes, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            final int rule = rules[i];
            if (rule >= 0 && 2 * rule + 1 < length)
            {
                shared.getAndAdd(2 * rule, packets[i]);
                shared.getAndAdd(2 * rule + 1, bytes[i]);
            }
        }
    }

    /** Packets rule {@code rule} decided (allowed or denied), all workers together. */
    public long packets(final int rule)
    {
        return sum(2 * rule);
    }

    public long bytes(final int rule)
    {
        return sum(2 * rule + 1);
    }

    private long sum(final int index)
    {
        long sum = shared.get(index);
        for (int worker = 0; worker < MAX_WORKERS; worker++)
        {
            final long[] counts = perWorker.get(worker);
            if (counts != null)
            {
                sum += (long)COUNT.getOpaque(counts, index);
            }
        }
        return sum;
    }
}
