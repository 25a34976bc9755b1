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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nve hosts that know each other only through BGP EVPN (issue 8): no FDB entry and no flood
 * list in either config. gobgpd in R is the route reflector both peer with (hold time 6 s).
 * <pre>
 *  C1 198.19.0.1 ─ c1 ┐                                       ┌ c2 ─ C2 198.19.0.2
 *  C3 (later)    ─ c3 ┤ H1 uplink 198.18.0.1 ─ br0 in R ─ uplink 198.18.0.2 H2 ├ c4 ─ C4 198.19.0.4
 *                                             198.18.0.9 gobgpd
 * </pre>
 * <ol>
 *   <li>both hosts learn each other's endpoints, flood lists and ARP proxy entries; C1 pings C2,
 *       its ARP request answered by H1 (suppressed);</li>
 *   <li>C4's MAC and address move to C3 on H1: H1 advertises it with MAC mobility sequence 1 and
 *       H2 withdraws its own route (sequence 0 lost); H2 deletes its endpoint and installs H1's
 *       route; C2 then pings the moved endpoint at H1;</li>
 *   <li>deleting C1's endpoint on H1 withdraws its route, and the entry goes from H2's FDB;</li>
 *   <li>H1's BGP packets dropped (iptables in H1): after the hold time the route reflector
 *       withdraws H1's routes and H2's FDB entry for the moved endpoint goes.</li>
 * </ol>
 */
