package dev.nve.pcaptests.afxdp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.config.HostConfig;
import dev.nve.control.ops.TableOps;
import dev.nve.control.socket.ControlException;
import dev.nve.control.socket.ErrorCode;
import dev.nve.control.socket.Request;
import dev.nve.control.run.AfXdpDataplane;
import dev.nve.control.run.RunOptions;
import dev.nve.control.run.RunReport;
import dev.nve.control.run.UmemSharing;
import dev.nve.pcaptests.interop.Netns;
import dev.nve.xdp.FrameAccounting;
import dev.nve.xdp.NetNamespaces;
import dev.nve.xdp.XdpAttachMode;
import dev.nve.xdp.XdpCounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.nve.pcaptests.afxdp.OverlayTopology.C1;
import static dev.nve.pcaptests.afxdp.OverlayTopology.C1_IP;
import static dev.nve.pcaptests.afxdp.OverlayTopology.H;
import static dev.nve.pcaptests.afxdp.OverlayTopology.H_UNDERLAY_IP;
import static dev.nve.pcaptests.afxdp.OverlayTopology.K;
import static dev.nve.pcaptests.afxdp.OverlayTopology.K_TENANT_IP;
import static dev.nve.pcaptests.afxdp.OverlayTopology.K_UNDERLAY_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * nve's dataplane on AF_XDP between kernel sockets in a container namespace and the Linux
 * kernel's vxlan device in another namespace (see {@link OverlayTopology}). nve runs in this
 * JVM: {@link AfXdpDataplane#open} on a thread that entered namespace H (NetNamespaces), the
 * worker on its own thread; the Python traffic runs in C1 and K through {@code ip netns exec}.
 * <ul>
 *   <li>ping and TCP (2 MB each way, bytes checked) work both ways, and UDP echoes, in generic
 *       and in native XDP mode: C1's frames leave nve VXLAN-encapsulated and K's vxlan device
 *       decapsulates them; K's replies come back through nve's decap;</li>
 *   <li>traffic that is not nve's (K pinging H's underlay address) still reaches H's kernel;</li>
 *   <li>100,000 frames through nve leak none: the frame accounting holds during the traffic
 *       (checked on the worker thread) and at stop, and after close every UMEM frame is back
 *       in the pool;</li>
 *   <li>after close no XDP program is left on any interface of any namespace.</li>
 * </ul>
 */
@Timeout(value = 90)
final class AfXdpDataplaneTest
{
    private static final int TCP_BYTES = 2_000_000;
    private static final int LEAK_ROUND_TRIPS = 50_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private OverlayTopology topology;
    private AfXdpDataplane dataplane;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception
    {
        OverlayTopology.requireUsable();
        topology = OverlayTopology.create(dir);
    }

    @AfterEach
    void tearDown()
    {
        try
        {
            if (dataplane != null)
            {
                dataplane.stop();
            }
        }
        finally
        {
            if (topology != null)
            {
                topology.close();
            }
        }
    }

    @Test
    void overlayWorksBothWaysInGenericMode() throws Exception
    {
        overlayWorksBothWays(XdpAttachMode.GENERIC);
    }

    @Test
    void overlayWorksBothWaysInNativeMode() throws Exception
    {
        overlayWorksBothWays(XdpAttachMode.NATIVE);
    }

