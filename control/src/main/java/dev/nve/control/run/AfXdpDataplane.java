package dev.nve.control.run;

import dev.nve.control.config.ConfigException;
import dev.nve.control.config.HostConfig;
import dev.nve.control.config.IlaConfig;
import dev.nve.control.ops.FlowMonitor;
import dev.nve.control.ops.PortControl;
import dev.nve.control.ops.TableOps;
import dev.nve.dataplane.conntrack.ConntrackTable;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.flow.FlowEvents;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.pipeline.Pipeline;
import dev.nve.dataplane.port.CopyingPort;
import dev.nve.dataplane.port.Port;
import dev.nve.dataplane.table.LinePrefetchers;
import dev.nve.dataplane.table.PortTable;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.worker.IdleStrategies;
import dev.nve.dataplane.worker.PipelineAgent;
import dev.nve.dataplane.worker.Worker;
import dev.nve.xdp.AfXdpPort;
import dev.nve.xdp.AfXdpPortConfig;
import dev.nve.xdp.FrameAccounting;
import dev.nve.xdp.Umem;
import dev.nve.xdp.XdpAttachMode;
import dev.nve.xdp.XdpProgram;
import dev.nve.xdp.XskBindMode;
import dev.nve.xdp.XskPollWaiter;
import dev.nve.xdp.XskStatistics;
import dev.nve.xdp.ffi.LibC;
import org.agrona.concurrent.IdleStrategy;

