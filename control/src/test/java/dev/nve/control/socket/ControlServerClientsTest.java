package dev.nve.control.socket;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.nve.control.socket.SocketTests.assertError;
import static dev.nve.control.socket.SocketTests.assertOk;
import static dev.nve.control.socket.SocketTests.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Many clients, idle ones, and clients that misbehave: none of them disturbs the others. */
@Timeout(60)
final class ControlServerClientsTest
{
    private static final String ECHO = "{\"v\":1,\"id\":1,\"op\":\"echo\"}";

    @TempDir
    Path dir;

    @Test
    void theClientOverTheLimitIsRefusedAndTheOthersKeepTheirSlots() throws Exception
    {
        try (ControlServer server = SocketTests.start(dir, new TestHandler(), o -> o.withMaxClients(4)))
        {
            final List<RawClient> admitted = new ArrayList<>();
            for (int i = 0; i < 4; i++)
            {
                admitted.add(RawClient.connect(server.socketPath()));
                assertOk(admitted.get(i).request(ECHO), IntNode.valueOf(1));
            }
            try (RawClient extra = RawClient.connect(server.socketPath()))
            {
                assertTrue(assertError(extra.read(), ErrorCode.TOO_MANY_CLIENTS, null).contains("at most 4"));
                assertNull(extra.read());
            }
            for (final RawClient client : admitted)
            {
                assertOk(client.request(ECHO), IntNode.valueOf(1));
            }
            try (ControlClient extra = ControlClient.connect(server.socketPath()))
            {
                assertEquals(ErrorCode.TOO_MANY_CLIENTS, assertThrows(ControlException.class, () -> extra.call("echo", null)).code());
            }
            assertEquals(4, server.stats().clients());
            assertEquals(2, server.stats().errors(ErrorCode.TOO_MANY_CLIENTS));
            admitted.removeFirst().close();
            awaitTrue("a slot to free up", () -> server.stats().clients() == 3);
            try (RawClient next = RawClient.connect(server.socketPath()))
            {
                assertOk(next.request(ECHO), IntNode.valueOf(1));
            }
            for (final RawClient client : admitted)
            {
                client.close();
            }
        }
    }

    @Test
    void anIdleConnectionIsToldAndClosed() throws Exception
    {
        final TestHandler handler = new TestHandler();
        try (ControlServer server = SocketTests.start(dir, handler, o -> o.withIdleTimeout(Duration.ofMillis(300)));
             RawClient idle = RawClient.connect(server.socketPath()))
        {
            assertOk(idle.request(ECHO), IntNode.valueOf(1));
            try (RawClient busy = RawClient.connect(server.socketPath()))
            {
                // A request in flight for longer than the idle timeout does not count as idle.
                busy.send("{\"v\":1,\"id\":2,\"op\":\"gate\"}\n");
                assertTrue(assertError(idle.read(), ErrorCode.IDLE_TIMEOUT, null).contains("300 ms"));
                assertNull(idle.read());
                Thread.sleep(500);
                handler.gate.countDown();
                assertOk(busy.read(), IntNode.valueOf(2));
            }
            assertEquals(1, server.stats().errors(ErrorCode.IDLE_TIMEOUT));
        }
    }

    @Test
    void clientsThatVanishMidRequestOrMidResponseDisturbNoOne() throws Exception
    {
        final TestHandler handler = new TestHandler();
        try (ControlServer server = SocketTests.start(dir, handler);
             RawClient steady = RawClient.connect(server.socketPath()))
        {
            assertOk(steady.request(ECHO), IntNode.valueOf(1));
            try (RawClient halfLine = RawClient.connect(server.socketPath()))
            {
                halfLine.send("{\"v\":1,\"id\":1,\"op\":\"ec");
            }
            try (RawClient noReader = RawClient.connect(server.socketPath()))
            {
                noReader.send("{\"v\":1,\"id\":1,\"op\":\"big\",\"params\":{\"bytes\":8000000}}\n");
            }
            try (RawClient partialReader = RawClient.connect(server.socketPath()))
            {
                partialReader.send("{\"v\":1,\"id\":1,\"op\":\"big\",\"params\":{\"bytes\":8000000}}\n");
                partialReader.channel.read(ByteBuffer.allocate(4096));
            }
            try (RawClient leavesEarly = RawClient.connect(server.socketPath()))
            {
                leavesEarly.send("{\"v\":1,\"id\":1,\"op\":\"gate\"}\n");
                assertTrue(handler.atGate.await(10, TimeUnit.SECONDS));
            }
            handler.gate.countDown();
            awaitTrue("the vanished clients to be gone", () -> server.stats().clients() == 1);
            assertOk(steady.request(ECHO), IntNode.valueOf(1));
            try (RawClient fresh = RawClient.connect(server.socketPath()))
            {
                assertOk(fresh.request(ECHO), IntNode.valueOf(1));
            }
        }
    }

    @Test
    void concurrentClientsGetTheirOwnAnswers() throws Exception
    {
        final int clients = 8;
        final int perClient = 25;
        try (ControlServer server = SocketTests.start(dir, new TestHandler());
             ExecutorService pool = Executors.newFixedThreadPool(clients))
        {
            final Set<Integer> counts = ConcurrentHashMap.newKeySet();
            final List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++)
            {
                final int client = c;
                results.add(pool.submit(() ->
                {
                    try (ControlClient control = ControlClient.connect(server.socketPath()))
                    {
                        for (int i = 0; i < perClient; i++)
                        {
                            final ObjectNode params = Protocol.MAPPER.createObjectNode().put("client", client).put("seq", i);
                            assertEquals(params, control.call("echo", params));
                            counts.add(control.call("count", null).asInt());
                        }
                    }
                    return perClient;
                }));
            }
            int answered = 0;
            for (final Future<Integer> result : results)
            {
                answered += result.get();
            }
            assertEquals(clients * perClient, answered);
            final Set<Integer> expected = new TreeSet<>();
            for (int i = 1; i <= clients * perClient; i++)
            {
                expected.add(i);
            }
            assertEquals(expected, new TreeSet<>(counts), "every count taken once: one writer");
            assertEquals(2L * clients * perClient, server.stats().requests());
        }
    }

    @Test
    void theClientReportsTheServersErrors() throws Exception
    {
        try (ControlServer server = SocketTests.start(dir, new TestHandler());
             ControlClient client = ControlClient.connect(server.socketPath()))
        {
            final ControlException notFound = assertThrows(ControlException.class,
                () -> client.call("fail", Protocol.MAPPER.createObjectNode().put("name", "vm3")));
            assertEquals(ErrorCode.NOT_FOUND, notFound.code());
            assertEquals("no entry named \"vm3\"", notFound.getMessage());
            assertEquals(ErrorCode.UNKNOWN_OP, assertThrows(ControlException.class, () -> client.call("nope", null)).code());
            final ControlException internal = assertThrows(ControlException.class, () -> client.call("boom", null));
            assertEquals(ErrorCode.INTERNAL, internal.code());
            assertEquals("handler exploded", internal.getMessage());
            final JsonNode result = client.call("big", Protocol.MAPPER.createObjectNode().put("bytes", 3_000_000));
            assertEquals(3_000_000, result.asText().length());
        }
    }
}
