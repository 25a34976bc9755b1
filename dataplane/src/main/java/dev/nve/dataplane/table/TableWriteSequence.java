package dev.nve.dataplane.table;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A table-wide seqlock, beside the per-slot ones: odd while the one writer changes a slot, so
 * that a batch of readers can check once that no write overlapped its lookups ({@link #begin},
 * then {@link #unchanged}) instead of checking every slot, and redo them slot by slot if one did.
 */
final class TableWriteSequence
{
    private static final VarHandle WRITES;

    static
    {
        try
        {
            WRITES = MethodHandles.lookup().findVarHandle(TableWriteSequence.class, "writes", long.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused")
    private volatile long writes;

    /** The sequence before a batch of reads. */
    long begin()
    {
        return (long)WRITES.getAcquire(this);
    }

    /** True when no write started or finished since {@code begin}. */
    boolean unchanged(final long begin)
    {
        VarHandle.loadLoadFence();
        return (begin & 1) == 0 && (long)WRITES.getAcquire(this) == begin;
    }

    /** The writer, before it changes a slot: the sequence becomes odd. Returns the value to pass to {@link #endWrite}. */
    long startWrite()
    {
        final long before = (long)WRITES.getOpaque(this);
        WRITES.setOpaque(this, before + 1);
        return before;
    }

    /** The writer, after the slot's release store: even again, published with release semantics. */
    void endWrite(final long before)
    {
        WRITES.setRelease(this, before + 2);
    }
}
