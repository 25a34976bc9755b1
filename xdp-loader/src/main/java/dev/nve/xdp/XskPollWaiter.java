package dev.nve.xdp;

import dev.nve.dataplane.worker.ReadinessWaiter;
import dev.nve.xdp.ffi.LibC;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * One {@code poll(2)} over the AF_XDP sockets of all ports of a worker: an idle worker sleeps
 * until a frame lands on any RX ring (the kernel wakes the socket when it fills the ring) or
 * the timeout passes. The pollfd array and errno slot are allocated once; {@link #await} does
 * not allocate. Used on the worker thread only; {@link #close()} after the worker stopped.
 */
public final class XskPollWaiter implements ReadinessWaiter, AutoCloseable
{
    /** Most sockets one waiter watches (ports added while running included). */
    public static final int MAX_SOCKETS = 1024;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment fds;
    private final MemorySegment callState;
    private int count;

    public XskPollWaiter(final List<AfXdpPort> ports)
    {
        this.fds = arena.allocate((long)LibC.POLLFD_SIZE * MAX_SOCKETS, 8);
        this.callState = LibC.allocateCallState(arena);
        for (final AfXdpPort port : ports)
        {
            add(port);
        }
    }

    /** Watches one more socket (worker thread, between polls). */
    public void add(final AfXdpPort port)
    {
        if (count == MAX_SOCKETS)
        {
            throw new IllegalStateException("more than " + MAX_SOCKETS + " sockets on one worker");
        }
        final long at = (long)count * LibC.POLLFD_SIZE;
        fds.set(ValueLayout.JAVA_INT, at + LibC.POLLFD_FD_OFFSET, port.fd());
        fds.set(ValueLayout.JAVA_SHORT, at + LibC.POLLFD_EVENTS_OFFSET, LibC.POLLIN);
        count++;
    }

    @Override
    public int await(final int timeoutMillis)
    {
        if (count == 0)
        {
            return CANNOT_WAIT;
        }
        for (int i = 0; i < count; i++)
        {
            fds.set(ValueLayout.JAVA_SHORT, (long)i * LibC.POLLFD_SIZE + LibC.POLLFD_REVENTS_OFFSET, (short)0);
        }
        final int rc = LibC.poll(callState, fds, count, timeoutMillis);
        // rc < 0: EINTR and the like; the strategy parks briefly and the loop polls the rings
        return rc > 0 ? READY : rc == 0 ? TIMEOUT : CANNOT_WAIT;
    }

    @Override
    public void close()
    {
        arena.close();
    }
}
