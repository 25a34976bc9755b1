package dev.nve.dataplane.disruptor;

/** Work a thread does when it has nothing else to do (flush ports, return frames). */
@FunctionalInterface
public interface IdleWork
{
    /** @return the amount of work done (0 when there was nothing to do). */
    int doIdleWork();
}
