package dev.nve.dataplane.frame;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Frame memory shaped like an AF_XDP UMEM: one contiguous segment cut into fixed-size frames,
 * addressed by byte offset. A frame's data starts after {@link #headroom()} bytes so that
 * encapsulation can prepend outer headers without moving the payload. Every stage works on
 * offsets into this one segment, so the same code runs on pcap, in-memory and AF_XDP ports.
 */
public final class FrameMemory implements AutoCloseable
{
    public static final int DEFAULT_FRAME_SIZE = 4096;
    public static final int DEFAULT_HEADROOM = 256;

    private final Arena arena;
    private final MemorySegment segment;
    private final int frameSize;
    private final int frameShift;
    private final int frameCount;
    private final int headroom;

    private FrameMemory(final Arena arena, final MemorySegment segment, final int frameSize, final int headroom)
    {
        if (Integer.bitCount(frameSize) != 1 || frameSize < 2048)
        {
            throw new IllegalArgumentException("frame size must be a power of two >= 2048: " + frameSize);
        }
        if (headroom < 128 || headroom >= frameSize / 2)
        {
            throw new IllegalArgumentException("headroom must be in [128, frameSize/2): " + headroom);
        }
        this.arena = arena;
        this.segment = segment;
        this.frameSize = frameSize;
        this.frameShift = Integer.numberOfTrailingZeros(frameSize);
        this.frameCount = (int)(segment.byteSize() / frameSize);
        this.headroom = headroom;
    }

    /** Allocates zeroed, page-aligned off-heap frame memory owned by this object. */
    public static FrameMemory allocate(final int frameCount, final int frameSize, final int headroom)
    {
        final Arena arena = Arena.ofShared();
        final MemorySegment segment = arena.allocate((long)frameCount * frameSize, 4096);
        return new FrameMemory(arena, segment, frameSize, headroom);
    }

    public static FrameMemory allocate(final int frameCount)
    {
        return allocate(frameCount, DEFAULT_FRAME_SIZE, DEFAULT_HEADROOM);
    }

    /** Wraps memory owned elsewhere (an mmapped UMEM); {@link #close()} then does not free it. */
    public static FrameMemory wrap(final MemorySegment segment, final int frameSize, final int headroom)
    {
        return new FrameMemory(null, segment, frameSize, headroom);
    }

    public MemorySegment segment()
    {
        return segment;
    }

    public int frameSize()
    {
        return frameSize;
    }

    public int frameCount()
    {
        return frameCount;
    }

    public int headroom()
    {
        return headroom;
    }

    /** Largest frame a port may place at the default data start. */
    public int maxFrameLength()
    {
        return frameSize - headroom;
    }

    /** Offset of the first byte of frame {@code index}. */
    public long frameBase(final int index)
    {
        return (long)index << frameShift;
    }

    /** Offset where a freshly received frame's data starts. */
    public long dataStart(final int index)
    {
        return ((long)index << frameShift) + headroom;
    }

    /** Frame index of any address inside the frame (data may have moved into the headroom). */
    public int frameIndex(final long address)
    {
        return (int)(address >>> frameShift);
    }

    /** Offset of the frame that contains {@code address}. */
    public long frameBaseOf(final long address)
    {
        return address & ~((long)frameSize - 1);
    }

    @Override
    public void close()
    {
        if (arena != null)
        {
            arena.close();
        }
    }
}
