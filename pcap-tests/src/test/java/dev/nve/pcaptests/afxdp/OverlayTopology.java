package dev.nve.pcaptests.afxdp;

import dev.nve.pcaptests.interop.Netns;
import dev.nve.xdp.ffi.LibC;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three namespaces around one nve host, made with {@link Netns} (unique names
 * {@code nvek-PID-N-ROLE}, always deleted by {@link #close()}, also when setup fails):
 * <pre>
 *  C1 (container)                 H (host: nve runs here)                       K (kernel VTEP)
 *  eth0 02:00:c6:13:00:01 ─veth─ c1 02:00:c6:13:00:fe        uplink 02:00:c6:12:00:01 ─veth─ v-k 02:00:c6:12:00:02
 *  198.19.0.1/24, MTU 1450        (endpoint port, no address)  198.18.0.1/24 (underlay)      198.18.0.2/24
 *                                                                                           vx0 VNI 100 local 198.18.0.2
 *                                                                                           02:00:c6:13:00:02 198.19.0.2/24
 * </pre>
 * The interface names in H are the port names of the config ({@code uplink}, {@code c1}).
 * ARP between C1 and vx0 goes through nve (flooded to K as VXLAN, answered back through nve's
 * decap); K's vx0 sends to C1's MAC and to broadcast at 198.18.0.1. The underlay neighbours
 * are static. TX checksum offload is off on the devices whose frames cross AF_XDP (C1's eth0,
 * K's v-k and vx0: RESULTS.md, a partial checksum would arrive unfinished), which also turns
 * TSO off there; IPv6 is off in all three namespaces (no ND/MLD noise in the counters).
 * Addresses only from 198.18.0.0/15 (underlay) and 198.19.0.0/16 (tenant).
 * <p>
 * {@link #createLearning} builds the same namespaces for a control plane that must learn the
 * overlay (EVPN): nve's config has no {@code fdb} and no flood list, and K is a VTEP the way a
 * BGP EVPN daemon expects one: vx0 (MAC {@link #K_VXLAN_MAC}) is a port of the bridge br0,
 * which carries the tenant MAC {@link #VX_MAC} and address; K's vxlan FDB starts empty.
 */
final class OverlayTopology implements AutoCloseable
{
    static final String H = "h";
    static final String C1 = "c1";
    static final String K = "k";
    static final String UPLINK_MAC = "02:00:c6:12:00:01";
    static final String K_UNDERLAY_MAC = "02:00:c6:12:00:02";
    static final String C1_MAC = "02:00:c6:13:00:01";
    static final String C1_HOST_MAC = "02:00:c6:13:00:fe";
    static final String VX_MAC = "02:00:c6:13:00:02";
    static final String K_VXLAN_MAC = "02:00:c6:13:00:03";
    static final String H_UNDERLAY_IP = "198.18.0.1";
    static final String K_UNDERLAY_IP = "198.18.0.2";
    static final String C1_IP = "198.19.0.1";
    static final String K_TENANT_IP = "198.19.0.2";
    static final int VNI = 100;
    static final Duration TRAFFIC_LIMIT = Duration.ofSeconds(30);

    final Netns netns;
    final Path dir;
    final Path config;
    final Path script;
    private final boolean learning;

    private OverlayTopology(final Netns netns, final Path dir, final boolean learning) throws IOException
    {
        this.netns = netns;
        this.dir = dir;
        this.learning = learning;
        this.config = dir.resolve("h.json");
        this.script = dir.resolve("traffic.py");
        if (learning)
        {
            Files.writeString(config, """
                {
                  "underlay": {"port": "uplink", "mac": "%s", "vteps": ["%s"]},
                  "remoteVteps": [{"address": "%s", "mac": "%s"}],
                  "networks": [{"vni": %d}],
                  "endpoints": [{"name": "c1", "port": "c1", "vni": %d, "mac": "%s", "ips": ["%s"], "identity": 1001}]
                }
                """.formatted(UPLINK_MAC, H_UNDERLAY_IP, K_UNDERLAY_IP, K_UNDERLAY_MAC, VNI, VNI, C1_MAC, C1_IP));
        }
        else
        {
            Files.writeString(config, """
                {
                  "underlay": {"port": "uplink", "mac": "%s", "vteps": ["%s"]},
                  "remoteVteps": [{"address": "%s", "mac": "%s"}],
                  "networks": [{"vni": %d, "flood": ["%s"]}],
                  "endpoints": [{"name": "c1", "port": "c1", "vni": %d, "mac": "%s", "ips": ["%s"], "identity": 1001}],
                  "fdb": [{"vni": %d, "mac": "%s", "vtep": "%s"}]
                }
                """.formatted(UPLINK_MAC, H_UNDERLAY_IP, K_UNDERLAY_IP, K_UNDERLAY_MAC, VNI, K_UNDERLAY_IP, VNI, C1_MAC, C1_IP, VNI, VX_MAC,
                K_UNDERLAY_IP));
        }
        Files.writeString(script, Traffic.SCRIPT);
    }

    /**
     * Skips the test (fails it when {@code CI=true}) unless we are root, the tools are there
     * and the kernel lets us open AF_XDP sockets.
     */
    static void requireUsable()
    {
        Netns.assumeUsable("ip", "bridge", "ethtool", "python3", "timeout", "sysctl");
        requireAfXdp();
    }

    /** Skips the test (fails it when {@code CI=true}) unless the kernel lets us open AF_XDP sockets. */
    static void requireAfXdp()
    {
        String refusal = null;
        try
        {
            LibC.close(LibC.socket(LibC.AF_XDP, LibC.SOCK_RAW, 0, "AF_XDP probe"));
        }
        catch (final RuntimeException | LinkageError e)
        {
            refusal = e.getMessage();
        }
        if (refusal != null)
        {
            if ("true".equalsIgnoreCase(System.getenv("CI")))
            {
                Assertions.fail("CI=true but the kernel refuses AF_XDP sockets: " + refusal);
            }
            Assumptions.abort("AF_XDP test skipped: the kernel refuses AF_XDP sockets: " + refusal);
        }
    }

    /** The namespaces with static overlay state: nve's {@code fdb} and flood list, K's vxlan FDB entries. */
    static OverlayTopology create(final Path dir) throws IOException, InterruptedException
    {
        return create(dir, false);
    }

    /** The namespaces with no overlay state to learn it from a control plane (see the class comment). */
    static OverlayTopology createLearning(final Path dir) throws IOException, InterruptedException
    {
        return create(dir, true);
    }

    private static OverlayTopology create(final Path dir, final boolean learning) throws IOException, InterruptedException
    {
        final Netns netns = Netns.create(H, C1, K);
        boolean ok = false;
        try
        {
            final OverlayTopology topology = new OverlayTopology(netns, dir, learning);
            topology.setUp();
            ok = true;
            return topology;
        }
        finally
        {
            if (!ok)
            {
                netns.close();
            }
        }
    }

    private void setUp() throws IOException, InterruptedException
    {
        final String noIpv6 = "sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1\n";
        netns.script(C1, noIpv6);
        netns.script(K, noIpv6);
        netns.script(H, noIpv6 + """
            ip link add uplink address %s type veth peer name v-k address %s netns %s
            ip link add c1 address %s type veth peer name eth0 address %s netns %s
            ip addr add %s/24 dev uplink
            ip link set uplink up
            ip link set c1 up
            ip neigh replace %s lladdr %s dev uplink nud permanent
            """.formatted(UPLINK_MAC, K_UNDERLAY_MAC, netns.name(K), C1_HOST_MAC, C1_MAC, netns.name(C1), H_UNDERLAY_IP, K_UNDERLAY_IP,
            K_UNDERLAY_MAC));
        netns.script(C1, """
            ethtool -K eth0 tx off >/dev/null
            ip link set eth0 mtu 1450
            ip addr add %s/24 dev eth0
            ip link set eth0 up
            """.formatted(C1_IP));
        if (learning)
        {
            netns.script(K, """
                ethtool -K v-k tx off >/dev/null
                ip addr add %s/24 dev v-k
                ip link set v-k up
                ip neigh replace %s lladdr %s dev v-k nud permanent
                ip link add br0 address %s type bridge
                ip link add vx0 address %s type vxlan id %d local %s dstport 4789 nolearning
                ip link set vx0 master br0
                ethtool -K vx0 tx off >/dev/null
                ethtool -K br0 tx off >/dev/null
                ip addr add %s/24 dev br0
                ip link set vx0 up
                ip link set br0 up
                """.formatted(K_UNDERLAY_IP, H_UNDERLAY_IP, UPLINK_MAC, VX_MAC, K_VXLAN_MAC, VNI, K_UNDERLAY_IP, K_TENANT_IP));
            return;
        }
        netns.script(K, """
            ethtool -K v-k tx off >/dev/null
            ip addr add %s/24 dev v-k
            ip link set v-k up
            ip neigh replace %s lladdr %s dev v-k nud permanent
            ip link add vx0 address %s type vxlan id %d local %s dstport 4789 nolearning
            ethtool -K vx0 tx off >/dev/null
            ip addr add %s/24 dev vx0
            ip link set vx0 up
            bridge fdb append 00:00:00:00:00:00 dev vx0 dst %s
            bridge fdb append %s dev vx0 dst %s
            """.formatted(K_UNDERLAY_IP, H_UNDERLAY_IP, UPLINK_MAC, VX_MAC, VNI, K_UNDERLAY_IP, K_TENANT_IP, H_UNDERLAY_IP, C1_MAC, H_UNDERLAY_IP));
    }

    String ns(final String role)
    {
        return netns.name(role);
    }

    /** {@code python3 -I -S traffic.py ARGS...}. */
    List<String> python(final String... args) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(Netns.python());
        command.add(script.toString());
        command.addAll(List.of(args));
        return command;
    }

    /**
     * ICMP echo from {@code role} ({@code src}) to {@code dst}: one warm-up request (the first
     * one resolves ARP through the overlay; up to three tries), then {@code count} requests
     * that must all be answered. Returns the summary line.
     */
    String ping(final String role, final String src, final String dst, final int count) throws IOException, InterruptedException
    {
        Netns.Result warmUp = null;
        for (int i = 0; i < 3 && (warmUp == null || !warmUp.ok()); i++)
        {
            warmUp = netns.run(role, TRAFFIC_LIMIT, python("ping", src, dst, "1", "3").toArray(String[]::new));
        }
        final Netns.Result r = netns.run(role, TRAFFIC_LIMIT, python("ping", src, dst, String.valueOf(count), "3").toArray(String[]::new));
        assertTrue(r.ok(), "ping " + src + " -> " + dst + " in " + role + ": " + r.describe() + "\nwarm-up: " + warmUp.describe());
        return r.stdout().strip();
    }

    /** UDP echo: server in {@code serverRole} at {@code serverIp}, client in {@code clientRole}; all must come back intact. */
    String udpEcho(final String serverRole, final String serverIp, final String clientRole, final String clientIp, final int count, final int window)
        throws IOException, InterruptedException
    {
        final Netns.Background server = netns.start(serverRole, TRAFFIC_LIMIT.plusSeconds(5),
            python("udp-echo-server", serverIp, "40007", String.valueOf(TRAFFIC_LIMIT.toSeconds())).toArray(String[]::new));
        server.awaitOutput("READY", Duration.ofSeconds(10));
        final Netns.Result r = netns.run(clientRole, TRAFFIC_LIMIT.plusSeconds(5),
            python("udp-client", clientIp, serverIp, "40007", String.valueOf(count), String.valueOf(window), String.valueOf(TRAFFIC_LIMIT.toSeconds()))
                .toArray(String[]::new));
        server.awaitExit(Duration.ofSeconds(10));
        assertTrue(r.ok(), "UDP echo " + clientIp + " -> " + serverIp + ": " + r.describe() + "\nserver: " + server.describe());
        return r.stdout().strip();
    }

    /** Starts a UDP echo server in the background (for traffic running while the test checks things). */
    Netns.Background startUdpEchoServer(final String role, final String ip) throws IOException, InterruptedException
    {
        final Netns.Background server = netns.start(role, TRAFFIC_LIMIT.plusSeconds(5),
            python("udp-echo-server", ip, "40007", String.valueOf(TRAFFIC_LIMIT.toSeconds())).toArray(String[]::new));
        server.awaitOutput("READY", Duration.ofSeconds(10));
        return server;
    }

    /**
     * TCP: server in {@code serverRole}, client in {@code clientRole}; {@code size} bytes each
     * way, checked on both sides. Returns the client's summary line.
     */
    String tcp(final String serverRole, final String serverIp, final String clientRole, final String clientIp, final int size)
        throws IOException, InterruptedException
    {
        final Netns.Background server = netns.start(serverRole, TRAFFIC_LIMIT.plusSeconds(5),
            python("tcp-server", serverIp, "40008", String.valueOf(size), String.valueOf(TRAFFIC_LIMIT.toSeconds())).toArray(String[]::new));
        server.awaitOutput("READY", Duration.ofSeconds(10));
        final Netns.Result r = netns.run(clientRole, TRAFFIC_LIMIT.plusSeconds(5),
            python("tcp-client", clientIp, serverIp, "40008", String.valueOf(size), String.valueOf(TRAFFIC_LIMIT.toSeconds())).toArray(String[]::new));
        final int serverExit = server.awaitExit(Duration.ofSeconds(10));
        assertTrue(r.ok() && r.stdout().contains("intact"), "TCP client " + clientIp + " -> " + serverIp + ": " + r.describe() + "\nserver: "
            + server.describe());
        assertTrue(serverExit == 0 && server.stdout().contains("intact"), "TCP server: " + server.describe());
        return r.stdout().strip();
    }

    /** {@code ip -d link show} in the namespace of {@code role}. */
    String links(final String role) throws IOException, InterruptedException
    {
        return Netns.requireOk(netns.run(role, Duration.ofSeconds(5), "ip", "-d", "link", "show")).stdout();
    }

    /** Fails when any interface in any of the three namespaces still has an XDP program. */
    void assertNoXdpAttached() throws IOException, InterruptedException
    {
        for (final String role : List.of(H, C1, K))
        {
            final String links = links(role);
            assertTrue(!links.contains("xdp"), "an XDP program is still attached in " + role + ":\n" + links);
        }
    }

    @Override
    public void close()
    {
        netns.close();
    }
}
