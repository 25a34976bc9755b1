package dev.nve.pcaptests.interop;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Network namespaces for interop tests, owned by one test: created with a unique prefix
 * ({@code nvek-<pid>-<n>-<role>}), commands run inside them with a timeout, background
 * processes (receivers, tcpdump) started and tracked, and {@link #close()} kills exactly the
 * processes this instance started (by their handles, never by name) and deletes exactly the
 * namespaces it created. Every background command is also wrapped in coreutils
 * {@code timeout}, so nothing outlives its bound even if the JVM dies before {@code close()}.
 * <p>
 * Traffic stays inside these namespaces; callers use only 198.18.0.0/15, 198.19.0.0/16,
 * fd00::/8 and 2001:db8::/32 (docs: DESIGN.md, "Addresses for tests and demos").
 */
public final class Netns implements AutoCloseable
{
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final Set<Netns> OPEN = Collections.synchronizedSet(new LinkedHashSet<>());
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration KILL_GRACE = Duration.ofSeconds(2);
    private static List<String> python;

    static
    {
        // A test JVM stopped by a signal still removes its namespaces.
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            for (final Netns netns : List.copyOf(OPEN))
            {
                netns.close();
            }
        }, "netns-cleanup"));
    }

    /** What a command did: exit code (-1 when killed on timeout), its output, and whether it timed out. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr, boolean timedOut)
    {
        public boolean ok()
        {
            return exitCode == 0 && !timedOut;
        }

        public String describe()
        {
            return abbreviate(command) + (timedOut ? " timed out" : " exited " + exitCode) +
                (stdout.isBlank() ? "" : "\n  stdout: " + stdout.strip()) + (stderr.isBlank() ? "" : "\n  stderr: " + stderr.strip());
        }
    }

    /** A process started in the background, its output going to files. */
    public final class Background
    {
        private final List<String> command;
        private final Process process;
        private final Path stdout;
        private final Path stderr;

        private Background(final List<String> command, final Process process, final Path stdout, final Path stderr)
        {
            this.command = command;
            this.process = process;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        public long pid()
        {
            return process.pid();
        }

        public String stdout()
        {
            return read(stdout);
        }

        public String stderr()
        {
            return read(stderr);
        }

        /**
         * Waits until {@code marker} appears in stdout or stderr (e.g. "READY", tcpdump's
         * "listening on"). Fails if the process ends first or the time runs out.
         */
        public void awaitOutput(final String marker, final Duration timeout) throws InterruptedException
        {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline)
            {
                if (stdout().contains(marker) || stderr().contains(marker))
                {
                    return;
                }
                if (!process.isAlive())
                {
                    fail("background command ended before printing \"" + marker + "\": " + describe());
                }
                Thread.sleep(10);
            }
            fail("no \"" + marker + "\" within " + timeout.toMillis() + " ms from: " + describe());
        }

        /** Waits for the process to end on its own; fails (and kills it) after {@code timeout}. */
        public int awaitExit(final Duration timeout) throws InterruptedException
        {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
            {
                stop();
                fail("background command did not finish within " + timeout.toMillis() + " ms: " + describe());
            }
            return process.exitValue();
        }

        /** Ends the process (SIGTERM, then SIGKILL after a grace period) and its descendants. */
        public void stop()
        {
            Netns.stop(process);
        }

        public String describe()
        {
            return abbreviate(command) + (process.isAlive() ? " (running)" : " (exit " + process.exitValue() + ")") +
                "\n  stdout: " + stdout().strip() + "\n  stderr: " + stderr().strip();
        }
    }

    private final String prefix;
    private final Map<String, String> namespaces = new LinkedHashMap<>();
    private final List<Process> started = Collections.synchronizedList(new ArrayList<>());
    private final Path scratch;
    private boolean closed;

    private Netns(final String prefix, final Path scratch)
    {
        this.prefix = prefix;
        this.scratch = scratch;
    }

    /**
     * Creates one namespace per role (e.g. "a", "k"), each with its loopback up. On any
     * failure the namespaces created so far are deleted again.
     */
    public static Netns create(final String... roles) throws IOException, InterruptedException
    {
        final String prefix = "nvek-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
        final Netns netns = new Netns(prefix, Files.createTempDirectory(prefix + "-"));
        OPEN.add(netns);
        boolean done = false;
        try
        {
            for (final String role : roles)
            {
                if (!role.matches("[a-z0-9]{1,8}"))
                {
                    throw new IllegalArgumentException("role must be 1-8 of [a-z0-9]: " + role);
                }
                final String name = prefix + "-" + role;
                requireOk(host(SETUP_TIMEOUT, "ip", "netns", "add", name));
                netns.namespaces.put(role, name);
                netns.runOk(role, "ip", "link", "set", "lo", "up");
            }
            done = true;
            return netns;
        }
        finally
        {
            if (!done)
            {
                netns.close();
            }
        }
    }

    /** The namespace name of {@code role}. */
    public String name(final String role)
    {
        final String name = namespaces.get(role);
        if (name == null)
        {
            throw new IllegalArgumentException("no namespace for role " + role + " (have " + namespaces.keySet() + ")");
        }
        return name;
    }

    public String prefix()
    {
        return prefix;
    }

    /** Runs {@code command} inside the namespace of {@code role}. */
    public Result run(final String role, final Duration timeout, final String... command) throws IOException, InterruptedException
    {
        return host(timeout, inNamespace(role, command));
    }

    /** Runs {@code command} inside the namespace with the setup timeout; fails unless it exits 0. */
    public Result runOk(final String role, final String... command) throws IOException, InterruptedException
    {
        return requireOk(run(role, SETUP_TIMEOUT, command));
    }

    /**
     * Runs a shell script ({@code sh -eux}: stops at the first failing command, which the
     * trace on stderr names) inside the namespace; fails unless it exits 0. One process
     * start for many setup commands.
     */
    public Result script(final String role, final String script) throws IOException, InterruptedException
    {
        return requireOk(run(role, SETUP_TIMEOUT, "sh", "-eux", "-c", script));
    }

    /**
     * Starts {@code command} in the namespace of {@code role}, bounded by coreutils
     * {@code timeout} to {@code limit} (SIGTERM, then SIGKILL 2 s later).
     */
    public Background start(final String role, final Duration limit, final String... command) throws IOException
    {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name(role),
            "timeout", "--kill-after=2", limit.toMillis() / 1000.0 + "s"));
        full.addAll(List.of(command));
        final int n = started.size();
        final Path out = scratch.resolve("bg-" + n + ".out");
        final Path err = scratch.resolve("bg-" + n + ".err");
        final Process process = new ProcessBuilder(full)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
        started.add(process);
        return new Background(full, process, out, err);
    }

    /** Runs a command outside any namespace (ip netns add/del, tshark on files). */
    public static Result host(final Duration timeout, final String... command) throws IOException, InterruptedException
    {
        return host(timeout, List.of(command));
    }

    private static Result host(final Duration timeout, final List<String> command) throws IOException, InterruptedException
    {
        final Path out = Files.createTempFile("nvek-cmd-", ".out");
        final Path err = Files.createTempFile("nvek-cmd-", ".err");
        try
        {
            final Process process = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
            final boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished)
            {
                stop(process);
            }
            return new Result(command, finished ? process.exitValue() : -1, read(out), read(err), !finished);
        }
        finally
        {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    public static Result requireOk(final Result result)
    {
        if (!result.ok())
        {
            fail("command failed: " + result.describe());
        }
        return result;
    }

    /**
     * Aborts the calling test (or fails it when {@code CI=true}) unless we are root and every
     * named tool is on the PATH (a tool given as an absolute path, such as FRR's daemons in
     * {@code /usr/lib/frr}, must be an executable file there).
     */
    public static void assumeUsable(final String... tools)
    {
        final List<String> missing = new ArrayList<>();
        for (final String tool : tools)
        {
            final boolean found = tool.startsWith("/") ? Files.isRegularFile(Path.of(tool)) && Files.isExecutable(Path.of(tool)) : findOnPath(tool) != null;
            if (!found)
            {
                missing.add(tool);
            }
        }
        String reason = null;
        if (!isRoot())
        {
            reason = "not running as root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)";
        }
        else if (!missing.isEmpty())
        {
            reason = "missing on PATH: " + String.join(", ", missing);
        }
        if (reason != null)
        {
            if ("true".equalsIgnoreCase(System.getenv("CI")))
            {
                fail("kernel interop test cannot run, and CI=true requires it: " + reason);
            }
            Assumptions.abort("kernel interop test skipped: " + reason);
        }
    }

    /**
     * The command line to run Python code fast: the real interpreter behind {@code python3}
     * (version managers such as pyenv put a slow shell shim on the PATH), isolated from the
     * environment and without site packages ({@code -I -S}); only the standard library is used.
     */
    public static synchronized List<String> python() throws IOException, InterruptedException
    {
        if (python == null)
        {
            final Path onPath = findOnPath("python3");
            String executable = onPath == null ? "python3" : onPath.toString();
            if (onPath != null && isScript(onPath))
            {
                final Result r = requireOk(host(Duration.ofSeconds(10), executable, "-c", "import sys; print(sys.executable)"));
                executable = r.stdout().strip().isEmpty() ? executable : r.stdout().strip();
            }
            python = List.of(executable, "-I", "-S");
        }
        return python;
    }

    private static boolean isScript(final Path file) throws IOException
    {
        try (var in = Files.newInputStream(file))
        {
            final byte[] head = in.readNBytes(2);
            return head.length == 2 && head[0] == '#' && head[1] == '!';
        }
    }

    public static Path findOnPath(final String tool)
    {
        final String path = System.getenv("PATH");
        for (final String dir : (path == null ? "" : path).split(":"))
        {
            if (dir.isEmpty())
            {
                continue;
            }
            final Path candidate = Path.of(dir, tool);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static boolean isRoot()
    {
        try
        {
            final Result id = host(Duration.ofSeconds(5), "id", "-u");
            return id.ok() && id.stdout().strip().equals("0");
        }
        catch (final IOException e)
        {
            return false;
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private List<String> inNamespace(final String role, final String... command)
    {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name(role)));
        full.addAll(List.of(command));
        return full;
    }

    /** SIGTERM to the process and what it started, SIGKILL after a grace period. */
    private static void stop(final Process process)
    {
        final List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try
        {
            if (!process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS))
            {
                process.destroyForcibly();
                process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        catch (final InterruptedException e)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    /** The command line for messages, long arguments (scripts, frame hex) cut short. */
    static String abbreviate(final List<String> command)
    {
        final StringBuilder s = new StringBuilder();
        for (final String arg : command)
        {
            final String oneLine = arg.replace('\n', ' ');
            s.append(s.isEmpty() ? "" : " ").append(oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 60) + "...(" + arg.length() + " chars)");
        }
        return s.toString();
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        }
        catch (final IOException e)
        {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** Kills the processes this instance started, then deletes its namespaces. Idempotent. */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        final List<String> problems = new ArrayList<>();
        for (final Process process : List.copyOf(started))
        {
            if (process.isAlive())
            {
                stop(process);
            }
        }
        for (final String name : namespaces.values())
        {
            try
            {
                final Result del = host(SETUP_TIMEOUT, "ip", "netns", "del", name);
                if (!del.ok())
                {
                    problems.add(del.describe());
                }
            }
            catch (final IOException e)
            {
                problems.add("ip netns del " + name + ": " + e.getMessage());
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                problems.add("ip netns del " + name + ": interrupted");
            }
        }
        try (var files = Files.list(scratch))
        {
            for (final Path file : files.toList())
            {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(scratch);
        }
        catch (final IOException e)
        {
            // scratch output of background commands only; nothing depends on it
        }
        OPEN.remove(this);
        if (!problems.isEmpty())
        {
            throw new IllegalStateException("cleaning up namespaces " + namespaces.values() + ": " + String.join("; ", problems));
        }
    }
}
