package dev.nve.xdp;

import dev.nve.xdp.ffi.IfXdp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ring classes against a simulated kernel side over ordinary memory laid out like a real
 * ring mapping (producer, consumer, flags words, then the entries), including free-running
 * indices that wrap past 2^32.
 */
class RingTest
{
    private static final long PRODUCER = 0;
    private static final long CONSUMER = 64;
    private static final long FLAGS = 128;
    private static final long DESC = 192;

    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close()
    {
        arena.close();
    }

    private MemorySegment offsets()
    {
        final MemorySegment offsets = arena.allocate(IfXdp.MMAP_OFFSETS_SIZE, 8);
        for (final long ring : new long[] {IfXdp.MMAP_OFFSETS_RX, IfXdp.MMAP_OFFSETS_TX, IfXdp.MMAP_OFFSETS_FR, IfXdp.MMAP_OFFSETS_CR})
        {
            offsets.set(ValueLayout.JAVA_LONG, ring + IfXdp.RING_OFFSET_PRODUCER, PRODUCER);
            offsets.set(ValueLayout.JAVA_LONG, ring + IfXdp.RING_OFFSET_CONSUMER, CONSUMER);
            offsets.set(ValueLayout.JAVA_LONG, ring + IfXdp.RING_OFFSET_FLAGS, FLAGS);
            offsets.set(ValueLayout.JAVA_LONG, ring + IfXdp.RING_OFFSET_DESC, DESC);
        }
        return offsets;
    }

    private MemorySegment mapping(final int size, final int entrySize, final int startIndex)
    {
        final MemorySegment m = arena.allocate(DESC + (long)size * entrySize, 64);
        m.set(ValueLayout.JAVA_INT, PRODUCER, startIndex);
        m.set(ValueLayout.JAVA_INT, CONSUMER, startIndex);
        return m;
    }

    @Test
    void fillRingProducesAddressesAcrossTheIndexWrap()
    {
        final int size = 8;
        final int start = -5; // 0xFFFFFFFB: the free-running indices wrap after 5 entries
        final MemorySegment m = mapping(size, 8, start);
        final ProducerRing fill = new ProducerRing("fill", m, offsets(), IfXdp.MMAP_OFFSETS_FR, size, 8);
        assertEquals(size, fill.free(1));
        long next = 0;
        int kernelConsumer = start;
        for (int round = 0; round < 10; round++)
        {
            final int n = fill.free(size);
            assertEquals(size, n, "kernel consumed everything, so the whole ring is free");
            for (int i = 0; i < n; i++)
            {
                fill.putAddress(next++ * 4096);
            }
            assertEquals(start + (round * size), m.get(ValueLayout.JAVA_INT, PRODUCER), "nothing visible before submit");
            assertEquals(n, fill.submit());
            assertEquals(0, fill.submit(), "a second submit publishes nothing");
            assertEquals(start + (round + 1) * size, m.get(ValueLayout.JAVA_INT, PRODUCER));
            assertEquals(0, fill.free(1), "ring full until the kernel consumes");
            assertEquals(size, fill.pending());
            // the kernel consumes: reads the entries in order
            for (int i = 0; i < size; i++)
            {
                final long expected = (next - size + i) * 4096;
                assertEquals(expected, m.get(ValueLayout.JAVA_LONG, DESC + (long)((kernelConsumer + i) & (size - 1)) * 8));
            }
            kernelConsumer += size;
            m.set(ValueLayout.JAVA_INT, CONSUMER, kernelConsumer);
        }
    }

    @Test
    void producerRefreshesTheConsumerOnlyWhenTheCacheIsShort()
    {
        final int size = 16;
        final MemorySegment m = mapping(size, 16, 0);
        final ProducerRing tx = new ProducerRing("tx", m, offsets(), IfXdp.MMAP_OFFSETS_TX, size, 16);
        for (int i = 0; i < 12; i++)
        {
            tx.putDescriptor(i * 4096L + 256, 60 + i, 0);
        }
        tx.submit();
        assertEquals(4, tx.free(4));
        m.set(ValueLayout.JAVA_INT, CONSUMER, 10); // kernel took 10
        assertEquals(4, tx.free(4), "cached view is enough: no refresh");
        assertEquals(14, tx.free(5), "asking for more refreshes");
        assertEquals(256 + 3 * 4096L, m.get(ValueLayout.JAVA_LONG, DESC + 3 * 16));
        assertEquals(63, m.get(ValueLayout.JAVA_INT, DESC + 3 * 16 + 8));
    }

