package dev.nve.control.gen;

import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.xdp.AfXdpPort;
import dev.nve.xdp.AfXdpPortConfig;
import dev.nve.xdp.Umem;
import dev.nve.xdp.ffi.LibC;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * AF_XDP transmit-only traffic generator: an {@link AfXdpPort} without XDP program (nothing is
 * steered to it, it only sends) on its own UMEM, copy mode on veth, need_wakeup, batches of
 * {@code batch} frames. Each frame is taken from the pool, the next flow's pre-built frame is
 * copied into it (at most 110 bytes), and the batch goes to the TX ring with one wake-up;
 * completions return the frames. "Sent" counts completions, i.e. frames the kernel took
 * through its transmit path (whether the peer accepted them is only visible at the peer).
 *
 * <p>Bounded: stops at {@code duration} or after {@code count} frames (0 = duration only),
 * whichever comes first, then waits at most 500 ms for outstanding completions.
 */
public final class TrafficGenerator
{
    /** Result of a run. */
    public record Totals(long queued, long sent, double seconds, long txRingFull, long kicks, long kickErrors, int lastKickErrno, String port)
    {
        public double pps()
        {
            return seconds > 0 ? sent / seconds : 0;
        }
    }

    public record Settings(String interfaceName, int queue, byte[][] frames, double durationSeconds, long count, int batch, int txBudget, int cpu,
                           boolean perSecond, String label)
    {
    }

    private static final int FRAMES = 4096;
    private static final int FRAME_SIZE = 2048;
    private static final int TX_RING = 2048;

    private TrafficGenerator()
    {
    }

    /** Runs on the calling thread, which must be in the interface's (non-root) network namespace. */
    public static Totals run(final Settings s, final PrintStream out, final BooleanSupplier stopRequested)
    {
        final String refusal = NetnsCheck.refusal();
        if (refusal != null)
        {
            throw new RefusedException(refusal);
        }
        if (s.cpu() >= 0)
        {
            LibC.pinCurrentThread(s.cpu());
        }
        final AfXdpPortConfig config = AfXdpPortConfig.builder(s.interfaceName()).queue(s.queue()).name("gen").frames(FRAMES, FRAME_SIZE, 256)
            .rings(64, TX_RING, 0, 0).batchSize(s.batch()).txBudget(s.txBudget()).build();
        final Umem umem = Umem.allocate(FRAMES, FRAME_SIZE, 256);
        try (AfXdpPort port = AfXdpPort.open(config, umem, null))
        {
            return loop(s, port, umem, out, stopRequested);
        }
        finally
        {
            umem.close();
        }
    }

    private static Totals loop(final Settings s, final AfXdpPort port, final Umem umem, final PrintStream out, final BooleanSupplier stopRequested)
    {
        final FramePool pool = umem.pool();
        final FrameMemory memory = umem.frames();
        final MemorySegment segment = memory.segment();
        final byte[][] frames = s.frames();
        final int flows = frames.length;
        final PacketBatch batch = new PacketBatch(memory, s.batch());
        final int[] indices = new int[s.batch()];
        for (int i = 0; i < indices.length; i++)
        {
            indices[i] = i;
        }
        final long limit = s.count() > 0 ? s.count() : Long.MAX_VALUE;
        final long start = System.nanoTime();
        final long end = start + (long)(s.durationSeconds() * 1e9);
        long now = start;
        long lastReport = start;
        long lastSent = 0;
        long queued = 0;
        int flow = 0;
        int iteration = 0;
        boolean sending = true;
        while (true)
        {
            port.flush();
            if (sending)
            {
                final int room = TX_RING - port.txOutstanding();
                final int n = (int)Math.min(Math.min(s.batch(), room), Math.min(pool.available(), limit - queued));
                if (n > 0)
                {
                    batch.clear();
                    for (int i = 0; i < n; i++)
                    {
                        final long address = pool.allocate();
                        final byte[] frame = frames[flow];
                        MemorySegment.copy(frame, 0, segment, ValueLayout.JAVA_BYTE, address, frame.length);
                        batch.add(address, frame.length, 0, 0L);
                        if (++flow == flows)
                        {
                            flow = 0;
                        }
                    }
                    queued += port.transmit(batch, indices, n);
                }
                if (queued >= limit)
                {
                    sending = false;
                }
            }
            if ((++iteration & 63) == 0 || !sending)
            {
                now = System.nanoTime();
                if (s.perSecond() && now - lastReport >= 1_000_000_000L)
                {
                    final long sent = port.txCompleted();
                    out.printf(Locale.ROOT, "gen: %5.1f s %10.0f pps%n", (now - start) / 1e9, (sent - lastSent) * 1e9 / (now - lastReport));
                    lastReport = now;
                    lastSent = sent;
                }
                if (now >= end || stopRequested.getAsBoolean())
                {
                    sending = false;
                }
                if (!sending)
                {
                    break;
                }
            }
        }
        final long stop = Math.min(System.nanoTime(), end);
        port.drainTransmit(500);
        final double seconds = (stop - start) / 1e9;
        return new Totals(queued, port.txCompleted(), seconds, port.txRingFull(), port.txKicks(), port.txKickErrors(), port.lastKickErrno(),
            port.toString());
    }

    /** The namespace check failed: nothing was opened or sent. */
    public static final class RefusedException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        RefusedException(final String message)
        {
            super(message);
        }
    }
}
