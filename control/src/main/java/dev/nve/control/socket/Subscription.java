package dev.nve.control.socket;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.function.Consumer;

/**
 * A stream of events returned by a handler (for {@code monitor}). After the ok response
 * {@code {"subscribed":true}}, the server calls {@link #drain} about every 50 ms from the
 * client's streaming thread and writes each event as a line {@code {"v":1,"id":ID,"event":...}},
 * until the client closes the connection or the server stops; then it calls {@link #close()}
 * once, on the control thread (so the handler unregisters from its single-writer state safely).
 * {@code drain} and {@code close} never run concurrently with each other; {@code drain} does
 * run concurrently with the handler, so events cross threads through a concurrent queue.
 */
public interface Subscription extends AutoCloseable
{
    /** Hands the pending events, oldest first, to {@code sink}; returns how many. */
    int drain(Consumer<JsonNode> sink);

    /** Ends the subscription; no {@link #drain} follows. */
    @Override
    void close();
}
