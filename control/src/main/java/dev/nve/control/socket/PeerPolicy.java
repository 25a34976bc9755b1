package dev.nve.control.socket;

import jdk.net.UnixDomainPrincipal;

/**
 * Who may use the socket, decided from the peer's credentials (SO_PEERCRED): root, the user the
 * server runs as, and the members of the configured group by the peer's primary group. The
 * socket's file mode keeps others out already; this is the check that does not depend on it.
 *
 * @param serverUser   the name of the user the server runs as
 * @param allowedGroup a group name, or null
 */
record PeerPolicy(String serverUser, String allowedGroup)
{
    static final String ROOT = "root";

    boolean allows(final UnixDomainPrincipal peer)
    {
        final String user = peer.user().getName();
        return ROOT.equals(user) || user.equals(serverUser) || allowedGroup != null && allowedGroup.equals(peer.group().getName());
    }

    /** The message of PERMISSION_DENIED for this peer. */
    String denial(final UnixDomainPrincipal peer)
    {
        return "user " + peer.user().getName() + " (group " + peer.group().getName() + ") may not use this socket; allowed: root, "
            + serverUser + (allowedGroup != null ? ", group " + allowedGroup : "");
    }
}
