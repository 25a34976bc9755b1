package dev.nve.dataplane.table;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Grace periods for table entries a worker may still hold (quiescent-state based
 * reclamation). Each worker has a {@link Slot} whose counter it makes odd when it starts a
 * batch and even when it ends one; whatever a worker reads from the tables it uses within that
 * batch only. The control thread retires an entry (an encapsulation template that no FDB entry
 * or flood list points to any more) with a {@link #snapshot()} taken after unpublishing it;
 * the entry may be reused once {@link #passed} says every worker was outside a batch then, or
 * has finished the batch it was in.
 *
 * <p>Without this, a worker that looked up a template index just before the control thread
 * released it could send a frame with the headers of whatever VTEP reuses the slot. Cost on
 * the packet path: two stores and a fence per batch.
 */
public final class WorkerEpochs
{
    private final List<Slot> slots = new CopyOnWriteArrayList<>();

    /** One worker's batch counter. */
    public static final class Slot
    {
        private static final VarHandle COUNTER;

        static
        {
            try
            {
                COUNTER = MethodHandles.lookup().findVarHandle(Slot.class, "counter", long.class);
            }
            catch (final ReflectiveOperationException e)
            {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused")
        private long counter;
        private final int index;

        private Slot(final int index)
        {
            this.index = index;
        }

        /** The worker's number, 0, 1, ... in registration order. */
        public int index()
        {
            return index;
        }

        /** Worker: a batch starts; from here on it may hold table entries. */
        public void enter()
        {
            COUNTER.setRelease(this, (long)COUNTER.getOpaque(this) + 1);
            // the batch's lookups must not be reordered above the odd store (pairs with snapshot())
            VarHandle.fullFence();
        }

        /** Worker: the batch is done; it holds nothing any more. */
        public void exit()
        {
            COUNTER.setRelease(this, (long)COUNTER.getOpaque(this) + 1);
        }

        long read()
        {
            return (long)COUNTER.getAcquire(this);
        }
    }

    /** Registers a worker (before it starts). */
    public synchronized Slot register()
    {
        final Slot slot = new Slot(slots.size());
        slots.add(slot);
        return slot;
    }

    /** Control thread: the workers' counters now, taken after an entry was unpublished. */
    public long[] snapshot()
    {
        // pairs with the fence in Slot.enter(): our unpublishing store is visible before we read
        VarHandle.fullFence();
        final List<Slot> now = slots;
        final long[] s = new long[now.size()];
        for (int i = 0; i < s.length; i++)
        {
            s[i] = now.get(i).read();
        }
        return s;
    }

    /** True when every worker of the snapshot was outside a batch then, or has left that batch. */
    public boolean passed(final long[] snapshot)
    {
        for (int i = 0; i < snapshot.length; i++)
        {
            if ((snapshot[i] & 1) != 0 && slots.get(i).read() == snapshot[i])
            {
                return false;
            }
        }
        return true;
    }

    public int workers()
    {
        return slots.size();
    }
}
