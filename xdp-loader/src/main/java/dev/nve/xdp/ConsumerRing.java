package dev.nve.xdp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The user-space consumer side of an AF_XDP ring: the RX ring (descriptors) and the
 * completion ring (UMEM addresses). Like libxdp's {@code xsk_ring_cons} and Netty's io_uring
 * {@code CompletionQueue}: the kernel's producer index is read with one acquire load only when
 * the cached view is empty; entries are read with plain loads (the acquire orders them after
 * the index); {@link #release(int)} hands the slots back with one release store of the
 * consumer word per batch. Single-threaded.
 */
public final class ConsumerRing extends RingMemory
{
    private int cachedProducer;
    private int cachedConsumer;

    ConsumerRing(final String name, final MemorySegment memory, final MemorySegment offsets, final long ringOffset, final int size, final int entrySize)
    {
        super(name, memory, offsets, ringOffset, size, entrySize);
        this.cachedConsumer = (int)INDEX.getAcquire(memory, consumerOffset);
        this.cachedProducer = loadProducerAcquire();
    }

    /**
     * Entries ready to read, at most {@code max}; the first is at {@link #index(int) index(0)}.
     * Refreshes the producer index when nothing is cached.
     */
    public int peek(final int max)
    {
        int entries = cachedProducer - cachedConsumer;
        if (entries == 0)
        {
            cachedProducer = loadProducerAcquire();
            entries = cachedProducer - cachedConsumer;
        }
        return Math.min(entries, max);
    }

    /** Address of completion entry {@code i} of the current peek. */
    public long address(final int i)
    {
        return memory.get(ValueLayout.JAVA_LONG, descOffset + (long)((cachedConsumer + i) & mask) * 8);
    }

    /** Address of RX descriptor {@code i} of the current peek. */
    public long descriptorAddress(final int i)
    {
        return memory.get(ValueLayout.JAVA_LONG, descOffset + (long)((cachedConsumer + i) & mask) * 16);
    }

    /** Length of RX descriptor {@code i} of the current peek. */
    public int descriptorLength(final int i)
    {
        return memory.get(ValueLayout.JAVA_INT, descOffset + (long)((cachedConsumer + i) & mask) * 16 + 8);
    }

    /** Options of RX descriptor {@code i} (XDP_PKT_CONTD for multi-buffer frames). */
    public int descriptorOptions(final int i)
    {
        return memory.get(ValueLayout.JAVA_INT, descOffset + (long)((cachedConsumer + i) & mask) * 16 + 12);
    }

    /** Gives {@code n} read entries back to the kernel (one release store). */
    public void release(final int n)
    {
        if (n != 0)
        {
            cachedConsumer += n;
            INDEX.setRelease(memory, consumerOffset, cachedConsumer);
        }
    }

    /** Entries the kernel has published and we have not released (refreshes the producer index). */
    public int ready()
    {
        cachedProducer = loadProducerAcquire();
        return cachedProducer - cachedConsumer;
    }

    /** Our consumer index (entries ever consumed). */
    public int consumerIndex()
    {
        return cachedConsumer;
    }
}