    private void overlayWorksBothWays(final XdpAttachMode mode) throws Exception
    {
        start(RunOptions.defaults().withXdpMode(mode));
        final String expected = mode == XdpAttachMode.NATIVE ? "XDP native" : "XDP generic";
        for (final String line : dataplane.startupLines().subList(1, 3))
        {
            assertTrue(line.contains(expected) && line.contains("bind copy"), line);
        }
        final String hLinks = topology.links(H);
        assertEquals(2, hLinks.split("prog/xdp", -1).length - 1, hLinks);
        assertEquals(mode == XdpAttachMode.GENERIC, hLinks.contains("xdpgeneric"), hLinks);

        final String pingOut = topology.ping(C1, C1_IP, K_TENANT_IP, 5);
        final String pingIn = topology.ping(K, K_TENANT_IP, C1_IP, 5);
        final String udp = topology.udpEcho(K, K_TENANT_IP, C1, C1_IP, 300, 16);
        final String tcpOut = topology.tcp(K, K_TENANT_IP, C1, C1_IP, TCP_BYTES);
        final String tcpIn = topology.tcp(C1, C1_IP, K, K_TENANT_IP, TCP_BYTES);
        // not nve's traffic: ICMP to H's own underlay address passes to H's kernel
        final String underlayPing = topology.ping(K, K_UNDERLAY_IP, H_UNDERLAY_IP, 2);
        final List<FrameAccounting> during = dataplane.checkFrameAccountingOnWorker().get(10, TimeUnit.SECONDS);

        final RunReport report = dataplane.stop();
        report.lines().forEach(System.out::println);
        System.out.printf("AfXdpDataplaneTest %s: %s | %s | %s | %s | %s | underlay %s | accounting while running %s%n", mode, pingOut, pingIn, udp, tcpOut,
            tcpIn, underlayPing, during);
        assertTrue(report.clean(), report.problems().toString());
        assertEquals(report.poolCapacity(), report.poolAvailable());
        final RunReport.PortReport uplink = report.port("uplink");
        final RunReport.PortReport c1 = report.port("c1");
        assertTrue(uplink.mode().startsWith(mode == XdpAttachMode.NATIVE ? "native XDP" : "generic XDP"), uplink.mode());
        // every TCP byte went through nve twice (encap and decap): at least 2 x 2 x 2 MB of frames
        assertTrue(report.counter("port/uplink/tx_bytes") > 2L * TCP_BYTES && report.counter("port/uplink/rx_bytes") > 2L * TCP_BYTES,
            report.counters().toString());
        assertEquals(report.counter("stage/vxlan-encap/packets"), report.counter("port/uplink/tx_packets"), "everything to the underlay is VXLAN");
        assertEquals(report.counter("port/uplink/rx_packets"), report.counter("stage/vxlan-decap/packets"), "everything steered from the underlay is VXLAN");
        assertTrue(uplink.xdp(XdpCounter.STEER_VTEP4) > 0 && uplink.xdp(XdpCounter.STEER_VTEP4) == uplink.xdp(XdpCounter.REDIRECT));
        assertTrue(uplink.xdp(XdpCounter.PASS) >= 3, "the underlay ping passed to the kernel: " + uplink.xdp(XdpCounter.PASS));
        assertEquals(0, uplink.xdp(XdpCounter.REDIRECT_FAILED));
        assertTrue(c1.xdp(XdpCounter.STEER_ENDPOINT) > 0);
        assertEquals(0, report.counter("port/uplink/drop/TX_FULL") + report.counter("port/c1/drop/TX_FULL"));
        assertEquals(0, uplink.statistics().rxDropped() + c1.statistics().rxDropped(), "no frame too large for a UMEM frame");
        assertEquals(0, uplink.txKickErrors() + c1.txKickErrors());
        topology.assertNoXdpAttached();
    }

