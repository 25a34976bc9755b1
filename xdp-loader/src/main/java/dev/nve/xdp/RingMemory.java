package dev.nve.xdp;

import dev.nve.xdp.ffi.IfXdp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Where one AF_XDP ring lives in its mmapped region ({@code struct xdp_ring_offset}): the
 * producer and consumer words ({@code __u32}, free-running, wrapping), the flags word and the
 * entries (a {@code __u64} address for fill/completion, a {@code struct xdp_desc} for RX/TX).
 * Shared by {@link ProducerRing} and {@link ConsumerRing}.
 */
abstract class RingMemory
{
    /** Acquire/release access to the index words (native order, 4-byte aligned). */
    static final VarHandle INDEX = ValueLayout.JAVA_INT.varHandle();

    final MemorySegment memory;
    final long producerOffset;
    final long consumerOffset;
    final long flagsOffset;
    final long descOffset;
    final int size;
    final int mask;
    final int entrySize;
    final String name;

    RingMemory(final String name, final MemorySegment memory, final MemorySegment offsets, final long ringOffset, final int size, final int entrySize)
    {
        if (Integer.bitCount(size) != 1)
        {
            throw new IllegalArgumentException(name + " ring size must be a power of two: " + size);
        }
        this.name = name;
        this.memory = memory;
        this.producerOffset = offsets.get(ValueLayout.JAVA_LONG, ringOffset + IfXdp.RING_OFFSET_PRODUCER);
        this.consumerOffset = offsets.get(ValueLayout.JAVA_LONG, ringOffset + IfXdp.RING_OFFSET_CONSUMER);
        this.descOffset = offsets.get(ValueLayout.JAVA_LONG, ringOffset + IfXdp.RING_OFFSET_DESC);
        this.flagsOffset = offsets.get(ValueLayout.JAVA_LONG, ringOffset + IfXdp.RING_OFFSET_FLAGS);
        this.size = size;
        this.mask = size - 1;
        this.entrySize = entrySize;
        final long end = descOffset + (long)size * entrySize;
        if (end > memory.byteSize() || (descOffset & 7) != 0 || (producerOffset & 3) != 0 || (consumerOffset & 3) != 0)
        {
            throw new IllegalStateException(name + " ring offsets do not fit the mapping: desc " + descOffset + " end " + end + " mapping "
                + memory.byteSize());
        }
    }

    /** Bytes to mmap for a ring of {@code size} entries given its offsets. */
    static long mappingLength(final MemorySegment offsets, final long ringOffset, final int size, final int entrySize)
    {
        return offsets.get(ValueLayout.JAVA_LONG, ringOffset + IfXdp.RING_OFFSET_DESC) + (long)size * entrySize;
    }

    final int loadProducerAcquire()
    {
        return (int)INDEX.getAcquire(memory, producerOffset);
    }

    final int loadConsumerAcquire()
    {
        return (int)INDEX.getAcquire(memory, consumerOffset);
    }

    /**
     * The kernel's XDP_RING_NEED_WAKEUP flag. A full fence first orders our preceding index
     * store before the flag load (store-load), so a flag the kernel set after it went idle
     * is not missed; once per batch, not per frame.
     */
    public final boolean needsWakeup()
    {
        VarHandle.fullFence();
        return ((int)INDEX.getVolatile(memory, flagsOffset) & IfXdp.XDP_RING_NEED_WAKEUP) != 0;
    }

    public final int size()
    {
        return size;
    }

    public final String name()
    {
        return name;
    }
}
