package dev.nve.pcaptests.interop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nve.control.config.ConfigException;
import dev.nve.control.config.HostConfig;
import dev.nve.control.replay.Replay;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.pcap.PcapReader;
import dev.nve.dataplane.pcap.PcapRecord;
import dev.nve.dataplane.pcap.PcapWriter;
import dev.nve.dataplane.stage.ClassifyStage;
import dev.nve.dataplane.stage.VxlanDecapStage;
import dev.nve.dataplane.table.Macs;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.FrameBuilder;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * nve's VXLAN against the Linux kernel's vxlan device, both directions, through nve's real
 * pipeline ({@link Replay}) and real kernel devices in namespaces this test creates; no AF_XDP.
 * <pre>
 *   namespace A (injector / capture)          namespace K (kernel VTEP)
 *   v-a 02:00:c6:12:00:01                     v-k 02:00:c6:12:00:02
 *       198.18.0.1/24, fd00:18::1/64  ─veth─      198.18.0.2/24, fd00:18::2/64
 *                                             vx0 02:00:c6:13:00:02, VNI 100, 198.19.0.2/24
 *   nve: underlay = v-a's addresses; endpoint ep1 02:00:c6:13:00:01, 198.19.0.1, VNI 100
 * </pre>
 * nve → kernel: frames entering nve on ep1 are replayed, nve's uplink.pcap output is injected
 * on v-a with an AF_PACKET socket, and a UDP socket on 198.19.0.2 in K must receive exactly the
 * payloads (IPv4 and IPv6 underlay, and VXLAN-GBP, where the kernel hands the policy id to the
 * receiver as the packet mark). Kernel → nve: a datagram sent in K through vx0 is captured as
 * the outer frame on v-a and as the inner frame on vx0; replaying the outer capture through nve
 * must yield the inner frame byte for byte on ep1.
 * <p>
 * Checksum offload is off on every device involved, so the kernel verifies the checksums nve
 * writes (checked by negative controls) and the captures hold complete checksums.
 */
@Timeout(value = 30)
final class KernelVxlanInteropTest
{
    private static final String MAC_A = "02:00:c6:12:00:01";
    private static final String MAC_K = "02:00:c6:12:00:02";
    private static final String MAC_EP = "02:00:c6:13:00:01";
    private static final String MAC_VX = "02:00:c6:13:00:02";
    private static final String NVE_V4 = "198.18.0.1";
    private static final String KERNEL_V4 = "198.18.0.2";
    private static final String NVE_V6 = "fd00:18::1";
    private static final String KERNEL_V6 = "fd00:18::2";
    private static final String TENANT_NVE = "198.19.0.1";
    private static final String TENANT_KERNEL = "198.19.0.2";
    private static final int VNI = 100;
    private static final int TENANT_SRC_PORT = 40001;
    private static final int TENANT_DST_PORT = 40000;
    private static final int POLICY_ID = 0x1234;
    private static final Duration RECEIVE_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration PROCESS_LIMIT = Duration.ofSeconds(15);
    private static final HexFormat HEX = HexFormat.of();

    /**
     * UDP receiver: binds, prints READY, then prints one DGRAM line per datagram (source,
     * port, packet mark via SO_RCVMARK where the kernel has it, payload hex). Stops after
     * {@code count} datagrams plus a short grace period for unexpected extras, or at the deadline.
     */
    private static final String RECEIVER = """
        import socket, struct, sys, time
        addr, port, count, limit, grace = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
        s = socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, 75, 1)  # SO_RCVMARK (Linux 5.19+)
            print('RCVMARK yes', flush=True)
        except OSError:
            print('RCVMARK no', flush=True)
        s.bind((addr, port))
        print('READY', flush=True)
        deadline = time.monotonic() + limit
        got = 0
        while time.monotonic() < deadline and got < count + 8:
            wait = deadline - time.monotonic() if got < count else min(grace, deadline - time.monotonic())
            if wait <= 0:
                break
            s.settimeout(wait)
            try:
                data, anc, flags, src = s.recvmsg(65535, socket.CMSG_SPACE(4))
            except socket.timeout:
                break
            mark = 0
            for level, kind, value in anc:
                if level == socket.SOL_SOCKET and kind == 36:  # SO_MARK
                    mark = struct.unpack('=I', value[:4])[0]
            got += 1
            print('DGRAM', src[0], src[1], mark, data.hex(), flush=True)
        print('DONE', got, flush=True)
        """;

