package dev.nve.xdp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Two network namespaces joined by a veth pair, made with {@code ip} and always deleted by
 * {@link #close()} (tests call it in a finally block or @AfterEach):
 * <pre>
 *   nvex-PID-N-a [va] 198.18.0.1/24 fd00:6e76::1/64 ---veth--- [vb] 198.18.0.2/24 fd00:6e76::2/64 nvex-PID-N-b
 *                02:6e:76:00:00:01                                 02:6e:76:00:00:02
 * </pre>
 * Static neighbours on both sides, so no ARP/ND is needed for the test traffic. Addresses
 * only from 198.18.0.0/15 and fd00::/8; nothing is routed out of the namespaces.
 */
public final class VethNamespaces implements AutoCloseable
{
    public static final String IF_A = "va";
    public static final String IF_B = "vb";
    public static final String MAC_A = "02:6e:76:00:00:01";
    public static final String MAC_B = "02:6e:76:00:00:02";
    public static final String IP_A = "198.18.0.1";
    public static final String IP_B = "198.18.0.2";
    public static final String IP6_A = "fd00:6e76::1";
    public static final String IP6_B = "fd00:6e76::2";

    public static final String IF_C = "vc";
    public static final String IF_D = "vd";
    public static final String MAC_C = "02:6e:76:00:01:02";
    public static final String MAC_D = "02:6e:76:00:01:01";
    public static final String IP_C = "198.18.1.2";
    public static final String IP_D = "198.18.1.1";

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    public final String nsA;
    public final String nsB;
    private boolean closed;

    private VethNamespaces(final String prefix)
    {
        this.nsA = prefix + "a";
        this.nsB = prefix + "b";
    }

    /** Creates the pair with MTU 1500. */
    public static VethNamespaces create()
    {
        final VethNamespaces net = new VethNamespaces("nvex-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet() + "-");
        try
        {
            net.setUp();
            return net;
        }
        catch (final RuntimeException e)
        {
            net.close();
            throw e;
        }
    }

    private void setUp()
    {
        run("ip", "netns", "add", nsA);
        run("ip", "netns", "add", nsB);
        run("ip", "-n", nsA, "link", "add", IF_A, "address", MAC_A, "type", "veth", "peer", "name", IF_B, "address", MAC_B, "netns", nsB);
        for (final String[] side : new String[][] {{nsA, IF_A, IP_A, IP6_A, IP_B, IP6_B, MAC_B}, {nsB, IF_B, IP_B, IP6_B, IP_A, IP6_A, MAC_A}})
        {
            final String ns = side[0];
            final String dev = side[1];
            run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.accept_ra=0", "net.ipv6.conf.default.accept_ra=0");
            run("ip", "-n", ns, "link", "set", "lo", "up");
            run("ip", "-n", ns, "addr", "add", side[2] + "/24", "dev", dev);
            run("ip", "-n", ns, "-6", "addr", "add", side[3] + "/64", "dev", dev, "nodad");
            run("ip", "-n", ns, "link", "set", dev, "up");
            run("ip", "-n", ns, "neigh", "replace", side[4], "lladdr", side[6], "dev", dev, "nud", "permanent");
            run("ip", "-n", ns, "-6", "neigh", "replace", side[5], "lladdr", side[6], "dev", dev, "nud", "permanent");
        }
    }

    /**
     * A second veth pair between the same namespaces: {@code vd} 198.18.1.1/24 in a,
     * {@code vc} 198.18.1.2/24 in b, static neighbours.
     */
    public void addSecondPair()
    {
        run("ip", "-n", nsA, "link", "add", IF_D, "address", MAC_D, "type", "veth", "peer", "name", IF_C, "address", MAC_C, "netns", nsB);
        run("ip", "-n", nsA, "addr", "add", IP_D + "/24", "dev", IF_D);
        run("ip", "-n", nsB, "addr", "add", IP_C + "/24", "dev", IF_C);
        run("ip", "-n", nsA, "link", "set", IF_D, "up");
        run("ip", "-n", nsB, "link", "set", IF_C, "up");
        run("ip", "-n", nsA, "neigh", "replace", IP_C, "lladdr", MAC_C, "dev", IF_D, "nud", "permanent");
        run("ip", "-n", nsB, "neigh", "replace", IP_D, "lladdr", MAC_D, "dev", IF_C, "nud", "permanent");
    }

    /** {@code ip -n NS ARGS...}. */
    public String ip(final String ns, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("ip", "-n", ns));
        command.addAll(Arrays.asList(args));
        return run(command.toArray(String[]::new));
    }

    /** {@code ip netns exec NS COMMAND...}. */
    public String exec(final String ns, final String... command)
    {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(Arrays.asList(command));
        return run(full.toArray(String[]::new));
    }

    /** What {@code ip -d link show} says about b's veth end (contains "xdp" while a program is attached). */
    public String linkDetailsB()
    {
        return ip(nsB, "-d", "link", "show", "dev", IF_B);
    }

    /** Runs a command (bounded to 30 s); fails with its output when it exits non-zero. */
    public static String run(final String... command)
    {
        final Result r = tryRun(command);
        if (r.exitCode() != 0)
        {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + r.exitCode() + "): " + r.output());
        }
        return r.output();
    }

    public record Result(int exitCode, String output)
    {
    }

    /** Runs a command (bounded to 30 s) and returns its exit code and output. */
    public static Result tryRun(final String... command)
    {
        try
        {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            final byte[][] out = new byte[1][];
            final Thread reader = Thread.ofPlatform().daemon(true).start(() ->
            {
                try
                {
                    out[0] = p.getInputStream().readAllBytes();
                }
                catch (final IOException e)
                {
                    out[0] = new byte[0];
                }
            });
            if (!p.waitFor(30, TimeUnit.SECONDS))
            {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, "timed out: " + String.join(" ", command));
            }
            reader.join(5000);
            return new Result(p.exitValue(), out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8));
        }
        catch (final IOException e)
        {
            return new Result(-2, e.toString());
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return new Result(-3, "interrupted");
        }
    }

    /** Deletes both namespaces (and with them the veth pair and any XDP program on it). */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        final StringBuilder failures = new StringBuilder();
        for (final String ns : new String[] {nsA, nsB})
        {
            if (Files.exists(NetNamespaces.namedPath(ns)))
            {
                final Result r = tryRun("ip", "netns", "del", ns);
                if (r.exitCode() != 0)
                {
                    failures.append(ns).append(": ").append(r.output());
                }
            }
        }
        if (!failures.isEmpty())
        {
            throw new IllegalStateException("could not delete namespaces: " + failures);
        }
    }
}
