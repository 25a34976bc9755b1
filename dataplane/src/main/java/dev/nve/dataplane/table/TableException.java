package dev.nve.dataplane.table;

/** A table update that was refused; the message says what is wrong. Nothing was changed. */
public final class TableException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public TableException(final String message)
    {
        super(message);
    }
}