    /** Sends each argument (hex) as one Ethernet frame on the interface, via AF_PACKET. */
    private static final String INJECTOR = """
        import socket, sys
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((sys.argv[1], 0))
        for h in sys.argv[2:]:
            s.send(bytes.fromhex(h))
        print('SENT', len(sys.argv) - 2, flush=True)
        """;

    /** Sends UDP datagrams (hex payloads) from addr:port to addr:port, with SO_MARK when mark != 0. */
    private static final String SENDER = """
        import socket, sys
        src, sport, dst, dport, mark = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if mark:
            s.setsockopt(socket.SOL_SOCKET, 36, mark)  # SO_MARK: vxlan gbp takes the policy id from it
        s.bind((src, sport))
        for h in sys.argv[6:]:
            s.sendto(bytes.fromhex(h), (dst, dport))
        print('SENT', len(sys.argv) - 6, flush=True)
        """;

    @TempDir
    Path dir;

    private Netns netns;

    @BeforeEach
    void requireTools()
    {
        Netns.assumeUsable("ip", "bridge", "tcpdump", "python3", "ethtool", "timeout");
    }

    @AfterEach
    void deleteNamespaces()
    {
        if (netns != null)
        {
            netns.close();
        }
    }

    // ---- nve encap -> kernel decap -------------------------------------------------------

    @Test
    void kernelDecapsulatesNveFramesOverIpv4Underlay() throws Exception
    {
        final List<byte[]> payloads = payloads("nve->kernel ipv4");
        final List<byte[]> outer = nveEncap(false, false, 0, payloads);
        for (final byte[] frame : outer)
        {
            assertEquals(0x0800, u16(frame, 12), "outer EtherType");
            assertEquals(0, u16(frame, 14 + 20 + 6), "IPv4 outer UDP checksum (RFC 7348 §5: zero)");
        }
        setUpTopology(false, false);
        final List<Datagram> got = injectAndReceive(outer, List.of(), payloads.size());
        assertPayloads(payloads, got, 0);
    }

    @Test
    void kernelAcceptsNveIpv6UnderlayChecksum() throws Exception
    {
        final List<byte[]> payloads = payloads("nve->kernel ipv6");
        final List<byte[]> outer = nveEncap(true, false, 0, payloads);
        for (final byte[] frame : outer)
        {
            assertEquals(0x86DD, u16(frame, 12), "outer EtherType");
            assertNotEquals(0, u16(frame, 14 + 40 + 6), "IPv6 outer UDP checksum must not be zero");
        }
        // Negative controls, injected before the real frames: the same encapsulation of other
        // payloads with a zero and with a wrong UDP checksum must be dropped by the kernel.
        // They prove that acceptance of nve's frames really means their checksum is right.
        final List<byte[]> controls = nveEncap(true, false, 0, List.of(utf8("control: zero checksum"), utf8("control: bad checksum")));
        final byte[] zero = controls.get(0).clone();
        putU16(zero, 14 + 40 + 6, 0);
        final byte[] bad = controls.get(1).clone();
        putU16(bad, 14 + 40 + 6, u16(bad, 14 + 40 + 6) ^ 0x0100);
        setUpTopology(true, false);
        final List<Datagram> got = injectAndReceive(outer, List.of(zero, bad), payloads.size());
        assertPayloads(payloads, got, 0);
    }

