package dev.nve.dataplane.disruptor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.LongConsumer;

/**
 * Single-producer single-consumer bounded queue of {@code long}s, allocation-free on both
 * sides. It carries frame addresses from the pipeline handler thread back to the receive
 * thread that owns their pool (see {@link DisruptorPipeline}).
 *
 * <p>Memory ordering (Netty io_uring / JCTools style): each side keeps its own index in a plain
 * field it alone writes and publishes it with one release store; each side caches the other
 * side's index and reads it with an acquire load only when the cache says the queue is full
 * (producer) or holds fewer than the consumer could take. An element written before the producer's release store is
 * therefore visible to the consumer after its acquire load of that index, and a slot the
 * consumer released is free for the producer only after the consumer finished reading it.
 * The two indices live on separate cache lines (padding by inheritance, as in JCTools).
 *
 * <p>Contract: exactly one thread calls {@link #offer}, {@link #add} and {@link #publish},
 * exactly one (other) thread calls {@link #drain}; {@link #size()} may be called from anywhere
 * and counts published values only.
 */
public final class SpscLongQueue extends SpscLongQueueConsumerFields
{
    private static final VarHandle TAIL;
    private static final VarHandle HEAD;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAIL = lookup.findVarHandle(SpscLongQueueProducerFields.class, "tail", long.class);
            HEAD = lookup.findVarHandle(SpscLongQueueConsumerFields.class, "head", long.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    // trailing padding: keeps the consumer fields off the next object's cache line
    byte p200, p201, p202, p203, p204, p205, p206, p207, p208, p209, p210, p211, p212, p213, p214, p215;
    byte p216, p217, p218, p219, p220, p221, p222, p223, p224, p225, p226, p227, p228, p229, p230, p231;
    byte p232, p233, p234, p235, p236, p237, p238, p239, p240, p241, p242, p243, p244, p245, p246, p247;
    byte p248, p249, p250, p251, p252, p253, p254, p255, p256, p257, p258, p259, p260, p261, p262, p263;

    /**
     * @param capacity a power of two >= 2.
     */
    public SpscLongQueue(final int capacity)
    {
        super(checkCapacity(capacity));
    }

    private static int checkCapacity(final int capacity)
    {
        if (capacity < 2 || Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("capacity must be a power of two >= 2: " + capacity);
        }
        return capacity;
    }

    public int capacity()
    {
        return buffer.length;
    }

    /**
     * Appends {@code value} and publishes it at once (producer thread only).
     *
     * @return false when the queue is full (nothing is written).
     */
    public boolean offer(final long value)
    {
        if (!add(value))
        {
            return false;
        }
        publish();
        return true;
    }

    /**
     * Appends {@code value} without publishing it (producer thread only): the consumer sees it
     * after the next {@link #publish()}. Batching the publication matters: the consumer polls
     * the producer index, so every release store of it costs the producer a cache-line
     * transfer back; one store per batch instead of one per value.
     *
     * @return false when the queue is full (nothing is written).
     */
    public boolean add(final long value)
    {
        final long t = pendingTail;
        if (t - headCache >= buffer.length)
        {
            headCache = (long)HEAD.getAcquire(this);
            if (t - headCache >= buffer.length)
            {
                return false;
            }
        }
        buffer[(int)t & mask] = value;
        pendingTail = t + 1;
        return true;
    }

    /** Makes every value added so far visible to the consumer (one release store; producer thread only). */
    public void publish()
    {
        if (pendingTail != tail)
        {
            TAIL.setRelease(this, pendingTail);
        }
    }

    /**
     * Hands up to {@code limit} values to {@code sink} in FIFO order (consumer thread only) and
     * frees their slots with one release store.
     *
     * @return the number of values handed over.
     */
    public int drain(final LongConsumer sink, final int limit)
    {
        final long h = head;
        long available = tailCache - h;
        if (available < limit)
        {
            tailCache = (long)TAIL.getAcquire(this);
            available = tailCache - h;
            if (available <= 0)
            {
                return 0;
            }
        }
        final int n = (int)Math.min(available, limit);
        final long[] b = buffer;
        final int m = mask;
        for (int i = 0; i < n; i++)
        {
            sink.accept(b[(int)(h + i) & m]);
        }
        HEAD.setRelease(this, h + n);
        return n;
    }

    /** Values offered and not yet drained; exact only when both sides are quiet. */
    public int size()
    {
        final long h = (long)HEAD.getAcquire(this);
        final long t = (long)TAIL.getAcquire(this);
        return (int)Math.max(0, Math.min(t - h, buffer.length));
    }

    public boolean isEmpty()
    {
        return size() == 0;
    }
}

/** Leading padding and the shared, final fields. */
abstract class SpscLongQueuePadding
{
    byte p000, p001, p002, p003, p004, p005, p006, p007, p008, p009, p010, p011, p012, p013, p014, p015;
    byte p016, p017, p018, p019, p020, p021, p022, p023, p024, p025, p026, p027, p028, p029, p030, p031;
    byte p032, p033, p034, p035, p036, p037, p038, p039, p040, p041, p042, p043, p044, p045, p046, p047;
    byte p048, p049, p050, p051, p052, p053, p054, p055, p056, p057, p058, p059, p060, p061, p062, p063;

    final long[] buffer;
    final int mask;

    SpscLongQueuePadding(final int capacity)
    {
        this.buffer = new long[capacity];
        this.mask = capacity - 1;
    }
}

/** Producer side: its index (published) and its cache of the consumer's index. */
abstract class SpscLongQueueProducerFields extends SpscLongQueuePadding
{
    /** Next slot to publish; written by the producer only (release), read by the consumer (acquire). */
    long tail;
    /** Next slot to write (values in [tail, pendingTail) are written, not yet published). */
    long pendingTail;
    long headCache;

    SpscLongQueueProducerFields(final int capacity)
    {
        super(capacity);
    }
}

/** Separates the producer's fields from the consumer's. */
abstract class SpscLongQueueMidPadding extends SpscLongQueueProducerFields
{
    byte p100, p101, p102, p103, p104, p105, p106, p107, p108, p109, p110, p111, p112, p113, p114, p115;
    byte p116, p117, p118, p119, p120, p121, p122, p123, p124, p125, p126, p127, p128, p129, p130, p131;
    byte p132, p133, p134, p135, p136, p137, p138, p139, p140, p141, p142, p143, p144, p145, p146, p147;
    byte p148, p149, p150, p151, p152, p153, p154, p155, p156, p157, p158, p159, p160, p161, p162, p163;

    SpscLongQueueMidPadding(final int capacity)
    {
        super(capacity);
    }
}

/** Consumer side: its index (published) and its cache of the producer's index. */
abstract class SpscLongQueueConsumerFields extends SpscLongQueueMidPadding
{
    /** Next slot to read; written by the consumer only (release), read by the producer (acquire). */
    long head;
    long tailCache;

    SpscLongQueueConsumerFields(final int capacity)
    {
        super(capacity);
    }
}
