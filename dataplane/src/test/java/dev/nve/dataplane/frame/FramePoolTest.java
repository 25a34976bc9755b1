package dev.nve.dataplane.frame;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class FramePoolTest
{
    private final FrameMemory memory = FrameMemory.allocate(8, 2048, 256);

    @AfterEach
    void close()
    {
        memory.close();
    }

    @Test
    void allocatesEveryFrameOnceThenRunsDry()
    {
        final FramePool pool = new FramePool(memory);
        assertEquals(8, pool.capacity());
        assertEquals(8, pool.available());
        final Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 8; i++)
        {
            final long address = pool.allocate();
            assertTrue(address >= 0);
            assertEquals(memory.dataStart(memory.frameIndex(address)), address, "handed out at the data start");
            assertTrue(seen.add(address), "unique");
            assertEquals(i + 1, pool.inUse());
        }
        assertEquals(-1, pool.allocate());
        assertEquals(0, pool.available());
        for (final long address : seen)
        {
            assertTrue(pool.release(address));
        }
        assertEquals(0, pool.inUse());
    }

    @Test
    void anyAddressInsideTheFrameReturnsIt()
    {
        final FramePool pool = new FramePool(memory);
        final long address = pool.allocate();
        assertTrue(pool.release(address - 100), "an address in the headroom (after encap)");
        assertEquals(0, pool.inUse());
        final long again = pool.allocate();
        assertTrue(pool.release(again + 1000), "an address inside the data (after decap)");
        assertEquals(0, pool.inUse());
    }

    @Test
    void doubleReleaseAndForeignAddressesAreRefused()
    {
        final FramePool pool = new FramePool(memory, 2, 3);
        final long a = pool.allocate();
        final long b = pool.allocate();
        assertTrue(pool.release(a));
        assertFalse(pool.release(a), "double release");
        assertFalse(pool.release(a + 1), "double release through another address of the frame");
        assertEquals(1, pool.inUse());
        assertFalse(pool.release(memory.dataStart(0)), "frame outside this pool's range");
        assertFalse(pool.release(memory.dataStart(7)), "frame outside this pool's range");
        assertFalse(pool.release(-1), "negative address");
        assertFalse(pool.release(8L * 2048), "past the memory");
        assertEquals(1, pool.inUse());
        assertTrue(pool.release(b));
        assertEquals(0, pool.inUse());
        assertEquals(3, pool.available());
    }

    @Test
    void subRangePoolsHandOutOnlyTheirFrames()
    {
        final FramePool low = new FramePool(memory, 0, 4);
        final FramePool high = new FramePool(memory, 4, 4);
        for (int i = 0; i < 4; i++)
        {
            assertTrue(memory.frameIndex(low.allocate()) < 4);
            assertTrue(memory.frameIndex(high.allocate()) >= 4);
        }
        assertEquals(-1, low.allocate());
        assertEquals(-1, high.allocate());
        assertThrows(IllegalArgumentException.class, () -> new FramePool(memory, 6, 3));
        assertThrows(IllegalArgumentException.class, () -> new FramePool(memory, -1, 2));
    }
}
