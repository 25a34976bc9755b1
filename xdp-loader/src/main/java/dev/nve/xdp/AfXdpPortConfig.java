package dev.nve.xdp;

import java.util.Objects;

/**
 * Configuration of one {@link AfXdpPort}. Defaults (see {@link #builder(String)}): queue 0,
 * 4096 frames of 4096 bytes with 256 bytes headroom (16 MiB UMEM), RX and TX rings of 2048,
 * a fill ring twice the frame count (the kernel publishes its fill consumer lazily, so a ring
 * only as large as the frames can look full while the kernel holds them: RESULTS.md pitfall
 * 2a), a completion ring as large as the frame count, half the frames kept on the fill ring,
 * XDP and bind modes chosen automatically, need_wakeup on, copy-mode TX budget 64 frames per
 * wake-up (XDP_MAX_TX_SKB_BUDGET, pitfall 3).
 *
 * @param interfaceName   the device (looked up in the network namespace of the opening thread)
 * @param queue           rx/tx queue index of the device
 * @param portId          index in the worker's port table ({@code PacketBatch.inPort})
 * @param name            port name for counters and messages
 * @param frameCount      UMEM frames (only when the port allocates its own UMEM)
 * @param frameSize       UMEM frame size, a power of two in [2048, 65536]
 * @param headroom        bytes before each frame's data (>= 256)
 * @param rxRingSize      RX ring entries (power of two)
 * @param txRingSize      TX ring entries (power of two)
 * @param fillRingSize    fill ring entries (power of two)
 * @param completionRingSize completion ring entries (power of two, >= txRingSize)
 * @param fillTarget      frames the port keeps posted on the fill ring (0: half the pool; none for a port without XDP program)
 * @param batchSize       frames per refill/reap step and busy-poll budget
 * @param xdpMode         native, generic, or automatic with reported fallback
 * @param bindMode        zero-copy, copy, or automatic with reported fallback
 * @param needWakeup      bind with XDP_USE_NEED_WAKEUP and kick only when the kernel asks
 * @param txBudget        XDP_MAX_TX_SKB_BUDGET (copy-mode frames per sendto); 0 = kernel default (32)
 * @param busyPollMicros  SO_BUSY_POLL with SO_PREFER_BUSY_POLL; 0 = off
 * @param bindRetryMillis how long bind retries EBUSY (pitfall 4)
 * @param replaceForeignProgram whether attach may replace an XDP program that is not nve's
 */
