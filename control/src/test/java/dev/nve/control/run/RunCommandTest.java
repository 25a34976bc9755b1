package dev.nve.control.run;

import dev.nve.control.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code nve run} up to the point where it needs the interfaces: usage and config errors exit
 * 2, an interface that does not exist exits 1 naming it. None of these touches a network
 * device or needs root (the end-to-end runs are in pcap-tests' afxdp package).
 */
final class RunCommandTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;

    @BeforeEach
    void capture()
    {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore()
    {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    private String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    private Path config(final String underlayPort) throws IOException
    {
        final Path file = dir.resolve("h.json");
        Files.writeString(file, """
            {
              "underlay": {"port": "%s", "mac": "02:00:c6:12:00:01", "vteps": ["198.18.0.1"]},
              "networks": [{"vni": 100}],
              "endpoints": [{"port": "nvetest-c1", "vni": 100, "mac": "02:00:c6:13:00:01"}]
            }
            """.formatted(underlayPort));
        return file;
    }

    @Test
    void helpListsTheOptions()
    {
        assertEquals(0, Main.execute("run", "--help"));
        final String help = out.toString(StandardCharsets.UTF_8);
        for (final String option : new String[] {"--config", "--idle", "--xdp-mode", "--bind-mode", "--frames", "--batch", "--cpu", "--duration",
            "--stats-interval", "--busy-poll"})
        {
            assertTrue(help.contains(option), option + " missing in:\n" + help);
        }
    }

    @Test
    void badOptionsExit2() throws IOException
    {
        final String config = config("nvetest-up").toString();
        assertEquals(Main.EXIT_USAGE, Main.execute("run", "--config", config, "--idle", "spin"));
        assertTrue(err().contains("unknown idle strategy \"spin\""), err());
        assertEquals(Main.EXIT_USAGE, Main.execute("run", "--config", config, "--xdp-mode", "offload"));
        assertTrue(err().contains("--xdp-mode \"offload\": expected auto, native or generic"), err());
        assertEquals(Main.EXIT_USAGE, Main.execute("run", "--config", config, "--bind-mode", "fast"));
        assertEquals(Main.EXIT_USAGE, Main.execute("run", "--config", config, "--frames", "10"));
        assertEquals(Main.EXIT_USAGE, Main.execute("run", "--config", config, "--duration", "-1"));
        assertEquals(Main.EXIT_USAGE, Main.execute("run", "--config", config, "--frames", "abc"));
        assertEquals(Main.EXIT_USAGE, Main.execute("run"));
    }

    @Test
    void badConfigExits2() throws IOException
    {
        final Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\"underlay\": {\"port\": \"x\", \"mac\": \"02:00:00:00:00:01\", \"vteps\": []}}");
        assertEquals(Main.EXIT_USAGE, Main.execute("run", "--config", file.toString()));
        assertTrue(err().contains("underlay needs at least one local VTEP address"), err());
        assertEquals(Main.EXIT_USAGE, Main.execute("run", "--config", dir.resolve("missing.json").toString()));
        assertTrue(err().contains("no such file"), err());
        assertEquals(Main.EXIT_USAGE, Main.execute("run", "--config", config("nvetest-up").toString(), "--frames", "256", "--batch", "64"));
        assertTrue(err().contains("too small for 2 ports"), err());
    }

    @Test
    void aMissingInterfaceExits1NamingIt() throws IOException
    {
        assertEquals(Main.EXIT_FAILURE, Main.execute("run", "--config", config("nvetest-none").toString(), "--duration", "1"));
        assertTrue(err().contains("port nvetest-none (underlay)") && err().contains("nvetest-none"), err());
    }
}
