package dev.nve.xdp;

import dev.nve.xdp.ffi.Errno;
import dev.nve.xdp.ffi.IfXdp;
import dev.nve.xdp.ffi.LibC;
import dev.nve.xdp.ffi.NativeException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * One AF_XDP socket over raw syscalls: {@code socket(AF_XDP, SOCK_RAW)}, UMEM registration
 * (or sharing), the four ring sizes, {@code XDP_MMAP_OFFSETS}, the four ring mappings and
 * {@code bind}. Setup only; the packet path is {@link AfXdpPort} over the rings.
 *
 * <p>Must be created on a thread in the interface's network namespace (the socket lives in
 * the namespace of its creator and binds by ifindex there).
 */
final class XskSocket implements AutoCloseable
{
    private static final long BIND_RETRY_SLEEP_MILLIS = 20;

    final int fd;
    final String context;
    final ProducerRing fill;
    final ConsumerRing completion;
    final ConsumerRing rx;
    final ProducerRing tx;
    final boolean zeroCopy;
    final boolean needWakeup;
    final boolean sharedUmem;
    final List<String> notes = new ArrayList<>();
    private final List<MemorySegment> mappings = new ArrayList<>();
    private boolean closed;

    private XskSocket(final Umem umem, final String interfaceName, final int ifindex, final int queue, final AfXdpPortConfig config)
    {
        this.context = "AF_XDP socket " + interfaceName + " queue " + queue;
        this.fd = LibC.socket(LibC.AF_XDP, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, 0, context);
        try (Arena arena = Arena.ofConfined())
        {
            final int sharedFd = umem.registeredFd();
            this.sharedUmem = sharedFd >= 0;
            if (!sharedUmem)
            {
                final MemorySegment reg = arena.allocate(IfXdp.UMEM_REG_SIZE, 8);
                reg.set(ValueLayout.JAVA_LONG, IfXdp.UMEM_REG_ADDR_OFFSET, umem.segment().address());
                reg.set(ValueLayout.JAVA_LONG, IfXdp.UMEM_REG_LEN_OFFSET, umem.segment().byteSize());
                reg.set(ValueLayout.JAVA_INT, IfXdp.UMEM_REG_CHUNK_SIZE_OFFSET, umem.frameSize());
                reg.set(ValueLayout.JAVA_INT, IfXdp.UMEM_REG_HEADROOM_OFFSET, umem.kernelHeadroom());
                reg.set(ValueLayout.JAVA_INT, IfXdp.UMEM_REG_FLAGS_OFFSET, 0);
                LibC.setsockopt(fd, LibC.SOL_XDP, IfXdp.XDP_UMEM_REG, reg, "XDP_UMEM_REG", context);
            }
            // Every socket gets its own fill and completion ring (also when sharing the UMEM
            // with a socket on another interface or queue, Linux >= 5.10).
            LibC.setsockopt(fd, LibC.SOL_XDP, IfXdp.XDP_UMEM_FILL_RING, config.fillRingSize(), "XDP_UMEM_FILL_RING", context);
            LibC.setsockopt(fd, LibC.SOL_XDP, IfXdp.XDP_UMEM_COMPLETION_RING, config.completionRingSize(), "XDP_UMEM_COMPLETION_RING", context);
            LibC.setsockopt(fd, LibC.SOL_XDP, IfXdp.XDP_RX_RING, config.rxRingSize(), "XDP_RX_RING", context);
            LibC.setsockopt(fd, LibC.SOL_XDP, IfXdp.XDP_TX_RING, config.txRingSize(), "XDP_TX_RING", context);

            final MemorySegment offsets = arena.allocate(IfXdp.MMAP_OFFSETS_SIZE, 8);
            final int length = LibC.getsockopt(fd, LibC.SOL_XDP, IfXdp.XDP_MMAP_OFFSETS, offsets, "XDP_MMAP_OFFSETS", context);
            if (length != IfXdp.MMAP_OFFSETS_SIZE)
            {
                throw new NativeException("getsockopt(XDP_MMAP_OFFSETS)", Errno.EINVAL, context,
                    "kernel returned " + length + " bytes, expected " + IfXdp.MMAP_OFFSETS_SIZE + " (kernel older than 5.4?)");
            }
            this.rx = new ConsumerRing("rx", map(offsets, IfXdp.MMAP_OFFSETS_RX, config.rxRingSize(), IfXdp.DESC_SIZE, IfXdp.XDP_PGOFF_RX_RING),
                offsets, IfXdp.MMAP_OFFSETS_RX, config.rxRingSize(), IfXdp.DESC_SIZE);
            this.tx = new ProducerRing("tx", map(offsets, IfXdp.MMAP_OFFSETS_TX, config.txRingSize(), IfXdp.DESC_SIZE, IfXdp.XDP_PGOFF_TX_RING),
                offsets, IfXdp.MMAP_OFFSETS_TX, config.txRingSize(), IfXdp.DESC_SIZE);
            this.fill = new ProducerRing("fill", map(offsets, IfXdp.MMAP_OFFSETS_FR, config.fillRingSize(), IfXdp.UMEM_ENTRY_SIZE,
                IfXdp.XDP_UMEM_PGOFF_FILL_RING), offsets, IfXdp.MMAP_OFFSETS_FR, config.fillRingSize(), IfXdp.UMEM_ENTRY_SIZE);
            this.completion = new ConsumerRing("completion", map(offsets, IfXdp.MMAP_OFFSETS_CR, config.completionRingSize(), IfXdp.UMEM_ENTRY_SIZE,
                IfXdp.XDP_UMEM_PGOFF_COMPLETION_RING), offsets, IfXdp.MMAP_OFFSETS_CR, config.completionRingSize(), IfXdp.UMEM_ENTRY_SIZE);

            this.needWakeup = config.needWakeup() && !sharedUmem;
            bind(arena, umem, interfaceName, ifindex, queue, config, sharedFd);
            final MemorySegment options = arena.allocate(IfXdp.OPTIONS_SIZE, 4);
            LibC.getsockopt(fd, LibC.SOL_XDP, IfXdp.XDP_OPTIONS, options, "XDP_OPTIONS", context);
            this.zeroCopy = (options.get(ValueLayout.JAVA_INT, 0) & IfXdp.XDP_OPTIONS_ZEROCOPY) != 0;
            if (config.bindMode() == XskBindMode.AUTO && !zeroCopy)
            {
                notes.add("zero-copy not available on " + interfaceName + " (driver or shared UMEM): copy mode");
            }
            if (!sharedUmem)
            {
                umem.registered(fd);
            }
            else if (config.needWakeup())
            {
                notes.add("shared UMEM: bind flags are inherited from the socket that registered the UMEM; this port kicks TX after every batch");
            }
            if (config.txBudget() > 0 && !zeroCopy)
            {
                final MemorySegment budget = arena.allocateFrom(ValueLayout.JAVA_INT, config.txBudget());
                final int errno = LibC.trySetsockopt(fd, LibC.SOL_XDP, IfXdp.XDP_MAX_TX_SKB_BUDGET, budget);
                if (errno != 0)
                {
                    notes.add("XDP_MAX_TX_SKB_BUDGET=" + config.txBudget() + " refused (" + Errno.describe(errno)
                        + "; Linux < 6.17): copy-mode TX sends at most 32 frames per wake-up");
                }
            }
            if (config.busyPollMicros() > 0)
            {
                setBusyPoll(arena, config);
            }
        }
        catch (final RuntimeException e)
        {
            close();
            throw e;
        }
    }

