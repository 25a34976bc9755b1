package dev.nve.control.run;

import dev.nve.dataplane.worker.IdleStrategies;
import dev.nve.xdp.XdpAttachMode;
import dev.nve.xdp.XskBindMode;

import java.util.Locale;
import java.util.Objects;

/**
 * Settings of {@code nve run} besides the host config.
 *
 * @param idle            idle strategy (see {@link IdleStrategies})
 * @param xdpMode         native, generic or AUTO (native, else generic, reported)
 * @param bindMode        zero-copy, copy or AUTO (the kernel's choice, reported)
 * @param frames          UMEM frames, shared by every port
 * @param frameSize       UMEM frame size (a power of two, 2048..65536)
 * @param batch           frames per batch
 * @param cpu             CPU to pin the worker to, or -1
 * @param durationSeconds stop after this long; 0 runs until SIGINT/SIGTERM
 * @param statsSeconds    period of the stats line; 0 prints none
 * @param busyPollMicros  SO_BUSY_POLL with SO_PREFER_BUSY_POLL on every socket; 0 off
 * @param umem            one UMEM for all ports, or own UMEMs with a copy (see {@link UmemSharing})
 */
public record RunOptions(String idle, XdpAttachMode xdpMode, XskBindMode bindMode, int frames, int frameSize, int batch, int cpu,
                         double durationSeconds, double statsSeconds, int busyPollMicros, UmemSharing umem)
{
    public static final String DEFAULT_IDLE = "poll:10";
    public static final int DEFAULT_FRAMES = 4096;
    public static final int DEFAULT_FRAME_SIZE = 4096;
    public static final int DEFAULT_BATCH = 64;
    public static final int MIN_FRAMES = 256;
    public static final int MAX_FRAMES = 1 << 18;
    public static final int MAX_BATCH = 1024;

    public RunOptions
    {
        Objects.requireNonNull(idle, "idle");
        Objects.requireNonNull(xdpMode, "xdpMode");
        Objects.requireNonNull(bindMode, "bindMode");
        Objects.requireNonNull(umem, "umem");
    }

    /** The defaults of the command line. */
    public static RunOptions defaults()
    {
        return new RunOptions(DEFAULT_IDLE, XdpAttachMode.AUTO, XskBindMode.AUTO, DEFAULT_FRAMES, DEFAULT_FRAME_SIZE, DEFAULT_BATCH, -1, 0, 0, 0, UmemSharing.AUTO);
    }

    public RunOptions withIdle(final String value)
    {
        return new RunOptions(value, xdpMode, bindMode, frames, frameSize, batch, cpu, durationSeconds, statsSeconds, busyPollMicros, umem);
    }

    public RunOptions withXdpMode(final XdpAttachMode value)
    {
        return new RunOptions(idle, value, bindMode, frames, frameSize, batch, cpu, durationSeconds, statsSeconds, busyPollMicros, umem);
    }

    public RunOptions withFrames(final int value)
    {
        return new RunOptions(idle, xdpMode, bindMode, value, frameSize, batch, cpu, durationSeconds, statsSeconds, busyPollMicros, umem);
    }

    public RunOptions withUmem(final UmemSharing value)
    {
        return new RunOptions(idle, xdpMode, bindMode, frames, frameSize, batch, cpu, durationSeconds, statsSeconds, busyPollMicros, value);
    }

    public RunOptions withCpu(final int value)
    {
        return new RunOptions(idle, xdpMode, bindMode, frames, frameSize, batch, value, durationSeconds, statsSeconds, busyPollMicros, umem);
    }

    /**
     * Checks the ranges and that {@code frames} is enough for {@code ports} ports (each keeps
     * frames on its fill ring and needs room for a batch in flight).
     *
     * @throws IllegalArgumentException naming the option.
     */
    public void validate(final int ports)
    {
        IdleStrategies.validate(idle);
        if (frames < MIN_FRAMES || frames > MAX_FRAMES)
        {
            throw new IllegalArgumentException("--frames " + frames + " out of range [" + MIN_FRAMES + ", " + MAX_FRAMES + "]");
        }
        if (Integer.bitCount(frameSize) != 1 || frameSize < 2048 || frameSize > 65536)
        {
            throw new IllegalArgumentException("frame size " + frameSize + " must be a power of two in [2048, 65536]");
        }
        if (batch < 1 || batch > MAX_BATCH)
        {
            throw new IllegalArgumentException("--batch " + batch + " out of range [1, " + MAX_BATCH + "]");
        }
        if (ports > 0 && frames < 4L * batch * ports)
        {
            throw new IllegalArgumentException("--frames " + frames + " too small for " + ports + " ports with --batch " + batch + " (need >= 4 x batch x ports = "
                + 4L * batch * ports + ")");
        }
        if (cpu < -1 || cpu >= 1024)
        {
            throw new IllegalArgumentException("--cpu " + cpu + " out of range [0, 1023]");
        }
        if (!(durationSeconds >= 0) || durationSeconds > 365 * 86400.0)
        {
            throw new IllegalArgumentException("--duration " + durationSeconds + " must be >= 0 seconds (0: until SIGINT/SIGTERM)");
        }
        if (!(statsSeconds >= 0) || statsSeconds > 86400.0)
        {
            throw new IllegalArgumentException("--stats-interval " + statsSeconds + " must be in [0, 86400] seconds (0: no stats lines)");
        }
        if (busyPollMicros < 0 || busyPollMicros > 1_000_000)
        {
            throw new IllegalArgumentException("--busy-poll " + busyPollMicros + " out of range [0, 1000000] microseconds");
        }
    }

    /** {@code auto}, {@code native} or {@code generic}. */
    public static XdpAttachMode parseXdpMode(final String text)
    {
        return switch (text == null ? "" : text.strip().toLowerCase(Locale.ROOT))
        {
            case "auto" -> XdpAttachMode.AUTO;
            case "native", "drv", "driver" -> XdpAttachMode.NATIVE;
            case "generic", "skb" -> XdpAttachMode.GENERIC;
            default -> throw new IllegalArgumentException("--xdp-mode \"" + text + "\": expected auto, native or generic");
        };
    }

    /** {@code auto}, {@code copy} or {@code zerocopy}. */
    public static XskBindMode parseBindMode(final String text)
    {
        return switch (text == null ? "" : text.strip().toLowerCase(Locale.ROOT))
        {
            case "auto" -> XskBindMode.AUTO;
            case "copy" -> XskBindMode.COPY;
            case "zerocopy", "zero-copy" -> XskBindMode.ZERO_COPY;
            default -> throw new IllegalArgumentException("--bind-mode \"" + text + "\": expected auto, copy or zerocopy");
        };
    }
}
