package dev.nve.control.ops;

import java.util.ArrayDeque;

/**
 * What a request changed, as the steps that put it back: each mutating operation records the
 * inverse of its change (computed from the state before it) after the change succeeded. A
 * request or batch that fails part-way runs them newest first, so every table is as it was.
 * An inverse only restores an entry that existed a moment ago, so it finds the room it needs.
 */
final class Undo
{
    @FunctionalInterface
    interface Step
    {
        void run();
    }

    private final ArrayDeque<Step> steps = new ArrayDeque<>();
    /** True inside a batch: an operation that cannot be undone must then change nothing. */
    boolean inBatch;

    void record(final Step step)
    {
        steps.push(step);
    }

    /** Runs the recorded inverses, newest first; problems are added to {@code failure}. */
    void rollBack(final Exception failure)
    {
        while (!steps.isEmpty())
        {
            try
            {
                steps.pop().run();
            }
            catch (final RuntimeException e)
            {
                failure.addSuppressed(e);
            }
        }
    }
}
