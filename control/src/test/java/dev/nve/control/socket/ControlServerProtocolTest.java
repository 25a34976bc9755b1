package dev.nve.control.socket;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static dev.nve.control.socket.SocketTests.assertError;
import static dev.nve.control.socket.SocketTests.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The envelope, the error codes of request lines, and that a bad line never costs the connection. */
@Timeout(30)
final class ControlServerProtocolTest
{
    @TempDir
    Path dir;

    private ControlServer server;
    private RawClient client;

    @BeforeEach
    void start() throws IOException
    {
        server = SocketTests.start(dir, new TestHandler());
        client = RawClient.connect(server.socketPath());
    }

    @AfterEach
    void stop() throws IOException
    {
        client.close();
        server.close();
    }

    private void assertStillServes() throws IOException
    {
        final JsonNode response = client.request("{\"v\":1,\"id\":\"still\",\"op\":\"echo\",\"params\":{\"a\":[1,2]}}");
        assertOk(response, TextNode.valueOf("still"));
        assertEquals("{\"a\":[1,2]}", response.get("result").toString());
    }

    @Test
    void answersWithTheRequestsIdAndResult() throws IOException
    {
        final JsonNode response = client.request("{\"v\":1,\"id\":7,\"op\":\"echo\",\"params\":{\"name\":\"vm1\",\"vni\":100}}");
        assertEquals("{\"v\":1,\"id\":7,\"ok\":true,\"result\":{\"name\":\"vm1\",\"vni\":100}}", response.toString());
        assertOk(client.request("{\"v\":1,\"id\":\"x-1\",\"op\":\"echo\"}"), TextNode.valueOf("x-1"));
        assertOk(client.request("{\"op\":\"echo\",\"params\":null,\"id\":8,\"v\":1}"), IntNode.valueOf(8));
    }

    @Test
    void malformedJsonIsAParseErrorAndTheConnectionStays() throws IOException
    {
        assertTrue(assertError(client.request("{\"v\":1,\"id\":1,\"op\":"), ErrorCode.PARSE_ERROR, null).startsWith("not JSON"));
        assertError(client.request("{\"v\":1,\"id\":2,\"op\":\"echo\"} {}"), ErrorCode.PARSE_ERROR, null);
        assertError(client.request("{\"v\":1,\"id\":3,\"id\":4,\"op\":\"echo\"}"), ErrorCode.PARSE_ERROR, null);
        client.send(new byte[] {'"', (byte)0xC3, (byte)0x28, '"', '\n'});
        assertError(client.read(), ErrorCode.PARSE_ERROR, null);
        assertStillServes();
    }

    @Test
    void jsonThatIsNotAnObjectIsAParseError() throws IOException
    {
        assertTrue(assertError(client.request("[1,2]"), ErrorCode.PARSE_ERROR, null).contains("an array"));
        assertError(client.request("42"), ErrorCode.PARSE_ERROR, null);
        assertError(client.request("null"), ErrorCode.PARSE_ERROR, null);
        assertStillServes();
    }

    @Test
    void envelopeErrorsNameTheField() throws IOException
    {
        assertTrue(assertError(client.request("{\"v\":1,\"id\":5,\"op\":\"echo\",\"param\":{}}"), ErrorCode.BAD_REQUEST, IntNode.valueOf(5))
            .contains("unknown field \"param\""));
        assertTrue(assertError(client.request("{\"v\":1,\"op\":\"echo\"}"), ErrorCode.BAD_REQUEST, null).contains("\"id\""));
        assertTrue(assertError(client.request("{\"v\":1,\"id\":{},\"op\":\"echo\"}"), ErrorCode.BAD_REQUEST, null).contains("\"id\""));
        assertTrue(assertError(client.request("{\"v\":1,\"id\":1.5,\"op\":\"echo\"}"), ErrorCode.BAD_REQUEST, null).contains("\"id\""));
        assertTrue(assertError(client.request("{\"id\":6,\"op\":\"echo\"}"), ErrorCode.BAD_REQUEST, IntNode.valueOf(6)).contains("\"v\""));
        assertTrue(assertError(client.request("{\"v\":\"1\",\"id\":6,\"op\":\"echo\"}"), ErrorCode.BAD_REQUEST, IntNode.valueOf(6)).contains("\"v\""));
        assertTrue(assertError(client.request("{\"v\":1,\"id\":7}"), ErrorCode.BAD_REQUEST, IntNode.valueOf(7)).contains("\"op\""));
        assertTrue(assertError(client.request("{\"v\":1,\"id\":7,\"op\":\"\"}"), ErrorCode.BAD_REQUEST, IntNode.valueOf(7)).contains("\"op\""));
        assertTrue(assertError(client.request("{\"v\":1,\"id\":8,\"op\":\"echo\",\"params\":[1]}"), ErrorCode.BAD_REQUEST, IntNode.valueOf(8))
            .contains("\"params\""));
        assertStillServes();
    }

