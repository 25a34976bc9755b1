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
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static dev.nve.pcaptests.afxdp.NveProcesses.javaOf;
import static dev.nve.pcaptests.afxdp.NveProcesses.await;
import static dev.nve.pcaptests.afxdp.OverlayTopology.C1;
import static dev.nve.pcaptests.afxdp.OverlayTopology.C1_IP;
import static dev.nve.pcaptests.afxdp.OverlayTopology.C1_MAC;
import static dev.nve.pcaptests.afxdp.OverlayTopology.H;
import static dev.nve.pcaptests.afxdp.OverlayTopology.H_UNDERLAY_IP;
import static dev.nve.pcaptests.afxdp.OverlayTopology.K;
import static dev.nve.pcaptests.afxdp.OverlayTopology.K_TENANT_IP;
import static dev.nve.pcaptests.afxdp.OverlayTopology.K_UNDERLAY_IP;
import static dev.nve.pcaptests.afxdp.OverlayTopology.VNI;
import static dev.nve.pcaptests.afxdp.OverlayTopology.VX_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * nve's BGP EVPN speaker against FRR (issue 8), FRR as a real EVPN VTEP the way the study's
 * testbed ran it: {@code nve run} in H with a {@code bgp} section and no static overlay state
 * ({@link OverlayTopology#createLearning}: no {@code fdb}, no flood list); in K, zebra and bgpd
 * (iBGP AS 65000, nve's peer is passive, {@code advertise-all-vni} and {@code advertise-svi-ip}
 * under {@code address-family l2vpn evpn}) over K's kernel vxlan device vx0 (VNI 100, a port of
 * br0, which holds the tenant address), whose FDB starts empty.
 * <ol>
 *   <li>the session reaches Established on both sides ({@code nve ctl bgp}, vtysh);</li>
 *   <li>nve learns FRR's routes: br0's MAC in its FDB and K in VNI 100's flood list;</li>
 *   <li>FRR holds nve's type-3 route and C1's type-2 routes with RD 198.18.0.1:100, RT 65000:100,
 *       encapsulation VXLAN, VNI 100 and next hop 198.18.0.1, and zebra put them into vx0's FDB
 *       (C1's MAC and the all-zero flood entry, both to 198.18.0.1);</li>
 *   <li>ping both ways and a TCP transfer between C1 and K's tenant address;</li>
 *   <li>nve stopped (SIGTERM): FRR withdraws nve's routes and zebra takes them out of vx0's FDB.</li>
 * </ol>
 * FRR gets its own config, pid files, zserv socket and vty socket directory under the test's
 * temporary directory, no TCP vty ({@code -P 0}), and runs under {@code timeout}; both daemons are
 * stopped by PID (SIGTERM, so that they remove their {@code /var/tmp/frr/DAEMON.PID} directory;
 * SIGKILL after a grace period, then that directory is removed here). Every wait is bounded.
 */
@Timeout(value = 150)
final class EvpnFrrTest
{
    /** Debian's FRR daemons (sbindir /usr/lib/frr); vtysh is on the PATH. */
    private static final String FRR_DIR = "/usr/lib/frr";
    private static final String ZEBRA = FRR_DIR + "/zebra";
    private static final String BGPD = FRR_DIR + "/bgpd";
    /**
     * The group the daemons run with: FRR refuses to start unless its user belongs to the vty
     * group, and running as root with that group as the primary one passes the check.
     */
    private static final String FRR_GROUP = "frrvty";
    private static final Path FRR_TMP = Path.of("/var/tmp/frr");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String H_RD = H_UNDERLAY_IP + ":" + VNI;

    @TempDir
    Path dir;

    private OverlayTopology topology;
    private Path root;
    private Path socket;
    private Path frr;
    private final List<Daemon> daemons = new ArrayList<>();
    private Netns.Background run;
    private boolean passed;

    private record Daemon(String name, Netns.Background process, Path pidFile)
    {
    }

    @BeforeEach
    void setUp() throws Exception
    {
        OverlayTopology.requireUsable();
        Netns.assumeUsable(ZEBRA, BGPD, "vtysh", "getent");
        Netns.requireOk(Netns.host(Duration.ofSeconds(5), "getent", "group", FRR_GROUP));
        root = NveRunCommandTest.nveRoot();
        topology = OverlayTopology.createLearning(dir);
        socket = dir.resolve("run/nve.sock");
    }

    @AfterEach
    void tearDown()
    {
        if (!passed)
        {
            for (final Daemon daemon : daemons)
            {
                System.out.println("EvpnFrrTest failed; " + daemon.name() + ": " + daemon.process().describe());
            }
            if (run != null)
            {
                System.out.println("EvpnFrrTest failed; nve run: " + run.describe());
            }
        }
        for (final Daemon daemon : daemons.reversed())
        {
            stop(daemon);
        }
        if (topology != null)
        {
            topology.close();
        }
    }

    @Test
    void frrVtepAndNveLearnEachOtherAndPingWorks() throws Exception
    {
        final long started = System.nanoTime();
        startFrr();
        await("FRR's bgpd has the local VNI 100 from zebra", () -> vtysh("show bgp l2vpn evpn vni json").stdout().contains("\"" + VNI + "\""));

        final String config = Files.readString(topology.config).strip();
        final Path bgpConfig = dir.resolve("h-bgp.json");
        Files.writeString(bgpConfig, config.substring(0, config.lastIndexOf('}')) + """
            , "bgp": {"as": 65000, "routerId": "%s", "holdTime": 9, "peers": [{"address": "%s", "as": 65000}]}}
            """.formatted(H_UNDERLAY_IP, K_UNDERLAY_IP));
        run = topology.netns.start(H, Duration.ofSeconds(120), NveProcesses.launcher(root, "run", "--config", bgpConfig.toString(),
            "--duration", "110", "--control-socket", socket.toString()).toArray(String[]::new));
        run.awaitOutput("nve run: BGP EVPN speaker", Duration.ofSeconds(60));
        final long nveUp = System.nanoTime();

        await("nve's session Established", () -> sessionState().equals("ESTABLISHED"));
        await("FRR's session Established", () -> frrPeer().path("state").asText().equals("Established"));

        // FRR -> nve: K's type-2 (br0's MAC and address) and type-3 routes in nve's tables.
        await("br0's MAC in nve's FDB with VTEP K", () -> fdbVtep(VX_MAC).equals(K_UNDERLAY_IP));
        await("K in VNI 100's flood list", () -> floodVteps().contains(K_UNDERLAY_IP));

        // nve -> FRR: nve's routes in bgpd's table with the right fields, then in K's kernel.
        await("nve's type-3 and C1's type-2 routes in FRR's table", () -> nveRoutes().size() == 3, this::bgpdComplaints);
        final Map<String, JsonNode> routes = nveRoutes();
        final String type3 = "[3]:[0]:[32]:[" + H_UNDERLAY_IP + "]";
        final String type2 = "[2]:[0]:[48]:[" + C1_MAC + "]";
        final String type2Ip = "[2]:[0]:[48]:[" + C1_MAC + "]:[32]:[" + C1_IP + "]";
        assertEquals(Stream.of(type2, type2Ip, type3).sorted().toList(), List.copyOf(routes.keySet()), routes.toString());
        for (final Map.Entry<String, JsonNode> route : routes.entrySet())
        {
            final String what = route.getKey() + ": " + route.getValue();
            assertEquals(H_RD, route.getValue().path("rd").asText(), what);
            assertEquals(1, route.getValue().path("paths").size(), what);
            final JsonNode path = route.getValue().path("paths").path(0).path(0);
            assertTrue(path.path("valid").asBoolean() && path.path("bestpath").path("overall").asBoolean(), what);
            assertEquals("internal", path.path("peer").path("type").asText(), what);
            assertEquals(H_UNDERLAY_IP, path.path("peer").path("peerId").asText(), what);
            assertEquals(List.of("ET:8", "RT:65000:" + VNI), List.of(path.path("extendedCommunity").path("string").asText().split(" ")).stream()
                .sorted().toList(), what);
            assertEquals(H_UNDERLAY_IP, path.path("nexthops").path(0).path("ip").asText(), what);
            assertTrue(path.path("nexthops").path(0).path("accessible").asBoolean(), what);
            if (route.getKey().startsWith("[2]"))
            {
                assertEquals(String.valueOf(VNI), path.path("vni").asText(), what);
                assertEquals(C1_MAC, route.getValue().path("mac").asText(), what);
            }
            else
            {
                assertEquals("Ingress Replication", path.path("pmsi").path("tunnelType").asText(), what);
                assertEquals(VNI, path.path("pmsi").path("label").asInt(), what);
            }
        }
        await("zebra put C1's MAC and the flood entry for H into vx0's FDB", () ->
        {
            final String fdb = kernelFdb();
            return fdb.contains(C1_MAC + " dst " + H_UNDERLAY_IP) && fdb.contains("00:00:00:00:00:00 dst " + H_UNDERLAY_IP);
        });
        final String kernelFdb = kernelFdb();
        final String zebraMac = vtysh("show evpn mac vni " + VNI + " mac " + C1_MAC + " json").stdout();
        assertTrue(zebraMac.contains("\"remote\"") && zebraMac.contains(H_UNDERLAY_IP), zebraMac);
        final long learned = System.nanoTime();

        // The overlay works with what each side learned from the other, nothing static.
        final String pingOut = topology.ping(C1, C1_IP, K_TENANT_IP, 5);
        final String pingIn = topology.ping(K, K_TENANT_IP, C1_IP, 5);
        final String tcp = topology.tcp(K, K_TENANT_IP, C1, C1_IP, 256 * 1024);

        final String bgpTable = Netns.requireOk(ctl("bgp")).stdout();
        final String frrTable = vtysh("show bgp l2vpn evpn route").stdout();
        final String frrSummary = vtysh("show bgp l2vpn evpn summary").stdout();
        final long stopped = System.nanoTime();
        javaOf(run).destroy();
        await("FRR withdrew nve's routes", () -> nveRoutes().isEmpty());
        await("zebra took C1's MAC and the flood entry out of vx0's FDB", () -> !kernelFdb().contains("dst " + H_UNDERLAY_IP));
        final long withdrawnMillis = (System.nanoTime() - stopped) / 1_000_000;
        assertEquals(0, run.awaitExit(Duration.ofSeconds(30)), run.describe());
        assertTrue(run.stdout().contains("nve run: clean shutdown"), run.stdout());
        assertTrue(!frrPeer().path("state").asText().equals("Established"), frrPeer().toString());

        System.out.println("EvpnFrrTest: " + (System.nanoTime() - started) / 1_000_000 + " ms (learned both ways "
            + (learned - nveUp) / 1_000_000 + " ms after nve's speaker started, withdrawn " + withdrawnMillis + " ms after SIGTERM)\n"
            + pingOut + "\n" + pingIn + "\n" + tcp + "\n" + frrSummary + frrTable + "vx0's FDB:\n" + kernelFdb + bgpTable
            + run.stdout() + run.stderr());
        passed = true;
    }

    /** Writes K's FRR config and starts zebra, then bgpd, in K with everything under {@code dir/frr}. */
    private void startFrr() throws IOException, InterruptedException
    {
        frr = dir.resolve("frr");
        Files.createDirectories(frr.resolve("vty"));
        Files.writeString(frr.resolve("zebra.conf"), """
            hostname k-zebra
            log stdout informational
            """);
        Files.writeString(frr.resolve("bgpd.conf"), """
            hostname k-bgpd
            log stdout informational
            router bgp 65000
             bgp router-id %s
             no bgp default ipv4-unicast
             neighbor %s remote-as 65000
             neighbor %s passive
             neighbor %s timers 3 9
             address-family l2vpn evpn
              neighbor %s activate
              advertise-all-vni
              advertise-svi-ip
             exit-address-family
            """.formatted(K_UNDERLAY_IP, H_UNDERLAY_IP, H_UNDERLAY_IP, H_UNDERLAY_IP, H_UNDERLAY_IP));
        daemons.add(startDaemon("zebra", ZEBRA));
        await("zebra's vty socket", () -> Files.exists(frr.resolve("vty/zebra.vty")));
        daemons.add(startDaemon("bgpd", BGPD));
        await("bgpd's vty socket", () -> Files.exists(frr.resolve("vty/bgpd.vty")));
    }

    private Daemon startDaemon(final String name, final String executable) throws IOException
    {
        final Path pidFile = frr.resolve(name + ".pid");
        final Netns.Background process = topology.netns.start(K, Duration.ofSeconds(120), executable, "-u", "root", "-g", FRR_GROUP,
            "-f", frr.resolve(name + ".conf").toString(), "-i", pidFile.toString(), "-z", frr.resolve("zserv.api").toString(),
            "--vty_socket", frr.resolve("vty").toString(), "-P", "0");
        return new Daemon(name, process, pidFile);
    }

    /**
     * SIGTERM to the daemon (through its timeout wrapper, SIGKILL after a grace period); removes the
     * crash-log directory it leaves in /var/tmp/frr when it did not get to exit cleanly.
     */
    private static void stop(final Daemon daemon)
    {
        final List<Long> pids = ProcessHandle.of(daemon.process().pid()).stream().flatMap(ProcessHandle::descendants).map(ProcessHandle::pid)
            .toList();
        daemon.process().stop();
        for (final long pid : pids)
        {
            final Path tmp = FRR_TMP.resolve(daemon.name() + "." + pid);
            try (var files = Files.exists(tmp) ? Files.list(tmp) : Stream.<Path>empty())
            {
                for (final Path file : files.toList())
                {
                    Files.deleteIfExists(file);
                }
                Files.deleteIfExists(tmp);
            }
            catch (final IOException e)
            {
                System.err.println("EvpnFrrTest: cannot remove " + tmp + ": " + e.getMessage());
            }
        }
    }

    /**
     * The routes FRR has under nve's RD 198.18.0.1:100, by prefix ({@code show bgp l2vpn evpn route
     * detail json}: {@code {RD: {"rd": RD, PREFIX: {"rd", "mac", ..., "paths": [[PATH]]}}}}).
     */
    private Map<String, JsonNode> nveRoutes() throws IOException, InterruptedException
    {
        final JsonNode table = JSON.readTree(Netns.requireOk(vtysh("show bgp l2vpn evpn route detail json")).stdout());
        final Map<String, JsonNode> routes = new TreeMap<>();
        table.path(H_RD).properties().forEach(e ->
        {
            if (e.getValue().isObject())
            {
                routes.put(e.getKey(), e.getValue());
            }
        });
        return routes;
    }

    /** FRR's view of its peer nve ({@code show bgp l2vpn evpn summary json}). */
    private JsonNode frrPeer() throws IOException, InterruptedException
    {
        final JsonNode summary = JSON.readTree(Netns.requireOk(vtysh("show bgp l2vpn evpn summary json")).stdout());
        return summary.path("peers").path(H_UNDERLAY_IP);
    }

    /** {@code bridge fdb show dev vx0} in K. */
    private String kernelFdb() throws IOException, InterruptedException
    {
        return Netns.requireOk(topology.netns.run(K, Duration.ofSeconds(5), "bridge", "fdb", "show", "dev", "vx0")).stdout();
    }

    private Netns.Result vtysh(final String command) throws IOException, InterruptedException
    {
        return topology.netns.run(K, Duration.ofSeconds(10), "vtysh", "--vty_socket", frr.resolve("vty").toString(), "-c", command);
    }

    /** nve's session state as {@code nve ctl bgp --json} reports it. */
    private String sessionState() throws IOException, InterruptedException
    {
        final Netns.Result r = Netns.requireOk(ctl("bgp", "--json"));
        final JsonNode sessions = JSON.readTree(r.stdout());
        assertEquals(1, sessions.size(), r.stdout());
        return sessions.get(0).get("state").asText();
    }

    /** The VTEP of {@code mac} in nve's FDB for VNI 100, or "" without an entry. */
    private String fdbVtep(final String mac) throws IOException, InterruptedException
    {
        final Netns.Result r = Netns.requireOk(ctl("dump", "fdb", "--json"));
        for (final JsonNode e : JSON.readTree(r.stdout()))
        {
            if (e.get("mac").asText().equals(mac) && e.get("vni").asInt() == VNI)
            {
                return e.path("vtep").asText();
            }
        }
        return "";
    }

    /** The VTEPs in VNI 100's flood list. */
    private List<String> floodVteps() throws IOException, InterruptedException
    {
        final Netns.Result r = Netns.requireOk(ctl("dump", "flood", "--json"));
        final List<String> vteps = new ArrayList<>();
        for (final JsonNode e : JSON.readTree(r.stdout()))
        {
            if (e.path("vni").asInt() == VNI)
            {
                e.path("vteps").forEach(v -> vteps.add(v.asText()));
            }
        }
        return vteps;
    }

    /** Waits for {@code check}; a failure adds what {@code context} says then (e.g. why FRR refused a route). */
    /** The lines of bgpd's log where it refused something of nve's (e.g. "Missing well-known attribute LOCAL_PREF."). */
    private String bgpdComplaints()
    {
        final String log = daemons.stream().filter(d -> d.name().equals("bgpd")).map(d -> d.process().stdout() + d.process().stderr())
            .findFirst().orElse("");
        final String complaints = log.lines().filter(l -> l.contains(H_UNDERLAY_IP) && (l.contains("[EC ") || l.contains("NOTIFICATION")))
            .distinct().reduce("", (a, b) -> a + "\n  " + b);
        return complaints.isEmpty() ? "" : "; bgpd says:" + complaints;
    }

    private Netns.Result ctl(final String... args) throws IOException, InterruptedException
    {
        return NveProcesses.ctl(root, socket, args);
    }
}
