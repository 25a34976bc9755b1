package dev.nve.control.bgp;

/**
 * A session's state and counters at one moment, for {@code nve ctl bgp}: a value, so the owner
 * can hand it to another thread.
 *
 * @param state            the FSM state
 * @param peer             the negotiated peer in OpenConfirm and Established, else null
 * @param received         messages received, by type (counted once framed, before decoding)
 * @param sent             messages sent, by type
 * @param transitions      state changes since the session was made
 * @param establishedCount times the session reached Established
 * @param lastError        why the session last failed, or null
 * @param retryMillis      the wait before the next reconnect after a failure
 */
public record BgpSessionSnapshot(BgpSession.State state, BgpPeerInfo peer, MessageCounts received, MessageCounts sent,
    long transitions, long establishedCount, String lastError, long retryMillis)
{
    /** Messages of each of the four types. */
    public record MessageCounts(long open, long update, long notification, long keepalive)
    {
        static MessageCounts of(final long[] byType)
        {
            return new MessageCounts(byType[BgpMessage.OPEN], byType[BgpMessage.UPDATE], byType[BgpMessage.NOTIFICATION],
                byType[BgpMessage.KEEPALIVE]);
        }
    }
}
