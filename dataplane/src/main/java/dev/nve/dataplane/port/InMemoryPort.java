package dev.nve.dataplane.port;

import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A port for tests: frames are offered as heap arrays and transmitted frames are collected as
 * heap arrays, so a test states input and expected output as bytes. Receive copies into pool
 * frames exactly like {@link PcapPort} (oversize frames counted and skipped, never cut);
 * transmit copies each frame out and returns it to the pool. Allocates freely: tests only.
 */
public final class InMemoryPort implements Port
{
    private final int id;
    private final String name;
    private final FramePool pool;
    private final MemorySegment segment;
    private final int maxFrameLength;
    private final ArrayDeque<Pending> input = new ArrayDeque<>();
    private final List<byte[]> transmitted = new ArrayList<>();
    private final List<Long> transmittedTimestamps = new ArrayList<>();

    private long rxFrames;
    private long txFrames;
    private long rxOversize;

    public InMemoryPort(final int id, final String name, final FramePool pool)
    {
        this.id = id;
        this.name = Objects.requireNonNull(name, "name");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.segment = pool.memory().segment();
        this.maxFrameLength = pool.memory().maxFrameLength();
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

    /** Queues a copy of {@code frame} for receive with timestamp 0. */
    public void offer(final byte[] frame)
    {
        offer(0, frame);
    }

    /** Queues a copy of {@code frame} for receive. */
    public void offer(final long timestampNanos, final byte[] frame)
    {
        input.add(new Pending(timestampNanos, frame.clone()));
    }

    @Override
    public int receive(final PacketBatch batch)
    {
        int received = 0;
        while (!input.isEmpty() && !batch.isFull())
        {
            final Pending pending = input.peek();
            final byte[] frame = pending.frame();
            if (frame.length > maxFrameLength)
            {
                rxOversize++;
                input.poll();
                continue;
            }
            final long address = pool.allocate();
            if (address < 0)
            {
                break;
            }
            MemorySegment.copy(frame, 0, segment, ValueLayout.JAVA_BYTE, address, frame.length);
            batch.add(address, frame.length, id, pending.timestampNanos());
            input.poll();
            received++;
        }
        rxFrames += received;
        return received;
    }

    @Override
    public int transmit(final PacketBatch batch, final int[] indices, final int count)
    {
        final MemorySegment frames = batch.segment();
        for (int k = 0; k < count; k++)
        {
            final int i = indices[k];
            final byte[] copy = new byte[batch.length[i]];
            MemorySegment.copy(frames, ValueLayout.JAVA_BYTE, batch.address[i], copy, 0, copy.length);
            transmitted.add(copy);
            transmittedTimestamps.add(batch.timestampNanos[i]);
            pool.release(batch.address[i]);
        }
        txFrames += count;
        return count;
    }

    /** Frames offered and not yet received or skipped. */
    public int pending()
    {
        return input.size();
    }

    public boolean hasPendingInput()
    {
        return !input.isEmpty();
    }

    /** Frames transmitted since the last {@link #takeTransmitted()}, in order (read-only view). */
    public List<byte[]> transmitted()
    {
        return Collections.unmodifiableList(transmitted);
    }

    /** Timestamps of {@link #transmitted()}, index for index. */
    public List<Long> transmittedTimestamps()
    {
        return Collections.unmodifiableList(transmittedTimestamps);
    }

    /** Returns the frames transmitted so far and forgets them (and their timestamps). */
    public List<byte[]> takeTransmitted()
    {
        final List<byte[]> taken = new ArrayList<>(transmitted);
        transmitted.clear();
        transmittedTimestamps.clear();
        return taken;
    }

    public long rxFrames()
    {
        return rxFrames;
    }

    public long txFrames()
    {
        return txFrames;
    }

    /** Offered frames longer than {@code FrameMemory.maxFrameLength()}, skipped. */
    public long rxOversize()
    {
        return rxOversize;
    }

    private record Pending(long timestampNanos, byte[] frame)
    {
    }
}
