package dev.nve.control.socket;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The streaming half of a subscribed connection, on a second virtual thread of the client:
 * drains the subscription every {@value #PERIOD_MILLIS} ms and writes the events, while the
 * client's own thread keeps reading (to answer stray lines and to notice the client leaving).
 * When a write fails (the client left, or stopped reading past the write timeout) or the
 * subscription throws, it closes the connection, which ends the reading thread too.
 */
final class Streamer implements Runnable
{
    static final long PERIOD_MILLIS = 50;

    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final ClientSession session;
    private final JsonNode id;
    private final Subscription subscription;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private Thread thread;

    private Streamer(final ClientSession session, final JsonNode id, final Subscription subscription)
    {
        this.session = session;
        this.id = id;
        this.subscription = subscription;
    }

    static Streamer start(final ClientSession session, final JsonNode id, final Subscription subscription)
    {
        final Streamer streamer = new Streamer(session, id, subscription);
        streamer.thread = Thread.ofVirtual().name("nve-control-stream").start(streamer);
        return streamer;
    }

    Subscription subscription()
    {
        return subscription;
    }

    @Override
    public void run()
    {
        final List<JsonNode> events = new ArrayList<>();
        try
        {
            do
            {
                events.clear();
                try
                {
                    subscription.drain(events::add);
                }
                catch (final RuntimeException e)
                {
                    session.write(Protocol.error(id, ErrorCode.INTERNAL, "subscription failed: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getName())));
                    session.closeChannel();
                    return;
                }
                if (!events.isEmpty())
                {
                    final ByteArrayOutputStream lines = new ByteArrayOutputStream();
                    for (final JsonNode event : events)
                    {
                        lines.writeBytes(Protocol.event(id, event));
                    }
                    session.write(lines.toByteArray());
                }
            }
            while (!stopping.await(PERIOD_MILLIS, TimeUnit.MILLISECONDS));
        }
        catch (final IOException | InterruptedException e)
        {
            session.closeChannel();
        }
    }

    /** Stops draining and waits for the last drain to return, so that close() never overlaps it. */
    void stop()
    {
        stopping.countDown();
        boolean interrupted = false;
        final long deadline = System.nanoTime() + STOP_WAIT.toNanos();
        while (thread.isAlive() && System.nanoTime() < deadline)
        {
            try
            {
                thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
            catch (final InterruptedException e)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }
}
