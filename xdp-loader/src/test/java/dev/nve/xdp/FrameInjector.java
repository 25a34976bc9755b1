package dev.nve.xdp;

import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Sends hand-made frames (any VLAN stack, fragments, truncated headers) out of an interface
 * through a transmit-only {@link AfXdpPort}: its own small UMEM, no XDP program. Must be
 * created and used on one thread in the interface's namespace.
 */
final class FrameInjector implements AutoCloseable
{
    private final Umem umem;
    private final AfXdpPort port;

    FrameInjector(final String interfaceName)
    {
        this.umem = Umem.allocate(256);
        try
        {
            this.port = AfXdpPort.open(AfXdpPortConfig.builder(interfaceName).name("injector").rings(64, 64, 0, 0).fillTarget(1).build(), umem, null);
        }
        catch (final RuntimeException e)
        {
            umem.close();
            throw e;
        }
    }

    /** Transmits {@code frames} in order and waits (bounded) until the kernel completed them. */
    void send(final List<byte[]> frames)
    {
        final FramePool pool = umem.pool();
        final PacketBatch batch = new PacketBatch(umem.frames(), 64);
        final int[] all = new int[64];
        for (int i = 0; i < all.length; i++)
        {
            all[i] = i;
        }
        int next = 0;
        while (next < frames.size())
        {
            batch.clear();
            while (next < frames.size() && !batch.isFull())
            {
                final byte[] f = frames.get(next++);
                final long address = pool.allocate();
                if (address < 0)
                {
                    throw new IllegalStateException("injector pool empty");
                }
                MemorySegment.copy(f, 0, umem.segment(), ValueLayout.JAVA_BYTE, address, f.length);
                batch.add(address, f.length, 0, 0);
            }
            final int sent = port.transmit(batch, all, batch.count());
            if (sent != batch.count())
            {
                throw new IllegalStateException("injector sent " + sent + " of " + batch.count());
            }
            if (!port.drainTransmit(5000))
            {
                throw new IllegalStateException("injector did not complete: " + port.frameAccounting());
            }
        }
    }

    @Override
    public void close()
    {
        try
        {
            port.close();
        }
        finally
        {
            umem.close();
        }
    }
}
