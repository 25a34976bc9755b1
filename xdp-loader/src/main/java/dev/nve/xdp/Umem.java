package dev.nve.xdp;

import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.xdp.ffi.IfXdp;
import dev.nve.xdp.ffi.LibC;

import java.lang.foreign.MemorySegment;

/**
 * The UMEM: one page-aligned anonymous mapping cut into equal frames, registered with the
 * first AF_XDP socket and shared by every port of one worker. It is wrapped as a dataplane
 * {@link FrameMemory}, so the stages work on it exactly as on pcap or in-memory frames, and
 * one {@link FramePool} over it is the free list of all its ports.
 *
 * <p>Data offsets: the kernel writes a received frame at chunk + XDP_PACKET_HEADROOM (256) +
 * the UMEM headroom. nve registers UMEM headroom = {@code FrameMemory.headroom() - 256}, so
 * received frames start exactly at {@code FrameMemory.dataStart(index)} like every frame the
 * pool hands out (headroom must therefore be at least 256).
 *
 * <p>Frame accounting: {@link #owner} records, per frame, which port's kernel ring holds it
 * (fill/RX side or TX/completion side), so a port can prove it never posts a frame twice and
 * never accepts one it did not post, and {@code close()} of a port can give every frame the
 * kernel held back to the pool. Used by one worker thread only.
 */
public final class Umem implements AutoCloseable
{
    /** {@link #owner} state: not in any kernel ring (free in the pool, or held by the application). */
    static final byte USER = 0;
    /** {@link #owner} state: on a fill ring or RX ring (posted for receive, not yet received). */
    static final byte KERNEL_RX = 1;
    /** {@link #owner} state: on a TX ring or completion ring (sent, not yet completed). */
    static final byte KERNEL_TX = 2;

    private final MemorySegment mapping;
    private final FrameMemory frames;
    private final FramePool pool;
    /** Per frame: USER, KERNEL_RX or KERNEL_TX. */
    final byte[] owner;
    /** Per frame: id of the port whose kernel ring holds it (valid while owner != USER). */
    final short[] ownerPort;
    private int registeredFd = -1;
    private boolean closed;

    private Umem(final MemorySegment mapping, final int frameSize, final int headroom)
    {
        this.mapping = mapping;
        this.frames = FrameMemory.wrap(mapping, frameSize, headroom);
        this.pool = new FramePool(frames);
        this.owner = new byte[frames.frameCount()];
        this.ownerPort = new short[frames.frameCount()];
    }

    /**
     * Maps {@code frameCount} frames of {@code frameSize} bytes (a power of two, 2048..65536)
     * with {@code headroom} bytes before the data of each (>= 256, see class comment).
     * The memory is populated up front (MAP_POPULATE) so the packet path never page-faults.
     */
    public static Umem allocate(final int frameCount, final int frameSize, final int headroom)
    {
        if (frameCount <= 0)
        {
            throw new IllegalArgumentException("frame count " + frameCount);
        }
        if (Integer.bitCount(frameSize) != 1 || frameSize < 2048 || frameSize > 65536)
        {
            throw new IllegalArgumentException("AF_XDP frame size must be a power of two in [2048, 65536]: " + frameSize);
        }
        if (headroom < IfXdp.XDP_PACKET_HEADROOM)
        {
            throw new IllegalArgumentException("headroom must be >= " + IfXdp.XDP_PACKET_HEADROOM + " (the kernel's XDP headroom): " + headroom);
        }
        final long length = (long)frameCount * frameSize;
        final MemorySegment mapping = LibC.mmap(length, LibC.PROT_READ | LibC.PROT_WRITE,
            LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_POPULATE, -1, 0, "UMEM of " + frameCount + " x " + frameSize);
        return new Umem(mapping, frameSize, headroom);
    }

    public static Umem allocate(final int frameCount)
    {
        return allocate(frameCount, FrameMemory.DEFAULT_FRAME_SIZE, FrameMemory.DEFAULT_HEADROOM);
    }

    public FrameMemory frames()
    {
        return frames;
    }

    /** The free list of every port on this UMEM (and of the worker's stages). */
    public FramePool pool()
    {
        return pool;
    }

    public MemorySegment segment()
    {
        return mapping;
    }

    public int frameCount()
    {
        return frames.frameCount();
    }

    public int frameSize()
    {
        return frames.frameSize();
    }

    /** The headroom registered with the kernel (XDP_UMEM_REG): FrameMemory headroom minus 256. */
    public int kernelHeadroom()
    {
        return frames.headroom() - IfXdp.XDP_PACKET_HEADROOM;
    }

    /** The socket that registered this UMEM, or -1; later sockets bind with XDP_SHARED_UMEM to it. */
    public int registeredFd()
    {
        return registeredFd;
    }

    void registered(final int fd)
    {
        this.registeredFd = fd;
    }

    /** Frames whose owner state is {@code state} and, unless {@code port < 0}, whose port is {@code port}. */
    int countOwned(final byte state, final int port)
    {
        int n = 0;
        for (int i = 0; i < owner.length; i++)
        {
            if (owner[i] == state && (port < 0 || ownerPort[i] == port))
            {
                n++;
            }
        }
        return n;
    }

    /** Unmaps the memory; every socket using it must be closed first. */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            LibC.munmap(mapping, "UMEM");
        }
    }
}
