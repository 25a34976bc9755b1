package dev.nve.control.gen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * nve gen only sends inside network namespaces the project created: the thread that opens the
 * socket must not be in the initial (root) network namespace. The check compares the
 * namespace inode of the calling thread ({@code /proc/thread-self/ns/net}, which is what the
 * socket will belong to) with that of PID 1 ({@code /proc/1/ns/net}). Where PID 1's namespace
 * links are not readable (a sandbox without CAP_SYS_PTRACE over PID 1, as on the project VM),
 * PID 2 is used when it is {@code kthreadd}: kernel threads always live in the initial
 * network namespace. When neither can be read, gen refuses.
 */
public final class NetnsCheck
{
    static final Path SELF = Path.of("/proc/thread-self/ns/net");
    static final Path INIT = Path.of("/proc/1/ns/net");
    static final Path KTHREADD = Path.of("/proc/2/ns/net");
    static final Path KTHREADD_COMM = Path.of("/proc/2/comm");

    private NetnsCheck()
    {
    }

    /**
     * @return null when the calling thread is in a network namespace other than PID 1's, else
     *         the reason to refuse.
     */
    public static String refusal()
    {
        return refusal(SELF, readable(INIT) || !isKthreadd() ? INIT : KTHREADD);
    }

    private static boolean isKthreadd()
    {
        try
        {
            return Files.readString(KTHREADD_COMM).strip().equals("kthreadd") && readable(KTHREADD);
        }
        catch (final IOException e)
        {
            return false;
        }
    }

    private static boolean readable(final Path link)
    {
        try
        {
            Files.readSymbolicLink(link);
            return true;
        }
        catch (final IOException | UnsupportedOperationException e)
        {
            return false;
        }
    }

    static String refusal(final Path self, final Path init)
    {
        final String mine;
        final String root;
        try
        {
            mine = Files.readSymbolicLink(self).toString();
        }
        catch (final IOException | UnsupportedOperationException e)
        {
            return "cannot read " + self + " (" + e + "): refusing to send without knowing the network namespace";
        }
        try
        {
            root = Files.readSymbolicLink(init).toString();
        }
        catch (final IOException | UnsupportedOperationException e)
        {
            return "cannot read " + init + " (" + e + ", needs root): refusing to send without knowing the network namespace";
        }
        if (mine.equals(root))
        {
            return "refusing to send: this process is in the root network namespace (" + mine + ", the same as " + init + "). "
                + "nve gen only runs inside a network namespace, e.g. `ip netns exec NS ./nve gen ...` or `./nve gen --netns NS ...`";
        }
        return null;
    }
}