    @Test
    void kernelGbpDeviceTakesNveGroupPolicyId() throws Exception
    {
        final List<byte[]> payloads = payloads("nve->kernel gbp");
        final List<byte[]> outer = nveEncap(false, true, POLICY_ID, payloads);
        for (final byte[] frame : outer)
        {
            final int vxlan = 14 + 20 + 8;
            assertEquals(0x88, frame[vxlan] & 0xFF, "VXLAN flags G|I");
            assertEquals(POLICY_ID, u16(frame, vxlan + 2), "Group Policy ID = endpoint identity");
        }
        setUpTopology(false, true);
        final List<Datagram> got = injectAndReceive(outer, List.of(), payloads.size());
        // The gbp device puts the policy id in skb->mark; SO_RCVMARK shows it to the receiver.
        assertPayloads(payloads, got, POLICY_ID);
    }

    // ---- kernel encap -> nve decap -------------------------------------------------------

    @Test
    void nveDecapsulatesKernelFramesOverIpv4UnderlayExactly() throws Exception
    {
        setUpTopology(false, false);
        final Captured c = kernelEncap(payloads("kernel->nve ipv4"), 0);
        assertNveDecapsulatesExactly(c, false, false);
    }

    @Test
    void nveDecapsulatesKernelFramesOverIpv6UnderlayExactly() throws Exception
    {
        setUpTopology(true, false);
        final Captured c = kernelEncap(payloads("kernel->nve ipv6"), 0);
        for (final PcapRecord r : c.outer())
        {
            assertEquals(0x86DD, u16(r.data(), 12), "outer EtherType");
        }
        assertNveDecapsulatesExactly(c, true, false);
    }

    @Test
    void nveAcceptsKernelGbpFramesAndExposesGroupPolicyId() throws Exception
    {
        Netns.assumeUsable("tshark");
        setUpTopology(false, true);
        final Captured c = kernelEncap(payloads("kernel->nve gbp"), POLICY_ID);

        // An independent dissector sees the G bit and the policy id the kernel took from SO_MARK.
        final Netns.Result tshark = Netns.requireOk(Netns.host(Duration.ofSeconds(20), "tshark", "-n", "-r", c.outerFile().toString(),
            "-d", "udp.port==4789,vxlan", "-T", "fields", "-E", "separator=,", "-e", "vxlan.flag_g", "-e", "vxlan.gbp", "-e", "vxlan.vni"));
        final List<String> lines = tshark.stdout().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(c.outer().size(), lines.size(), tshark.describe());
        for (final String line : lines)
        {
            final String[] f = line.split(",");
            assertTrue(f[0].equals("1") || f[0].equalsIgnoreCase("true"), "tshark vxlan.flag_g: " + line);
            assertEquals(String.valueOf(POLICY_ID), f[1], "tshark vxlan.gbp: " + line);
            assertEquals(String.valueOf(VNI), f[2], "tshark vxlan.vni: " + line);
        }

        // nve with gbp=true on the network decapsulates them exactly ...
        assertNveDecapsulatesExactly(c, false, true);
        // ... and hands the policy id on as the source identity (replay has no output for it,
        // so run classify and decap directly on the kernel's frames).
        assertEquals(java.util.Collections.nCopies(c.outer().size(), POLICY_ID), decapIdentities(c, true));
        // Without gbp on the network, the G bit is ignored and no identity is taken from it.
        assertEquals(java.util.Collections.nCopies(c.outer().size(), PacketBatch.NO_IDENTITY), decapIdentities(c, false));
    }

    // ---- nve side ------------------------------------------------------------------------

    /** Replays inner frames entering nve on ep1; returns what nve transmitted on the uplink. */
    private List<byte[]> nveEncap(final boolean ipv6, final boolean gbp, final int identity, final List<byte[]> payloads)
        throws IOException, ConfigException
    {
        final Path run = Files.createTempDirectory(dir, "encap-");
        final Path in = run.resolve("ep1-in.pcap");
        try (PcapWriter writer = PcapWriter.create(in))
        {
            long t = 1_700_000_000_000_000_000L;
            for (final byte[] payload : payloads)
            {
                writer.write(t += 1_000_000, FrameBuilder.ethernet(Macs.parse(MAC_VX), Macs.parse(MAC_EP))
                    .ipv4(TENANT_NVE, TENANT_KERNEL).udp(TENANT_SRC_PORT, TENANT_DST_PORT).payload(payload).build());
            }
        }
        final Path config = writeConfig(run, ipv6, gbp, identity);
        final Replay.Result result = Replay.run(new Replay.Options(config, Map.of("ep1", in), run.resolve("out"),
            Replay.Options.DEFAULT_BATCH, Replay.Options.DEFAULT_FRAME_SIZE, Replay.Options.DEFAULT_FRAMES));
        final Path uplink = result.outputs().get("uplink");
        assertTrue(uplink != null, "nve transmitted nothing on the uplink; counters: " + result.counters().toPrettyString());
        final List<byte[]> frames = PcapReader.read(uplink).records().stream().map(PcapRecord::data).toList();
        assertEquals(payloads.size(), frames.size(), "frames on uplink; counters: " + result.counters().toPrettyString());
        return frames;
    }

