package dev.nve.bench.pipeline;

import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.pipeline.Pipeline;
import dev.nve.dataplane.port.Port;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.VxlanHeader;
import dev.nve.xdp.AfXdpPort;
import dev.nve.xdp.AfXdpPortConfig;
import dev.nve.xdp.NetNamespaces;
import dev.nve.xdp.Umem;
import dev.nve.xdp.XdpAttachMode;
import dev.nve.xdp.XdpProgram;
import dev.nve.xdp.XskStatistics;
import dev.nve.xdp.ffi.LibC;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The nve device under test for the end-to-end harness (bench/harness), the counterpart of
 * refbench's C {@code fwd}: one worker thread busy-polls an AF_XDP port on {@code d0} and runs
 * the real {@link Pipeline} inline, transmitting on {@code d1} through a second AF_XDP socket
 * that shares the UMEM (no XDP program on {@code d1}: transmit only). The tables are set up
 * per mode the way a host config would, for the refbench topology and frames:
 * <ul>
 *   <li>{@code drop}: d0 is an endpoint (VNI 100, MAC 02:72:62:00:00:02, the generator's
 *       destination), so every frame is dropped by the bridge as SAME_PORT;</li>
 *   <li>{@code fwd}: d0 and d1 are endpoints of VNI 100; frames to 02:72:62:00:00:99 (the
 *       endpoint behind d1) are switched to d1 unchanged;</li>
 *   <li>{@code decap}: d0 is the underlay (VTEP 198.18.0.2); VXLAN VNI 100 to the endpoint
 *       02:72:62:00:00:99 behind d1 is decapsulated and sent on d1;</li>
 *   <li>{@code encap}: d0 is an endpoint, d1 the underlay (VTEP 198.18.1.1); frames to
 *       02:72:62:00:00:02 (a remote MAC behind VTEP 198.18.1.2, next hop 02:72:62:00:00:99)
 *       are encapsulated (VNI 100) and sent on d1.</li>
 * </ul>
 * Output: one line per second, and {@code dut: snap ...} lines on SIGUSR1 (cumulative rx, tx,
 * drops and the time spent in loop iterations that did work, as refbench's fwd prints them),
 * a totals line with the XDP statistics at the end. Exits after {@code --duration}, or on
 * SIGTERM/SIGINT, detaching the XDP program.
 *
 * <pre>
 * java ... dev.nve.bench.pipeline.XdpDut --mode decap --xdp generic --duration 30 [--netns NS] [--cpu 1]
 * </pre>
 */
public final class XdpDut
{
    static final long MAC_D0 = 0x02_72_62_00_00_02L;
    static final long MAC_D1 = 0x02_72_62_00_00_03L;
    static final long MAC_NONE = 0x02_72_62_00_00_99L;
    static final long MAC_GEN = 0x02_72_62_00_00_01L;
    static final int VNI = 100;

    private static volatile boolean stop;
    private static volatile int snapRequests;

    private XdpDut()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Map<String, String> o = parse(args);
        final String mode = o.getOrDefault("mode", "fwd");
        final XdpAttachMode xdp = switch (o.getOrDefault("xdp", "generic"))
        {
            case "generic", "skb" -> XdpAttachMode.GENERIC;
            case "native", "drv" -> XdpAttachMode.NATIVE;
            default -> throw new IllegalArgumentException("--xdp generic|native");
        };
        final double duration = Double.parseDouble(o.getOrDefault("duration", "10"));
        if (!(duration > 0 && duration <= 3600))
        {
            throw new IllegalArgumentException("--duration must be in (0, 3600]");
        }
        final int cpu = Integer.parseInt(o.getOrDefault("cpu", "-1"));
        final int batch = Integer.parseInt(o.getOrDefault("batch", "64"));
        final String in = o.getOrDefault("in", "d0");
        final String out = o.getOrDefault("out", "d1");
        installSignals();
        final Runnable body = () -> run(mode, xdp, duration, cpu, batch, in, out);
        if (o.containsKey("netns"))
        {
            NetNamespaces.callIn(o.get("netns"), () ->
            {
                body.run();
                return null;
            });
        }
        else
        {
            body.run();
        }
    }

    private static void run(final String mode, final XdpAttachMode xdp, final double duration, final int cpu, final int batch, final String in,
        final String out)
    {
        try (Tables tables = new Tables())
        {
            final TableWriter w = new TableWriter(tables);
            final boolean steerAll = configure(w, mode, in, out);
            final int inId = tables.ports().find(in);
            final int outId = tables.ports().find(out);
            if (cpu >= 0)
            {
                LibC.pinCurrentThread(cpu);
            }
            final Umem umem = Umem.allocate(4096, 4096, 256);
            XdpProgram program = null;
            AfXdpPort rx = null;
            AfXdpPort tx = null;
            try
            {
                program = XdpProgram.load(in);
                program.attach(xdp);
                if (steerAll)
                {
                    program.steerAll(true);
                }
                else
                {
                    program.addVtep(InetAddress.ofLiteral("198.18.0.2"), VxlanHeader.DEFAULT_PORT);
                }
                rx = AfXdpPort.open(AfXdpPortConfig.builder(in).portId(inId).name(in).batchSize(batch).build(), umem, program);
                tx = AfXdpPort.open(AfXdpPortConfig.builder(out).portId(outId).name(out).batchSize(batch).build(), umem, null);
                final Port[] ports = new Port[tables.ports().count()];
                ports[inId] = rx;
                ports[outId] = tx;
                final FramePool pool = umem.pool();
                final Counters counters = new Counters();
                final Pipeline pipeline = new Pipeline(tables, ports, pool, counters, batch);
                System.out.printf(Locale.ROOT, "dut: mode=%s xdp=%s in=%s out=%s rx=[%s] tx=[%s] batch=%d cpu=%d notes=%s%n", mode, program.attachedMode(),
                    in, out, rx.modeDescription(), tx.modeDescription(), batch, cpu, rx.notes());
                System.out.flush();
                loop(pipeline, rx, tx, duration, counters, mode, xdp);
            }
            finally
            {
                if (tx != null)
                {
                    tx.drainTransmit(200);
                    tx.close();
                }
                if (rx != null)
                {
                    rx.close();
                }
                if (program != null)
                {
                    program.close();
                }
                umem.close();
            }
        }
    }

    private static void loop(final Pipeline pipeline, final AfXdpPort rx, final AfXdpPort tx, final double duration, final Counters counters,
        final String mode, final XdpAttachMode xdp)
    {
        final long start = System.nanoTime();
        final long end = start + (long)(duration * 1e9);
        long busyNanos = 0;
        long lastReport = start;
        long lastRx = 0;
        long lastTx = 0;
        int snapsDone = 0;
        long now = start;
        while (!stop)
        {
            final int work = pipeline.poll();
            final long after = System.nanoTime();
            if (work > 0)
            {
                busyNanos += after - now;
            }
            now = after;
            if (snapRequests != snapsDone)
            {
                snapsDone++;
                System.out.printf(Locale.ROOT, "dut: snap seq=%d t=%.3f rx=%d tx=%d dropped=%d busy_ns=%d%n", snapsDone, (now - start) / 1e9,
                    rx.rxFrames(), tx.txCompleted(), drops(counters), busyNanos);
                System.out.flush();
            }
            if (now - lastReport >= 1_000_000_000L)
            {
                final double dt = (now - lastReport) / 1e9;
                System.out.printf(Locale.ROOT, "dut: t=%5.1f rx_pps=%9.0f tx_pps=%9.0f%n", (now - start) / 1e9, (rx.rxFrames() - lastRx) / dt,
                    (tx.txCompleted() - lastTx) / dt);
                lastRx = rx.rxFrames();
                lastTx = tx.txCompleted();
                lastReport = now;
                if (now >= end)
                {
                    break;
                }
            }
        }
        final XskStatistics s = rx.statistics();
        System.out.printf(Locale.ROOT, "dut: total mode=%s xdp=%s rx=%d tx=%d dropped=%d busy_ns=%d secs=%.3f%n", mode, xdp, rx.rxFrames(), tx.txCompleted(),
            drops(counters), busyNanos, (now - start) / 1e9);
        System.out.println("dut: xsk[" + rx.name() + "] " + s);
        System.out.println("dut: tx[" + tx.name() + "] ring_full=" + tx.txRingFull() + " kicks=" + tx.txKicks() + " repeated=" + tx.txKicksRepeated()
            + " errors=" + tx.txKickErrors());
        System.out.println("dut: accounting " + rx.checkFrameAccounting());
        System.out.flush();
    }

    private static long drops(final Counters counters)
    {
        long drops = 0;
        for (final Map.Entry<String, Long> e : counters.snapshot().entrySet())
        {
            if (e.getKey().startsWith("port/") && e.getKey().contains("/drop/"))
            {
                drops += e.getValue();
            }
        }
        return drops;
    }

    /** Sets up the tables for {@code mode}; returns whether the XDP program steers everything (endpoint input). */
    static boolean configure(final TableWriter w, final String mode, final String in, final String out)
    {
        final InetAddress dutUnderlay = InetAddress.ofLiteral("198.18.1.1");
        final InetAddress sinkVtep = InetAddress.ofLiteral("198.18.1.2");
        switch (mode)
        {
            case "drop" ->
            {
                w.setUnderlay(out, MAC_D1, 1500, VxlanHeader.DEFAULT_PORT, List.of(dutUnderlay), 0);
                w.addNetwork(VNI, false);
                w.addEndpoint(in, VNI, MAC_D0, 0);
                return true;
            }
            case "fwd" ->
            {
                // an underlay is required by the tables; it is a third, unused port name
                w.setUnderlay("uplink", MAC_D1, 1500, VxlanHeader.DEFAULT_PORT, List.of(dutUnderlay), 0);
                w.addNetwork(VNI, false);
                w.addEndpoint(in, VNI, MAC_GEN, 0);
                w.addEndpoint(out, VNI, MAC_NONE, 0);
                return true;
            }
            case "decap" ->
            {
                w.setUnderlay(in, MAC_D0, 1500, VxlanHeader.DEFAULT_PORT, List.of(InetAddress.ofLiteral("198.18.0.2")), 0);
                w.addNetwork(VNI, false);
                w.addEndpoint(out, VNI, MAC_NONE, 0);
                return false;
            }
            case "encap" ->
            {
                w.setUnderlay(out, MAC_D1, 1500, VxlanHeader.DEFAULT_PORT, List.of(dutUnderlay), 0);
                w.addRemoteVtep(sinkVtep, MAC_NONE);
                w.addNetwork(VNI, false);
                w.addEndpoint(in, VNI, MAC_GEN, 0);
                w.addRemoteMac(VNI, MAC_D0, sinkVtep);
                return true;
            }
            default -> throw new IllegalArgumentException("--mode drop|fwd|decap|encap: " + mode);
        }
    }

    private static void installSignals()
    {
        try
        {
            sun.misc.Signal.handle(new sun.misc.Signal("USR1"), s -> snapRequests++);
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), s -> stop = true);
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), s -> stop = true);
        }
        catch (final IllegalArgumentException e)
        {
            System.err.println("dut: cannot install signal handlers: " + e.getMessage());
        }
    }

    private static Map<String, String> parse(final String[] args)
    {
        final java.util.LinkedHashMap<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < args.length; i++)
        {
            if (!args[i].startsWith("--") || i + 1 >= args.length)
            {
                throw new IllegalArgumentException("usage: XdpDut --mode drop|fwd|decap|encap --xdp generic|native --duration S [--netns NS] "
                    + "[--cpu N] [--batch 64] [--in d0] [--out d1]");
            }
            m.put(args[i].substring(2), args[++i]);
        }
        return m;
    }
}