    /**
     * With {@code --umem per-port} the endpoint port gets its own UMEM: every frame it receives
     * is copied into the worker's UMEM and every frame it sends out of it. The same traffic
     * works, the copies are counted, and both UMEMs get every frame back.
     */
    @Test
    void aPortOnItsOwnUmemWorksThroughCopies() throws Exception
    {
        start(RunOptions.defaults().withUmem(UmemSharing.PER_PORT));
        assertTrue(dataplane.startupLines().get(0).contains("--umem per-port"), dataplane.startupLines().get(0));
        assertTrue(dataplane.startupLines().get(1).contains("UMEM registered here"), dataplane.startupLines().get(1));
        assertTrue(dataplane.startupLines().get(2).contains("UMEM own, frames copied to and from the worker's (--umem per-port)"),
            dataplane.startupLines().get(2));

        final String pingOut = topology.ping(C1, C1_IP, K_TENANT_IP, 3);
        final String pingIn = topology.ping(K, K_TENANT_IP, C1_IP, 3);
        final String tcpOut = topology.tcp(K, K_TENANT_IP, C1, C1_IP, TCP_BYTES);
        final String tcpIn = topology.tcp(C1, C1_IP, K, K_TENANT_IP, TCP_BYTES);
        final List<FrameAccounting> during = dataplane.checkFrameAccountingOnWorker().get(10, TimeUnit.SECONDS);

        final RunReport report = dataplane.stop();
        report.lines().forEach(System.out::println);
        System.out.printf("AfXdpDataplaneTest per-port UMEM: %s | %s | %s | %s | accounting while running %s%n", pingOut, pingIn, tcpOut, tcpIn, during);
        assertTrue(report.clean(), report.problems().toString());
        assertEquals(report.poolCapacity(), report.poolAvailable());
        assertEquals(null, report.port("uplink").copies());
        final RunReport.Copies copies = report.port("c1").copies();
        assertEquals("--umem per-port", copies.reason());
        assertEquals(report.counter("port/c1/rx_packets"), copies.in(), "every frame received on c1 was copied in");
        assertEquals(report.counter("port/c1/tx_packets"), copies.out(), "every frame sent on c1 was copied out");
        assertTrue(copies.in() > TCP_BYTES / 1500 && copies.out() > TCP_BYTES / 1500, copies.toString());
        assertEquals(0, copies.noFrame() + copies.oversize());
        assertTrue(report.port("c1").accounting().balanced(), report.port("c1").accounting().toString());
        topology.assertNoXdpAttached();
    }

    /**
     * {@code port.add} while running: a veth {@code c2} created in H after the start is opened
     * through the control socket's operations ({@code port.add}, then {@code endpoint.add}, as
     * {@code nve ctl} sends them), and its peer (in H, 198.19.0.3) reaches K's tenant address
     * through nve's VXLAN; the shutdown accounts for the new port's frames as for the others.
     */
    @Test
    void aPortAddedWhileRunningCarriesAnEndpoint() throws Exception
    {
        start(RunOptions.defaults());
        topology.netns.script(H, """
            ip link add c2 address 02:00:c6:13:00:fd type veth peer name c2p address 02:00:c6:13:00:03
            ip link set c2 up
            ethtool -K c2p tx off >/dev/null
            ip link set c2p mtu 1450
            ip addr add 198.19.0.3/24 dev c2p
            ip link set c2p up
            """);
        final TableOps ops = dataplane.controlOps();
        final JsonNode added = NetNamespaces.callIn(topology.ns(H), () -> JSON.valueToTree(ops.handle(request("port.add", "{\"name\":\"c2\"}"))));
        assertTrue(added.get("changed").asBoolean(), added.toString());
        assertTrue(added.get("port").asText().contains("port c2 (spare, no endpoint yet"), added.toString());
        final JsonNode again = JSON.valueToTree(ops.handle(request("port.add", "{\"name\":\"c2\"}")));
        assertFalse(again.get("changed").asBoolean(), "the same port again");
        ops.handle(request("endpoint.add", "{\"port\":\"c2\",\"vni\":" + OverlayTopology.VNI + ",\"mac\":\"02:00:c6:13:00:03\",\"ips\":[\"198.19.0.3\"]}"));
        final Throwable thrown = assertThrows(IllegalStateException.class, () -> NetNamespaces.callIn(topology.ns(H),
            () -> ops.handle(request("port.add", "{\"name\":\"c9\"}")))).getCause();
        final ControlException missing = assertInstanceOf(ControlException.class, thrown);
        assertEquals(ErrorCode.NOT_FOUND, missing.code(), missing.toString());

        final String ping = topology.ping(H, "198.19.0.3", K_TENANT_IP, 5);
        final String pingC1 = topology.ping(C1, C1_IP, K_TENANT_IP, 2);
        final RunReport report = dataplane.stop();
        report.lines().forEach(System.out::println);
        System.out.println("AfXdpDataplaneTest port added while running: " + ping + " | c1: " + pingC1 + " | " + missing.getMessage());
        assertTrue(report.clean(), report.problems().toString());
        assertEquals(report.poolCapacity(), report.poolAvailable(), "the added port's frames came back too");
        assertTrue(report.counter("port/c2/rx_packets") >= 5 && report.counter("port/c2/tx_packets") >= 5, report.counters().toString());
        assertTrue(report.port("c2").accounting().balanced(), report.port("c2").accounting().toString());
        topology.assertNoXdpAttached();
    }