    /** Replays the kernel's outer frames into nve's uplink and compares ep1's output with vx0's capture. */
    private void assertNveDecapsulatesExactly(final Captured c, final boolean ipv6, final boolean gbp) throws IOException, ConfigException
    {
        final Path run = Files.createTempDirectory(dir, "decap-");
        final Path config = writeConfig(run, ipv6, gbp, 0);
        final Replay.Result result = Replay.run(new Replay.Options(config, Map.of("uplink", c.outerFile()), run.resolve("out"),
            Replay.Options.DEFAULT_BATCH, Replay.Options.DEFAULT_FRAME_SIZE, Replay.Options.DEFAULT_FRAMES));
        final JsonNode counters = result.counters();
        assertEquals(c.outer().size(), counters.path("stages").path("vxlan-decap").path("packets").asLong(), "decap count; " + counters.toPrettyString());
        assertEquals(0, counters.path("drops").size(), "no drops; " + counters.toPrettyString());
        final Path ep1 = result.outputs().get("ep1");
        assertTrue(ep1 != null, "nve transmitted nothing on ep1; counters: " + counters.toPrettyString());
        final List<PcapRecord> out = PcapReader.read(ep1).records();
        assertEquals(c.inner().size(), out.size(), "frames on ep1");
        for (int i = 0; i < out.size(); i++)
        {
            assertEquals(HEX.formatHex(c.inner().get(i).data()), HEX.formatHex(out.get(i).data()),
                "frame " + (i + 1) + ": nve's decapsulated frame vs the frame the kernel sent on vx0");
        }
    }

    /** Runs classify and VXLAN decap on the captured outer frames; returns each frame's source identity. */
    private List<Integer> decapIdentities(final Captured c, final boolean gbp) throws IOException, ConfigException
    {
        final HostConfig config = HostConfig.load(writeConfig(Files.createTempDirectory(dir, "identity-"), false, gbp, 0));
        try (Tables tables = new Tables(config.sizes()); FrameMemory memory = FrameMemory.allocate(16))
        {
            config.apply(new TableWriter(tables));
            final FramePool pool = new FramePool(memory);
            final PacketBatch batch = new PacketBatch(memory, 16);
            final int uplink = tables.ports().find("uplink");
            for (final PcapRecord r : c.outer())
            {
                final long address = pool.allocate();
                MemorySegment.copy(r.data(), 0, memory.segment(), ValueLayout.JAVA_BYTE, address, r.data().length);
                batch.add(address, r.data().length, uplink, r.timestampNanos());
            }
            final Counters counters = new Counters();
            new ClassifyStage(tables, new StageCounters(counters, "classify")).process(batch);
            new VxlanDecapStage(tables, new StageCounters(counters, "vxlan-decap")).process(batch);
            final List<Integer> identities = new ArrayList<>();
            for (int i = 0; i < batch.count(); i++)
            {
                assertEquals(Next.BRIDGE, batch.next[i], "frame " + (i + 1) + " not decapsulated (drop reason " + batch.dropReason[i] + ")");
                identities.add(batch.srcIdentity[i]);
            }
            return identities;
        }
    }

