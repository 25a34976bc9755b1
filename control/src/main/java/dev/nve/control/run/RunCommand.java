package dev.nve.control.run;

import dev.nve.control.Main;
import dev.nve.control.bgp.BgpControl;
import dev.nve.control.bgp.BgpSpeaker;
import dev.nve.control.config.ConfigException;
import dev.nve.control.config.HostConfig;
import dev.nve.control.metrics.MetricsServer;
import dev.nve.control.ops.OpsContext;
import dev.nve.control.ops.TableOps;
import dev.nve.control.socket.ControlServer;
import dev.nve.control.socket.ControlServerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;

/** {@code nve run}: the dataplane on real interfaces through AF_XDP (docs/RUN.md). */
@Command(name = "run", mixinStandardHelpOptions = true, description = {
    "Run the dataplane on network interfaces through AF_XDP, with the host config of replay.",
    "Every port of the config (underlay and endpoint ports) is an interface name. Each gets nve's",
    "XDP program and an AF_XDP socket on queue 0, all on one shared UMEM (see --umem), served by one worker",
    "running the pipeline inline. The underlay steers VXLAN to the local VTEPs and IPv6 to the",
    "local ILA locators into nve and passes everything else to the kernel; endpoint ports steer",
    "every frame. Ctrl-C or SIGTERM stops the worker, detaches XDP, drains, releases the UMEM,",
    "prints the final counters and exits 0. Needs root (CAP_NET_ADMIN, CAP_BPF/CAP_SYS_ADMIN).",
    "",
    "Example (inside a network namespace):",
    "  ip netns exec host1 ./nve run --config host1.json --xdp-mode auto --stats-interval 5"})
public final class RunCommand implements Callable<Integer>
{
    @Option(names = "--config", required = true, paramLabel = "CONFIG", description = "host config (JSON, see docs/CONFIG.md)")
    Path config;

    @Option(names = "--idle", defaultValue = RunOptions.DEFAULT_IDLE, paramLabel = "STRATEGY",
        description = "worker idle strategy: busy-spin, yield, backoff, sleep:<micros>, poll:<millis>[:<idle-rounds>] (default ${DEFAULT-VALUE})")
    String idle;

    @Option(names = "--xdp-mode", defaultValue = "auto", paramLabel = "MODE",
        description = "auto (native, else generic with the reason printed), native or generic (default ${DEFAULT-VALUE})")
    String xdpMode;

    @Option(names = "--bind-mode", defaultValue = "auto", paramLabel = "MODE",
        description = "auto (zero-copy where the driver has it, else copy), copy or zerocopy (default ${DEFAULT-VALUE})")
    String bindMode;

    @Option(names = "--umem", defaultValue = "auto", paramLabel = "MODE",
        description = "auto (one UMEM shared by all ports; a port the kernel refuses that for gets its own UMEM and a copy, reported), "
            + "shared (one UMEM or stop), per-port (every port but the first on its own UMEM, a copy each way) (default ${DEFAULT-VALUE})")
    String umem;

    @Option(names = "--frames", defaultValue = "4096", paramLabel = "N", description = "UMEM frames of 4096 B shared by all ports (default ${DEFAULT-VALUE})")
    int frames;

    @Option(names = "--batch", defaultValue = "64", paramLabel = "N", description = "frames per batch (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--cpu", defaultValue = "-1", paramLabel = "N", description = "pin the worker thread to this CPU (default: not pinned)")
    int cpu;

    @Option(names = "--duration", defaultValue = "0", paramLabel = "SECONDS", description = "stop after this long (default 0: run until SIGINT/SIGTERM)")
    double duration;

    @Option(names = "--stats-interval", defaultValue = "0", paramLabel = "SECONDS", description = "print a stats line this often (default 0: never)")
    double statsInterval;

    @Option(names = "--busy-poll", defaultValue = "0", paramLabel = "MICROS",
        description = "SO_PREFER_BUSY_POLL + SO_BUSY_POLL on every socket where the kernel allows it (default 0: off)")
    int busyPoll;

