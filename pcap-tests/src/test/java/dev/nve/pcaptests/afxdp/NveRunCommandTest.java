package dev.nve.pcaptests.afxdp;

import dev.nve.pcaptests.interop.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static dev.nve.pcaptests.afxdp.NveProcesses.javaOf;
import static dev.nve.pcaptests.afxdp.OverlayTopology.C1;
import static dev.nve.pcaptests.afxdp.OverlayTopology.C1_IP;
import static dev.nve.pcaptests.afxdp.OverlayTopology.H;
import static dev.nve.pcaptests.afxdp.OverlayTopology.K;
import static dev.nve.pcaptests.afxdp.OverlayTopology.K_TENANT_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real command line: {@code ip netns exec H ./nve run --config ...} in the
 * {@link OverlayTopology}, as a separate process (the launcher script, the JVM, picocli,
 * signal handling). The launcher is found through {@code NVE_ROOT} (set by the build) or by
 * walking up from the working directory; it runs the jars the build packaged
 * ({@code control/target/nve-control.jar} and {@code control/target/lib}: the reactor packages
 * control before it tests pcap-tests), with {@code NVE_NO_BUILD=1}.
 * <ol>
 *   <li>run 1: traffic both ways through it, its resident memory (VmRSS, VmHWM from
 *       /proc/PID/status), a stats line; SIGTERM: exit 0, final counters, nothing attached;</li>
 *   <li>run 2: killed with SIGKILL: its XDP programs stay attached (nobody detached them);</li>
 *   <li>run 3, {@code --duration 4}: replaces the stale programs (says so in its startup lines),
 *       carries traffic, stops by itself with exit 0 and detaches.</li>
 * </ol>
 */
@Timeout(value = 120)
final class NveRunCommandTest
{
    private static final Duration START_LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private OverlayTopology topology;
    private Path root;

    @BeforeEach
    void setUp() throws Exception
    {
        OverlayTopology.requireUsable();
        root = nveRoot();
        topology = OverlayTopology.create(dir);
    }

    @AfterEach
    void tearDown()
    {
        if (topology != null)
        {
            topology.close();
        }
    }

    @Test
    void cliRunsInANamespaceStopsOnSigtermAndReplacesStaleProgramsAfterAKill() throws Exception
    {
        // run 1: traffic, memory, SIGTERM
        final Netns.Background run1 = startNve("--duration", "60", "--stats-interval", "1");
        run1.awaitOutput("nve run: running", START_LIMIT);
        final String ping = topology.ping(C1, C1_IP, K_TENANT_IP, 3);
        final String tcp = topology.tcp(K, K_TENANT_IP, C1, C1_IP, 2_000_000);
        final String udp = topology.udpEcho(K, K_TENANT_IP, C1, C1_IP, 1000, 32);
        run1.awaitOutput("nve run: stats", Duration.ofSeconds(10));
        final ProcessHandle java1 = javaOf(run1);
        final String memory = memory(java1.pid());
        java1.destroy();
        assertEquals(0, run1.awaitExit(Duration.ofSeconds(30)), run1.describe());
        final String out1 = run1.stdout();
        System.out.println("NveRunCommandTest run 1: " + ping + " | " + tcp + " | " + udp + "\nNveRunCommandTest nve run resident memory after the traffic: "
            + memory + "\n" + out1);
        for (final String expected : List.of("nve run: UMEM 4096 frames x 4096 B = 16 MiB shared by 2 ports", "nve run: port uplink (underlay",
            "nve run: port c1 (endpoint", "bind copy", "pages (transparent huge pages: ", "lines prefetched (native helper)", "nve run: stopping (SIGTERM)", "XDP_STATISTICS: rx_dropped 0",
            "UMEM: 4096 of 4096 frames back in the pool after close", "nve run: clean shutdown: XDP detached from uplink, c1"))
        {
            assertTrue(out1.contains(expected), "missing \"" + expected + "\" in:\n" + out1 + "\nstderr: " + run1.stderr());
        }
        topology.assertNoXdpAttached();

        // run 2: SIGKILL leaves the programs attached
        final Netns.Background run2 = startNve("--duration", "60");
        run2.awaitOutput("nve run: running", START_LIMIT);
        javaOf(run2).destroyForcibly();
        assertNotEquals(0, run2.awaitExit(Duration.ofSeconds(30)));
        final String stale = topology.links(H);
        assertEquals(2, stale.split("prog/xdp", -1).length - 1, "a killed nve leaves its programs behind:\n" + stale);

        // run 3: replaces them, works, stops by itself
        final Netns.Background run3 = startNve("--duration", "4", "--xdp-mode", "generic");
        run3.awaitOutput("nve run: running", START_LIMIT);
        final String out3start = run3.stdout();
        assertEquals(2, out3start.split("replaced stale XDP program 'nve_xdp'", -1).length - 1, out3start);
        topology.ping(C1, C1_IP, K_TENANT_IP, 3);
        assertEquals(0, run3.awaitExit(Duration.ofSeconds(30)), run3.describe());
        final String out3 = run3.stdout();
        System.out.println("NveRunCommandTest run 3:\n" + out3);
        assertTrue(out3.contains("nve run: stopping (--duration 4 s reached)") && out3.contains("nve run: clean shutdown"), out3);
        assertTrue(out3.contains("port uplink (underlay, id 0, dev uplink queue 0): XDP generic"), out3);
        topology.assertNoXdpAttached();
    }

