package dev.nve.dataplane.port;

import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.PacketBatch;

/**
 * A place frames come from and go to: a pcap file, an in-memory queue or an AF_XDP socket.
 * All ports of one worker share one {@code FrameMemory}; a port owns the frames between
 * {@link #transmit} and their return to the pool, so frame accounting stays exact.
 */
public interface Port extends AutoCloseable
{
    /** Index of this port in the worker's port table (the value in {@code PacketBatch.inPort}). */
    int id();

    String name();

    /**
     * Appends received frames to {@code batch} until it is full or nothing is pending.
     *
     * @return the number of frames appended.
     */
    int receive(PacketBatch batch);

    /**
     * Takes ownership of frames {@code indices[0..count)} of {@code batch} and sends them.
     * Frames that cannot be sent are still consumed: the port returns them to the pool and
     * counts them.
     *
     * @return the number of frames accepted for sending.
     */
    int transmit(PacketBatch batch, int[] indices, int count);

    /** Completes pending sends (returns finished frames to the pool). Default: nothing pending. */
    default int flush()
    {
        return 0;
    }

    /**
     * The frame memory this port's frames live in, or null when it takes any (copying ports).
     * A pipeline refuses a port whose memory is not its own.
     */
    default FrameMemory memory()
    {
        return null;
    }

    /**
     * Blocks up to {@code timeoutMillis} until frames may be readable (an idle worker on a
     * shared machine sleeps here instead of spinning). Returns false when the port cannot
     * wait (the default), and the caller's idle strategy takes over.
     */
    default boolean awaitReadable(final int timeoutMillis)
    {
        return false;
    }

    @Override
    default void close()
    {
    }
}
