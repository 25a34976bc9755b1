package dev.nve.dataplane.table;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A seqlock over one off-heap slot: a 32-bit sequence (native order) at {@code at}, odd while
 * the single writer changes the slot's fields. Readers load the fields between
 * {@link #readBegin} and {@link #readValid} and retry when the latter says no. Shared by the
 * tables whose workers read slot by slot while the control thread writes.
 */
final class SlotSeqlock
{
    private static final VarHandle SEQUENCE = ValueLayout.JAVA_INT.varHandle();

    private SlotSeqlock()
    {
    }

    /** Writer: makes the sequence odd before the fields change; pass the result to {@link #endWrite}. */
    static int beginWrite(final MemorySegment segment, final long at)
    {
        final int sequence = segment.get(ValueLayout.JAVA_INT, at);
        SEQUENCE.setOpaque(segment, at, sequence + 1);
        VarHandle.storeStoreFence();
        return sequence;
    }

    /** Writer: publishes the fields (release) with the next even sequence. */
    static void endWrite(final MemorySegment segment, final long at, final int sequence)
    {
        SEQUENCE.setRelease(segment, at, sequence + 2);
    }

    /** Reader: the sequence before the fields are loaded. */
    static int readBegin(final MemorySegment segment, final long at)
    {
        return (int)SEQUENCE.getAcquire(segment, at);
    }

    /** Reader: true when the fields loaded since {@link #readBegin} returned {@code before} are one write's. */
    static boolean readValid(final MemorySegment segment, final long at, final int before)
    {
        VarHandle.loadLoadFence();
        return (before & 1) == 0 && (int)SEQUENCE.getAcquire(segment, at) == before;
    }
}
