package dev.nve.control.bgp;

/**
 * What a {@link BgpSession} asks of its owner, which holds the connection and the routes. Called
 * on the thread that drives the session.
 */
public interface BgpSessionListener
{
    /** Write these bytes to the connection. */
    void send(byte[] bytes);

    /** Close the connection (or abandon the attempt in progress). */
    void closeConnection();

    /**
     * Connect to the peer now, then report {@link BgpSession#connected} or
     * {@link BgpSession#disconnected}.
     */
    void connectRequested();

    /** The session is Established. */
    void established(BgpPeerInfo peer);

    /** An UPDATE of an Established session. */
    void update(BgpMessage.Update update);

    /** The session left Established: withdraw every route learnt from it (RFC 4271 §8.2.2). */
    void down(String reason);
}