    /** {@code ip netns exec H timeout ... env NVE_NO_BUILD=1 ... ./nve run --config CONFIG ARGS}. */
    private Netns.Background startNve(final String... args) throws IOException
    {
        final List<String> command = NveProcesses.launcher(root, "run", "--config", topology.config.toString());
        command.addAll(List.of(args));
        return topology.netns.start(H, Duration.ofSeconds(90), command.toArray(String[]::new));
    }

    /** The JVM under {@code timeout} / {@code env} / the launcher (which execs java). */
    /** VmRSS and VmHWM of a process. */
    private static String memory(final long pid) throws IOException
    {
        final List<String> lines = Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"));
        final StringBuilder s = new StringBuilder();
        for (final String line : lines)
        {
            if (line.startsWith("VmRSS") || line.startsWith("VmHWM") || line.startsWith("RssAnon") || line.startsWith("RssFile")
                || line.startsWith("Threads"))
            {
                s.append(line.replaceAll("\\s+", " ")).append("; ");
            }
        }
        return s.toString();
    }

    /** The repository root: NVE_ROOT, else the nearest parent with the launcher; skip (fail in CI) without packaged jars. */
    static Path nveRoot()
    {
        Path candidate = null;
        final String env = System.getenv("NVE_ROOT");
        if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env, "nve")))
        {
            candidate = Path.of(env).toAbsolutePath();
        }
        for (Path p = Path.of("").toAbsolutePath(); candidate == null && p != null; p = p.getParent())
        {
            if (Files.isExecutable(p.resolve("nve")) && Files.isDirectory(p.resolve("control")))
            {
                candidate = p;
            }
        }
        String missing = null;
        if (candidate == null)
        {
            missing = "the nve launcher (no NVE_ROOT, and no parent of " + Path.of("").toAbsolutePath() + " has it)";
        }
        else if (!Files.isRegularFile(candidate.resolve("control/target/nve-control.jar")) || !Files.isDirectory(candidate.resolve("control/target/lib")))
        {
            missing = candidate.resolve("control/target/nve-control.jar") + " and control/target/lib (built by the control module's package phase)";
        }
        if (missing != null)
        {
            if ("true".equalsIgnoreCase(System.getenv("CI")))
            {
                Assertions.fail("CI=true but the nve run CLI test cannot find " + missing);
            }
            Assumptions.abort("nve run CLI test skipped: cannot find " + missing);
        }
        return candidate;
    }
}