    private Path writeConfig(final Path run, final boolean ipv6, final boolean gbp, final int identity) throws IOException
    {
        final String local = ipv6 ? NVE_V6 : NVE_V4;
        final String remote = ipv6 ? KERNEL_V6 : KERNEL_V4;
        final String json = """
            {
              "underlay": {"port": "uplink", "mac": "%s", "vteps": ["%s"]},
              "remoteVteps": [{"address": "%s", "mac": "%s"}],
              "networks": [{"vni": %d, "gbp": %b}],
              "endpoints": [{"name": "ep1", "port": "ep1", "vni": %d, "mac": "%s", "ips": ["%s"], "identity": %d}],
              "fdb": [{"vni": %d, "mac": "%s", "vtep": "%s"}]
            }
            """.formatted(MAC_A, local, remote, MAC_K, VNI, gbp, VNI, MAC_EP, TENANT_NVE, identity, VNI, MAC_VX, remote);
        final Path config = run.resolve("config.json");
        Files.writeString(config, json);
        return config;
    }

    // ---- kernel side ---------------------------------------------------------------------

    /**
     * A: v-a with both underlay families. K: v-k likewise, vx0 (VNI 100, local address of the
     * underlay family under test, optionally gbp) with 198.19.0.2/24, an FDB entry sending
     * nve's endpoint MAC to nve's VTEP, and static neighbours so no ARP/ND is needed.
     */
    private void setUpTopology(final boolean ipv6, final boolean gbp) throws IOException, InterruptedException
    {
        netns = Netns.create("a", "k");
        // Software checksums everywhere (ethtool): the receiver verifies them, and captures hold complete ones.
        netns.script("a", """
            ip link add v-a address %s type veth peer name v-k address %s netns %s
            ip addr add %s/24 dev v-a
            ip -6 addr add %s/64 dev v-a nodad
            ethtool -K v-a rx off tx off >/dev/null
            ip link set v-a up
            """.formatted(MAC_A, MAC_K, netns.name("k"), NVE_V4, NVE_V6));
        netns.script("k", """
            ip addr add %s/24 dev v-k
            ip -6 addr add %s/64 dev v-k nodad
            ethtool -K v-k rx off tx off >/dev/null
            ip link set v-k up
            ip link add vx0 address %s type vxlan id %d local %s dstport 4789 nolearning %s
            ip addr add %s/24 dev vx0
            ethtool -K vx0 tx off >/dev/null
            ip link set vx0 up
            bridge fdb append %s dev vx0 dst %s
            ip neigh replace %s lladdr %s dev vx0 nud permanent
            ip neigh replace %s lladdr %s dev v-k nud permanent
            ip -6 neigh replace %s lladdr %s dev v-k nud permanent
            """.formatted(KERNEL_V4, KERNEL_V6, MAC_VX, VNI, ipv6 ? KERNEL_V6 : KERNEL_V4, gbp ? "gbp" : "", TENANT_KERNEL,
            MAC_EP, ipv6 ? NVE_V6 : NVE_V4, TENANT_NVE, MAC_EP, NVE_V4, MAC_A, NVE_V6, MAC_A));
    }

    /** Starts the receiver in K, injects {@code controls} then {@code frames} on v-a, returns what arrived. */
    private List<Datagram> injectAndReceive(final List<byte[]> frames, final List<byte[]> controls, final int expected)
        throws IOException, InterruptedException
    {
        final List<String> receive = new ArrayList<>(Netns.python());
        receive.addAll(List.of("-c", RECEIVER, TENANT_KERNEL, String.valueOf(TENANT_DST_PORT),
            String.valueOf(expected), String.valueOf(RECEIVE_TIMEOUT.toMillis() / 1000.0), "0.3"));
        final Netns.Background receiver = netns.start("k", PROCESS_LIMIT, receive.toArray(String[]::new));
        receiver.awaitOutput("READY", READY_TIMEOUT);
        final List<String> inject = new ArrayList<>(Netns.python());
        inject.addAll(List.of("-c", INJECTOR, "v-a"));
        final int firstFrame = inject.size();
        controls.forEach(f -> inject.add(HEX.formatHex(f)));
        frames.forEach(f -> inject.add(HEX.formatHex(f)));
        netns.runOk("a", inject.toArray(String[]::new));
        receiver.awaitExit(RECEIVE_TIMEOUT.plusSeconds(3));
        final String out = receiver.stdout();
        final List<Datagram> got = new ArrayList<>();
        final boolean marks = out.contains("RCVMARK yes");
        for (final String line : out.lines().toList())
        {
            if (line.startsWith("DGRAM "))
            {
                final String[] f = line.split(" ", -1);
                got.add(new Datagram(f[1], Integer.parseInt(f[2]), marks ? Long.parseLong(f[3]) : -1, HEX.parseHex(f[4])));
            }
        }
        if (got.size() != expected)
        {
            fail("receiver got " + got.size() + " datagrams, expected " + expected + "\n" + receiver.describe() + "\n" + kernelStats() +
                "\nouter checksums of nve's frames (recomputed here):\n" + describeOuterChecksums(frames) +
                "\ninjected frames:\n" + String.join("\n", inject.subList(firstFrame, inject.size())));
        }
        return got;
    }

