package dev.nve.control.run;

import dev.nve.xdp.FrameAccounting;
import dev.nve.xdp.XdpCounter;
import dev.nve.xdp.XskStatistics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code nve run} reports when it stops: the pipeline's counters (per port, stage and
 * drop reason), per port the AF_XDP socket's own counters, the kernel's XDP_STATISTICS, the
 * XDP program's counters and the frame accounting at stop, the UMEM pool after every socket
 * closed, and any problem of the shutdown (none in a clean run).
 *
 * @param seconds        time the worker ran
 * @param ports          per port, in port-id order
 * @param counters       the pipeline's counters ({@code port/NAME/...}, {@code stage/NAME/...})
 * @param problems       shutdown problems: failed detach, frames in flight, accounting or leak
 * @param poolCapacity   UMEM frames
 * @param poolAvailable  frames on the free list after every socket closed (== capacity when nothing leaked)
 * @param workerErrors   exceptions the worker's duty cycle threw
 * @param idle           the idle strategy with its own counters
 * @param detached       ports whose XDP program was detached
 */
public record RunReport(double seconds, List<PortReport> ports, Map<String, Long> counters, List<String> problems, int poolCapacity,
                        int poolAvailable, long workerErrors, String idle, List<String> detached)
{
    /**
     * One port at stop.
     *
     * @param xdpCounters the program's counters indexed by {@link XdpCounter#index()}, or null when unreadable
     * @param statistics  XDP_STATISTICS, or null when unreadable
     * @param accounting  the socket's UMEM frames at stop
     * @param copies      for a port on its own UMEM: why, and the frames copied; else null
     */
    public record PortReport(String name, String role, String mode, long xskRxFrames, long xskRxBytes, long xskTxFrames, long txCompleted,
                             long txRingFull, long txKicks, long txKicksRepeated, long txKickErrors, long rxWakeups, XskStatistics statistics,
                             long[] xdpCounters, FrameAccounting accounting, Copies copies)
    {
        public long xdp(final XdpCounter counter)
        {
            return xdpCounters == null ? -1 : xdpCounters[counter.index()];
        }
    }

    /**
     * Frames a port on its own UMEM copied to and from the worker's.
     *
     * @param reason   why the port has its own UMEM
     * @param in       received frames copied into the worker's UMEM
     * @param out      frames to send copied into the port's UMEM
     * @param noFrame  frames to send dropped: the port's UMEM had no free frame
     * @param oversize received frames too long for a frame of the worker's UMEM
     */
    public record Copies(String reason, long in, long out, long noFrame, long oversize)
    {
    }

    /** True when the shutdown found nothing wrong. */
    public boolean clean()
    {
        return problems.isEmpty();
    }

    public long counter(final String label)
    {
        return counters.getOrDefault(label, 0L);
    }

    public PortReport port(final String name)
    {
        return ports.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException("no port " + name));
    }

    /** The report as {@code nve run} prints it. */
    public List<String> lines()
    {
        final List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "nve run: final counters after %.1f s", seconds));
        for (final PortReport p : ports)
        {
            final String prefix = "port/" + p.name() + "/";
            final StringBuilder s = new StringBuilder("nve run:   port ").append(p.name()).append(" (").append(p.role()).append(", ").append(p.mode())
                .append("): rx ").append(counter(prefix + "rx_packets")).append(" frames ").append(counter(prefix + "rx_bytes")).append(" B, tx ")
                .append(counter(prefix + "tx_packets")).append(" frames ").append(counter(prefix + "tx_bytes")).append(" B, drops");
            s.append(drops(prefix + "drop/"));
            lines.add(s.toString());
            lines.add("nve run:     socket: rx " + p.xskRxFrames() + " tx " + p.xskTxFrames() + " completed " + p.txCompleted() + " tx_ring_full "
                + p.txRingFull() + " kicks " + p.txKicks() + " (repeated " + p.txKicksRepeated() + ", errors " + p.txKickErrors() + ") rx_wakeups "
                + p.rxWakeups());
            final XskStatistics st = p.statistics();
            lines.add("nve run:     XDP_STATISTICS: " + (st == null ? "unavailable" : "rx_dropped " + st.rxDropped() + " rx_invalid_descs "
                + st.rxInvalidDescs() + " tx_invalid_descs " + st.txInvalidDescs() + " rx_ring_full " + st.rxRingFull() + " rx_fill_ring_empty_descs "
                + st.rxFillRingEmptyDescs() + " tx_ring_empty_descs " + st.txRingEmptyDescs()));
            final StringBuilder xdp = new StringBuilder("nve run:     XDP program:");
            if (p.xdpCounters() == null)
            {
                xdp.append(" unavailable");
            }
            else
            {
                for (final XdpCounter c : XdpCounter.values())
                {
                    xdp.append(' ').append(c.name().toLowerCase(Locale.ROOT)).append(' ').append(p.xdpCounters()[c.index()]);
                }
            }
            lines.add(xdp.toString());
            lines.add("nve run:     frames at stop: " + p.accounting());
            if (p.copies() != null)
            {
                lines.add("nve run:     own UMEM (" + p.copies().reason() + "): copied in " + p.copies().in() + " out " + p.copies().out() + ", no frame to send "
                    + p.copies().noFrame() + ", oversize " + p.copies().oversize());
            }
        }
        final StringBuilder stages = new StringBuilder("nve run:   stages:");
        for (final Map.Entry<String, Long> e : counters.entrySet())
        {
            if (e.getKey().startsWith("stage/") && e.getKey().endsWith("/packets"))
            {
                final String stage = e.getKey().substring("stage/".length(), e.getKey().length() - "/packets".length());
                stages.append(' ').append(stage).append(' ').append(e.getValue());
                final String d = drops("stage/" + stage + "/drop/");
                if (!d.equals(" none"))
                {
                    stages.append(" (drops").append(d).append(')');
                }
                stages.append(',');
            }
        }
        stages.setLength(stages.length() - 1);
        lines.add(stages.toString());
        lines.add("nve run:   UMEM: " + poolAvailable + " of " + poolCapacity + " frames back in the pool after close; worker errors " + workerErrors
            + "; idle " + idle);
        if (problems.isEmpty())
        {
            lines.add("nve run: clean shutdown: XDP detached from " + String.join(", ", detached) + ", sockets closed, UMEM released");
        }
        else
        {
            for (final String problem : problems)
            {
                lines.add("nve run: PROBLEM: " + problem);
            }
        }
        return lines;
    }

    private String drops(final String prefix)
    {
        final StringBuilder s = new StringBuilder();
        for (final Map.Entry<String, Long> e : counters.entrySet())
        {
            if (e.getKey().startsWith(prefix) && e.getValue() != 0)
            {
                s.append(' ').append(e.getKey().substring(prefix.length())).append(' ').append(e.getValue());
            }
        }
        return s.isEmpty() ? " none" : s.toString();
    }
}