    static XskSocket open(final Umem umem, final String interfaceName, final int ifindex, final int queue, final AfXdpPortConfig config)
    {
        return new XskSocket(umem, interfaceName, ifindex, queue, config);
    }

    private MemorySegment map(final MemorySegment offsets, final long ringOffset, final int size, final int entrySize, final long pgoff)
    {
        final long length = RingMemory.mappingLength(offsets, ringOffset, size, entrySize);
        final MemorySegment mapping = LibC.mmap(length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED | LibC.MAP_POPULATE, fd, pgoff,
            context + " ring at pgoff 0x" + Long.toHexString(pgoff));
        mappings.add(mapping);
        return mapping;
    }

    private void bind(final Arena arena, final Umem umem, final String interfaceName, final int ifindex, final int queue, final AfXdpPortConfig config,
        final int sharedFd)
    {
        int flags;
        if (sharedFd >= 0)
        {
            // A socket sharing a UMEM may not pass COPY/ZEROCOPY/NEED_WAKEUP: it inherits them.
            flags = IfXdp.XDP_SHARED_UMEM;
        }
        else
        {
            flags = switch (config.bindMode())
            {
                case COPY -> IfXdp.XDP_COPY;
                case ZERO_COPY -> IfXdp.XDP_ZEROCOPY;
                case AUTO -> 0;
            };
            if (config.needWakeup())
            {
                flags |= IfXdp.XDP_USE_NEED_WAKEUP;
            }
        }
        final MemorySegment address = arena.allocate(IfXdp.SOCKADDR_XDP_SIZE, 4);
        address.set(ValueLayout.JAVA_SHORT, IfXdp.SXDP_FAMILY_OFFSET, (short)LibC.AF_XDP);
        address.set(ValueLayout.JAVA_SHORT, IfXdp.SXDP_FLAGS_OFFSET, (short)flags);
        address.set(ValueLayout.JAVA_INT, IfXdp.SXDP_IFINDEX_OFFSET, ifindex);
        address.set(ValueLayout.JAVA_INT, IfXdp.SXDP_QUEUE_ID_OFFSET, queue);
        address.set(ValueLayout.JAVA_INT, IfXdp.SXDP_SHARED_UMEM_FD_OFFSET, sharedFd >= 0 ? sharedFd : 0);
        // EBUSY right after a previous socket on this queue closed: it is torn down
        // asynchronously (RESULTS.md pitfall 4), so retry for a while.
        final long deadline = System.nanoTime() + config.bindRetryMillis() * 1_000_000L;
        int attempts = 0;
        while (true)
        {
            attempts++;
            final int errno = LibC.tryBind(fd, address);
            if (errno == 0)
            {
                if (attempts > 1)
                {
                    notes.add("bind succeeded after " + attempts + " attempts (EBUSY while a previous socket was torn down)");
                }
                return;
            }
            if (errno == Errno.EBUSY && System.nanoTime() < deadline)
            {
                sleep(BIND_RETRY_SLEEP_MILLIS);
                continue;
            }
            String hint = null;
            if (errno == Errno.EOPNOTSUPP && config.bindMode() == XskBindMode.ZERO_COPY)
            {
                hint = "the driver of " + interfaceName + " does not support zero-copy AF_XDP; use COPY or AUTO";
            }
            else if (errno == Errno.EBUSY)
            {
                hint = "queue " + queue + " of " + interfaceName + " still has a socket after " + attempts + " attempts";
            }
            else if (errno == Errno.EINVAL && sharedFd >= 0)
            {
                hint = "shared UMEM refused (the kernel needs >= 5.10 to share a UMEM across devices or queues)";
            }
            throw new NativeException("bind", errno, context + " flags 0x" + Integer.toHexString(flags), hint);
        }
    }