    /**
     * Sends one datagram per payload from 198.19.0.2 through vx0 (with SO_MARK when
     * {@code mark} != 0) and captures the outer frames on v-a and the inner frames on vx0.
     */
    private Captured kernelEncap(final List<byte[]> payloads, final int mark) throws IOException, InterruptedException
    {
        final Path outerFile = dir.resolve("kernel-outer.pcap");
        final Path innerFile = dir.resolve("kernel-inner.pcap");
        final String count = String.valueOf(payloads.size());
        final Netns.Background outerCapture = netns.start("a", PROCESS_LIMIT, "tcpdump", "-Z", "root", "-n", "-U", "--immediate-mode", "-i", "v-a",
            "-c", count, "-w", outerFile.toString(), "udp", "dst", "port", "4789");
        final Netns.Background innerCapture = netns.start("k", PROCESS_LIMIT, "tcpdump", "-Z", "root", "-n", "-U", "--immediate-mode", "-i", "vx0",
            "-c", count, "-w", innerFile.toString(), "udp", "dst", "port", String.valueOf(TENANT_DST_PORT));
        outerCapture.awaitOutput("listening on", READY_TIMEOUT);
        innerCapture.awaitOutput("listening on", READY_TIMEOUT);
        final List<String> send = new ArrayList<>(Netns.python());
        send.addAll(List.of("-c", SENDER, TENANT_KERNEL, String.valueOf(TENANT_SRC_PORT), TENANT_NVE, String.valueOf(TENANT_DST_PORT), String.valueOf(mark)));
        payloads.forEach(p -> send.add(HEX.formatHex(p)));
        netns.runOk("k", send.toArray(String[]::new));
        assertEquals(0, outerCapture.awaitExit(RECEIVE_TIMEOUT), outerCapture.describe());
        assertEquals(0, innerCapture.awaitExit(RECEIVE_TIMEOUT), innerCapture.describe());
        final List<PcapRecord> outer = PcapReader.read(outerFile).records();
        final List<PcapRecord> inner = PcapReader.read(innerFile).records();
        assertEquals(payloads.size(), outer.size(), "outer frames captured on v-a");
        assertEquals(payloads.size(), inner.size(), "inner frames captured on vx0");
        for (int i = 0; i < inner.size(); i++)
        {
            final byte[] frame = inner.get(i).data();
            final byte[] payload = java.util.Arrays.copyOfRange(frame, 14 + 20 + 8, frame.length);
            assertEquals(HEX.formatHex(payloads.get(i)), HEX.formatHex(payload), "payload of inner frame " + (i + 1));
        }
        return new Captured(outerFile, outer, inner);
    }

    private String kernelStats()
    {
        try
        {
            return "K: " + netns.run("k", Duration.ofSeconds(5), "ip", "-s", "-d", "link", "show", "vx0").stdout() +
                netns.run("k", Duration.ofSeconds(5), "ip", "-s", "link", "show", "v-k").stdout() +
                netns.run("k", Duration.ofSeconds(5), "cat", "/proc/net/snmp", "/proc/net/snmp6").stdout().lines()
                    .filter(l -> l.startsWith("Udp") || l.startsWith("Ip:")).reduce("", (a, b) -> a + b + "\n");
        }
        catch (final IOException | InterruptedException e)
        {
            return "(no kernel stats: " + e + ")";
        }
    }

