package dev.nve.control.socket;

/**
 * The stable error codes of the control protocol (docs/CONTROL.md). Clients branch on the code,
 * never on the message; a code is never renamed or reused for another meaning.
 */
public enum ErrorCode
{
    /** The line is not JSON (or not UTF-8, or has trailing content or duplicate keys), or is JSON but not an object. */
    PARSE_ERROR,
    /** An envelope field ({@code v}, {@code id}, {@code op}, {@code params}) is missing or of the wrong type, an unknown envelope field is present, or the connection is streaming. */
    BAD_REQUEST,
    /** Field {@code v} is not a version this server speaks. */
    UNSUPPORTED_VERSION,
    /** Field {@code op} names no operation of this server. */
    UNKNOWN_OP,
    /** A field of {@code params} is unknown, of the wrong type or out of range; the message names it. */
    BAD_PARAM,
    /** The request refers to something (a table entry, an endpoint) that does not exist. */
    NOT_FOUND,
    /** The request contradicts the current state (an entry exists with other values, a concurrent change). */
    CONFLICT,
    /** A table has no room for the entry. */
    TABLE_FULL,
    /** The line is longer than the server's limit; it was discarded up to the next newline, the connection stays. */
    LINE_TOO_LONG,
    /** The server already serves its maximum number of clients; the connection is closed. */
    TOO_MANY_CLIENTS,
    /** The peer's user and group may not use the socket; the connection is closed. */
    PERMISSION_DENIED,
    /** The connection sent no request for longer than the idle timeout; the connection is closed. */
    IDLE_TIMEOUT,
    /** A bug or an unexpected failure in the server; the message is the exception's. */
    INTERNAL
}
