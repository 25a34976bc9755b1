package dev.nve.control.socket;

/**
 * The operations behind the control socket. The server calls it on its one control thread
 * ({@code nve-control}), never on a client's thread, so an implementation may own
 * single-writer state (the tables) without locks.
 */
@FunctionalInterface
public interface ControlHandler
{
    /**
     * Runs one request.
     *
     * @return the result: a {@link com.fasterxml.jackson.databind.JsonNode}, anything Jackson
     *     converts to one (converted on the control thread, so it may be live state), null for
     *     JSON null, or a {@link Subscription} to stream events on this connection
     * @throws ControlException answered as {@code ok:false} with its code and message; any other
     *     exception is answered as {@link ErrorCode#INTERNAL} with its message
     */
    Object handle(Request request) throws ControlException;
}