    // ---- helpers -------------------------------------------------------------------------

    private record Datagram(String source, int port, long mark, byte[] payload)
    {
    }

    private record Captured(Path outerFile, List<PcapRecord> outer, List<PcapRecord> inner)
    {
    }

    /** Three recognisable payloads: short, odd length, and large (still inside every MTU). */
    private static List<byte[]> payloads(final String tag)
    {
        final byte[] large = new byte[1201];
        final byte[] head = utf8(tag + " #3 large ");
        for (int i = 0; i < large.length; i++)
        {
            large[i] = i < head.length ? head[i] : (byte)('a' + i % 26);
        }
        return List.of(utf8(tag + " #1"), utf8(tag + " #2 odd"), large);
    }

    private static void assertPayloads(final List<byte[]> expected, final List<Datagram> got, final int mark)
    {
        for (int i = 0; i < expected.size(); i++)
        {
            final Datagram d = got.get(i);
            assertEquals(HEX.formatHex(expected.get(i)), HEX.formatHex(d.payload()), "payload " + (i + 1));
            assertEquals(TENANT_NVE, d.source(), "source address of datagram " + (i + 1));
            assertEquals(TENANT_SRC_PORT, d.port(), "source port of datagram " + (i + 1));
            if (d.mark() >= 0)
            {
                assertEquals(mark, d.mark(), "packet mark (kernel vxlan gbp: the Group Policy ID) of datagram " + (i + 1));
            }
        }
    }

    /** Each frame's outer IPv4 header checksum or IPv6 UDP checksum, as sent and as it should be. */
    private static String describeOuterChecksums(final List<byte[]> frames)
    {
        final StringBuilder s = new StringBuilder();
        for (int i = 0; i < frames.size(); i++)
        {
            final byte[] f = frames.get(i);
            if (u16(f, 12) == 0x0800)
            {
                final byte[] header = java.util.Arrays.copyOfRange(f, 14, 34);
                final int sent = u16(header, 10);
                putU16(header, 10, 0);
                s.append("  frame ").append(i + 1).append(": IPv4 header checksum ").append(hex16(sent))
                    .append(", correct ").append(hex16(~onesSum(header, 0, 20, 0) & 0xFFFF)).append('\n');
            }
            else if (u16(f, 12) == 0x86DD)
            {
                final int udpLength = u16(f, 14 + 4);
                final byte[] udp = java.util.Arrays.copyOfRange(f, 54, 54 + udpLength);
                final int sent = u16(udp, 6);
                putU16(udp, 6, 0);
                final long pseudo = onesSum(f, 14 + 8, 32, 0) + udpLength + 17;
                int correct = ~onesSum(udp, 0, udp.length, pseudo) & 0xFFFF;
                correct = correct == 0 ? 0xFFFF : correct;
                s.append("  frame ").append(i + 1).append(": IPv6 UDP checksum ").append(hex16(sent))
                    .append(", correct ").append(hex16(correct)).append('\n');
            }
        }
        return s.toString();
    }

    /** RFC 1071 sum of 16-bit big-endian words, folded to 16 bits (independent of nve's Checksum). */
    private static int onesSum(final byte[] b, final int from, final int length, final long initial)
    {
        long sum = initial;
        for (int i = 0; i < length; i += 2)
        {
            sum += (b[from + i] & 0xFF) << 8 | (i + 1 < length ? b[from + i + 1] & 0xFF : 0);
        }
        while (sum >>> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)sum;
    }

    private static String hex16(final int v)
    {
        return String.format("0x%04x", v);
    }

    private static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int u16(final byte[] b, final int at)
    {
        return (b[at] & 0xFF) << 8 | b[at + 1] & 0xFF;
    }

    private static void putU16(final byte[] b, final int at, final int value)
    {
        b[at] = (byte)(value >>> 8);
        b[at + 1] = (byte)value;
    }
}
