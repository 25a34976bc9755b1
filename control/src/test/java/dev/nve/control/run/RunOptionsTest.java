package dev.nve.control.run;

import dev.nve.control.config.IlaConfig;
import dev.nve.xdp.XdpAttachMode;
import dev.nve.xdp.XskBindMode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class RunOptionsTest
{
    @Test
    void parsesModes()
    {
        assertEquals(XdpAttachMode.AUTO, RunOptions.parseXdpMode("auto"));
        assertEquals(XdpAttachMode.NATIVE, RunOptions.parseXdpMode("Native"));
        assertEquals(XdpAttachMode.GENERIC, RunOptions.parseXdpMode(" generic "));
        assertEquals(XskBindMode.AUTO, RunOptions.parseBindMode("auto"));
        assertEquals(XskBindMode.COPY, RunOptions.parseBindMode("copy"));
        assertEquals(XskBindMode.ZERO_COPY, RunOptions.parseBindMode("zerocopy"));
        assertEquals(UmemSharing.PER_PORT, UmemSharing.parse("per-port"));
        assertEquals(UmemSharing.SHARED, UmemSharing.parse(" Shared"));
        assertEquals(UmemSharing.AUTO, UmemSharing.parse("auto"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> UmemSharing.parse("copy")).getMessage().contains("--umem \"copy\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RunOptions.parseXdpMode("offload")).getMessage()
            .contains("expected auto, native or generic"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RunOptions.parseBindMode("zc")).getMessage()
            .contains("expected auto, copy or zerocopy"));
    }

    @Test
    void defaultsAreValid()
    {
        final RunOptions defaults = RunOptions.defaults();
        assertDoesNotThrow(() -> defaults.validate(2));
        assertEquals("poll:10", defaults.idle());
        assertEquals(4096, defaults.frames());
    }

    @Test
    void refusesOutOfRangeSettings()
    {
        final RunOptions d = RunOptions.defaults();
        assertRefused(d.withIdle("spin"), 2, "unknown idle strategy");
        assertRefused(d.withFrames(100), 2, "--frames 100 out of range");
        assertRefused(d.withFrames(512), 3, "too small for 3 ports");
        assertRefused(d.withCpu(-2), 2, "--cpu -2");
        assertRefused(new RunOptions("backoff", XdpAttachMode.AUTO, XskBindMode.AUTO, 4096, 4096, 0, -1, 0, 0, 0, UmemSharing.AUTO), 1, "--batch 0");
        assertRefused(new RunOptions("backoff", XdpAttachMode.AUTO, XskBindMode.AUTO, 4096, 3000, 64, -1, 0, 0, 0, UmemSharing.AUTO), 1, "power of two");
        assertRefused(new RunOptions("backoff", XdpAttachMode.AUTO, XskBindMode.AUTO, 4096, 4096, 64, -1, -1, 0, 0, UmemSharing.AUTO), 1, "--duration");
        assertRefused(new RunOptions("backoff", XdpAttachMode.AUTO, XskBindMode.AUTO, 4096, 4096, 64, -1, Double.NaN, 0, 0, UmemSharing.AUTO), 1, "--duration");
        assertRefused(new RunOptions("backoff", XdpAttachMode.AUTO, XskBindMode.AUTO, 4096, 4096, 64, -1, 0, -3, 0, UmemSharing.AUTO), 1, "--stats-interval");
        assertRefused(new RunOptions("backoff", XdpAttachMode.AUTO, XskBindMode.AUTO, 4096, 4096, 64, -1, 0, 0, -1, UmemSharing.AUTO), 1, "--busy-poll");
    }

    private static void assertRefused(final RunOptions options, final int ports, final String message)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> options.validate(ports));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void formatsSizesAndLocators()
    {
        assertEquals("16 MiB", AfXdpDataplane.bytes(16L << 20));
        assertEquals("176 KiB", AfXdpDataplane.bytes(176 * 1024));
        assertEquals("1.5 MiB", AfXdpDataplane.bytes(3L << 19));
        assertEquals("2001:db8:1:0", IlaConfig.locatorText(0x2001_0db8_0001_0000L));
    }
}
