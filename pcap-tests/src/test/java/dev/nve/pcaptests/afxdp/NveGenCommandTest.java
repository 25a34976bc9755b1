package dev.nve.pcaptests.afxdp;

import dev.nve.pcaptests.interop.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The real {@code nve gen} command line (the launcher, the JVM, picocli, exit codes) as a
 * separate process, against a veth pair between two namespaces made with {@link Netns}
 * (unique names {@code nvek-PID-N-gen} / {@code -peer}, always deleted in {@link #tearDown()}):
 * <pre>
 *   gen: ga 02:72:62:00:00:01 198.18.0.1/24  ─veth─  peer: gb 02:72:62:00:00:02 198.18.0.2/24
 * </pre>
 * The MACs are gen's default {@code --src-mac/--dst-mac}. IPv6 is disabled in both namespaces
 * (no ND/MLD frames), so what gb receives is what gen sent, plus perhaps an ARP reply.
 * <ul>
 *   <li>udp4, vxlan (through {@code --netns}) and udp6 (through {@code ip netns exec}), each
 *       {@code --duration 5 --count 20000}: exit 0, the totals line says queued = sent = 20000;
 *       gb's {@code rx_packets} grows by at least 20000 (at most 100 more); tcpdump in the peer
 *       namespace sees UDP frames with the type's length, addresses and ports;</li>
 *   <li>{@code --duration 0.5} without {@code --count}: stops by itself within the bound, and the
 *       peer received at least what it reports sent;</li>
 *   <li>refusals, exit 2 with the reason on stderr and no totals line: from the root network
 *       namespace (on an interface name that does not exist there, so even a broken check
 *       could not send), and to destinations outside 198.18.0.0/15, fd00::/8, 2001:db8::/32
 *       (no route to them exists anywhere); ga's {@code tx_packets} and gb's
 *       {@code rx_packets} do not move.</li>
 * </ul>
 * Needs root, AF_XDP, ip, timeout, sysctl, tcpdump and the packaged control jars (skipped
 * otherwise; fails when {@code CI=true}).
 */
final class NveGenCommandTest
{
    private static final String GEN = "gen";
    private static final String PEER = "peer";
    private static final String GA = "ga";
    private static final String GB = "gb";
    private static final String GA_MAC = "02:72:62:00:00:01";
    private static final String GB_MAC = "02:72:62:00:00:02";
    private static final long COUNT = 20_000;
    /** Frames gb may receive beyond what gen sent (ARP replies for gb's own ICMP errors). */
    private static final long EXTRA = 100;
    /** An interface name that must not exist in the root namespace. */
    private static final String ABSENT = "nvegen-absent0";
    /** Bound of one gen process (JVM start on a busy machine + --duration 5). */
    private static final Duration GEN_LIMIT = Duration.ofSeconds(25);
    private static final Pattern TOTALS = Pattern.compile("(?m)^gen: type=.*$");

    private Netns netns;
    private Path root;

    @BeforeEach
    void setUp() throws Exception
    {
        Netns.assumeUsable("ip", "timeout", "sysctl", "tcpdump");
        OverlayTopology.requireAfXdp();
        root = NveRunCommandTest.nveRoot();
        netns = Netns.create(GEN, PEER);
        final String noIpv6 = "sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1\n";
        netns.script(GEN, noIpv6);
        netns.script(PEER, noIpv6);
        netns.script(GEN, """
            ip link add %s address %s type veth peer name %s address %s netns %s
            ip addr add 198.18.0.1/24 dev %s
            ip link set %s up
            """.formatted(GA, GA_MAC, GB, GB_MAC, netns.name(PEER), GA, GA));
        netns.script(PEER, """
            ip addr add 198.18.0.2/24 dev %s
            ip link set %s up
            """.formatted(GB, GB));
    }

    @AfterEach
    void tearDown()
    {
        if (netns != null)
        {
            netns.close();
        }
    }

    @Test
    @Timeout(value = 45)
    void sendsExactlyCountFramesThatThePeerReceives() throws Exception
    {
        final List<String> report = new ArrayList<>();
        report.add(sendCount("udp4", true, List.of(
            "length 60: 198\\.18\\.0\\.1\\.\\d+ > 198\\.18\\.1\\.3\\.9: UDP, length 18")));
        report.add(sendCount("vxlan", true, List.of(
            "length 110: 198\\.18\\.0\\.1\\.\\d+ > 198\\.18\\.0\\.2\\.4789: VXLAN, flags \\[I\\] \\(0x08\\), vni 100",
            "02:72:62:00:00:98 > 02:72:62:00:00:99, ethertype IPv4 \\(0x0800\\), length 60: 198\\.19\\.2\\.1\\.\\d+ > 198\\.19\\.2\\.2\\.9: UDP, length 18")));
        report.add(sendCount("udp6", false, List.of(
            "ethertype IPv6 \\(0x86dd\\), length 78: fd00:ab::1\\.\\d+ > fd00:ab:1::1\\.9: UDP, length 16")));

        // duration only: stops by itself within the bound
        final long before = counter(PEER, GB, "rx_packets");
        final long start = System.nanoTime();
        final Netns.Result timed = gen(true, "-i", GA, "-t", "udp4", "--duration", "0.5", "-q");
        final double wall = (System.nanoTime() - start) / 1e9;
        final String totals = totals(timed);
        final long sent = field(totals, "sent");
        final long received = counter(PEER, GB, "rx_packets") - before;
        assertTrue(decimal(totals, "secs") <= 0.51, "--duration 0.5 bound: " + totals);
        assertTrue(sent > 0 && received >= sent && received <= field(totals, "queued") + EXTRA,
            "peer received " + received + " for: " + totals);
        report.add("duration 0.5: " + totals + " (wall " + String.format("%.1f", wall) + " s with JVM start), peer rx +" + received);
        System.out.println("NveGenCommandTest:\n  " + String.join("\n  ", report));
    }

    @Test
    @Timeout(value = 30)
    void refusesTheRootNamespaceAndDestinationsOutsideTheTestRanges() throws Exception
    {
        // root namespace: the interface does not exist here, so not even a broken check could send
        assertFalse(Files.exists(Path.of("/sys/class/net", ABSENT)), ABSENT + " exists in the root namespace");
        final Netns.Result inRoot = gen(true, List.of(), "-i", ABSENT, "-t", "udp4", "--duration", "1", "--count", "10");
        assertRefused(inRoot, "refusing to send: this process is in the root network namespace");

        // destinations outside the allowed ranges: refused before anything is opened or sent
        final long rx = counter(PEER, GB, "rx_packets");
        final long tx = counter(GEN, GA, "tx_packets");
        assertRefused(gen(true, "-i", GA, "-t", "udp4", "--dst-ip", "192.0.2.1", "--duration", "1", "--count", "10"),
            "--dst-ip 192.0.2.1: outside 198.18.0.0/15");
        assertRefused(gen(true, "-i", GA, "-t", "vxlan", "--dst-ip", "10.1.2.3", "--duration", "1", "--count", "10"),
            "--dst-ip 10.1.2.3: outside 198.18.0.0/15");
        assertRefused(gen(true, "-i", GA, "-t", "udp6", "--dst-ip", "2001:db9::1", "--duration", "1", "--count", "10"),
            "--dst-ip 2001:db9::1: outside fd00::/8 and 2001:db8::/32");
        assertEquals(rx, counter(PEER, GB, "rx_packets"), "gb received frames from refused runs");
        assertEquals(tx, counter(GEN, GA, "tx_packets"), "ga sent frames in refused runs");
    }

    /**
     * {@code nve gen -t TYPE --duration 5 --count 20000} with tcpdump listening in the peer
     * namespace; every pattern must match at least 3 captured lines.
     */
    private String sendCount(final String type, final boolean netnsOption, final List<String> captured) throws Exception
    {
        final long before = counter(PEER, GB, "rx_packets");
        // tcpdump guesses the protocol by port and decodes outer source port 49152 (vxlan flow 0) as
        // BCM-LI-SHIM rather than VXLAN (and -T vxlan would also apply to the inner UDP): leave it out
        final String filter = type.equals("vxlan") ? "udp and src portrange 49153-65535" : "udp";
        final Netns.Background capture = netns.start(PEER, Duration.ofSeconds(20), "tcpdump", "-i", GB, "-nn", "-e", "-l", "-c", "3", filter);
        capture.awaitOutput("listening on", Duration.ofSeconds(10));
        final Netns.Result run = gen(netnsOption, "-i", GA, "-t", type, "--duration", "5", "--count", String.valueOf(COUNT));
        final String totals = totals(run);
        assertTrue(totals.startsWith("gen: type=" + type + " if=" + GA + " "), totals);
        assertEquals(COUNT, field(totals, "queued"), "queued, " + type + ": " + totals);
        assertEquals(COUNT, field(totals, "sent"), "sent, " + type + ": " + totals);
        assertTrue(decimal(totals, "secs") <= 5.01, "--duration 5 bound: " + totals);
        final long received = counter(PEER, GB, "rx_packets") - before;
        assertTrue(received >= COUNT && received <= COUNT + EXTRA,
            type + ": peer gb received " + received + ", want " + COUNT + " (at most " + EXTRA + " more): " + totals);
        assertEquals(0, capture.awaitExit(Duration.ofSeconds(10)), capture.describe());
        final String lines = capture.stdout();
        for (final String pattern : captured)
        {
            final Matcher m = Pattern.compile(pattern).matcher(lines);
            int n = 0;
            while (m.find())
            {
                n++;
            }
            assertTrue(n >= 3, type + ": " + n + " of 3 captured frames match /" + pattern + "/ in:\n" + lines);
        }
        return type + (netnsOption ? " (--netns)" : " (ip netns exec)") + ": " + totals + ", peer rx +" + received
            + "\n    tcpdump: " + lines.strip().replace("\n", "\n    tcpdump: ");
    }

    private Netns.Result gen(final boolean netnsOption, final String... args) throws IOException, InterruptedException
    {
        return gen(netnsOption, List.of("--netns", netns.name(GEN)), args);
    }

    /**
     * {@code timeout 25s env NVE_NO_BUILD=1 ... ./nve gen ARGS}: from the root namespace with
     * {@code netnsArgs}, or (netnsOption false) through {@code ip netns exec GEN}.
     */
    private Netns.Result gen(final boolean netnsOption, final List<String> netnsArgs, final String... args) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(List.of("timeout", "--kill-after=2", GEN_LIMIT.toSeconds() + "s", "env", "NVE_NO_BUILD=1",
            "NVE_SKIP_PACKAGES=1", "JAVA_HOME=" + System.getProperty("java.home"), root.resolve("nve").toString(), "gen"));
        if (netnsOption)
        {
            command.addAll(netnsArgs);
        }
        command.addAll(List.of(args));
        final Duration limit = GEN_LIMIT.plusSeconds(5);
        final Netns.Result result = netnsOption ? Netns.host(limit, command.toArray(String[]::new))
            : netns.run(GEN, limit, command.toArray(String[]::new));
        assertFalse(result.timedOut(), result.describe());
        return result;
    }

    /** The totals line of a successful run. */
    private static String totals(final Netns.Result run)
    {
        assertEquals(0, run.exitCode(), run.describe());
        final Matcher m = TOTALS.matcher(run.stdout());
        if (!m.find())
        {
            fail("no totals line: " + run.describe());
        }
        return m.group();
    }

    private static void assertRefused(final Netns.Result run, final String reason)
    {
        assertEquals(2, run.exitCode(), "exit code of a refused run: " + run.describe());
        assertTrue(run.stderr().contains("nve gen: " + reason), "reason \"" + reason + "\" missing: " + run.describe());
        assertFalse(TOTALS.matcher(run.stdout()).find(), "a refused run printed totals: " + run.describe());
    }

    private static long field(final String totals, final String name)
    {
        final Matcher m = Pattern.compile("\\b" + name + "=(\\d+)\\b").matcher(totals);
        assertTrue(m.find(), "no " + name + "= in: " + totals);
        return Long.parseLong(m.group(1));
    }

    private static double decimal(final String totals, final String name)
    {
        final Matcher m = Pattern.compile("\\b" + name + "=(\\d+\\.\\d+)").matcher(totals);
        assertTrue(m.find(), "no " + name + "= in: " + totals);
        return Double.parseDouble(m.group(1));
    }

    /** {@code ip netns exec NS cat /sys/class/net/DEV/statistics/NAME}. */
    private long counter(final String role, final String dev, final String name) throws IOException, InterruptedException
    {
        return Long.parseLong(netns.runOk(role, "cat", "/sys/class/net/" + dev + "/statistics/" + name).stdout().strip());
    }
}
