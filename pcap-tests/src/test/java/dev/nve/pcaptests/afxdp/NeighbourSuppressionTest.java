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
import java.time.Duration;

import static dev.nve.pcaptests.afxdp.NveProcesses.javaOf;
import static dev.nve.pcaptests.afxdp.OverlayTopology.C1;
import static dev.nve.pcaptests.afxdp.OverlayTopology.H;
import static dev.nve.pcaptests.afxdp.OverlayTopology.K;
import static dev.nve.pcaptests.afxdp.OverlayTopology.VNI;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ARP and ND suppression on real interfaces: {@code nve run} over AF_XDP in the
 * {@link OverlayTopology} (C1 gets IPv6 back, with {@code fd00::1/64}); after {@code nve ctl
 * neigh add} of addresses no one owns (198.19.0.50 and fd00::50, both at 02:00:c6:13:00:50),
 * a ping from C1 makes C1's kernel resolve them: its neighbour table shows the proxied MAC,
 * nve's counters show one ARP reply and one ND reply, and a capture of the underlay in K
 * holds no request for either address (the suppressed requests were not flooded; the pings
 * themselves, sent to the proxied MAC nobody owns, may be).
 */
@Timeout(value = 90)
final class NeighbourSuppressionTest
{
    private static final String PROXY_IP4 = "198.19.0.50";
    private static final String PROXY_IP6 = "fd00::50";
    private static final String PROXY_MAC = "02:00:c6:13:00:50";

    @TempDir
    Path dir;

    private OverlayTopology topology;
    private Path root;
    private Path socket;

    @BeforeEach
    void setUp() throws Exception
    {
        OverlayTopology.requireUsable();
        Netns.assumeUsable("tcpdump", "ping");
        root = NveRunCommandTest.nveRoot();
        topology = OverlayTopology.create(dir);
        socket = dir.resolve("run/nve.sock");
        // IPv6 back on in C1 only (fd00::1/64, no DAD, no router solicitations)
        topology.netns.script(C1, """
            sysctl -q -w net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.eth0.disable_ipv6=0
            sysctl -q -w net.ipv6.conf.eth0.accept_ra=0 net.ipv6.conf.eth0.router_solicitations=0
            ip addr add fd00::1/64 dev eth0 nodad
            """);
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
    void requestsForProxiedAddressesAreAnsweredLocallyAndNotFlooded() throws Exception
    {
        final Netns.Background run = topology.netns.start(H, Duration.ofSeconds(60), NveProcesses.launcher(root, "run", "--config", topology.config.toString(),
            "--duration", "45", "--control-socket", socket.toString()).toArray(String[]::new));
        run.awaitOutput("nve run: control socket", Duration.ofSeconds(40));
        assertOk(ctl("neigh", "add", String.valueOf(VNI), PROXY_IP4, PROXY_MAC));
        assertOk(ctl("neigh", "add", String.valueOf(VNI), PROXY_IP6, PROXY_MAC));
        final Netns.Result dump = ctl("dump", "neigh", "--json");
        assertOk(dump);
        assertTrue(dump.stdout().contains(PROXY_MAC), dump.stdout());

        final Path capture = dir.resolve("underlay.pcap");
        final Netns.Background tcpdump = topology.netns.start(K, Duration.ofSeconds(20), "timeout", "12", "tcpdump", "-n", "-i", "v-k", "-U", "-w",
            capture.toString(), "udp", "port", "4789");
        Thread.sleep(1500);
        // nobody answers the echo requests; the neighbour resolution before them is what counts
        final Netns.Result ping4 = topology.netns.run(C1, Duration.ofSeconds(10), "ping", "-n", "-c", "1", "-W", "1", PROXY_IP4);
        final Netns.Result ping6 = topology.netns.run(C1, Duration.ofSeconds(10), "ping", "-6", "-n", "-c", "1", "-W", "1", PROXY_IP6);
        final String neigh4 = Netns.requireOk(topology.netns.run(C1, Duration.ofSeconds(5), "ip", "neigh", "show", PROXY_IP4)).stdout();
        final String neigh6 = Netns.requireOk(topology.netns.run(C1, Duration.ofSeconds(5), "ip", "-6", "neigh", "show", PROXY_IP6)).stdout();
        tcpdump.awaitExit(Duration.ofSeconds(20));
        final Netns.Result stats = ctl("stats", "--prefix", "stage/neigh-proxy/", "--json");
        assertOk(stats);

        javaOf(run).destroy();
        assertEquals(0, run.awaitExit(Duration.ofSeconds(30)), run.describe());
        System.out.println("NeighbourSuppressionTest: " + neigh4.strip() + " | " + neigh6.strip() + "\n" + stats.stdout() + ping4.describe() + ping6.describe());

        assertTrue(neigh4.contains("lladdr " + PROXY_MAC), "C1 resolved " + PROXY_IP4 + " to the proxied MAC: " + neigh4 + "\n" + ping4.describe());
        assertTrue(neigh6.contains("lladdr " + PROXY_MAC), "C1 resolved " + PROXY_IP6 + " to the proxied MAC: " + neigh6 + "\n" + ping6.describe());
        assertTrue(stats.stdout().contains("\"stage/neigh-proxy/arp_replies\":1") || stats.stdout().contains("\"stage/neigh-proxy/arp_replies\" : 1"),
            stats.stdout());
        assertTrue(stats.stdout().replace(" ", "").contains("\"stage/neigh-proxy/nd_replies\":1"), stats.stdout());
        assertTrue(Files.size(capture) > 0, "tcpdump wrote its capture: " + tcpdump.describe());
        final Netns.Result requests = Netns.host(Duration.ofSeconds(60), "tshark", "-n", "-r", capture.toString(), "-d", "udp.port==4789,vxlan", "-Y",
            "arp.dst.proto_ipv4 == " + PROXY_IP4 + " || icmpv6.nd.ns.target_address == " + PROXY_IP6, "-T", "fields", "-e", "frame.number");
        assertEquals(0, requests.exitCode(), requests.describe());
        assertEquals("", requests.stdout().strip(), "no ARP request or neighbour solicitation for the proxied addresses crossed the underlay");
        final Netns.Result all = Netns.host(Duration.ofSeconds(60), "tshark", "-n", "-r", capture.toString(), "-d", "udp.port==4789,vxlan");
        System.out.println("underlay capture:\n" + all.stdout());
    }

    private static void assertOk(final Netns.Result r)
    {
        assertEquals(0, r.exitCode(), r.describe());
    }

    private Netns.Result ctl(final String... args) throws IOException, InterruptedException
    {
        return NveProcesses.ctl(root, socket, args);
    }
}
