package dev.nve.control.gen;

import dev.nve.control.Main;
import dev.nve.xdp.NetNamespaces;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.Callable;

/** {@code nve gen}: bounded AF_XDP traffic generator for the project's namespaced test topologies. */
@Command(name = "gen", description = {
    "AF_XDP TX traffic generator (copy mode, need_wakeup, batches of 64) for benchmarks.",
    "Only inside a network namespace other than the root one (refused otherwise), only to",
    "198.18.0.0/15, fd00::/8 and 2001:db8::/32, and always bounded by --duration (and --count).",
    "Prints pps once per second and a totals line; \"sent\" counts TX completions.",
    "",
    "Frame types: udp4 (60 B), vxlan (110 B: outer IPv4/UDP 4789/VXLAN + 60-B inner udp4),",
    "udp6 (78 B); flows differ by UDP source port (1024+flow; vxlan: outer 49152+flow).",
    "",
    "Examples:",
    "  ip netns exec gen-ns ./nve gen -i g0 -t udp4 --duration 5",
    "  ./nve gen --netns gen-ns -i g0 -t vxlan --vni 100 --inner-dst-mac 02:72:62:00:00:99 --duration 5 --count 1000000"})
public final class GenCommand implements Callable<Integer>
{
    @Option(names = {"-i", "--interface"}, required = true, paramLabel = "IF", description = "interface to send on (in the namespace)")
    String interfaceName;

    @Option(names = "--netns", paramLabel = "NAME", description = "enter this named network namespace (ip netns) before opening the socket")
    String netns;

    @Option(names = {"-t", "--type"}, defaultValue = "udp4", paramLabel = "TYPE", description = "udp4 | vxlan | udp6 (default ${DEFAULT-VALUE})")
    String type;

    @Option(names = {"-d", "--duration"}, required = true, paramLabel = "SECS", description = "stop after this many seconds, (0, 3600]")
    double duration;

    @Option(names = {"-c", "--count"}, defaultValue = "0", paramLabel = "N", description = "stop after N frames (0: duration only)")
    long count;

    @Option(names = {"-f", "--flows"}, defaultValue = "64", description = "UDP flows (source ports), default ${DEFAULT-VALUE}")
    int flows;

    @Option(names = "--batch", defaultValue = "64", description = "frames per TX batch / wake-up (1..1024), default ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--dst-mac", defaultValue = "02:72:62:00:00:02", description = "(outer) destination MAC, default ${DEFAULT-VALUE}")
    String dstMac;

    @Option(names = "--src-mac", defaultValue = "02:72:62:00:00:01", description = "(outer) source MAC, default ${DEFAULT-VALUE}")
    String srcMac;

    @Option(names = "--src-ip", description = "(outer) source IP; default 198.18.0.1, udp6 fd00:ab::1")
    String srcIp;

    @Option(names = "--dst-ip", description = "(outer) destination IP; default udp4 198.18.1.3, vxlan 198.18.0.2, udp6 fd00:ab:1::1")
    String dstIp;

    @Option(names = "--vni", defaultValue = "100", description = "vxlan: VNI, default ${DEFAULT-VALUE}")
    int vni;

    @Option(names = "--inner-dst-mac", defaultValue = "02:72:62:00:00:99", description = "vxlan: inner destination MAC, default ${DEFAULT-VALUE}")
    String innerDstMac;

    @Option(names = "--inner-src-mac", defaultValue = "02:72:62:00:00:98", description = "vxlan: inner source MAC, default ${DEFAULT-VALUE}")
    String innerSrcMac;

    @Option(names = "--inner-src-ip", defaultValue = "198.19.2.1", description = "vxlan: inner source IP, default ${DEFAULT-VALUE}")
    String innerSrcIp;

    @Option(names = "--inner-dst-ip", defaultValue = "198.19.2.2", description = "vxlan: inner destination IP, default ${DEFAULT-VALUE}")
    String innerDstIp;

    @Option(names = {"-l", "--length"}, defaultValue = "0", description = "frame length (0: the type's standard length)")
    int length;

    @Option(names = "--queue", defaultValue = "0", description = "TX queue, default ${DEFAULT-VALUE}")
    int queue;

    @Option(names = "--tx-budget", defaultValue = "64", description = "XDP_MAX_TX_SKB_BUDGET (copy-mode frames per wake-up; 0 = kernel default 32)")
    int txBudget;

    @Option(names = "--cpu", defaultValue = "-1", description = "pin the sending thread to this CPU (-1: no pinning)")
    int cpu;

    @Option(names = {"-q", "--quiet"}, description = "no per-second lines, only the totals")
    boolean quiet;

    @Override
    public Integer call()
    {
        final byte[][] frames;
        try
        {
            if (!(duration > 0 && duration <= 3600))
            {
                throw new IllegalArgumentException("--duration must be in (0, 3600] seconds: " + duration);
            }
            if (count < 0 || batch < 1 || batch > 1024 || queue < 0 || txBudget < 0)
            {
                throw new IllegalArgumentException("--count >= 0, --batch 1..1024, --queue >= 0, --tx-budget >= 0");
            }
            final GenFrames.Type frameType = GenFrames.Type.parse(type);
            final GenFrames.Spec spec = new GenFrames.Spec(frameType, GenFrames.mac(dstMac, "--dst-mac"), GenFrames.mac(srcMac, "--src-mac"),
                srcIp != null ? srcIp : GenFrames.defaultSrcIp(frameType), dstIp != null ? dstIp : GenFrames.defaultDstIp(frameType), vni,
                GenFrames.mac(innerDstMac, "--inner-dst-mac"), GenFrames.mac(innerSrcMac, "--inner-src-mac"), innerSrcIp, innerDstIp, flows, length);
            frames = GenFrames.build(spec);
        }
        catch (final IllegalArgumentException e)
        {
            System.err.println("nve gen: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        final TrafficGenerator.Settings settings = new TrafficGenerator.Settings(interfaceName, queue, frames, duration, count, batch, txBudget, cpu,
            !quiet, type);
        final AtomicBoolean stop = new AtomicBoolean();
        final CountDownLatch done = new CountDownLatch(1);
        final Thread hook = new Thread(() ->
        {
            stop.set(true);
            try
            {
                done.await(); // let the loop close the socket before the JVM exits
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        }, "nve-gen-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try
        {
            final TrafficGenerator.Totals t = netns == null ? TrafficGenerator.run(settings, System.out, stop::get)
                : NetNamespaces.callIn(netns, () -> TrafficGenerator.run(settings, System.out, stop::get));
            System.out.printf(Locale.ROOT, "gen: type=%s if=%s flows=%d frame=%dB queued=%d sent=%d secs=%.3f pps=%.0f tx_ring_full=%d kicks=%d kick_errors=%d%s%n",
                GenFrames.Type.parse(type).label(), interfaceName, frames.length, frames[0].length, t.queued(), t.sent(), t.seconds(), t.pps(),
                t.txRingFull(), t.kicks(), t.kickErrors(), t.kickErrors() > 0 ? " last_errno=" + t.lastKickErrno() : "");
            System.out.println("gen: " + t.port());
            return Main.EXIT_OK;
        }
        catch (final TrafficGenerator.RefusedException e)
        {
            System.err.println("nve gen: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        finally
        {
            done.countDown();
            try
            {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (final IllegalStateException ignored)
            {
                // shutting down already
            }
        }
    }
}
