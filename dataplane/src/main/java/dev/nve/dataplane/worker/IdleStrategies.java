package dev.nve.dataplane.worker;

import dev.nve.dataplane.port.Port;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.Locale;

/**
 * Idle strategies by name, for configuration and the command line:
 * <table>
 *   <caption>forms</caption>
 *   <tr><td>{@code busy-spin}</td><td>never leaves the CPU ({@code Thread.onSpinWait}): a dedicated core, lowest latency</td></tr>
 *   <tr><td>{@code yield}</td><td>{@code Thread.yield()} when idle</td></tr>
 *   <tr><td>{@code backoff}</td><td>Agrona's default backoff: 10 spins, 5 yields, then parks of 1 us doubling up to 1 ms</td></tr>
 *   <tr><td>{@code sleep:<micros>}</td><td>parks {@code micros} (1..1000000) every idle round</td></tr>
 *   <tr><td>{@code poll:<millis>[:<rounds>]}</td><td>{@link PollIdleStrategy}: after {@code rounds} idle rounds
 *       (default 200, three quarters spinning, the rest yielding) sleeps in the ports' wait (AF_XDP: {@code poll(2)}) for at most
 *       {@code millis} (1..1000); ports that cannot wait make it park 100 us instead</td></tr>
 * </table>
 */
public final class IdleStrategies
{
    public static final String FORMS = "busy-spin, yield, backoff, sleep:<micros>, poll:<millis>[:<idle-rounds>]";

    private IdleStrategies()
    {
    }

    /** Parses {@code spec}; {@code poll} gets a waiter that cannot block (it parks). */
    public static IdleStrategy parse(final String spec)
    {
        return parse(spec, ReadinessWaiter.NONE);
    }

    /** Parses {@code spec}; {@code poll} sleeps in {@link Port#awaitReadable} of {@code ports}. */
    public static IdleStrategy parse(final String spec, final Port... ports)
    {
        return parse(spec, ReadinessWaiter.of(ports));
    }

    /**
     * Parses {@code spec} (see the class comment).
     *
     * @throws IllegalArgumentException naming the accepted forms.
     */
    public static IdleStrategy parse(final String spec, final ReadinessWaiter waiter)
    {
        if (spec == null)
        {
            throw invalid("null");
        }
        final String s = spec.strip().toLowerCase(Locale.ROOT);
        final int colon = s.indexOf(':');
        final String name = colon < 0 ? s : s.substring(0, colon);
        final String argument = colon < 0 ? null : s.substring(colon + 1);
        switch (name)
        {
            case "busy-spin":
            case "yield":
            case "backoff":
                if (argument != null)
                {
                    throw invalid(spec);
                }
                return switch (name)
                {
                    case "busy-spin" -> new BusySpinIdleStrategy();
                    case "yield" -> new YieldingIdleStrategy();
                    default -> new BackoffIdleStrategy();
                };
            case "sleep":
            {
                final long micros = number(argument, 1, 1_000_000, spec);
                return new SleepingIdleStrategy(micros * 1000L);
            }
            case "poll":
            {
                if (argument == null)
                {
                    throw invalid(spec);
                }
                final int second = argument.indexOf(':');
                final int millis = (int)number(second < 0 ? argument : argument.substring(0, second), 1, 1000, spec);
                final int rounds = second < 0 ? PollIdleStrategy.DEFAULT_IDLE_ROUNDS : (int)number(argument.substring(second + 1), 0, 1_000_000, spec);
                return new PollIdleStrategy(waiter, millis, rounds, PollIdleStrategy.DEFAULT_PARK_NANOS);
            }
            default:
                throw invalid(spec);
        }
    }

    /** Checks {@code spec} without keeping the strategy. */
    public static void validate(final String spec)
    {
        parse(spec);
    }

    private static long number(final String text, final long min, final long max, final String spec)
    {
        if (text == null || text.isEmpty() || text.length() > 9 || !text.chars().allMatch(c -> c >= '0' && c <= '9'))
        {
            throw invalid(spec);
        }
        final long value = Long.parseLong(text);
        if (value < min || value > max)
        {
            throw new IllegalArgumentException("idle strategy \"" + spec + "\": " + value + " out of range [" + min + ", " + max + "]");
        }
        return value;
    }

    private static IllegalArgumentException invalid(final String spec)
    {
        return new IllegalArgumentException("unknown idle strategy \"" + spec + "\" (expected one of: " + FORMS + ")");
    }
}
