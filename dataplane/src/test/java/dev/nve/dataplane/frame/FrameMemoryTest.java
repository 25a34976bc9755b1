package dev.nve.dataplane.frame;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

final class FrameMemoryTest
{
    @Test
    void geometry()
    {
        try (FrameMemory memory = FrameMemory.allocate(8, 2048, 256))
        {
            assertEquals(8, memory.frameCount());
            assertEquals(2048, memory.frameSize());
            assertEquals(256, memory.headroom());
            assertEquals(2048 - 256, memory.maxFrameLength());
            assertEquals(8L * 2048, memory.segment().byteSize());
            assertEquals(0, memory.segment().address() % 4096, "page aligned");
            assertEquals(3 * 2048L, memory.frameBase(3));
            assertEquals(3 * 2048L + 256, memory.dataStart(3));
            for (final long inside : new long[] {3 * 2048L, 3 * 2048L + 1, 3 * 2048L + 256, 4 * 2048L - 1})
            {
                assertEquals(3, memory.frameIndex(inside));
                assertEquals(3 * 2048L, memory.frameBaseOf(inside));
            }
            assertEquals(4, memory.frameIndex(4 * 2048L));
        }
    }

    @Test
    void defaultsAndValidation()
    {
        try (FrameMemory memory = FrameMemory.allocate(2))
        {
            assertEquals(FrameMemory.DEFAULT_FRAME_SIZE, memory.frameSize());
            assertEquals(FrameMemory.DEFAULT_HEADROOM, memory.headroom());
        }
        assertThrows(IllegalArgumentException.class, () -> FrameMemory.allocate(2, 3000, 256), "not a power of two");
        assertThrows(IllegalArgumentException.class, () -> FrameMemory.allocate(2, 1024, 256), "below 2048");
        assertThrows(IllegalArgumentException.class, () -> FrameMemory.allocate(2, 2048, 64), "headroom below 128");
        assertThrows(IllegalArgumentException.class, () -> FrameMemory.allocate(2, 2048, 1024), "headroom not below half");
    }

    @Test
    void wrappedMemoryIsNotFreedByClose()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final var segment = arena.allocate(4 * 2048, 4096);
            final FrameMemory memory = FrameMemory.wrap(segment, 2048, 128);
            assertEquals(4, memory.frameCount());
            memory.close();
            segment.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte)1); // still alive
        }
    }
}
