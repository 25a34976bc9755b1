package dev.nve.pcaptests.afxdp;

import dev.nve.pcaptests.interop.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.nve.pcaptests.afxdp.NveProcesses.javaOf;
import static dev.nve.pcaptests.afxdp.OverlayTopology.C1;
import static dev.nve.pcaptests.afxdp.OverlayTopology.C1_IP;
import static dev.nve.pcaptests.afxdp.OverlayTopology.H;
import static dev.nve.pcaptests.afxdp.OverlayTopology.H_UNDERLAY_IP;
import static dev.nve.pcaptests.afxdp.OverlayTopology.K_TENANT_IP;
import static dev.nve.pcaptests.afxdp.OverlayTopology.K_UNDERLAY_IP;
import static dev.nve.pcaptests.afxdp.OverlayTopology.VNI;
import static dev.nve.pcaptests.afxdp.OverlayTopology.VX_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code nve ctl} against a running {@code nve run} (separate processes, the launcher, the
 * {@link OverlayTopology}): the tables change under live traffic and the traffic follows.
 * <ol>
 *   <li>{@code health} answers while C1 pings K through the overlay;</li>
 *   <li>removing K's MAC and the flood list cuts C1 off from K (the frames have nowhere to
 *       go: counted drops), {@code apply} of a file that puts both back restores it;</li>
 *   <li>refusals: a move to a VTEP without a next hop (CONFLICT, exit 1, tables unchanged), a VNI
 *       out of range (BAD_PARAM), a socket that does not exist (exit 3);</li>
 *   <li>the Prometheus endpoint ({@code --metrics}) serves the port counters;</li>
 *   <li>the socket is mode 0600 and gone after nve run stops.</li>
 * </ol>
 */
@Timeout(value = 150)
final class NveCtlCommandTest
{
    @TempDir
    Path dir;

    private OverlayTopology topology;
    private Path root;
    private Path socket;

    @BeforeEach
    void setUp() throws Exception
    {
        OverlayTopology.requireUsable();
        root = NveRunCommandTest.nveRoot();
        topology = OverlayTopology.create(dir);
        socket = dir.resolve("run/nve.sock");
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
    void tablesChangeUnderTrafficAndBadRequestsAreRefused() throws Exception
    {
        final Netns.Background run = topology.netns.start(H, Duration.ofSeconds(120), NveProcesses.launcher(root, "run", "--config", topology.config.toString(),
            "--duration", "100", "--control-socket", socket.toString(), "--metrics", H_UNDERLAY_IP + ":9469").toArray(String[]::new));
        run.awaitOutput("nve run: control socket", Duration.ofSeconds(60));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));

        final Netns.Result health = ctl("health");
        assertEquals(0, health.exitCode(), health.describe());
        assertTrue(health.stdout().contains("worker") && health.stdout().contains("running"), health.stdout());
        final String before = topology.ping(C1, C1_IP, K_TENANT_IP, 3);

        final String mac = VX_MAC;
        assertOk(ctl("fdb", "del", String.valueOf(VNI), mac));
        assertOk(ctl("flood", "del", String.valueOf(VNI), K_UNDERLAY_IP));
        final Netns.Result dump = ctl("dump", "fdb", "--json");
        assertOk(dump);
        assertFalse(dump.stdout().contains(mac), dump.stdout());
        final Netns.Result cut = topology.netns.run(C1, Duration.ofSeconds(20), topology.python("ping", C1_IP, K_TENANT_IP, "2", "1").toArray(String[]::new));
        assertFalse(cut.ok(), "without an FDB entry or flood list K is unreachable: " + cut.describe());

        final Path restore = dir.resolve("restore.json");
        Files.writeString(restore, """
            [{"op": "fdb.add", "params": {"vni": %d, "mac": "%s", "vtep": "%s"}},
             {"op": "flood.add", "params": {"vni": %d, "vtep": "%s"}}]
            """.formatted(VNI, mac, K_UNDERLAY_IP, VNI, K_UNDERLAY_IP));
        final Netns.Result applied = ctl("apply", restore.toString(), "--json");
        assertOk(applied);
        assertTrue(applied.stdout().contains("\"applied\":2"), applied.stdout());
        final String after = topology.ping(C1, C1_IP, K_TENANT_IP, 3);

        final Netns.Result conflict = ctl("fdb", "add", String.valueOf(VNI), mac, "198.18.0.9");
        assertEquals(1, conflict.exitCode(), conflict.describe());
        assertTrue(conflict.stderr().contains("CONFLICT") && conflict.stderr().contains("no next-hop MAC"), conflict.stderr());
        final Netns.Result outOfRange = ctl("call", "fdb.add", "{\"vni\":16777216,\"mac\":\"" + mac + "\",\"vtep\":\"" + K_UNDERLAY_IP + "\"}");
        assertEquals(1, outOfRange.exitCode(), outOfRange.describe());
        assertTrue(outOfRange.stderr().contains("BAD_PARAM: fdb.add: params.vni: out of range"), outOfRange.stderr());
        topology.ping(C1, C1_IP, K_TENANT_IP, 2);
        final Netns.Result stats = ctl("stats", "--prefix", "port/c1/");
        assertOk(stats);
        // the Prometheus endpoint, fetched inside H (on H's underlay address: test traffic stays in our ranges)
        final List<String> fetch = new ArrayList<>(Netns.python());
        fetch.addAll(List.of("-c", "import urllib.request; print(urllib.request.urlopen('http://" + H_UNDERLAY_IP
            + ":9469/metrics', timeout=10).read().decode())"));
        final Netns.Result scrape = topology.netns.run(H, Duration.ofSeconds(20), fetch.toArray(String[]::new));
        assertEquals(0, scrape.exitCode(), scrape.describe());
        assertTrue(scrape.stdout().contains("# TYPE nve_port_rx_packets_total counter") && scrape.stdout().contains("nve_port_rx_packets_total{port=\"c1\"}"),
            scrape.stdout());
        final Netns.Result missing = Netns.host(Duration.ofSeconds(60), ctlCommand("--socket", dir.resolve("nowhere.sock").toString(), "health"));
        assertEquals(3, missing.exitCode(), missing.describe());
        assertTrue(missing.stderr().contains("no such file (is nve run running?)"), missing.stderr());

        javaOf(run).destroy();
        assertEquals(0, run.awaitExit(Duration.ofSeconds(30)), run.describe());
        System.out.println("NveCtlCommandTest: before " + before + " | cut: " + cut.stdout().strip() + " | after " + after + "\n" + health.stdout() + stats.stdout()
            + run.stdout());
        assertFalse(Files.exists(socket), "the socket file is removed at stop");
        assertTrue(run.stdout().contains("nve run: clean shutdown"), run.stdout());
    }

    private Netns.Result ctl(final String... args) throws IOException, InterruptedException
    {
        final List<String> all = new ArrayList<>(List.of("--socket", socket.toString()));
        all.addAll(List.of(args));
        return Netns.host(Duration.ofSeconds(60), ctlCommand(all.toArray(String[]::new)));
    }

    private String[] ctlCommand(final String... args)
    {
        final List<String> command = NveProcesses.launcher(root, "ctl");
        command.addAll(List.of(args));
        return command.toArray(String[]::new);
    }

    private static void assertOk(final Netns.Result r)
    {
        assertEquals(0, r.exitCode(), r.describe());
    }
}
