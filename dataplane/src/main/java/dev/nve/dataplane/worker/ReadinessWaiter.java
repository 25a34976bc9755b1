package dev.nve.dataplane.worker;

import dev.nve.dataplane.port.Port;

import java.util.ArrayList;
import java.util.List;

/**
 * How an idle worker sleeps until a port may have frames: {@link #await} blocks up to a
 * timeout and says whether something became readable, the time ran out, or it cannot wait at
 * all (the caller then parks briefly instead). Used by the {@code poll:<millis>} idle strategy
 * (see {@link IdleStrategies}). Called on the worker thread only.
 */
@FunctionalInterface
public interface ReadinessWaiter
{
    /** A port is readable (or may be: a wake-up without a reason counts as one). */
    int READY = 1;
    /** The timeout passed and nothing became readable. */
    int TIMEOUT = 0;
    /** This waiter cannot block (ports without a file descriptor, an interrupted poll). */
    int CANNOT_WAIT = -1;

    /** A waiter that never blocks: the poll strategy parks briefly instead. */
    ReadinessWaiter NONE = timeoutMillis -> CANNOT_WAIT;

    /**
     * Blocks up to {@code timeoutMillis} (>= 1).
     *
     * @return {@link #READY}, {@link #TIMEOUT} or {@link #CANNOT_WAIT}.
     */
    int await(int timeoutMillis);

    /**
     * A waiter over {@link Port#awaitReadable(int)}. With one port it waits on that port; with
     * several it waits on one port per call, in rotation, so frames arriving on another port
     * wait at most one timeout (a native poll set over all sockets avoids that; nve run uses
     * one). A port that returns "not readable" in well under the timeout is taken to be a port
     * that cannot wait ({@link #CANNOT_WAIT}), since {@link Port#awaitReadable} says both
     * with {@code false}.
     */
    static ReadinessWaiter of(final Port... ports)
    {
        final List<Port> present = new ArrayList<>();
        for (final Port port : ports)
        {
            if (port != null)
            {
                present.add(port);
            }
        }
        if (present.isEmpty())
        {
            return NONE;
        }
        final Port[] waitable = present.toArray(Port[]::new);
        return new ReadinessWaiter()
        {
            private int next;

            @Override
            public int await(final int timeoutMillis)
            {
                final Port port = waitable[next];
                next = next + 1 == waitable.length ? 0 : next + 1;
                final long start = System.nanoTime();
                if (port.awaitReadable(timeoutMillis))
                {
                    return READY;
                }
                final long elapsed = System.nanoTime() - start;
                return elapsed < timeoutMillis * 500_000L ? CANNOT_WAIT : TIMEOUT;
            }
        };
    }
}
