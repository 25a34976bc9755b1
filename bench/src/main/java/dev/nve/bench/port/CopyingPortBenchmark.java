package dev.nve.bench.port;

import dev.nve.bench.pipeline.LoopbackPort;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.port.CopyingPort;
import dev.nve.dataplane.port.Port;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * What a port on its own UMEM costs per frame ({@code nve run --umem per-port}): a batch of 64
 * frames received through a {@link CopyingPort} (copied into the worker's memory) and sent
 * back out through it (copied into the port's memory), against the same port used directly.
 * The inner port is a {@link LoopbackPort} (no I/O), so the score is the copy and the
 * bookkeeping. One operation is one frame, received and sent. Check with {@code -prof gc}
 * that the copy path allocates nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CopyingPortBenchmark
{
    static final int BATCH = 64;

    /** Frame length: a minimal frame, an encapsulated one, a full Ethernet frame. */
    @Param({"64", "114", "1514"})
    public int length;

    /** direct: the port on the worker's memory; copy: through a CopyingPort. */
    @Param({"direct", "copy"})
    public String path;

    private FrameMemory workerMemory;
    private FrameMemory portMemory;
    private Port port;
    private PacketBatch batch;
    private final int[] indices = new int[BATCH];

    @Setup
    public void setUp()
    {
        workerMemory = FrameMemory.allocate(1024);
        portMemory = FrameMemory.allocate(1024);
        final FramePool workerPool = new FramePool(workerMemory);
        final byte[] frame = new byte[length];
        for (int i = 0; i < length; i++)
        {
            frame[i] = (byte)i;
        }
        if (path.equals("copy"))
        {
            final FramePool portPool = new FramePool(portMemory);
            LoopbackPort.stamp(portMemory, frame);
            port = new CopyingPort(new LoopbackPort(0, "c1", portPool, length, 0), portPool, workerPool, BATCH);
        }
        else
        {
            LoopbackPort.stamp(workerMemory, frame);
            port = new LoopbackPort(0, "c1", workerPool, length, 0);
        }
        batch = new PacketBatch(workerMemory, BATCH);
        for (int i = 0; i < BATCH; i++)
        {
            indices[i] = i;
        }
    }

    @TearDown
    public void tearDown()
    {
        workerMemory.close();
        portMemory.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int receiveAndSend()
    {
        batch.clear();
        final int n = port.receive(batch);
        return port.transmit(batch, indices, n);
    }
}
