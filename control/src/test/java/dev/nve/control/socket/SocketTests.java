package dev.nve.control.socket;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Helpers shared by the socket tests. Waits are bounded only to turn a hang into a failure. */
final class SocketTests
{
    static final Duration PATIENCE = Duration.ofSeconds(10);

    private SocketTests()
    {
    }

    static ControlServer start(final Path dir, final ControlHandler handler) throws IOException
    {
        return start(dir, handler, UnaryOperator.identity());
    }

    static ControlServer start(final Path dir, final ControlHandler handler, final UnaryOperator<ControlServerOptions> tweak) throws IOException
    {
        return ControlServer.start(tweak.apply(ControlServerOptions.defaults().withSocketPath(dir.resolve("nve.sock"))), handler);
    }

    static void awaitTrue(final String what, final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("gave up waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    static void assertOk(final JsonNode response, final JsonNode id)
    {
        assertNotNull(response, "a response, not EOF");
        assertEquals(1, response.path("v").asInt(), response.toString());
        assertEquals(id, response.get("id"), response.toString());
        assertTrue(response.path("ok").asBoolean(false), response.toString());
        assertTrue(response.has("result"), response.toString());
    }

    /** Asserts an error line; returns its message. */
    static String assertError(final JsonNode response, final ErrorCode code, final JsonNode id)
    {
        assertNotNull(response, "an error line, not EOF");
        assertEquals(1, response.path("v").asInt(), response.toString());
        assertFalse(response.path("ok").asBoolean(true), response.toString());
        assertEquals(code.name(), response.path("error").path("code").asText(), response.toString());
        assertEquals(id == null ? Protocol.MAPPER.nullNode() : id, response.get("id"), response.toString());
        final String message = response.path("error").path("message").asText();
        assertFalse(message.isEmpty(), response.toString());
        return message;
    }
}