    @Test
    void consumerReadsDescriptorsAndReleasesOncePerBatch()
    {
        final int size = 4;
        final int start = Integer.MAX_VALUE - 1; // signed overflow on the way
        final MemorySegment m = mapping(size, 16, start);
        final ConsumerRing rx = new ConsumerRing("rx", m, offsets(), IfXdp.MMAP_OFFSETS_RX, size, 16);
        assertEquals(0, rx.peek(64));
        int producer = start;
        long seq = 0;
        for (int round = 0; round < 6; round++)
        {
            // the kernel produces 3 descriptors
            for (int i = 0; i < 3; i++)
            {
                final long slot = DESC + (long)(producer & (size - 1)) * 16;
                m.set(ValueLayout.JAVA_LONG, slot, seq * 4096 + 256);
                m.set(ValueLayout.JAVA_INT, slot + 8, (int)(100 + seq));
                producer++;
                seq++;
            }
            m.set(ValueLayout.JAVA_INT, PRODUCER, producer);
            assertEquals(3, rx.ready());
            assertEquals(2, rx.peek(2), "bounded by max");
            final long first = seq - 3;
            assertEquals(first * 4096 + 256, rx.descriptorAddress(0));
            assertEquals(100 + first + 1, rx.descriptorLength(1));
            rx.release(2);
            assertEquals(producer - 1, m.get(ValueLayout.JAVA_INT, CONSUMER));
            assertEquals(1, rx.peek(64), "the rest of the cached batch, without a refresh");
            assertEquals((first + 2) * 4096 + 256, rx.descriptorAddress(0));
            rx.release(1);
            assertEquals(producer, m.get(ValueLayout.JAVA_INT, CONSUMER));
            assertEquals(0, rx.peek(64));
        }
    }

    @Test
    void completionRingReadsAddresses()
    {
        final int size = 8;
        final MemorySegment m = mapping(size, 8, 0);
        final ConsumerRing cq = new ConsumerRing("completion", m, offsets(), IfXdp.MMAP_OFFSETS_CR, size, 8);
        for (int i = 0; i < 5; i++)
        {
            m.set(ValueLayout.JAVA_LONG, DESC + i * 8L, i * 8192L + 300);
        }
        m.set(ValueLayout.JAVA_INT, PRODUCER, 5);
        assertEquals(5, cq.peek(8));
        for (int i = 0; i < 5; i++)
        {
            assertEquals(i * 8192L + 300, cq.address(i));
        }
        cq.release(5);
        assertEquals(5, m.get(ValueLayout.JAVA_INT, CONSUMER));
    }

    @Test
    void needWakeupReadsTheFlagsWord()
    {
        final MemorySegment m = mapping(8, 16, 0);
        final ProducerRing tx = new ProducerRing("tx", m, offsets(), IfXdp.MMAP_OFFSETS_TX, 8, 16);
        assertFalse(tx.needsWakeup());
        m.set(ValueLayout.JAVA_INT, FLAGS, IfXdp.XDP_RING_NEED_WAKEUP);
        assertTrue(tx.needsWakeup());
    }

    @Test
    void startsFromTheKernelsIndicesNotFromZero()
    {
        // pitfall 1: the cached state must come from the real words
        final MemorySegment m = mapping(8, 8, 155648);
        final ProducerRing fill = new ProducerRing("fill", m, offsets(), IfXdp.MMAP_OFFSETS_FR, 8, 8);
        assertEquals(8, fill.free(8));
        assertEquals(155648, fill.producerIndex());
        final ConsumerRing cq = new ConsumerRing("completion", m, offsets(), IfXdp.MMAP_OFFSETS_CR, 8, 8);
        assertEquals(0, cq.peek(8));
        assertEquals(155648, cq.consumerIndex());
    }
}