    private void setBusyPoll(final Arena arena, final AfXdpPortConfig config)
    {
        final int[][] options = {
            {LibC.SO_PREFER_BUSY_POLL, 1},
            {LibC.SO_BUSY_POLL, config.busyPollMicros()},
            {LibC.SO_BUSY_POLL_BUDGET, config.batchSize()}};
        final String[] names = {"SO_PREFER_BUSY_POLL", "SO_BUSY_POLL", "SO_BUSY_POLL_BUDGET"};
        for (int i = 0; i < options.length; i++)
        {
            final int errno = LibC.trySetsockopt(fd, LibC.SOL_SOCKET, options[i][0], arena.allocateFrom(ValueLayout.JAVA_INT, options[i][1]));
            if (errno != 0)
            {
                notes.add(names[i] + " refused: " + Errno.describe(errno) + "; busy polling off");
                return;
            }
        }
        notes.add("busy polling on: " + config.busyPollMicros() + " us, budget " + config.batchSize());
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retrying bind", e);
        }
    }

    /** The kernel's XDP_STATISTICS for this socket. */
    XskStatistics statistics()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment s = arena.allocate(IfXdp.STATISTICS_SIZE, 8);
            LibC.getsockopt(fd, LibC.SOL_XDP, IfXdp.XDP_STATISTICS, s, "XDP_STATISTICS", context);
            return new XskStatistics(s.get(ValueLayout.JAVA_LONG, IfXdp.STAT_RX_DROPPED), s.get(ValueLayout.JAVA_LONG, IfXdp.STAT_RX_INVALID_DESCS),
                s.get(ValueLayout.JAVA_LONG, IfXdp.STAT_TX_INVALID_DESCS), s.get(ValueLayout.JAVA_LONG, IfXdp.STAT_RX_RING_FULL),
                s.get(ValueLayout.JAVA_LONG, IfXdp.STAT_RX_FILL_RING_EMPTY_DESCS), s.get(ValueLayout.JAVA_LONG, IfXdp.STAT_TX_RING_EMPTY_DESCS));
        }
    }

    /** Unmaps the rings and closes the socket; the kernel then lets go of every frame it held. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        for (final MemorySegment mapping : mappings)
        {
            try
            {
                LibC.munmap(mapping, context);
            }
            catch (final NativeException e)
            {
                // nothing more can be done; the close below still releases the socket
            }
        }
        mappings.clear();
        LibC.close(fd);
    }
}
