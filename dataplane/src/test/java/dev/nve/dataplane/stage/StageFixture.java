package dev.nve.dataplane.stage;

import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Tables of the standard host, frame memory and a batch, for driving one stage directly. */
final class StageFixture implements AutoCloseable
{
    final FrameMemory memory = FrameMemory.allocate(64);
    final FramePool pool = new FramePool(memory);
    final Tables tables = new Tables(new Tables.Sizes(16, 64, 16));
    final TableWriter writer = new TableWriter(tables);
    final Counters counters = new Counters(256);
    final PacketBatch batch = new PacketBatch(memory, 16);

    StageFixture(final TestHost.Addressing addressing, final boolean gbp, final String... extraLocalVteps)
    {
        TestHost.configureStandard(writer, addressing, gbp, 1500, extraLocalVteps);
    }

    StageCounters stageCounters(final String name)
    {
        return new StageCounters(counters, name);
    }

    int port(final String name)
    {
        return tables.ports().find(name);
    }

    /** Copies {@code frame} into a pool frame at its data start and appends it to the batch. */
    int add(final String port, final byte[] frame)
    {
        final long address = pool.allocate();
        MemorySegment.copy(frame, 0, memory.segment(), ValueLayout.JAVA_BYTE, address, frame.length);
        return batch.add(address, frame.length, port(port), 0);
    }

    byte[] bytes(final int i)
    {
        final byte[] out = new byte[batch.length[i]];
        MemorySegment.copy(memory.segment(), ValueLayout.JAVA_BYTE, batch.address[i], out, 0, out.length);
        return out;
    }

    void releaseAll()
    {
        for (int i = 0; i < batch.count(); i++)
        {
            pool.release(batch.address[i]);
        }
        batch.clear();
    }

    @Override
    public void close()
    {
        tables.close();
        memory.close();
    }
}
