package dev.nve.control.socket;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Objects;

/** The socket file around bind: its directory, a previous socket at the path, its mode, its removal. */
final class SocketFiles
{
    private SocketFiles()
    {
    }

    /** Looks the group up before anything is bound, so a typo fails the start. */
    static GroupPrincipal group(final Path socket, final String name) throws IOException
    {
        try
        {
            return socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(name);
        }
        catch (final UserPrincipalNotFoundException e)
        {
            throw new IOException("control socket group \"" + name + "\" does not exist");
        }
    }

    /**
     * Creates the parent directory (0755) if missing and removes a stale socket at the path; a
     * live one (a connect succeeds) or a file that is not a socket stays and fails the start.
     */
    static void prepare(final Path socket) throws IOException
    {
        final Path parent = socket.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent))
        {
            Files.createDirectories(parent);
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        final BasicFileAttributes attributes;
        try
        {
            attributes = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        catch (final NoSuchFileException absent)
        {
            return;
        }
        if (!attributes.isOther() || (Integer)Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS) >> 12 != 014)
        {
            throw new IOException(socket + " exists and is not a socket; remove it or choose another socket path");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            probe.connect(UnixDomainSocketAddress.of(socket));
        }
        catch (final ConnectException stale)
        {
            Files.deleteIfExists(socket);
            return;
        }
        catch (final IOException e)
        {
            throw new IOException("cannot tell whether another nve serves " + socket + ": " + e.getMessage(), e);
        }
        throw new IOException("another nve serves " + socket);
    }

    /** Restricts the fresh socket to its owner (0600), or owner and group (0660); returns its file key. */
    static Object restrict(final Path socket, final GroupPrincipal group) throws IOException
    {
        if (group != null)
        {
            Files.getFileAttributeView(socket, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(group);
        }
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString(group != null ? "rw-rw----" : "rw-------"));
        return Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    /** Deletes the socket file if it is still the one this server bound (not one a later server put there). */
    static void delete(final Path socket, final Object fileKey)
    {
        try
        {
            final Object current = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (fileKey == null || Objects.equals(fileKey, current))
            {
                Files.deleteIfExists(socket);
            }
        }
        catch (final IOException gone)
        {
            // removed by someone else already
        }
    }
}
