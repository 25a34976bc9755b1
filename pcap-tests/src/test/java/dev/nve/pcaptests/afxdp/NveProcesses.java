package dev.nve.pcaptests.afxdp;

import dev.nve.pcaptests.interop.Netns;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * What the namespaced tests share for driving the {@code nve} launcher: its command line (no
 * build, no package installs: the test run built everything), {@code nve ctl} against a
 * control socket, the java process under a launcher started in the background, and bounded
 * waits for a condition.
 */
final class NveProcesses
{
    /** How long a condition may take to hold (routes to travel, a session to come up). */
    static final Duration WAIT = Duration.ofSeconds(30);

    private NveProcesses()
    {
    }

    /** A condition checked by {@link #await}. */
    interface Check
    {
        boolean holds() throws IOException, InterruptedException;
    }

    /** {@code env NVE_NO_BUILD=1 NVE_SKIP_PACKAGES=1 JAVA_HOME=... ROOT/nve ARGS...}. */
    static List<String> launcher(final Path root, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("env", "NVE_NO_BUILD=1", "NVE_SKIP_PACKAGES=1", "JAVA_HOME=" + System.getProperty("java.home"),
            root.resolve("nve").toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** {@code nve ctl --socket SOCKET ARGS...} from the root namespace (the socket is a file). */
    static Netns.Result ctl(final Path root, final Path socket, final String... args) throws IOException, InterruptedException
    {
        final List<String> command = launcher(root, "ctl", "--socket", socket.toString());
        command.addAll(List.of(args));
        return Netns.host(Duration.ofSeconds(60), command.toArray(String[]::new));
    }

    /** The java process a launcher started in the background runs (to signal it as a user would). */
    static ProcessHandle javaOf(final Netns.Background background)
    {
        return ProcessHandle.of(background.pid()).stream().flatMap(ProcessHandle::descendants)
            .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false)).findFirst().orElseThrow();
    }

    /** Waits up to {@link #WAIT} for {@code check}, polling every 200 ms; fails the test naming {@code what}. */
    static void await(final String what, final Check check) throws IOException, InterruptedException
    {
        await(what, check, () -> "");
    }

    /** {@link #await(String, Check)}; a failure adds what {@code context} says then (e.g. a peer's log). */
    static void await(final String what, final Check check, final Supplier<String> context) throws IOException, InterruptedException
    {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline)
        {
            if (check.holds())
            {
                return;
            }
            Thread.sleep(200);
        }
        fail("not within " + WAIT.toSeconds() + " s: " + what + context.get());
    }
}