import java.io.PrintStream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The dataplane of {@code nve run}: every port of the host config is a network interface; each
 * gets nve's XDP program and one AF_XDP socket on queue 0, all sockets on ONE shared UMEM
 * (the first port registers it, the others bind with XDP_SHARED_UMEM), and one {@link Worker}
 * runs the {@link Pipeline} inline (run to completion) over all of them. A port whose shared
 * bind the kernel refuses (or every port after the first, with {@link UmemSharing#PER_PORT})
 * gets its own UMEM instead, and a {@link CopyingPort} copies its frames to and from the
 * worker's.
 *
 * <p>Steering (set by {@link #start()}, after the worker runs): the underlay port steers UDP
 * to each local VTEP address and the VXLAN port, and IPv6 to each local ILA locator; endpoint
 * ports and spare ports (the config's {@code ports}, for endpoints added later) steer every
 * frame; everything else goes to the kernel.
 *
 * <p>Threads: {@link #open} must run on a thread inside the network namespace of the
 * interfaces (the whole process under {@code ip netns exec}, or a thread that entered it, see
 * {@code NetNamespaces}); after that, any thread may start, query and close. While the worker
 * runs it owns the ports; {@link #onWorker} runs code on it. {@link #stop()} (or {@link #close()}) stops the worker,
 * detaches XDP, drains transmissions, closes sockets, checks that every UMEM frame came back,
 * releases the UMEM and returns the final {@link RunReport}; it is idempotent.
 */
public final class AfXdpDataplane implements AutoCloseable
{
    /** Longest wait for transmissions to complete at shutdown, per port. */
    public static final long DRAIN_MILLIS = 1000;

    /**
     * One interface of the run.
     *
     * @param port         the AF_XDP socket
     * @param pipelinePort what the pipeline uses: {@code port} itself on the worker's UMEM, else a {@link CopyingPort} over it
     * @param ownUmem      the port's own UMEM when it could not (or was told not to) share the worker's, else null
     * @param copyReason   why the port has its own UMEM, else null
     */
    public record RunPort(int id, String name, String role, AfXdpPort port, Port pipelinePort, Umem ownUmem, String copyReason, XdpProgram program,
                          String mode, List<InetAddress> vteps, int vxlanPort, List<Long> ilaLocators, boolean steerAll, String startupLine)
    {
        /** What the XDP program steers to this port, in words. */
        public String steering()
        {
            if (steerAll)
            {
                return "all frames";
            }
            final List<String> parts = new ArrayList<>();
            for (final InetAddress vtep : vteps)
            {
                parts.add("UDP to " + (vtep.getAddress().length == 16 ? "[" + vtep.getHostAddress() + "]" : vtep.getHostAddress()) + ":" + vxlanPort);
            }
            for (final long locator : ilaLocators)
            {
                parts.add("IPv6 to ILA locator " + IlaConfig.locatorText(locator) + "::/64");
            }
            return parts.isEmpty() ? "nothing (the port has no role)" : String.join(", ", parts);
        }
    }

    private final HostConfig config;
    private final RunOptions options;
    private final PrintStream out;
    private final Tables tables;
    private final Counters counters = new Counters();
    /** Read by the control and stats threads while the control thread may add a port. */
    private final List<RunPort> ports = new CopyOnWriteArrayList<>();
    private AfXdpPortConfig portTemplate;
    /** The ILA locators the underlay's program steers (changed by the control thread). */
    private final Set<Long> steeredIlaLocators = new HashSet<>();
    private final List<String> startupLines = new ArrayList<>();
    private final StatsLines statsLines = new StatsLines();
    private Umem umem;
    private Pipeline pipeline;
    private ConntrackTable conntrack;
    private TableOps controlOps;
    private FlowMonitor monitor;
    private PipelineAgent agent;
    private IdleStrategy idleStrategy;
    private XskPollWaiter waiter;
    private Worker worker;
    private long startedNanos;
    private boolean steering;
    private RunReport report;

    private AfXdpDataplane(final HostConfig config, final RunOptions options, final PrintStream out)
    {
        this.config = config;
        this.options = options;
        this.out = out;
        this.tables = new Tables(config.sizes());
    }

    /**
     * Applies the config, maps the UMEM, loads and attaches the XDP program on every port's
     * interface, opens the sockets and builds the pipeline and worker (not started). Prints
     * one line about the UMEM and one per port (modes chosen, fallbacks, steering) to
     * {@code out}. Call on a thread in the interfaces' network namespace. On failure
     * everything opened so far is closed again (XDP detached).
     *
     * @throws ConfigException the config does not apply.
     * @throws IllegalArgumentException an option is out of range.
     * @throws RunException an interface, XDP program or socket could not be set up.
     */
    public static AfXdpDataplane open(final HostConfig config, final RunOptions options, final PrintStream out) throws ConfigException
    {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(out, "out");
        final AfXdpDataplane d = new AfXdpDataplane(config, options, out);
        boolean ok = false;
        try
        {
            d.setUp();
            ok = true;
            return d;
        }
        finally
        {
            if (!ok)
            {
                d.release(new ArrayList<>());
            }
        }
    }

    private void setUp() throws ConfigException
    {
        // the config's sections, then its operations: the same code as the control socket's
        controlOps = TableOps.start(config, tables, counters, registry -> new FlowMonitor(new FlowEvents(config.security().flowEventBytes()), tables, registry),
            this::status, new PortControl()
            {
                @Override
                public boolean serves(final String name)
                {
                    return AfXdpDataplane.this.serves(name);
                }

                @Override
                public String open(final String name, final int id)
                {
                    return addPort(name, id);
                }

                @Override
                public void steerIlaLocators(final long[] locators)
                {
                    AfXdpDataplane.this.steerIlaLocators(locators);
                }
            });
        monitor = controlOps.context().monitor();
        final PortTable portTable = tables.ports();
        final int count = portTable.count();
        options.validate(count);
        final int headroom = FrameMemory.DEFAULT_HEADROOM;
        umem = Umem.allocate(options.frames(), options.frameSize(), headroom);
        final int fillTarget = Math.max(2 * options.batch(), options.frames() / (2 * Math.max(1, count)));
        final AfXdpPortConfig template = AfXdpPortConfig.builder("template").frames(options.frames(), options.frameSize(), headroom)
            .fillTarget(fillTarget).batchSize(options.batch()).xdpMode(options.xdpMode()).bindMode(options.bindMode())
            .busyPollMicros(options.busyPollMicros()).build();
        final String sharing = options.umem() == UmemSharing.PER_PORT && count > 1
            ? "for the first port and one as large for each of the other " + (count - 1) + " (--umem per-port: a copy each way)"
            : "shared by " + count + " port" + (count == 1 ? "" : "s");
        startupLines.add(String.format(Locale.ROOT, "nve run: UMEM %d frames x %d B = %s %s (headroom %d B, largest frame %d B);"
                + " per port: rings rx %d tx %d fill %d completion %d = %s mapped, %d frames kept on the fill ring; batch %d; idle %s; worker cpu %s",
            options.frames(), options.frameSize(), bytes((long)options.frames() * options.frameSize()), sharing, headroom,
            options.frameSize() - headroom, template.rxRingSize(), template.txRingSize(), template.fillRingSize(), template.completionRingSize(),
            bytes(ringBytes(template)), Math.min(fillTarget, template.fillRingSize()), options.batch(), options.idle(),
            options.cpu() < 0 ? "not pinned" : String.valueOf(options.cpu())));
        out.println(startupLines.get(0));
        portTemplate = template;
        final Port[] pipelinePorts = new Port[count];
        for (int id = 0; id < count; id++)
        {
            final RunPort port = openPort(id, portTable, template, false);
            ports.add(port);
            pipelinePorts[id] = port.pipelinePort();
            startupLines.add(port.startupLine());
            out.println(port.startupLine());
        }
        conntrack = new ConntrackTable(config.security().conntrackEntries());
        final String prefetch = LinePrefetchers.platform() != null ? "lines prefetched (native helper)"
            : "lines touched with loads: " + LinePrefetchers.absence();
        startupLines.add(String.format(Locale.ROOT, "nve run: conntrack %d entries, %s off-heap in %s; %s", conntrack.maxEntries(), bytes(conntrack.bytes()),
            conntrack.pages(), prefetch));
        out.println(startupLines.get(startupLines.size() - 1));
        pipeline = new Pipeline(tables, pipelinePorts, umem.pool(), counters, options.batch(), conntrack, monitor.events());
        agent = new PipelineAgent("dataplane", pipeline);
        waiter = new XskPollWaiter(ports.stream().map(RunPort::port).toList());
        idleStrategy = IdleStrategies.parse(options.idle(), waiter);
        final int cpu = options.cpu();
        worker = new Worker(agent, idleStrategy, cpu < 0 ? null : () -> LibC.pinCurrentThread(cpu));
    }

    /**
     * Opens the XDP program and socket of port {@code id}. {@code running}: the worker already
     * owns the UMEM's pool, so a socket sharing the UMEM is opened without touching it (the
     * worker fills its ring).
     */
    private RunPort openPort(final int id, final PortTable portTable, final AfXdpPortConfig template, final boolean running)
    {
        final String name = portTable.name(id);
        final byte role = portTable.role(id);
        final String roleName = role == PortTable.ROLE_UNDERLAY ? "underlay" : role == PortTable.ROLE_ENDPOINT ? "endpoint" : "spare, no endpoint yet";
        final boolean sharing = umem.registeredFd() >= 0;
        XdpProgram program = null;
        Umem own = null;
        try
        {
            program = XdpProgram.load(name);
            program.attach(options.xdpMode());
            final AfXdpPortConfig portConfig = AfXdpPortConfig.builder(name).queue(0).portId(id).name(name)
                .frames(template.frameCount(), template.frameSize(), template.headroom()).fillTarget(template.fillTarget())
                .batchSize(template.batchSize()).xdpMode(template.xdpMode()).bindMode(template.bindMode())
                .busyPollMicros(template.busyPollMicros()).build();
            AfXdpPort port = null;
            String copyReason = null;
            if (sharing && options.umem() == UmemSharing.PER_PORT)
            {
                copyReason = "--umem per-port";
            }
            else
            {
                try
                {
                    port = running ? AfXdpPort.openForRunningWorker(portConfig, umem, program) : AfXdpPort.open(portConfig, umem, program);
                }
                catch (final RuntimeException e)
                {
                    if (!sharing)
                    {
                        throw e;
                    }
                    final String refused = "binding a socket on the UMEM shared with port " + ports.get(0).name() + " failed: " + e.getMessage();
                    if (options.umem() == UmemSharing.SHARED)
                    {
                        throw new RunException("port " + name + ": " + refused + " (--umem shared; --umem auto would give the port its own UMEM and copy)", e);
                    }
                    copyReason = refused;
                }
            }
            if (port == null)
            {
                own = Umem.allocate(template.frameCount(), template.frameSize(), template.headroom());
                port = AfXdpPort.open(portConfig, own, program);
            }
            final Port pipelinePort = own == null ? port : new CopyingPort(port, own.pool(), umem.pool(), options.batch());
            final boolean underlay = role == PortTable.ROLE_UNDERLAY;
            final List<InetAddress> vteps = underlay ? config.underlay().vteps() : List.of();
            final List<Long> locators = underlay && config.ila() != null ? config.ila().locators() : List.of();
            // endpoint ports and spare ones (an endpoint may come through the control socket) are nve's
            final boolean all = role != PortTable.ROLE_UNDERLAY;
            final String line = startupLine(id, name, roleName, port, copyReason, program, vteps, locators, all);
            return new RunPort(id, name, roleName, port, pipelinePort, own, copyReason, program, port.modeDescription(), vteps,
                config.underlay().vxlanPort(), locators, all, line);
        }
        catch (final RuntimeException e)
        {
            if (own != null)
            {
                own.close();
            }
            if (program != null)
            {
                try
                {
                    program.close();
                }
                catch (final RuntimeException suppressed)
                {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof RunException)
            {
                throw e;
            }
            throw new RunException("port " + name + " (" + roleName + "): " + e.getMessage(), e);
        }
    }

    private String startupLine(final int id, final String name, final String role, final AfXdpPort port, final String copyReason,
        final XdpProgram program, final List<InetAddress> vteps, final List<Long> locators, final boolean all)
    {
        final StringBuilder s = new StringBuilder("nve run: port ").append(name).append(" (").append(role).append(", id ").append(id)
            .append(", dev ").append(port.config().interfaceName()).append(" queue ").append(port.queue()).append("): XDP ")
            .append(port.xdpMode().name().toLowerCase(Locale.ROOT));
        if (options.xdpMode() == XdpAttachMode.AUTO)
        {
            s.append(program.fallbackReason() != null ? " (auto, fallback: " + program.fallbackReason() + ")" : " (auto)");
        }
        s.append(", bind ").append(port.zeroCopy() ? "zero-copy" : "copy");
        if (port.sharedUmem())
        {
            s.append(" (inherited from port ").append(ports.get(0).name()).append(')');
        }
        else if (options.bindMode() == XskBindMode.AUTO)
        {
            s.append(port.zeroCopy() ? " (auto)" : " (auto, fallback: the driver has no zero-copy)");
        }
        s.append(", need_wakeup ").append(port.needWakeup() ? "on" : "off").append(", UMEM ")
            .append(copyReason != null ? "own, frames copied to and from the worker's (" + copyReason + ")" : port.sharedUmem() ? "shared" : "registered here");
        s.append("; steers ").append(new RunPort(id, name, role, port, port, null, null, program, "", vteps, config.underlay().vxlanPort(), locators, all, "")
            .steering());
        final List<String> notes = new ArrayList<>();
        for (final String note : port.notes())
        {
            if (!note.equals(program.fallbackReason()) && !note.startsWith("zero-copy not available"))
            {
                notes.add(note);
            }
        }
        if (!notes.isEmpty())
        {
            s.append("; notes: ").append(String.join("; ", notes));
        }
        return s.toString();
    }

    /** Starts the worker (pinned if asked), then switches the steering on. */
    public synchronized void start()
    {
        if (report != null)
        {
            throw new IllegalStateException("dataplane is closed");
        }
        worker.start();
        startedNanos = System.nanoTime();
        for (final RunPort p : ports)
        {
            if (p.steerAll())
            {
                p.program().steerAll(true);
            }
            for (final InetAddress vtep : p.vteps())
            {
                p.program().addVtep(vtep, p.vxlanPort());
            }
            for (final long locator : p.ilaLocators())
            {
                p.program().addIlaLocator(locator);
                steeredIlaLocators.add(locator);
            }
        }
        steering = true;
    }

    public List<RunPort> ports()
    {
        return Collections.unmodifiableList(ports);
    }

    /** True when interface {@code name} is one of the ports this dataplane serves. */
    public boolean serves(final String name)
    {
        return ports.stream().anyMatch(p -> p.name().equals(name));
    }

    /**
     * Adds interface {@code name} as port {@code id} while the worker runs ({@code port.add} on
     * the control socket): the XDP program and the socket are opened on the calling thread (it
     * must be in the interfaces' network namespace, as every thread of {@code nve run} is), the
     * worker takes the port between two polls, then the steering goes on. Prints and returns
     * the port's startup line. On failure nothing is left open.
     *
     * @throws RunException the interface, program or socket could not be set up, or the worker
     *     did not take the port within 5 s.
     */
    public synchronized String addPort(final String name, final int id)
    {
        if (report != null || worker == null || !worker.isRunning())
        {
            throw new RunException("port " + name + ": the dataplane is not running");
        }
        final AfXdpPortConfig template = AfXdpPortConfig.builder("template").frames(portTemplate.frameCount(), portTemplate.frameSize(), portTemplate.headroom())
            .fillTarget(Math.max(2 * options.batch(), options.frames() / (2 * (ports.size() + 1)))).batchSize(options.batch()).xdpMode(options.xdpMode())
            .bindMode(options.bindMode()).busyPollMicros(options.busyPollMicros()).build();
        final RunPort port = openPort(id, tables.ports(), template, true);
        try
        {
            onWorker(() ->
            {
                pipeline.port(id, port.pipelinePort());
                waiter.add(port.port());
                return null;
            }).get(5, TimeUnit.SECONDS);
        }
        catch (final ExecutionException | TimeoutException | InterruptedException e)
        {
            closeUnused(port);
            if (e instanceof InterruptedException)
            {
                Thread.currentThread().interrupt();
            }
            throw new RunException("port " + name + ": the worker did not take the port: " + (e.getCause() != null ? e.getCause() : e), e);
        }
        ports.add(port);
        if (port.steerAll())
        {
            port.program().steerAll(true);
        }
        startupLines.add(port.startupLine());
        out.println(port.startupLine() + " (added while running)");
        return port.startupLine();
    }

    /**
     * Makes the underlay's XDP program steer IPv6 to exactly {@code locators} (the ILA domain
     * grew, or a failed request put it back).
     */
    public synchronized void steerIlaLocators(final long[] locators)
    {
        for (final RunPort p : ports)
        {
            if (!p.role().equals("underlay"))
            {
                continue;
            }
            final Set<Long> wanted = new HashSet<>();
            for (final long locator : locators)
            {
                wanted.add(locator);
                if (steeredIlaLocators.add(locator))
                {
                    p.program().addIlaLocator(locator);
                }
            }
            for (final Iterator<Long> it = steeredIlaLocators.iterator(); it.hasNext(); )
            {
                final long locator = it.next();
                if (!wanted.contains(locator))
                {
                    p.program().removeIlaLocator(locator);
                    it.remove();
                }
            }
        }
    }

    /** Closes a port the worker never had. */
    private static void closeUnused(final RunPort port)
    {
        port.pipelinePort().close();
        port.program().close();
        if (port.ownUmem() != null)
        {
            port.ownUmem().close();
        }
    }

    /** The startup lines printed by {@link #open}. */
    public List<String> startupLines()
    {
        return Collections.unmodifiableList(startupLines);
    }

    public Counters counters()
    {
        return counters;
    }

    /**
     * The control socket's operations over this dataplane's tables (they applied the config).
     * Their table writer is the only one: use them from one thread (the control thread) only.
     */
    public TableOps controlOps()
    {
        return controlOps;
    }

    private Map<String, Object> status()
    {
        final Map<String, Object> status = new LinkedHashMap<>();
        status.put("worker", isRunning() ? "running" : "stopped");
        status.put("workerErrors", worker == null ? 0 : worker.errors());
        status.put("ports", ports.stream().map(RunPort::name).toList());
        status.put("conntrackEntries", conntrack == null ? 0 : conntrack.size());
        return status;
    }

    /** The flow-event reader ({@code nve ctl monitor}). */
    public FlowMonitor monitor()
    {
        return monitor;
    }

    public Worker worker()
    {
        return worker;
    }

    public Umem umem()
    {
        return umem;
    }

    /** True while the worker thread runs. */
    public boolean isRunning()
    {
        return worker != null && worker.isRunning();
    }

    /** Runs {@code task} on the worker thread between two polls (see {@link PipelineAgent#call}). */
    public <T> CompletableFuture<T> onWorker(final Callable<T> task)
    {
        return agent.call(task);
    }

    /** Checks every port's frame accounting on the worker thread (it owns the rings). */
    public CompletableFuture<List<FrameAccounting>> checkFrameAccountingOnWorker()
    {
        return onWorker(() ->
        {
            final List<FrameAccounting> result = new ArrayList<>();
            for (final RunPort p : ports)
            {
                result.add(p.port().checkFrameAccounting());
            }
            return result;
        });
    }

    /**
     * One line of counters since start, with rates since the previous line: per port frames
     * received and sent, drops, and the kernel's rx_ring_full / fill_ring_empty. Empty once
     * closed. Reads only counters that are safe to read from another thread.
     */
    public synchronized String statsLine()
    {
        if (report != null)
        {
            return "";
        }
        return statsLines.next(startedNanos, counters.snapshot(), ports, worker.errors());
    }

    /**
     * Stops the worker, detaches XDP from every interface (traffic goes back to the kernel),
     * waits up to {@link #DRAIN_MILLIS} per port for transmissions to complete, collects the
     * final counters (with XDP_STATISTICS and the program's counters) and each port's frame
     * accounting, closes the sockets, checks that every UMEM frame is back in the pool and
     * releases the UMEM. Problems (a failed detach, a frame leak) are in
     * {@link RunReport#problems()}; nothing is thrown.
     */
    public synchronized RunReport stop()
    {
        if (report != null)
        {
            return report;
        }
        final List<String> problems = new ArrayList<>();
        report = release(problems);
        return report;
    }

    /** {@link #stop()}, for try-with-resources; the report stays available from {@link #stop()}. */
    @Override
    public void close()
    {
        stop();
    }

    private RunReport release(final List<String> problems)
    {
        final long stopNanos = System.nanoTime();
        if (worker != null)
        {
            worker.close();
            if (worker.errors() > 0)
            {
                problems.add("the worker's duty cycle threw " + worker.errors() + " time(s), first: " + worker.firstError());
            }
        }
        final List<String> detached = new ArrayList<>();
        for (final RunPort p : ports)
        {
            try
            {
                p.program().detach();
                detached.add(p.name());
            }
            catch (final RuntimeException e)
            {
                problems.add("port " + p.name() + ": detaching XDP failed: " + e.getMessage());
            }
        }
        final List<RunReport.PortReport> portReports = new ArrayList<>();
        for (final RunPort p : ports)
        {
            final AfXdpPort port = p.port();
            if (!port.drainTransmit(DRAIN_MILLIS))
            {
                problems.add("port " + p.name() + ": " + port.txOutstanding() + " frames still in flight after " + DRAIN_MILLIS + " ms");
            }
            FrameAccounting accounting = null;
            try
            {
                accounting = port.checkFrameAccounting();
            }
            catch (final IllegalStateException e)
            {
                problems.add(e.getMessage());
                accounting = port.frameAccounting();
            }
            XskStatistics statistics = null;
            try
            {
                statistics = port.statistics();
            }
            catch (final RuntimeException e)
            {
                problems.add("port " + p.name() + ": XDP_STATISTICS: " + e.getMessage());
            }
            long[] xdp = null;
            try
            {
                xdp = p.program().counters();
            }
            catch (final RuntimeException e)
            {
                problems.add("port " + p.name() + ": XDP program counters: " + e.getMessage());
            }
            final RunReport.Copies copies = p.pipelinePort() instanceof CopyingPort c
                ? new RunReport.Copies(p.copyReason(), c.rxCopied(), c.txCopied(), c.txNoFrame(), c.rxOversize()) : null;
            portReports.add(new RunReport.PortReport(p.name(), p.role(), p.mode(), port.rxFrames(), port.rxBytes(), port.txFrames(),
                port.txCompleted(), port.txRingFull(), port.txKicks(), port.txKicksRepeated(), port.txKickErrors(), port.rxWakeups(), statistics, xdp,
                accounting, copies));
        }
        final Map<String, Long> finalCounters = new LinkedHashMap<>(counters.snapshot());
        for (int i = ports.size() - 1; i >= 0; i--)
        {
            try
            {
                ports.get(i).pipelinePort().close();
            }
            catch (final RuntimeException e)
            {
                problems.add("port " + ports.get(i).name() + ": closing the socket failed: " + e.getMessage());
            }
        }
        for (final RunPort p : ports)
        {
            try
            {
                p.program().close();
            }
            catch (final RuntimeException e)
            {
                problems.add("port " + p.name() + ": closing the XDP program failed: " + e.getMessage());
            }
        }
        if (waiter != null)
        {
            waiter.close();
        }
        for (final RunPort p : ports)
        {
            if (p.ownUmem() != null)
            {
                final FramePool own = p.ownUmem().pool();
                if (own.available() != own.capacity())
                {
                    problems.add("frame leak: " + (own.capacity() - own.available()) + " of " + own.capacity() + " frames of port " + p.name()
                        + "'s own UMEM did not come back to its pool");
                }
                p.ownUmem().close();
            }
        }
        int capacity = 0;
        int available = 0;
        if (umem != null)
        {
            capacity = umem.pool().capacity();
            available = umem.pool().available();
            if (available != capacity)
            {
                problems.add("frame leak: " + (capacity - available) + " of " + capacity + " UMEM frames did not come back to the pool");
            }
            umem.close();
        }
        if (conntrack != null)
        {
            conntrack.close();
        }
        tables.close();
        final double seconds = startedNanos == 0 ? 0 : (stopNanos - startedNanos) / 1e9;
        return new RunReport(seconds, portReports, finalCounters, problems, capacity, available, worker == null ? 0 : worker.errors(),
            String.valueOf(idleStrategy), detached);
    }

    private static long ringBytes(final AfXdpPortConfig c)
    {
        // descriptors 16 B (rx, tx), addresses 8 B (fill, completion), plus a page of producer/consumer/flags each
        return 16L * (c.rxRingSize() + c.txRingSize()) + 8L * (c.fillRingSize() + c.completionRingSize()) + 4 * 4096L;
    }

    static String bytes(final long n)
    {
        if (n >= 1L << 20 && n % (1L << 20) == 0)
        {
            return (n >> 20) + " MiB";
        }
        if (n >= 1L << 20)
        {
            return String.format(Locale.ROOT, "%.1f MiB", n / (double)(1L << 20));
        }
        return (n + 1023) / 1024 + " KiB";
    }

    @Override
    public String toString()
    {
        return "AfXdpDataplane[" + ports.size() + " ports" + (steering ? ", steering" : "") + (report != null ? ", closed" : "") + "]";
    }
}
