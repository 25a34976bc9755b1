package dev.nve.xdp;

import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.port.Port;
import dev.nve.xdp.ffi.Errno;
import dev.nve.xdp.ffi.LibC;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A {@link Port} over one AF_XDP socket (one queue of one interface). Frames live in a
 * {@link Umem}; the UMEM's {@link FramePool} is the free list the port takes receive buffers
 * from and gives completed transmissions back to, and the pool the worker's stages use.
 *
 * <p>Packet path (one worker thread; no allocation, no locks, no exceptions; the only calls
 * into C are the TX wake-up {@code sendto} and, when the kernel asks for it, the RX wake-up
 * {@code recvfrom}):
 * <ul>
 *   <li>{@link #receive}: reaps completions, tops the fill ring up to {@code fillTarget} from
 *       the pool, then moves RX descriptors into the batch (address = descriptor address, an
 *       offset into the UMEM, i.e. into {@code FrameMemory.segment()}; length = descriptor
 *       length), one release store for the whole batch;</li>
 *   <li>{@link #transmit}: puts descriptors on the TX ring (frames that do not fit are
 *       returned to the pool and counted in {@link #txRingFull()}), one release store, then a
 *       wake-up only when descriptors were queued and the kernel wants one (need_wakeup) —
 *       never just because the TX ring looks non-empty (RESULTS.md pitfall 2b);</li>
 *   <li>{@link #flush}: reaps completions into the pool and repeats a wake-up that the kernel
 *       answered with EAGAIN/EBUSY/ENOBUFS (copy mode sends at most the TX budget per call).</li>
 * </ul>
 *
 * <p>Frame accounting: the UMEM's owner map records which frames this port's kernel rings
 * hold; {@link #frameAccounting()} splits them by ring and {@link #checkFrameAccounting()}
 * proves the counts agree. {@link #close()} gives every frame the kernel held back to the pool.
 *
 * <p>Setup (the {@code open} methods) must run on a thread in the interface's network
 * namespace; the packet methods may then run on any one thread.
 */
public final class AfXdpPort implements Port
{
    private final AfXdpPortConfig config;
    private final int id;
    private final String name;
    private final int queue;
    private final Umem umem;
    private final boolean ownsUmem;
    private final XdpProgram program;
    private final boolean ownsProgram;
    private final XskSocket socket;
    private final FrameMemory frames;
    private final FramePool pool;
    private final byte[] owner;
    private final short[] ownerPort;
    private final ProducerRing fill;
    private final ConsumerRing completion;
    private final ConsumerRing rx;
    private final ProducerRing tx;
    private final int fillTarget;
    private final int reapBatch;
    private final boolean kickOnlyOnWakeup;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment callState;
    private final MemorySegment pollFd;
    private final List<String> notes = new ArrayList<>();

    private int rxOutstanding;
    private int txOutstanding;
    private boolean kickPending;
    private boolean closed;

    private long rxFrames;
    private long rxBytes;
    private long txFrames;
    private long txCompleted;
    private long txRingFull;
    private long txKicks;
    private long txKicksRepeated;
    private long txKickErrors;
    private int lastKickErrno;
    private long rxWakeups;
    private long rxInvalid;
    private long txInvalid;
    private long completionInvalid;
    private long releaseRefused;

    private AfXdpPort(final AfXdpPortConfig config, final Umem umem, final boolean ownsUmem, final XdpProgram program, final boolean ownsProgram)
    {
        this(config, umem, ownsUmem, program, ownsProgram, true);
    }

    private AfXdpPort(final AfXdpPortConfig config, final Umem umem, final boolean ownsUmem, final XdpProgram program, final boolean ownsProgram,
        final boolean fillNow)
    {
        this.config = config;
        this.id = config.portId();
        this.name = config.name();
        this.queue = config.queue();
        this.umem = umem;
        this.ownsUmem = ownsUmem;
        this.program = program;
        this.ownsProgram = ownsProgram;
        this.frames = umem.frames();
        this.pool = umem.pool();
        this.owner = umem.owner;
        this.ownerPort = umem.ownerPort;
        final int ifindex = program != null ? program.ifindex() : LibC.ifNameToIndex(config.interfaceName());
        this.socket = XskSocket.open(umem, config.interfaceName(), ifindex, queue, config);
        this.fill = socket.fill;
        this.completion = socket.completion;
        this.rx = socket.rx;
        this.tx = socket.tx;
        // fillTarget 0: half the pool, or nothing for a port without a program (transmit only:
        // no XSKMAP entry, nothing can arrive)
        final int target = config.fillTarget() > 0 ? config.fillTarget() : program == null ? 0 : pool.capacity() / 2;
        this.fillTarget = Math.min(target, config.fillRingSize());
        this.reapBatch = completion.size();
        // Shared-UMEM sockets inherit the first socket's flags: kick after every batch there.
        this.kickOnlyOnWakeup = socket.needWakeup;
        this.callState = LibC.allocateCallState(arena);
        this.pollFd = arena.allocate(LibC.POLLFD_SIZE, 4);
        pollFd.set(ValueLayout.JAVA_INT, LibC.POLLFD_FD_OFFSET, socket.fd);
        pollFd.set(ValueLayout.JAVA_SHORT, LibC.POLLFD_EVENTS_OFFSET, LibC.POLLIN);
        if (program != null)
        {
            if (program.fallbackReason() != null)
            {
                notes.add(program.fallbackReason());
            }
            if (program.replacedProgram() != null)
            {
                notes.add("replaced stale XDP program " + program.replacedProgram());
            }
        }
        notes.addAll(socket.notes);
        try
        {
            if (fillNow)
            {
                refill();
            }
            if (program != null)
            {
                program.registerSocket(queue, socket.fd);
            }
        }
        catch (final RuntimeException e)
        {
            socket.close();
            reclaimFrames();
            arena.close();
            throw e;
        }
    }

    /**
     * Opens a port that owns its UMEM ({@code config.frameCount()} frames) and its XDP
     * program: loads and attaches the program to {@code config.interfaceName()} (replacing a
     * stale nve program), creates and binds the socket and registers it for the queue. The
     * program steers nothing until told (see {@link #program()}: {@code steerAll},
     * {@code addVtep}, {@code addIlaLocator}). Call on a thread in the interface's namespace.
     */
    public static AfXdpPort open(final AfXdpPortConfig config)
    {
        final Umem umem = Umem.allocate(config.frameCount(), config.frameSize(), config.headroom());
        XdpProgram program = null;
        try
        {
            program = XdpProgram.load(config.interfaceName());
            program.attach(config.xdpMode(), config.replaceForeignProgram());
            return new AfXdpPort(config, umem, true, program, true);
        }
        catch (final RuntimeException e)
        {
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
            umem.close();
            throw e;
        }
    }

    /**
     * Opens a port on a UMEM and an attached XDP program owned by the caller (several ports of
     * one worker share one UMEM: the second and later sockets bind with XDP_SHARED_UMEM).
     * {@code program} may be null for a transmit-only port. Closing the port leaves both open.
     */
    public static AfXdpPort open(final AfXdpPortConfig config, final Umem umem, final XdpProgram program)
    {
        Objects.requireNonNull(umem, "umem");
        if (program != null && !program.interfaceName().equals(config.interfaceName()))
        {
            throw new IllegalArgumentException("program is for " + program.interfaceName() + ", port for " + config.interfaceName());
        }
        return new AfXdpPort(config, umem, false, program, false);
    }

    /**
     * Like {@link #open(AfXdpPortConfig, Umem, XdpProgram)}, but leaves the UMEM's pool alone:
     * for a port added while a worker runs on that UMEM (the pool is the worker's). The fill
     * ring stays empty until the worker's first {@link #receive}; switch the steering on after
     * the worker has the port. Closing the port leaves the UMEM and the program open.
     */
    public static AfXdpPort openForRunningWorker(final AfXdpPortConfig config, final Umem umem, final XdpProgram program)
    {
        Objects.requireNonNull(umem, "umem");
        if (program != null && !program.interfaceName().equals(config.interfaceName()))
        {
            throw new IllegalArgumentException("program is for " + program.interfaceName() + ", port for " + config.interfaceName());
        }
        return new AfXdpPort(config, umem, false, program, false, false);
    }

    @Override
    public int id()
    {
        return id;
    }

    @Override
    public String name()
    {
        return name;
    }

    public AfXdpPortConfig config()
    {
        return config;
    }

    public Umem umem()
    {
        return umem;
    }

    /** The UMEM's pool: the free list the worker's stages must use with this port. */
    public FramePool pool()
    {
        return pool;
    }

    /** The XDP program steering traffic to this port's queue, or null. */
    public XdpProgram program()
    {
        return program;
    }

    /** The socket's file descriptor (for poll sets of a worker with several ports). */
    public int fd()
    {
        return socket.fd;
    }

    public int queue()
    {
        return queue;
    }

    public boolean zeroCopy()
    {
        return socket.zeroCopy;
    }

    public boolean needWakeup()
    {
        return socket.needWakeup;
    }

    public boolean sharedUmem()
    {
        return socket.sharedUmem;
    }

    /** XDP mode of the program, or null for a port without one. */
    public XdpAttachMode xdpMode()
    {
        return program == null ? null : program.attachedMode();
    }

    /** E.g. {@code "generic XDP, copy mode, need_wakeup"}. */
    public String modeDescription()
    {
        final XdpAttachMode mode = xdpMode();
        return (mode == null ? "no XDP program" : mode.name().toLowerCase(java.util.Locale.ROOT) + " XDP") + ", "
            + (socket.zeroCopy ? "zero-copy" : "copy mode") + (socket.needWakeup ? ", need_wakeup" : "") + (socket.sharedUmem ? ", shared UMEM" : "");
    }

    /** What a port ended up as, for reports and logs. */
    public record Summary(String name, String interfaceName, int queue, XdpAttachMode xdpMode, boolean zeroCopy, boolean needWakeup,
                          boolean sharedUmem, List<String> notes)
    {
    }

    public Summary summary()
    {
        return new Summary(name, config.interfaceName(), queue, xdpMode(), socket.zeroCopy, socket.needWakeup, socket.sharedUmem, List.copyOf(notes));
    }

    /** Fallbacks and refusals during setup (automatic modes, stale program, TX budget, busy poll). */
    public List<String> notes()
    {
        return Collections.unmodifiableList(notes);
    }

    // ------------------------------------------------------------------------------------------
    // packet path

    @Override
    public int receive(final PacketBatch batch)
    {
        checkMemory(batch);
        reapCompletions();
        refill();
        final int room = batch.capacity() - batch.count();
        if (room == 0)
        {
            return 0;
        }
        final int n = rx.peek(room);
        if (n == 0)
        {
            if (socket.needWakeup && fill.needsWakeup())
            {
                rxWakeup();
            }
            return 0;
        }
        final long now = System.nanoTime();
        int accepted = 0;
        long bytes = 0;
        for (int i = 0; i < n; i++)
        {
            final long address = rx.descriptorAddress(i);
            final int length = rx.descriptorLength(i);
            final int frame = frames.frameIndex(address);
            if (frame < 0 || frame >= owner.length || owner[frame] != Umem.KERNEL_RX || ownerPort[frame] != id)
            {
                rxInvalid++;
                continue;
            }
            owner[frame] = Umem.USER;
            batch.add(address, length, id, now);
            bytes += length;
            accepted++;
        }
        rx.release(n);
        rxOutstanding -= accepted;
        rxFrames += accepted;
        rxBytes += bytes;
        return accepted;
    }

    @Override
    public int transmit(final PacketBatch batch, final int[] indices, final int count)
    {
        checkMemory(batch);
        if (count <= 0)
        {
            return 0;
        }
        int free = tx.free(count);
        if (free < count)
        {
            reapCompletions();
            if (kickPending)
            {
                kick();
            }
            free = tx.free(count);
        }
        final int fit = Math.min(count, free);
        final long frameSize = frames.frameSize();
        int queued = 0;
        for (int k = 0; k < fit; k++)
        {
            final int i = indices[k];
            final long address = batch.address[i];
            final int length = batch.length[i];
            final int frame = frames.frameIndex(address);
            if (frame < 0 || frame >= owner.length || owner[frame] != Umem.USER)
            {
                // not a frame of this UMEM, or one a kernel ring already holds: a caller bug;
                // leave it alone rather than corrupt the rings
                txInvalid++;
                continue;
            }
            if (length <= 0 || (address & (frameSize - 1)) + length > frameSize)
            {
                txInvalid++;
                release(address);
                continue;
            }
            owner[frame] = Umem.KERNEL_TX;
            ownerPort[frame] = (short)id;
            tx.putDescriptor(address, length, 0);
            queued++;
        }
        for (int k = fit; k < count; k++)
        {
            release(batch.address[indices[k]]);
        }
        txRingFull += count - fit;
        if (queued > 0)
        {
            tx.submit();
            txOutstanding += queued;
            txFrames += queued;
            if (!kickOnlyOnWakeup || tx.needsWakeup())
            {
                kick();
            }
        }
        return queued;
    }

    @Override
    public FrameMemory memory()
    {
        return frames;
    }

    @Override
    public int flush()
    {
        final int completed = reapCompletions();
        if (kickPending)
        {
            kick();
        }
        return completed;
    }

    /**
     * Sleeps in {@code poll(2)} until the RX ring has frames or {@code timeoutMillis} passes
     * (for idle strategies that yield the CPU).
     *
     * @return true when the socket is readable.
     */
    @Override
    public boolean awaitReadable(final int timeoutMillis)
    {
        pollFd.set(ValueLayout.JAVA_SHORT, LibC.POLLFD_REVENTS_OFFSET, (short)0);
        final int rc = LibC.poll(callState, pollFd, 1, timeoutMillis);
        return rc > 0 && (pollFd.get(ValueLayout.JAVA_SHORT, LibC.POLLFD_REVENTS_OFFSET) & LibC.POLLIN) != 0;
    }

    /**
     * All ports of a worker share one frame memory (the UMEM): a batch over any other memory
     * is a wiring bug, found on the first call (addresses are offsets, so they would silently
     * alias frames of the UMEM).
     */
    private void checkMemory(final PacketBatch batch)
    {
        if (batch.memory() != frames)
        {
            throw new IllegalArgumentException("batch is over another frame memory than the UMEM of port " + name
                + ": the worker's batches and pools must use AfXdpPort.umem().frames() / pool()");
        }
    }

    /** Largest frame the port can receive or send: frame size minus headroom (no multi-buffer). */
    public int maxFrameLength()
    {
        return frames.maxFrameLength();
    }

    private int reapCompletions()
    {
        final int n = completion.peek(reapBatch);
        if (n == 0)
        {
            return 0;
        }
        int completed = 0;
        for (int i = 0; i < n; i++)
        {
            final long address = completion.address(i);
            final int frame = frames.frameIndex(address);
            if (frame < 0 || frame >= owner.length || owner[frame] != Umem.KERNEL_TX || ownerPort[frame] != id)
            {
                completionInvalid++;
                continue;
            }
            owner[frame] = Umem.USER;
            release(address);
            completed++;
        }
        completion.release(n);
        txOutstanding -= completed;
        txCompleted += completed;
        return completed;
    }

    private void refill()
    {
        final int deficit = fillTarget - rxOutstanding;
        if (deficit <= 0)
        {
            return;
        }
        final int n = Math.min(Math.min(deficit, fill.free(deficit)), pool.available());
        for (int i = 0; i < n; i++)
        {
            final long address = pool.allocate();
            final int frame = frames.frameIndex(address);
            owner[frame] = Umem.KERNEL_RX;
            ownerPort[frame] = (short)id;
            fill.putAddress(frames.frameBase(frame));
        }
        if (n > 0)
        {
            fill.submit();
            rxOutstanding += n;
        }
    }

    private void release(final long address)
    {
        if (!pool.release(address))
        {
            releaseRefused++;
        }
    }

    private void kick()
    {
        txKicks++;
        final long rc = LibC.sendto(callState, socket.fd, MemorySegment.NULL, 0, LibC.MSG_DONTWAIT, MemorySegment.NULL, 0);
        if (rc >= 0)
        {
            kickPending = false;
            return;
        }
        final int errno = LibC.errno(callState);
        if (errno == Errno.EAGAIN || errno == Errno.EBUSY || errno == Errno.ENOBUFS || errno == Errno.EINTR)
        {
            // the kernel stopped at its budget or ran out of room: there is more to send
            kickPending = true;
            txKicksRepeated++;
        }
        else
        {
            kickPending = false;
            txKickErrors++;
            lastKickErrno = errno;
        }
    }

    private void rxWakeup()
    {
        rxWakeups++;
        LibC.recvfrom(callState, socket.fd, MemorySegment.NULL, 0, LibC.MSG_DONTWAIT, MemorySegment.NULL, MemorySegment.NULL);
    }

    // ------------------------------------------------------------------------------------------
    // accounting and counters

    /** Where this port's frames are now (see {@link FrameAccounting}). Not for the packet path. */
    public FrameAccounting frameAccounting()
    {
        // downstream rings first: a frame moving on between the reads is then counted as
        // "in the kernel", never twice
        final int rxRing = Math.min(rx.ready(), rxOutstanding);
        final int fillRing = Math.min(fill.pending(), rxOutstanding - rxRing);
        final int completionRing = Math.min(completion.ready(), txOutstanding);
        final int txRing = Math.min(tx.pending(), txOutstanding - completionRing);
        final int total = pool.capacity();
        final int free = pool.available();
        return new FrameAccounting(total, free, fillRing, rxOutstanding - rxRing - fillRing, rxRing,
            total - free - rxOutstanding - txOutstanding, txRing, txOutstanding - txRing - completionRing, completionRing);
    }

    /**
     * Checks the frame accounting: the frames the UMEM's owner map assigns to this port's
     * receive and transmit rings match the port's counts, no frame is both free and held by a
     * kernel ring, and the places add up to the pool.
     *
     * @return the accounting snapshot.
     * @throws IllegalStateException naming the mismatch.
     */
    public FrameAccounting checkFrameAccounting()
    {
        final FrameAccounting a = frameAccounting();
        final int ownedRx = umem.countOwned(Umem.KERNEL_RX, id);
        final int ownedTx = umem.countOwned(Umem.KERNEL_TX, id);
        final int kernelAll = umem.countOwned(Umem.KERNEL_RX, -1) + umem.countOwned(Umem.KERNEL_TX, -1);
        final StringBuilder problems = new StringBuilder();
        if (ownedRx != rxOutstanding)
        {
            problems.append(" receive side: owner map ").append(ownedRx).append(" != count ").append(rxOutstanding).append(';');
        }
        if (ownedTx != txOutstanding)
        {
            problems.append(" transmit side: owner map ").append(ownedTx).append(" != count ").append(txOutstanding).append(';');
        }
        if (a.free() + kernelAll > a.total())
        {
            problems.append(" free (").append(a.free()).append(") + held by kernel rings (").append(kernelAll).append(") > total (")
                .append(a.total()).append("): a frame is free and in a ring;");
        }
        if (!a.balanced())
        {
            problems.append(" places do not add up: ").append(a).append(';');
        }
        if (rxInvalid + completionInvalid + releaseRefused != 0)
        {
            problems.append(" invalid descriptors rx ").append(rxInvalid).append(" completion ").append(completionInvalid).append(", refused releases ")
                .append(releaseRefused).append(';');
        }
        if (!problems.isEmpty())
        {
            throw new IllegalStateException("frame accounting of " + name + " broken:" + problems + " " + a);
        }
        return a;
    }

    /** The kernel's XDP_STATISTICS for this socket. */
    public XskStatistics statistics()
    {
        return socket.statistics();
    }

    /** Frames posted on the fill ring and not yet received. */
    public int rxOutstanding()
    {
        return rxOutstanding;
    }

    /** Frames on the TX ring or in flight and not yet completed. */
    public int txOutstanding()
    {
        return txOutstanding;
    }

    public long rxFrames()
    {
        return rxFrames;
    }

    public long rxBytes()
    {
        return rxBytes;
    }

    /** Frames queued on the TX ring. */
    public long txFrames()
    {
        return txFrames;
    }

    /** Frames the kernel reported sent (completion ring). */
    public long txCompleted()
    {
        return txCompleted;
    }

    /** Frames given to {@link #transmit} that did not fit the TX ring (returned to the pool). */
    public long txRingFull()
    {
        return txRingFull;
    }

    /** TX wake-ups ({@code sendto}). */
    public long txKicks()
    {
        return txKicks;
    }

    /** Wake-ups answered with EAGAIN/EBUSY/ENOBUFS (repeated on the next flush). */
    public long txKicksRepeated()
    {
        return txKicksRepeated;
    }

    /** Wake-ups that failed otherwise (device down, unbound); see {@link #lastKickErrno()}. */
    public long txKickErrors()
    {
        return txKickErrors;
    }

    public int lastKickErrno()
    {
        return lastKickErrno;
    }

    /** RX wake-ups ({@code recvfrom}) because the fill ring needed one. */
    public long rxWakeups()
    {
        return rxWakeups;
    }

    /** RX descriptors naming a frame this port had not posted (skipped). */
    public long rxInvalid()
    {
        return rxInvalid;
    }

    /** Frames given to transmit that were not transmittable (foreign, held by a ring, bad length). */
    public long txInvalid()
    {
        return txInvalid;
    }

    /** Completion entries naming a frame this port had not sent (skipped). */
    public long completionInvalid()
    {
        return completionInvalid;
    }

    /**
     * Waits (bounded) until every transmitted frame has completed, waking the kernel as
     * needed; for shutdown and tests.
     *
     * @return true when nothing is left in flight.
     */
    public boolean drainTransmit(final long timeoutMillis)
    {
        final long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (txOutstanding > 0 && System.nanoTime() < deadline)
        {
            if (flush() == 0)
            {
                if (tx.pending() > 0)
                {
                    kick();
                }
                Thread.onSpinWait();
            }
        }
        return txOutstanding == 0;
    }

    /**
     * Stops steering to this queue, detaches and frees an owned XDP program (RESULTS.md
     * pitfall 6: nothing is left attached), closes the socket and gives every frame its
     * kernel rings held back to the pool; then unmaps an owned UMEM.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        if (program != null)
        {
            try
            {
                program.unregisterSocket(queue);
            }
            catch (final RuntimeException e)
            {
                failure = e;
            }
            if (ownsProgram)
            {
                try
                {
                    program.close();
                }
                catch (final RuntimeException e)
                {
                    failure = addTo(failure, e);
                }
            }
        }
        if (umem.registeredFd() == socket.fd)
        {
            // sockets still sharing the UMEM keep it registered in the kernel; a port opened
            // later registers it again on its own socket instead of naming a closed fd
            umem.registered(-1);
        }
        socket.close();
        reclaimFrames();
        arena.close();
        if (ownsUmem)
        {
            umem.close();
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    /** After the socket is closed: every frame its rings held goes back to the pool. */
    private void reclaimFrames()
    {
        for (int frame = 0; frame < owner.length; frame++)
        {
            if (owner[frame] != Umem.USER && ownerPort[frame] == id)
            {
                owner[frame] = Umem.USER;
                release(frames.frameBase(frame));
            }
        }
        rxOutstanding = 0;
        txOutstanding = 0;
    }

    private static RuntimeException addTo(final RuntimeException first, final RuntimeException next)
    {
        if (first == null)
        {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    @Override
    public String toString()
    {
        return "AfXdpPort[" + name + " " + config.interfaceName() + " queue " + queue + ", " + modeDescription() + "]";
    }
}
