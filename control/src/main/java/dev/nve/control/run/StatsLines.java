package dev.nve.control.run;

import dev.nve.xdp.XskStatistics;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The stats lines of {@code nve run --stats-interval}: per port frames received and sent
 * (totals and rates since the previous line), drops, and the kernel's XDP_STATISTICS.
 */
final class StatsLines
{
    private Map<String, Long> previousStats = Map.of();
    private long previousStatsNanos;

    /** The line for now; the rates are since the previous call. */
    String next(final long startedNanos, final Map<String, Long> snapshot, final List<AfXdpDataplane.RunPort> ports, final long workerErrors)
    {
        final long now = System.nanoTime();
        final double seconds = startedNanos == 0 ? 0 : (now - startedNanos) / 1e9;
        final double interval = previousStatsNanos == 0 ? seconds : (now - previousStatsNanos) / 1e9;
        final StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "nve run: stats %.1f s:", seconds));
        for (final AfXdpDataplane.RunPort p : ports)
        {
            final String prefix = "port/" + p.name() + "/";
            final long rx = snapshot.getOrDefault(prefix + "rx_packets", 0L);
            final long tx = snapshot.getOrDefault(prefix + "tx_packets", 0L);
            final long drops = sumPrefix(snapshot, prefix + "drop/");
            final long rxRate = rate(rx, previousStats.getOrDefault(prefix + "rx_packets", 0L), interval);
            final long txRate = rate(tx, previousStats.getOrDefault(prefix + "tx_packets", 0L), interval);
            s.append(' ').append(p.name()).append(" rx ").append(rx).append(" (").append(rxRate).append("/s) tx ").append(tx).append(" (")
                .append(txRate).append("/s) drop ").append(drops);
            try
            {
                final XskStatistics st = p.port().statistics();
                s.append(" rx_ring_full ").append(st.rxRingFull()).append(" fill_ring_empty ").append(st.rxFillRingEmptyDescs())
                    .append(" rx_dropped ").append(st.rxDropped());
            }
            catch (final RuntimeException e)
            {
                s.append(" (XDP_STATISTICS: ").append(e.getMessage()).append(')');
            }
            s.append(" |");
        }
        s.setLength(s.length() - 2);
        if (workerErrors > 0)
        {
            s.append(" | worker errors ").append(workerErrors);
        }
        previousStats = snapshot;
        previousStatsNanos = now;
        return s.toString();
    }

    private static long rate(final long now, final long before, final double seconds)
    {
        return seconds <= 0 ? 0 : Math.round((now - before) / seconds);
    }

    static long sumPrefix(final Map<String, Long> snapshot, final String prefix)
    {
        long sum = 0;
        for (final Map.Entry<String, Long> e : snapshot.entrySet())
        {
            if (e.getKey().startsWith(prefix))
            {
                sum += e.getValue();
            }
        }
        return sum;
    }
}
