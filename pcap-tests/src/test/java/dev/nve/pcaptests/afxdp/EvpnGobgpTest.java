package dev.nve.pcaptests.afxdp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nve.pcaptests.interop.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.nve.pcaptests.afxdp.NveProcesses.javaOf;
import static dev.nve.pcaptests.afxdp.NveProcesses.await;
import static dev.nve.pcaptests.afxdp.OverlayTopology.C1_MAC;
import static dev.nve.pcaptests.afxdp.OverlayTopology.H;
import static dev.nve.pcaptests.afxdp.OverlayTopology.H_UNDERLAY_IP;
import static dev.nve.pcaptests.afxdp.OverlayTopology.K;
import static dev.nve.pcaptests.afxdp.OverlayTopology.K_UNDERLAY_IP;
import static dev.nve.pcaptests.afxdp.OverlayTopology.VNI;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * nve's BGP EVPN speaker against gobgpd (issue 8): {@code nve run} in H with a {@code bgp}
 * section, gobgpd in K as route reflector (passive, hold time 9 s, gRPC on K's loopback).
 * <ol>
 *   <li>the session reaches Established on both sides ({@code nve ctl bgp}, {@code gobgp neighbor});</li>
 *   <li>gobgpd's RIB holds nve's type-3 route for VNI 100 and the type-2 route of C1's MAC;</li>
 *   <li>a type-2 route added in gobgpd shows in nve's FDB with VTEP K, and goes when deleted;</li>
 *   <li>gobgpd killed (by PID) and started again: the learned entry stays, stale, meanwhile, and
 *       is not stale once gobgpd sends the route again (no gap in the FDB);</li>
 *   <li>gobgpd killed for good: the session leaves Established and the learned entry goes after
 *       the hold time.</li>
 * </ol>
 * Every wait is bounded; gobgpd runs under {@code timeout} and is killed by PID at the end.
 */
@Timeout(value = 150)
final class EvpnGobgpTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LEARNED_MAC = "02:00:c6:13:00:77";

    @TempDir
    Path dir;

    private OverlayTopology topology;
    private Path root;
    private Path socket;
    private Netns.Background gobgpd;

    @BeforeEach
    void setUp() throws Exception
    {
        OverlayTopology.requireUsable();
        Netns.assumeUsable("gobgpd", "gobgp");
        root = NveRunCommandTest.nveRoot();
        topology = OverlayTopology.create(dir);
        socket = dir.resolve("run/nve.sock");
    }

    @AfterEach
    void tearDown()
    {
        if (gobgpd != null)
        {
            killGobgpd();
        }
        if (topology != null)
        {
            topology.close();
        }
    }

    @Test
    void routesFlowBothWaysAndGoWithTheSession() throws Exception
    {
        final long started = System.nanoTime();
        final Path toml = dir.resolve("gobgpd.toml");
        Files.writeString(toml, """
            [global.config]
              as = 65000
              router-id = "%s"
              local-address-list = ["%s"]
            [[neighbors]]
              [neighbors.config]
                neighbor-address = "%s"
                peer-as = 65000
              [neighbors.timers.config]
                hold-time = 9
                keepalive-interval = 3
              [neighbors.transport.config]
                passive-mode = true
              [neighbors.route-reflector.config]
                route-reflector-client = true
                route-reflector-cluster-id = "%s"
              [[neighbors.afi-safis]]
                [neighbors.afi-safis.config]
                  afi-safi-name = "l2vpn-evpn"
            """.formatted(K_UNDERLAY_IP, K_UNDERLAY_IP, H_UNDERLAY_IP, K_UNDERLAY_IP));
        startGobgpd(toml);

        final String config = Files.readString(topology.config).strip();
        final Path bgpConfig = dir.resolve("h-bgp.json");
        Files.writeString(bgpConfig, config.substring(0, config.lastIndexOf('}')) + """
            , "bgp": {"as": 65000, "routerId": "%s", "holdTime": 9, "peers": [{"address": "%s", "as": 65000}]}}
            """.formatted(H_UNDERLAY_IP, K_UNDERLAY_IP));
        final Netns.Background run = topology.netns.start(H, Duration.ofSeconds(120), NveProcesses.launcher(root, "run", "--config", bgpConfig.toString(),
            "--duration", "110", "--control-socket", socket.toString()).toArray(String[]::new));
        run.awaitOutput("nve run: BGP EVPN speaker", Duration.ofSeconds(60));

        await("nve's session Established", () -> sessionState().equals("ESTABLISHED"));
        final Netns.Result neighbor = gobgp("neighbor");
        assertTrue(neighbor.stdout().contains("Establ"), neighbor.describe());
        final String rd = "[rd:" + H_UNDERLAY_IP + ":" + VNI + "]";
        await("nve's type-3 and type-2 routes in gobgpd's RIB", () ->
        {
            final String rib = gobgp("global", "rib", "-a", "evpn").stdout();
            return rib.contains("[type:multicast]" + rd) && rib.contains("[type:macadv]" + rd) && rib.contains("[mac:" + C1_MAC + "]");
        });
        final String rib = gobgp("global", "rib", "-a", "evpn").stdout();

        Netns.requireOk(gobgp("global", "rib", "-a", "evpn", "add", "macadv", LEARNED_MAC, "198.19.0.77", "etag", "0", "label", String.valueOf(VNI),
            "rd", K_UNDERLAY_IP + ":" + VNI, "rt", "65000:" + VNI, "encap", "vxlan", "nexthop", K_UNDERLAY_IP));
        await("the gobgpd route in nve's FDB with VTEP K", () -> learned().equals(K_UNDERLAY_IP));
        Netns.requireOk(gobgp("global", "rib", "-a", "evpn", "del", "macadv", LEARNED_MAC, "198.19.0.77", "etag", "0", "label", String.valueOf(VNI),
            "rd", K_UNDERLAY_IP + ":" + VNI));
        await("the withdrawn route gone from nve's FDB", () -> learned().isEmpty());

        addLearnedRoute();
        await("the route learned again", () -> learned().equals(K_UNDERLAY_IP));
        final Netns.Result table = ctl("bgp");
        Netns.requireOk(table);

        // gobgpd restarts: the entry stays, stale, while it is away, and is not stale once gobgpd sends the route again
        killGobgpd();
        await("nve's session down after gobgpd died", () -> !sessionState().equals("ESTABLISHED"));
        assertEquals(K_UNDERLAY_IP, learned(), "kept while the route reflector restarts");
        assertEquals("stale, installed", learnedState());
        startGobgpd(toml);
        await("nve's session Established again", () -> sessionState().equals("ESTABLISHED"));
        addLearnedRoute();
        await("the route sent again, no longer stale", () -> learnedState().equals("installed"));
        run.awaitOutput("withdrawing the 0 stale route(s) it did not send again", Duration.ofSeconds(30));
        assertEquals(K_UNDERLAY_IP, learned(), "no gap: the entry never left the FDB");

        // gobgpd dies for good: the entry goes after the hold time
        final long killed = System.nanoTime();
        killGobgpd();
        await("nve's session down after gobgpd died", () -> !sessionState().equals("ESTABLISHED"));
        await("the learned entry gone once its stale time is over", () -> learned().isEmpty());
        final long downMillis = (System.nanoTime() - killed) / 1_000_000;

        javaOf(run).destroy();
        assertEquals(0, run.awaitExit(Duration.ofSeconds(30)), run.describe());
        assertTrue(run.stdout().contains("nve run: clean shutdown"), run.stdout());
        System.out.println("EvpnGobgpTest: " + (System.nanoTime() - started) / 1_000_000 + " ms, down " + downMillis + " ms after the kill\n"
            + neighbor.stdout() + rib + table.stdout() + run.stdout() + run.stderr());
    }

    private void startGobgpd(final Path toml) throws IOException, InterruptedException
    {
        gobgpd = topology.netns.start(K, Duration.ofSeconds(120), "gobgpd", "-f", toml.toString(), "-t", "toml", "-p", "--api-hosts", K_UNDERLAY_IP + ":50051");
        await("gobgpd's API answers", () -> gobgp("neighbor").ok());
    }

    private void addLearnedRoute() throws IOException, InterruptedException
    {
        Netns.requireOk(gobgp("global", "rib", "-a", "evpn", "add", "macadv", LEARNED_MAC, "198.19.0.77", "etag", "0", "label", String.valueOf(VNI),
            "rd", K_UNDERLAY_IP + ":" + VNI, "rt", "65000:" + VNI, "encap", "vxlan", "nexthop", K_UNDERLAY_IP));
    }

    /** What nve says became of gobgpd's MAC-only route for {@link #LEARNED_MAC} ({@code nve ctl bgp --routes}), "" if it has none. */
    private String learnedState() throws IOException, InterruptedException
    {
        for (final JsonNode r : JSON.readTree(Netns.requireOk(ctl("bgp", "--routes", "--json")).stdout()))
        {
            if (r.get("mac").asText().equals(LEARNED_MAC) && r.get("from").asText().equals(K_UNDERLAY_IP))
            {
                return r.get("state").asText();
            }
        }
        return "";
    }

    /** nve's session state as {@code nve ctl bgp --json} reports it. */
    private String sessionState() throws IOException, InterruptedException
    {
        final Netns.Result r = Netns.requireOk(ctl("bgp", "--json"));
        final JsonNode sessions = JSON.readTree(r.stdout());
        assertEquals(1, sessions.size(), r.stdout());
        return sessions.get(0).get("state").asText();
    }

    /** The VTEP of {@link #LEARNED_MAC} in nve's FDB, or "" without an entry. */
    private String learned() throws IOException, InterruptedException
    {
        final Netns.Result r = Netns.requireOk(ctl("dump", "fdb", "--json"));
        for (final JsonNode e : JSON.readTree(r.stdout()))
        {
            if (e.get("mac").asText().equals(LEARNED_MAC))
            {
                assertEquals(VNI, e.get("vni").asInt(), r.stdout());
                return e.path("vtep").asText();
            }
        }
        return "";
    }

    private Netns.Result gobgp(final String... args) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(List.of("gobgp", "-u", K_UNDERLAY_IP, "-p", "50051"));
        command.addAll(List.of(args));
        return topology.netns.run(K, Duration.ofSeconds(10), command.toArray(String[]::new));
    }

    /** Kills gobgpd itself (SIGKILL by PID, not its timeout wrapper) and waits for the wrapper to end. */
    private void killGobgpd()
    {
        ProcessHandle.of(gobgpd.pid()).stream().flatMap(ProcessHandle::descendants)
            .filter(p -> p.info().command().map(c -> c.endsWith("/gobgpd")).orElse(false)).forEach(ProcessHandle::destroyForcibly);
        try
        {
            gobgpd.awaitExit(Duration.ofSeconds(10));
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    private Netns.Result ctl(final String... args) throws IOException, InterruptedException
    {
        return NveProcesses.ctl(root, socket, args);
    }
}
