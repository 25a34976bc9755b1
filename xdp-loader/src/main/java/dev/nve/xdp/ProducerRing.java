package dev.nve.xdp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The user-space producer side of an AF_XDP ring: the fill ring (UMEM addresses) and the TX
 * ring (descriptors). Same discipline as libxdp's {@code xsk_ring_prod} and Netty's io_uring
 * submission queue:
 * <ul>
 *   <li>{@code cachedConsumer} is the kernel's consumer plus the ring size (the index we may
 *       write up to); it is refreshed with one acquire load only when the cached free space is
 *       not enough;</li>
 *   <li>entries are written with plain stores at {@code cachedProducer};</li>
 *   <li>{@link #submit()} publishes them all with one release store of the producer word.</li>
 * </ul>
 * The cached state starts from the words the kernel set up (zero on a fresh socket), never
 * from garbage (RESULTS.md pitfall 1). Single-threaded: one worker owns the ring.
 */
public final class ProducerRing extends RingMemory
{
    private int cachedProducer;
    private int cachedConsumer;
    private int published;

    ProducerRing(final String name, final MemorySegment memory, final MemorySegment offsets, final long ringOffset, final int size, final int entrySize)
    {
        super(name, memory, offsets, ringOffset, size, entrySize);
        this.cachedProducer = (int)INDEX.getAcquire(memory, producerOffset);
        this.published = cachedProducer;
        this.cachedConsumer = loadConsumerAcquire() + size;
    }

    /**
     * Free slots, at least {@code wanted} if the ring has them: refreshes the kernel's
     * consumer index only when the cached view has fewer than {@code wanted}.
     */
    public int free(final int wanted)
    {
        final int free = cachedConsumer - cachedProducer;
        if (free >= wanted)
        {
            return free;
        }
        cachedConsumer = loadConsumerAcquire() + size;
        return cachedConsumer - cachedProducer;
    }

    /** Writes a fill/completion entry at the next slot (caller checked {@link #free}). */
    public void putAddress(final long address)
    {
        memory.set(ValueLayout.JAVA_LONG, descOffset + (long)(cachedProducer & mask) * 8, address);
        cachedProducer++;
    }

    /** Writes an RX/TX descriptor at the next slot (caller checked {@link #free}). */
    public void putDescriptor(final long address, final int length, final int options)
    {
        final long slot = descOffset + (long)(cachedProducer & mask) * 16;
        memory.set(ValueLayout.JAVA_LONG, slot, address);
        memory.set(ValueLayout.JAVA_INT, slot + 8, length);
        memory.set(ValueLayout.JAVA_INT, slot + 12, options);
        cachedProducer++;
    }

    /**
     * Publishes every entry written since the last submit with one release store.
     *
     * @return the number of entries published.
     */
    public int submit()
    {
        final int n = cachedProducer - published;
        if (n != 0)
        {
            INDEX.setRelease(memory, producerOffset, cachedProducer);
            published = cachedProducer;
        }
        return n;
    }

    /** Entries published and not yet taken by the kernel, as far as its (lazily published) consumer says. */
    public int pending()
    {
        return published - loadConsumerAcquire();
    }

    /** Our producer index (entries ever written). */
    public int producerIndex()
    {
        return cachedProducer;
    }
}
