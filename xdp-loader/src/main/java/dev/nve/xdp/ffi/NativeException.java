package dev.nve.xdp.ffi;

/**
 * A native call on a setup path failed: names the call, the errno (number, symbol and
 * message) and what it was for (interface, queue, map), plus any kernel or libbpf messages
 * captured during the call. Never thrown on the packet path, where errors are counted.
 */
public final class NativeException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;
    private final String context;

    public NativeException(final String call, final int errno, final String context)
    {
        this(call, errno, context, null);
    }

    public NativeException(final String call, final int errno, final String context, final String detail)
    {
        super(message(call, errno, context, detail));
        this.call = call;
        this.errno = errno;
        this.context = context;
    }

    private static String message(final String call, final int errno, final String context, final String detail)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append(call).append(" failed");
        if (context != null && !context.isEmpty())
        {
            sb.append(" (").append(context).append(')');
        }
        sb.append(": ").append(Errno.describe(errno));
        if (detail != null && !detail.isBlank())
        {
            sb.append("; ").append(detail.strip());
        }
        return sb.toString();
    }

    /** The C function that failed, e.g. {@code bind} or {@code bpf_xdp_attach}. */
    public String call()
    {
        return call;
    }

    /** The positive errno value. */
    public int errno()
    {
        return errno;
    }

    /** What the call was for, e.g. {@code "AF_XDP socket vb queue 0"}. */
    public String context()
    {
        return context;
    }
}