    @Option(names = "--control-socket", defaultValue = "/run/nve/nve.sock", paramLabel = "PATH",
        description = "Unix socket for nve ctl (mode 0600; docs/CONTROL.md), or none (default ${DEFAULT-VALUE})")
    String controlSocket;

    @Option(names = "--control-group", paramLabel = "GROUP", description = "a group whose members may use the control socket besides root")
    String controlGroup;

    @Option(names = "--metrics", paramLabel = "[ADDR:]PORT",
        description = "serve the counters for Prometheus at http://ADDR:PORT/metrics (ADDR default 127.0.0.1; default: off)")
    String metrics;

    @Override
    public Integer call()
    {
        final PrintStream out = System.out;
        final RunOptions options;
        try
        {
            options = new RunOptions(idle, RunOptions.parseXdpMode(xdpMode), RunOptions.parseBindMode(bindMode), frames, RunOptions.DEFAULT_FRAME_SIZE,
                batch, cpu, duration, statsInterval, busyPoll, UmemSharing.parse(umem));
            options.validate(0);
            if (metrics != null)
            {
                metricsAddress(metrics);
            }
        }
        catch (final IllegalArgumentException e)
        {
            System.err.println("nve run: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        final HostConfig hostConfig;
        try
        {
            hostConfig = HostConfig.load(config);
        }
        catch (final ConfigException e)
        {
            System.err.println("nve run: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        final AfXdpDataplane dataplane;
        try
        {
            dataplane = AfXdpDataplane.open(hostConfig, options, out);
        }
        catch (final ConfigException | IllegalArgumentException e)
        {
            System.err.println("nve run: " + config + ": " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        catch (final RuntimeException e)
        {
            System.err.println("nve run: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        // Exits other than SIGINT/SIGTERM (SIGHUP, System.exit elsewhere) still detach XDP.
        final Thread hook = Thread.ofPlatform().name("nve-run-shutdown").unstarted(dataplane::close);
        Runtime.getRuntime().addShutdownHook(hook);
        final Signals signals = Signals.install();
        boolean failed = false;
        RunReport report;
        ControlServer server = null;
        MetricsServer metricsServer = null;
        final AtomicReference<BgpSpeaker> speaker = new AtomicReference<>();
        try
        {
            dataplane.start();
            if (!controlSocket.equals("none"))
            {
                final ControlServerOptions serverOptions = ControlServerOptions.defaults().withSocketPath(Path.of(controlSocket))
                    .withAllowedGroup(controlGroup);
                server = ControlServer.start(serverOptions, BgpControl.withBgpOperation(dataplane.controlOps(), speaker::get));
                out.println("nve run: control socket " + server.socketPath() + " (mode 0600" + (controlGroup != null ? ", group " + controlGroup : "")
                    + "); try: nve ctl --socket " + server.socketPath() + " health");
            }
            if (hostConfig.bgp() != null)
            {
                speaker.set(startBgp(hostConfig, dataplane, server, out));
            }
            if (metrics != null)
            {
                final OpsContext context = dataplane.controlOps().context();
                metricsServer = MetricsServer.start(metricsAddress(metrics), () -> TableOps.counterValues(context));
                out.println("nve run: Prometheus metrics at http://" + metricsServer.address().getHostString() + ":" + metricsServer.address().getPort()
                    + "/metrics");
            }
            out.println("nve run: running; stop with Ctrl-C or SIGTERM" + (duration > 0 ? String.format(Locale.ROOT, " (stops by itself after %s s)",
                trim(duration)) : ""));
            out.flush();
            final String reason = waitForStop(dataplane, signals, out);
            failed = reason.startsWith("worker");
            out.println("nve run: stopping (" + reason + ")");
        }
        catch (final RuntimeException | IOException e)
        {
            failed = true;
            System.err.println("nve run: " + e.getMessage());
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            out.println("nve run: stopping (interrupted)");
        }
        finally
        {
            if (speaker.get() != null)
            {
                speaker.get().close();
            }
            if (server != null)
            {
                server.close();
            }
            if (metricsServer != null)
            {
                metricsServer.close();
            }
            report = dataplane.stop();
            report.lines().forEach(out::println);
            out.flush();
            signals.restore();
            try
            {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (final IllegalStateException shuttingDown)
            {
                // the JVM is already exiting; the hook finds the dataplane closed
            }
        }
        return failed || !report.clean() ? Main.EXIT_FAILURE : Main.EXIT_OK;
    }

    /**
     * The BGP speaker (docs/CONFIG.md, {@code bgp}), after the control socket: its table changes
     * go through the control thread. Without a control socket it gets a control thread of its own.
     */
    private static BgpSpeaker startBgp(final HostConfig config, final AfXdpDataplane dataplane, final ControlServer server, final PrintStream out)
        throws IOException
    {
        final Executor control = server != null
            ? task ->
            {
                if (!server.execute(task))
                {
                    throw new RejectedExecutionException("the control socket is closed");
                }
            }
            : Executors.newSingleThreadExecutor(task -> Thread.ofPlatform().name("nve-control").daemon().unstarted(task));
        final BgpSpeaker speaker = BgpSpeaker.start(config.bgp(), config.underlay().vteps().getFirst(), dataplane.controlOps(), control);
        out.println("nve run: BGP EVPN speaker AS " + config.bgp().as() + ", router id " + config.bgp().routerId().getHostAddress() + ", peers "
            + config.bgp().peers().stream().map(p -> p.address().getHostAddress() + ":" + p.port()).toList() + "; try: nve ctl bgp");
        return speaker;
    }

    private String waitForStop(final AfXdpDataplane dataplane, final Signals signals, final PrintStream out) throws InterruptedException
    {
        final long start = System.nanoTime();
        final long deadline = duration > 0 ? start + (long)(duration * 1e9) : Long.MAX_VALUE;
        final long statsPeriod = statsInterval > 0 ? Math.max(1_000_000L, (long)(statsInterval * 1e9)) : 0;
        long nextStats = statsPeriod > 0 ? start + statsPeriod : Long.MAX_VALUE;
        while (true)
        {
            final long now = System.nanoTime();
            if (now >= deadline)
            {
                return "--duration " + trim(duration) + " s reached";
            }
            if (now >= nextStats)
            {
                out.println(dataplane.statsLine());
                out.flush();
                nextStats += statsPeriod;
                continue;
            }
            final long wake = Math.min(Math.min(deadline, nextStats), now + 500_000_000L);
            if (signals.await(Math.max(1, (wake - now + 999_999) / 1_000_000)))
            {
                return signals.received();
            }
            // no monitor may be reading: keep the flow-event ring fresh for the next one
            dataplane.monitor().pump();
            if (!dataplane.isRunning())
            {
                return "worker stopped unexpectedly" + (dataplane.worker().firstError() != null ? ": " + dataplane.worker().firstError() : "");
            }
        }
    }

    /** {@code PORT}, {@code ADDR:PORT} or {@code [ADDR6]:PORT}; an address literal, never a name. */
    static InetSocketAddress metricsAddress(final String text)
    {
        final int colon = text.lastIndexOf(':');
        final String host = colon < 0 ? "127.0.0.1" : text.substring(0, colon).replace("[", "").replace("]", "");
        final int port;
        try
        {
            port = Integer.parseInt(text.substring(colon + 1));
        }
        catch (final NumberFormatException e)
        {
            throw new IllegalArgumentException("--metrics \"" + text + "\": expected [ADDR:]PORT");
        }
        if (port < 1 || port > 65535 || !host.matches("[0-9a-fA-F:.]+"))
        {
            throw new IllegalArgumentException("--metrics \"" + text + "\": expected [ADDR:]PORT with an address literal and a port in 1..65535");
        }
        return new InetSocketAddress(host, port);
    }

    private static String trim(final double seconds)
    {
        return seconds == Math.rint(seconds) ? String.valueOf((long)seconds) : String.valueOf(seconds);
    }
}
