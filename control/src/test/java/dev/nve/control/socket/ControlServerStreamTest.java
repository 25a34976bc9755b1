package dev.nve.control.socket;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.nve.control.socket.SocketTests.assertError;
import static dev.nve.control.socket.SocketTests.assertOk;
import static dev.nve.control.socket.SocketTests.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Subscriptions: events on the connection, close() when it ends, and slow readers. */
@Timeout(60)
final class ControlServerStreamTest
{
    @TempDir
    Path dir;

    private final TestHandler handler = new TestHandler();

    private String awaitClose() throws InterruptedException
    {
        final String thread = handler.closes.poll(10, TimeUnit.SECONDS);
        assertTrue(thread != null, "the subscription was closed");
        return thread;
    }

    @Test
    void eventsArriveAndCloseFollowsTheClientLeaving() throws Exception
    {
        try (ControlServer server = SocketTests.start(dir, handler))
        {
            final List<JsonNode> events = new ArrayList<>();
            final ControlClient client = ControlClient.connect(server.socketPath());
            client.stream("ticks", Protocol.MAPPER.createObjectNode().put("count", 100), event ->
            {
                events.add(event);
                return events.size() < 5;
            });
            assertEquals(5, events.size());
            for (int i = 0; i < 5; i++)
            {
                assertEquals(i, events.get(i).get("tick").asInt());
            }
            assertEquals(ControlThread.NAME, awaitClose(), "close() runs on the control thread");
            assertFalse(handler.drainThreads.contains(ControlThread.NAME), "drain() runs on the client's thread: " + handler.drainThreads);
            assertFalse(handler.drainAfterClose);
            awaitTrue("the client to be gone", () -> server.stats().clients() == 0);
        }
    }

    @Test
    void eventLinesCarryTheSubscribingId() throws Exception
    {
        try (ControlServer server = SocketTests.start(dir, handler);
             RawClient client = RawClient.connect(server.socketPath()))
        {
            final JsonNode subscribed = client.request("{\"v\":1,\"id\":\"mon\",\"op\":\"ticks\",\"params\":{\"count\":2}}");
            assertOk(subscribed, TextNode.valueOf("mon"));
            assertEquals("{\"subscribed\":true}", subscribed.get("result").toString());
            assertEquals("{\"v\":1,\"id\":\"mon\",\"event\":{\"tick\":0,\"pad\":\"\"}}", client.read().toString());
            assertEquals("{\"v\":1,\"id\":\"mon\",\"event\":{\"tick\":1,\"pad\":\"\"}}", client.read().toString());
        }
        awaitClose();
    }

    @Test
    void linesWhileStreamingAreRefused() throws Exception
    {
        try (ControlServer server = SocketTests.start(dir, handler);
             RawClient client = RawClient.connect(server.socketPath()))
        {
            assertOk(client.request("{\"v\":1,\"id\":1,\"op\":\"ticks\",\"params\":{\"count\":0}}"), IntNode.valueOf(1));
            assertTrue(assertError(client.request("{\"v\":1,\"id\":2,\"op\":\"echo\"}"), ErrorCode.BAD_REQUEST, IntNode.valueOf(2))
                .contains("connection is streaming; open another connection"));
            assertError(client.request("not json"), ErrorCode.BAD_REQUEST, null);
            assertTrue(handler.closes.isEmpty());
        }
        assertEquals(ControlThread.NAME, awaitClose());
    }

    @Test
    void aSubscribedConnectionIsNotIdle() throws Exception
    {
        try (ControlServer server = SocketTests.start(dir, handler, o -> o.withIdleTimeout(Duration.ofMillis(300)));
             RawClient client = RawClient.connect(server.socketPath()))
        {
            assertOk(client.request("{\"v\":1,\"id\":1,\"op\":\"ticks\",\"params\":{\"count\":-1}}"), IntNode.valueOf(1));
            // one event per drain, drains at least 50 ms apart: 20 events outlast the idle timeout
            for (int i = 0; i < 20; i++)
            {
                assertEquals(i, client.read().path("event").path("tick").asInt(-1));
            }
        }
        awaitClose();
    }

    @Test
    void aClientThatStopsReadingIsDisconnectedWithoutStallingOthers() throws Exception
    {
        try (ControlServer server = SocketTests.start(dir, handler, o -> o.withWriteTimeout(Duration.ofMillis(300)));
             RawClient stalled = RawClient.connect(server.socketPath());
             RawClient other = RawClient.connect(server.socketPath()))
        {
            assertOk(stalled.request("{\"v\":1,\"id\":1,\"op\":\"ticks\",\"params\":{\"count\":-1,\"perDrain\":64,\"size\":16384}}"), IntNode.valueOf(1));
            int answered = 0;
            while (handler.closes.isEmpty())
            {
                assertOk(other.request("{\"v\":1,\"id\":" + answered + ",\"op\":\"echo\"}"), IntNode.valueOf(answered));
                answered++;
                Thread.sleep(20);
                assertTrue(answered < 500, "the stalled client is still connected after 10 s");
            }
            assertEquals(ControlThread.NAME, awaitClose());
            assertTrue(stalled.drainToEof() > 0, "what the server wrote before giving up, then EOF");
            assertOk(other.request("{\"v\":1,\"id\":\"after\",\"op\":\"echo\"}"), TextNode.valueOf("after"));
            awaitTrue("the stalled client to be gone", () -> server.stats().clients() == 1);
        }
    }

    @Test
    void aFailingSubscriptionEndsItsConnection() throws Exception
    {
        try (ControlServer server = SocketTests.start(dir, handler);
             RawClient client = RawClient.connect(server.socketPath()))
        {
            assertOk(client.request("{\"v\":1,\"id\":1,\"op\":\"badticks\"}"), IntNode.valueOf(1));
            assertTrue(assertError(client.read(), ErrorCode.INTERNAL, IntNode.valueOf(1)).contains("ticks broke"));
            assertNull(client.read());
            awaitClose();
        }
    }

    @Test
    void stoppingTheServerEndsStreamsAndClosesSubscriptions() throws Exception
    {
        final ControlServer server = SocketTests.start(dir, handler);
        try (RawClient client = RawClient.connect(server.socketPath()))
        {
            assertOk(client.request("{\"v\":1,\"id\":1,\"op\":\"ticks\",\"params\":{\"count\":-1}}"), IntNode.valueOf(1));
            assertTrue(client.read().has("event"));
            server.close();
            assertEquals(ControlThread.NAME, handler.closes.poll(), "closed before close() returned");
            client.drainToEof();
        }
    }
}
