package dev.nve.dataplane.table;

/**
 * A table update that was refused; the message says what is wrong. Nothing was changed. The
 * {@link Kind} says why, for callers that answer with a code (the control socket).
 */
public final class TableException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** Why an update was refused. */
    public enum Kind
    {
        /** It contradicts what the tables hold (the default). */
        CONFLICT,
        /** It refers to something the tables do not have. */
        NOT_FOUND,
        /** A table has no room for it. */
        FULL
    }

    private final Kind kind;

    public TableException(final String message)
    {
        this(Kind.CONFLICT, message);
    }

    public TableException(final Kind kind, final String message)
    {
        super(message);
        this.kind = kind;
    }

    public static TableException notFound(final String message)
    {
        return new TableException(Kind.NOT_FOUND, message);
    }

    public static TableException full(final String message)
    {
        return new TableException(Kind.FULL, message);
    }

    public Kind kind()
    {
        return kind;
    }
}
