package dev.nve.control.socket;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class ControlServerOptionsTest
{
    @Test
    void defaults()
    {
        final ControlServerOptions options = ControlServerOptions.defaults();
        assertEquals(Path.of("/run/nve/nve.sock"), options.socketPath());
        assertNull(options.allowedGroup());
        assertEquals(1 << 20, options.maxLineBytes());
        assertEquals(64, options.maxClients());
        assertEquals(Duration.ofSeconds(300), options.idleTimeout());
        assertEquals(Duration.ofSeconds(5), options.writeTimeout());
    }

    @Test
    void refusesValuesOutOfRangeNamingThem()
    {
        final ControlServerOptions d = ControlServerOptions.defaults();
        assertRefused(() -> d.withSocketPath(Path.of("/tmp/" + "s".repeat(120))), "socket path");
        assertRefused(() -> d.withAllowedGroup(" "), "allowed group");
        assertRefused(() -> d.withAllowedGroup("a:b"), "allowed group");
        assertRefused(() -> d.withMaxLineBytes(10), "max line bytes 10");
        assertRefused(() -> d.withMaxClients(0), "max clients 0");
        assertRefused(() -> d.withIdleTimeout(Duration.ZERO), "idle timeout");
        assertRefused(() -> d.withWriteTimeout(Duration.ofHours(2)), "write timeout");
    }

    private static void assertRefused(final Supplier<ControlServerOptions> options, final String message)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, options::get);
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }
}
