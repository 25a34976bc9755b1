package dev.nve.xdp;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What the machine allows, for tests that need root, tools or AF_XDP: outside CI a missing
 * capability skips the test with the reason; with {@code CI=true} it fails, because CI is root
 * on a machine that has everything.
 */
public final class Environment
{
    private Environment()
    {
    }

    public static boolean isCi()
    {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips (or, in CI, fails) the test when {@code condition} is false. */
    public static void require(final boolean condition, final String reason)
    {
        if (condition)
        {
            return;
        }
        if (isCi())
        {
            Assertions.fail("CI=true but " + reason);
        }
        Assumptions.abort(reason);
    }

    public static boolean isRoot()
    {
        try
        {
            final Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            final String out = new String(p.getInputStream().readAllBytes()).strip();
            p.waitFor(10, TimeUnit.SECONDS);
            return "0".equals(out);
        }
        catch (final Exception e)
        {
            return false;
        }
    }

    public static boolean hasCommand(final String command)
    {
        final String path = System.getenv("PATH");
        if (path == null)
        {
            return false;
        }
        for (final String dir : path.split(":"))
        {
            if (Files.isExecutable(Path.of(dir, command)))
            {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", command)) || Files.isExecutable(Path.of("/sbin", command));
    }

    /** Root, ip, and a kernel that lets this process create AF_XDP sockets. */
    public static void requireAfXdp()
    {
        require(isRoot(), "AF_XDP tests need root (network namespaces, XDP attach)");
        require(hasCommand("ip"), "AF_XDP tests need iproute2's ip");
        String refusal = null;
        try
        {
            final int fd = dev.nve.xdp.ffi.LibC.socket(dev.nve.xdp.ffi.LibC.AF_XDP, dev.nve.xdp.ffi.LibC.SOCK_RAW, 0, "AF_XDP probe");
            dev.nve.xdp.ffi.LibC.close(fd);
        }
        catch (final RuntimeException | LinkageError e)
        {
            refusal = e.getMessage();
        }
        require(refusal == null, "the kernel refuses AF_XDP sockets: " + refusal);
    }
}
