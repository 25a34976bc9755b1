package dev.nve.control.socket;

import java.util.Objects;

/**
 * A request that failed with a protocol error: thrown by handlers (the server answers
 * {@code ok:false} with this code and message) and by {@link ControlClient} (carrying the
 * server's code and message). The message names the field or entry at fault.
 */
public final class ControlException extends Exception
{
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public ControlException(final ErrorCode code, final String message)
    {
        super(Objects.requireNonNull(message, "message"));
        this.code = Objects.requireNonNull(code, "code");
    }

    public ErrorCode code()
    {
        return code;
    }

    @Override
    public String toString()
    {
        return code + ": " + getMessage();
    }
}