    @Test
    void anotherVersionIsUnsupported() throws IOException
    {
        final String message = assertError(client.request("{\"v\":2,\"id\":\"a\",\"op\":\"echo\",\"future\":true}"), ErrorCode.UNSUPPORTED_VERSION,
            TextNode.valueOf("a"));
        assertTrue(message.contains("v 2") && message.contains("v 1"), message);
        assertStillServes();
    }

    @Test
    void handlerErrorsAreAnsweredAndServingGoesOn() throws IOException
    {
        assertTrue(assertError(client.request("{\"v\":1,\"id\":1,\"op\":\"nope\"}"), ErrorCode.UNKNOWN_OP, IntNode.valueOf(1)).contains("nope"));
        assertEquals("no entry named \"vm9\"",
            assertError(client.request("{\"v\":1,\"id\":2,\"op\":\"fail\",\"params\":{\"name\":\"vm9\"}}"), ErrorCode.NOT_FOUND, IntNode.valueOf(2)));
        assertEquals("handler exploded", assertError(client.request("{\"v\":1,\"id\":3,\"op\":\"boom\"}"), ErrorCode.INTERNAL, IntNode.valueOf(3)));
        assertStillServes();
        final ControlServer.Stats stats = server.stats();
        assertEquals(1, stats.clients());
        assertEquals(4, stats.requests());
        assertEquals(1, stats.errors(ErrorCode.UNKNOWN_OP));
        assertEquals(1, stats.errors(ErrorCode.NOT_FOUND));
        assertEquals(1, stats.errors(ErrorCode.INTERNAL));
        assertEquals(0, stats.errors(ErrorCode.PARSE_ERROR));
    }

    @Test
    void handlersRunOnTheControlThread() throws IOException
    {
        for (int i = 1; i <= 3; i++)
        {
            final JsonNode response = client.request("{\"v\":1,\"id\":" + i + ",\"op\":\"count\"}");
            assertOk(response, IntNode.valueOf(i));
            assertEquals(i, response.get("result").asInt());
        }
    }

    @Test
    void anOverlongLineIsRefusedAndTheConnectionStays() throws IOException
    {
        final String padding = "x".repeat(2 << 20);
        client.send("{\"v\":1,\"id\":1,\"op\":\"echo\",\"params\":{\"pad\":\"" + padding + "\"}}\n");
        final String message = assertError(client.read(), ErrorCode.LINE_TOO_LONG, null);
        assertTrue(message.contains(String.valueOf(1 << 20)), message);
        assertStillServes();
        final String almost = "y".repeat((1 << 20) - 100);
        final JsonNode response = client.request("{\"v\":1,\"id\":2,\"op\":\"echo\",\"params\":{\"pad\":\"" + almost + "\"}}");
        assertOk(response, IntNode.valueOf(2));
        assertEquals(almost, response.get("result").get("pad").asText());
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws IOException
    {
        final StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 50; i++)
        {
            lines.append("{\"v\":1,\"id\":\"p").append(i).append("\",\"op\":\"echo\",\"params\":{\"i\":").append(i).append("}}\r\n");
        }
        client.send(lines.append("\n  \n").toString());
        for (int i = 0; i < 50; i++)
        {
            final JsonNode response = client.read();
            assertOk(response, TextNode.valueOf("p" + i));
            assertEquals(i, response.get("result").get("i").asInt());
        }
        assertStillServes();
    }
}
