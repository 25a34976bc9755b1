package dev.nve.control.run;

/** {@code nve run} could not set up or tear down the dataplane; the message says what and where. */
public final class RunException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public RunException(final String message, final Throwable cause)
    {
        super(message, cause);
    }

    public RunException(final String message)
    {
        super(message);
    }
}