@Timeout(value = 240)
final class EvpnTwoHostTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TRAFFIC = Duration.ofSeconds(20);
    private static final int VNI = 100;
    private static final int HOLD_SECONDS = 6;
    private static final String R_IP = "198.18.0.9";
    private static final String[] H_IP = {"", "198.18.0.1", "198.18.0.2"};
    private static final String[] H_MAC = {"", "02:00:c6:12:00:01", "02:00:c6:12:00:02"};
    private static final String C1_MAC = "02:00:c6:13:00:01";
    private static final String C2_MAC = "02:00:c6:13:00:02";
    private static final String MOVER_MAC = "02:00:c6:13:00:04";
    private static final String MOVER_IP = "198.19.0.4";

    @TempDir
    Path dir;

    private Netns netns;
    private Path root;
    private Path script;
    private Netns.Background gobgpd;
    private final Netns.Background[] nve = new Netns.Background[3];

    @BeforeEach
    void setUp() throws Exception
    {
        OverlayTopology.requireUsable();
        Netns.assumeUsable("gobgpd", "gobgp", "iptables");
        root = NveRunCommandTest.nveRoot();
        script = dir.resolve("traffic.py");
        Files.writeString(script, Traffic.SCRIPT);
        netns = Netns.create("r", "h1", "h2", "c1", "c2", "c3", "c4");
        final String noIpv6 = "sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1\n";
        for (final String role : List.of("r", "h1", "h2", "c1", "c2", "c3", "c4"))
        {
            netns.script(role, noIpv6);
        }
        netns.script("r", "ip link add br0 type bridge\nip addr add " + R_IP + "/24 dev br0\nip link set br0 up\n");
        for (int h = 1; h <= 2; h++)
        {
            final int other = 3 - h;
            netns.script("h" + h, """
                ip link add uplink address %s type veth peer name to-h%d netns %s
                ip addr add %s/24 dev uplink
                ip link set uplink up
                ip neigh replace %s lladdr %s dev uplink nud permanent
                """.formatted(H_MAC[h], h, netns.name("r"), H_IP[h], H_IP[other], H_MAC[other]));
            netns.script("r", "ethtool -K to-h" + h + " tx off >/dev/null\nip link set to-h" + h + " master br0 up\n");
        }
        container("h1", "c1", C1_MAC, "198.19.0.1");
        container("h2", "c2", C2_MAC, "198.19.0.2");
        container("h2", "c4", MOVER_MAC, MOVER_IP);
        netns.script("h1", "ip link add c3 type veth peer name eth0 netns " + netns.name("c3") + "\nip link set c3 up\n");
    }

    /** A container namespace {@code role} behind port {@code role} of {@code host}. */
    private void container(final String host, final String role, final String mac, final String ip) throws IOException, InterruptedException
    {
        netns.script(host, "ip link add " + role + " type veth peer name eth0 address " + mac + " netns " + netns.name(role) + "\nip link set " + role + " up\n");
        netns.script(role, "ethtool -K eth0 tx off >/dev/null\nip link set eth0 mtu 1450\nip addr add " + ip + "/24 dev eth0\nip link set eth0 up\n");
    }

    @AfterEach
    void tearDown()
    {
        for (final Netns.Background run : nve)
        {
            if (run != null)
            {
                run.stop();
            }
        }
        if (gobgpd != null)
        {
            gobgpd.stop();
        }
        if (netns != null)
        {
            netns.close();
        }
    }

    @Test
    void hostsLearnEachOtherMovesWinBySequenceAndWithdrawalsReachThePeer() throws Exception
    {
        startRouteReflector();
        startNve(1, "[{\"name\": \"c1\", \"port\": \"c1\", \"vni\": 100, \"mac\": \"" + C1_MAC + "\", \"ips\": [\"198.19.0.1\"], \"identity\": 1001}]", "[\"c3\"]");
        startNve(2, "[{\"name\": \"c2\", \"port\": \"c2\", \"vni\": 100, \"mac\": \"" + C2_MAC + "\", \"ips\": [\"198.19.0.2\"], \"identity\": 1002},"
            + "{\"name\": \"c4\", \"port\": \"c4\", \"vni\": 100, \"mac\": \"" + MOVER_MAC + "\", \"ips\": [\"" + MOVER_IP + "\"], \"identity\": 1004}]", "[]");

        // 1. learned both ways, ping over routes only
        await("H1 learned C2 and C4 at H2", () -> vtep(1, C2_MAC).equals(H_IP[2]) && vtep(1, MOVER_MAC).equals(H_IP[2]));
        await("H2 learned C1 at H1", () -> vtep(2, C1_MAC).equals(H_IP[1]));
        await("flood lists from the type-3 routes", () -> flood(1).equals(List.of(H_IP[2])) && flood(2).equals(List.of(H_IP[1])));
        await("H1's ARP proxy entry for C2 from its type-2 route", () -> Netns.requireOk(ctl(1, "dump", "neigh", "--json")).stdout()
            .contains("{\"vni\":100,\"ip\":\"198.19.0.2\",\"mac\":\"" + C2_MAC + "\"}"));
        ping("c1", "198.19.0.1", "198.19.0.2");
        assertTrue(counter(1, "stage/neigh-proxy/arp_replies") >= 1, "C1's ARP request for C2 was answered by H1, not flooded");
        assertTrue(counter(2, "stage/neigh-proxy/arp_replies") >= 1, "and C2's for C1 (it never saw C1's request) by H2");

        // 2. the endpoint moves from H2 (C4) to H1 (C3)
        netns.script("c3", "ip link set eth0 address " + MOVER_MAC + "\nethtool -K eth0 tx off >/dev/null\nip link set eth0 mtu 1450\nip addr add "
            + MOVER_IP + "/24 dev eth0\nip link set eth0 up\n");
        Netns.requireOk(ctl(1, "endpoint", "add", "c3", "--vni", "100", "--mac", MOVER_MAC, "--ip", MOVER_IP));
        await("H1's route for the moved MAC carries sequence 1, H2's is withdrawn", () ->
        {
            final String rib = rib();
            return rib.contains(routeOf(1, MOVER_MAC)) && !rib.contains(routeOf(2, MOVER_MAC)) && nve[2].stdout().contains("moved to VTEP " + H_IP[1]);
        });
        final String movedRib = rib();
        final List<String> moved = movedRib.lines().filter(l -> l.contains(routeOf(1, MOVER_MAC))).toList();
        assertTrue(moved.size() == 2 && moved.stream().allMatch(l -> l.contains("[mac-mobility: 1]")), "gobgpd decodes sequence 1 on the MAC and MAC+IP routes:\n"
            + movedRib);
        assertTrue(nve[1].stdout().contains("moved here from VTEP " + H_IP[2] + " (its sequence 0); advertising sequence 1"), nve[1].stdout());
        assertEquals("c4", port(2, MOVER_MAC), "H2 keeps its endpoint until it is deleted there");
        assertEquals(List.of("local 0 withheld", "local 0 withheld", R_IP + " 1 local here", R_IP + " 1 local here"), routesOf(2, MOVER_MAC));
        Netns.requireOk(ctl(2, "endpoint", "del", "c4"));
        netns.script("h2", "ip link del c4\n");
        await("H2 installs H1's route once its endpoint is gone", () -> vtep(2, MOVER_MAC).equals(H_IP[1]));
        ping("c2", "198.19.0.2", MOVER_IP);
        assertEquals(List.of(R_IP + " 1 installed", R_IP + " 1 installed"), routesOf(2, MOVER_MAC));
        final Netns.Result table = Netns.requireOk(ctl(2, "bgp", "--routes"));

        // 3. an endpoint deleted on H1 is withdrawn from H2
        Netns.requireOk(ctl(1, "endpoint", "del", "c1"));
        await("C1's entry gone from H2's FDB", () -> vtep(2, C1_MAC).isEmpty());

        // 4. H1's session silenced: the route reflector withdraws H1's routes after the hold time
        Netns.requireOk(netns.run("h1", Duration.ofSeconds(5), "iptables", "-A", "INPUT", "-s", R_IP, "-j", "DROP"));
        Netns.requireOk(netns.run("h1", Duration.ofSeconds(5), "iptables", "-A", "OUTPUT", "-d", R_IP, "-j", "DROP"));
        final long silenced = System.nanoTime();
        await("H1's moved endpoint gone from H2's FDB after the hold time", () -> vtep(2, MOVER_MAC).isEmpty());
        final long goneMillis = (System.nanoTime() - silenced) / 1_000_000;
        assertFalse(flood(2).contains(H_IP[1]), "H1's type-3 route went too");

        for (int h = 1; h <= 2; h++)
        {
            javaOf(nve[h]).destroy();
            assertEquals(0, nve[h].awaitExit(Duration.ofSeconds(30)), nve[h].describe());
        }
        System.out.println("EvpnTwoHostTest: H2 forgot H1's routes " + goneMillis + " ms after H1 went silent (hold time " + HOLD_SECONDS + " s)\n"
            + "--- nve ctl bgp --routes on H2 after the move\n" + table.stdout() + "--- H1\n" + nve[1].stdout() + nve[1].stderr() + "--- H2\n" + nve[2].stdout() + nve[2].stderr());
    }

    private void startRouteReflector() throws Exception
    {
        final StringBuilder toml = new StringBuilder("""
            [global.config]
              as = 65000
              router-id = "%s"
              local-address-list = ["%s"]
            """.formatted(R_IP, R_IP));
        for (int h = 1; h <= 2; h++)
        {
            toml.append("""
                [[neighbors]]
                  [neighbors.config]
                    neighbor-address = "%s"
                    peer-as = 65000
                  [neighbors.timers.config]
                    hold-time = %d
                    keepalive-interval = 2
                  [neighbors.transport.config]
                    passive-mode = true
                  [neighbors.route-reflector.config]
                    route-reflector-client = true
                    route-reflector-cluster-id = "%s"
                  [[neighbors.afi-safis]]
                    [neighbors.afi-safis.config]
                      afi-safi-name = "l2vpn-evpn"
                """.formatted(H_IP[h], HOLD_SECONDS, R_IP));
        }
        final Path file = dir.resolve("gobgpd.toml");
        Files.writeString(file, toml);
        gobgpd = netns.start("r", Duration.ofSeconds(220), "gobgpd", "-f", file.toString(), "-t", "toml", "-p", "--api-hosts", R_IP + ":50051");
        await("gobgpd's API answers", () -> gobgp("neighbor").ok());
    }

    private void startNve(final int h, final String endpoints, final String spare) throws Exception
    {
        final Path config = dir.resolve("h" + h + ".json");
        Files.writeString(config, """
            {
              "underlay": {"port": "uplink", "mac": "%s", "vteps": ["%s"]},
              "remoteVteps": [{"address": "%s", "mac": "%s"}],
              "networks": [{"vni": %d}],
              "endpoints": %s,
              "ports": %s,
              "bgp": {"as": 65000, "routerId": "%s", "holdTime": %d, "peers": [{"address": "%s", "as": 65000}]}
            }
            """.formatted(H_MAC[h], H_IP[h], H_IP[3 - h], H_MAC[3 - h], VNI, endpoints, spare, H_IP[h], HOLD_SECONDS, R_IP));
        nve[h] = netns.start("h" + h, Duration.ofSeconds(220), NveProcesses.launcher(root, "run", "--config", config.toString(), "--duration", "200", "--control-socket", socket(h).toString()).toArray(String[]::new));
        nve[h].awaitOutput("nve run: BGP EVPN speaker", Duration.ofSeconds(60));
    }

    private Path socket(final int h)
    {
        return dir.resolve("h" + h + ".sock");
    }

    /** The route of {@code mac} that host {@code h} advertises, as {@code gobgp global rib} prints it. */
    private static String routeOf(final int h, final String mac)
    {
        return "[type:macadv][rd:" + H_IP[h] + ":" + VNI + "][etag:0][mac:" + mac + "]";
    }

    private String rib() throws IOException, InterruptedException
    {
        return Netns.requireOk(gobgp("global", "rib", "-a", "evpn")).stdout();
    }

    private void ping(final String role, final String src, final String dst) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(Netns.python());
        command.addAll(List.of(script.toString(), "ping", src, dst, "1", "3"));
        Netns.Result r = null;
        for (int i = 0; i < 3 && (r == null || !r.ok()); i++)
        {
            r = netns.run(role, TRAFFIC, command.toArray(String[]::new));
        }
        command.set(command.size() - 2, "5");
        final Netns.Result five = netns.run(role, TRAFFIC, command.toArray(String[]::new));
        assertTrue(five.ok(), "ping " + src + " -> " + dst + ": " + five.describe() + "\nwarm-up: " + r.describe() + "\nH1:\n" + nve[1].stdout()
            + "\nH2:\n" + nve[2].stdout());
    }

    private long counter(final int h, final String name) throws IOException, InterruptedException
    {
        return JSON.readTree(Netns.requireOk(ctl(h, "stats", "--json")).stdout()).path(name).asLong(-1);
    }

    /** Host {@code h}'s EVPN routes for {@code mac} ({@code nve ctl bgp --routes}): "FROM SEQUENCE STATE" each. */
    private List<String> routesOf(final int h, final String mac) throws IOException, InterruptedException
    {
        final List<String> routes = new ArrayList<>();
        for (final JsonNode r : JSON.readTree(Netns.requireOk(ctl(h, "bgp", "--routes", "--json")).stdout()))
        {
            if (r.get("mac").asText().equals(mac))
            {
                routes.add(r.get("from").asText() + " " + r.get("sequence").asLong() + " " + r.get("state").asText());
            }
        }
        return routes;
    }

    /** The VTEP of {@code mac} in host {@code h}'s FDB, "" without a remote entry. */
    private String vtep(final int h, final String mac) throws IOException, InterruptedException
    {
        final JsonNode e = fdbEntry(h, mac);
        return e == null ? "" : e.path("vtep").asText();
    }

    /** The local port of {@code mac} in host {@code h}'s FDB, "" if it is not local. */
    private String port(final int h, final String mac) throws IOException, InterruptedException
    {
        final JsonNode e = fdbEntry(h, mac);
        return e == null ? "" : e.path("port").asText();
    }

    private JsonNode fdbEntry(final int h, final String mac) throws IOException, InterruptedException
    {
        for (final JsonNode e : JSON.readTree(Netns.requireOk(ctl(h, "dump", "fdb", "--json")).stdout()))
        {
            if (e.get("mac").asText().equals(mac))
            {
                return e;
            }
        }
        return null;
    }

    private List<String> flood(final int h) throws IOException, InterruptedException
    {
        final List<String> vteps = new ArrayList<>();
        for (final JsonNode list : JSON.readTree(Netns.requireOk(ctl(h, "dump", "flood", "--json")).stdout()))
        {
            if (list.get("vni").asInt() == VNI)
            {
                list.get("vteps").forEach(v -> vteps.add(v.asText()));
            }
        }
        return vteps;
    }

    private Netns.Result gobgp(final String... args) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(List.of("gobgp", "-u", R_IP, "-p", "50051"));
        command.addAll(List.of(args));
        return netns.run("r", Duration.ofSeconds(10), command.toArray(String[]::new));
    }

    private Netns.Result ctl(final int h, final String... args) throws IOException, InterruptedException
    {
        return NveProcesses.ctl(root, socket(h), args);
    }
}