public record AfXdpPortConfig(String interfaceName, int queue, int portId, String name, int frameCount, int frameSize, int headroom, int rxRingSize,
                              int txRingSize, int fillRingSize, int completionRingSize, int fillTarget, int batchSize, XdpAttachMode xdpMode,
                              XskBindMode bindMode, boolean needWakeup, int txBudget, int busyPollMicros, long bindRetryMillis,
                              boolean replaceForeignProgram)
{
    public AfXdpPortConfig
    {
        Objects.requireNonNull(interfaceName, "interfaceName");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(xdpMode, "xdpMode");
        Objects.requireNonNull(bindMode, "bindMode");
        for (final int size : new int[] {rxRingSize, txRingSize, fillRingSize, completionRingSize})
        {
            if (size <= 0 || Integer.bitCount(size) != 1)
            {
                throw new IllegalArgumentException("ring sizes must be powers of two: " + size);
            }
        }
        if (completionRingSize < txRingSize)
        {
            throw new IllegalArgumentException("completion ring (" + completionRingSize + ") smaller than TX ring (" + txRingSize + ")");
        }
        if (queue < 0 || portId < 0 || portId > Short.MAX_VALUE || batchSize <= 0 || fillTarget < 0 || txBudget < 0 || busyPollMicros < 0
            || bindRetryMillis < 0)
        {
            throw new IllegalArgumentException("negative or out-of-range setting in " + name);
        }
    }

    public static Builder builder(final String interfaceName)
    {
        return new Builder(interfaceName);
    }

    public Builder toBuilder()
    {
        return new Builder(interfaceName).queue(queue).portId(portId).name(name).frames(frameCount, frameSize, headroom)
            .rings(rxRingSize, txRingSize, fillRingSize, completionRingSize).fillTarget(fillTarget).batchSize(batchSize).xdpMode(xdpMode)
            .bindMode(bindMode).needWakeup(needWakeup).txBudget(txBudget).busyPollMicros(busyPollMicros).bindRetryMillis(bindRetryMillis)
            .replaceForeignProgram(replaceForeignProgram);
    }

    /** Mutable builder with the defaults described on {@link AfXdpPortConfig}. */
    public static final class Builder
    {
        private final String interfaceName;
        private int queue;
        private int portId;
        private String name;
        private int frameCount = 4096;
        private int frameSize = 4096;
        private int headroom = 256;
        private int rxRingSize = 2048;
        private int txRingSize = 2048;
        private int fillRingSize;
        private int completionRingSize;
        private int fillTarget;
        private int batchSize = 64;
        private XdpAttachMode xdpMode = XdpAttachMode.AUTO;
        private XskBindMode bindMode = XskBindMode.AUTO;
        private boolean needWakeup = true;
        private int txBudget = 64;
        private int busyPollMicros;
        private long bindRetryMillis = 2000;
        private boolean replaceForeignProgram;

        private Builder(final String interfaceName)
        {
            this.interfaceName = interfaceName;
        }

        public Builder queue(final int value)
        {
            queue = value;
            return this;
        }

        public Builder portId(final int value)
        {
            portId = value;
            return this;
        }

        public Builder name(final String value)
        {
            name = value;
            return this;
        }

        public Builder frames(final int count, final int size, final int headroomBytes)
        {
            frameCount = count;
            frameSize = size;
            headroom = headroomBytes;
            return this;
        }

        /** Ring sizes; 0 for fill or completion keeps their defaults (2x frames, frames). */
        public Builder rings(final int rx, final int tx, final int fillRing, final int completionRing)
        {
            rxRingSize = rx;
            txRingSize = tx;
            fillRingSize = fillRing;
            completionRingSize = completionRing;
            return this;
        }

        public Builder fillTarget(final int value)
        {
            fillTarget = value;
            return this;
        }

        public Builder batchSize(final int value)
        {
            batchSize = value;
            return this;
        }

        public Builder xdpMode(final XdpAttachMode value)
        {
            xdpMode = value;
            return this;
        }

        public Builder bindMode(final XskBindMode value)
        {
            bindMode = value;
            return this;
        }

        public Builder needWakeup(final boolean value)
        {
            needWakeup = value;
            return this;
        }

        public Builder txBudget(final int value)
        {
            txBudget = value;
            return this;
        }

        public Builder busyPollMicros(final int value)
        {
            busyPollMicros = value;
            return this;
        }

        public Builder bindRetryMillis(final long value)
        {
            bindRetryMillis = value;
            return this;
        }

        public Builder replaceForeignProgram(final boolean value)
        {
            replaceForeignProgram = value;
            return this;
        }

        public AfXdpPortConfig build()
        {
            final int fill = fillRingSize > 0 ? fillRingSize : Math.max(rxRingSize, ceilPowerOfTwo(2L * frameCount));
            final int completion = completionRingSize > 0 ? completionRingSize : Math.max(txRingSize, ceilPowerOfTwo(frameCount));
            return new AfXdpPortConfig(interfaceName, queue, portId, name != null ? name : interfaceName + "/" + queue, frameCount, frameSize,
                headroom, rxRingSize, txRingSize, fill, completion, fillTarget, batchSize, xdpMode, bindMode, needWakeup, txBudget, busyPollMicros,
                bindRetryMillis, replaceForeignProgram);
        }

        private static int ceilPowerOfTwo(final long n)
        {
            if (n > (1 << 30))
            {
                throw new IllegalArgumentException("too many frames: " + n);
            }
            return n <= 1 ? 1 : Integer.highestOneBit((int)n - 1) << 1;
        }
    }
}