    private static Request request(final String op, final String params) throws Exception
    {
        return new Request(JSON.getNodeFactory().numberNode(1), op, (ObjectNode)JSON.readTree(params));
    }

    @Test
    void noFrameLeaksAfter100000Frames() throws Exception
    {
        start(RunOptions.defaults());
        final Netns.Background server = topology.startUdpEchoServer(K, K_TENANT_IP);
        final Netns.Background client = topology.netns.start(C1, OverlayTopology.TRAFFIC_LIMIT.plusSeconds(10),
            topology.python("udp-client", C1_IP, K_TENANT_IP, "40007", String.valueOf(LEAK_ROUND_TRIPS), "64", "40").toArray(String[]::new));
        int checks = 0;
        final long deadline = System.nanoTime() + 60_000_000_000L;
        try
        {
            while (System.nanoTime() < deadline && client.stdout().isEmpty() && !client.stderr().contains("Error"))
            {
                // the invariant must hold at any moment, with frames in every ring
                final List<FrameAccounting> accounting = dataplane.checkFrameAccountingOnWorker().get(10, TimeUnit.SECONDS);
                for (final FrameAccounting a : accounting)
                {
                    assertTrue(a.balanced(), a.toString());
                }
                checks++;
                Thread.sleep(200);
            }
            assertEquals(0, client.awaitExit(Duration.ofSeconds(30)), client.describe());
        }
        finally
        {
            server.stop();
        }
        final RunReport report = dataplane.stop();
        report.lines().forEach(System.out::println);
        System.out.println("AfXdpDataplaneTest leak: " + client.stdout().strip() + "; accounting checked " + checks + " times during the traffic");
        assertTrue(client.stdout().contains("received " + LEAK_ROUND_TRIPS + " lost 0 bad 0"), client.describe());
        assertTrue(checks >= 3, "checked while the traffic ran: " + checks);
        final long frames = report.counter("port/uplink/rx_packets") + report.counter("port/c1/rx_packets");
        assertTrue(frames >= 2L * LEAK_ROUND_TRIPS, "frames through nve: " + frames);
        assertTrue(report.clean(), report.problems().toString());
        for (final RunReport.PortReport port : report.ports())
        {
            final FrameAccounting a = port.accounting();
            assertTrue(a.balanced(), a.toString());
            assertEquals(0, a.transmitSide(), "everything sent completed: " + a);
            assertEquals(a.total(), a.free() + a.fillRing() + a.kernelRx() + a.rxRing() + a.application(), a.toString());
        }
        final FrameAccounting u = report.port("uplink").accounting();
        final FrameAccounting c = report.port("c1").accounting();
        assertEquals(u.total(), u.free() + u.receiveSide() + c.receiveSide(), "at stop every frame is free or on one of the two fill/RX sides");
        assertEquals(report.poolCapacity(), report.poolAvailable(), "after close every UMEM frame is back in the pool");
        assertEquals(0, report.workerErrors());
        topology.assertNoXdpAttached();
    }

    private void start(final RunOptions options) throws Exception
    {
        final HostConfig config = HostConfig.load(topology.config);
        final PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8);
        dataplane = NetNamespaces.callIn(topology.ns(H), () -> AfXdpDataplane.open(config, options, out));
        dataplane.startupLines().forEach(System.out::println);
        assertFalse(dataplane.isRunning());
        dataplane.start();
        assertTrue(dataplane.isRunning());
    }
}
