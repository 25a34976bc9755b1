package dev.nve.control.socket;

import com.fasterxml.jackson.databind.node.IntNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

import static dev.nve.control.socket.SocketTests.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The socket file: its directory and mode, an old socket at the path, and its removal. */
@Timeout(30)
final class ControlServerSocketFileTest
{
    private static final String ECHO = "{\"v\":1,\"id\":1,\"op\":\"echo\"}";

    @TempDir
    Path dir;

    private static String mode(final Path path) throws IOException
    {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void theSocketIsForItsOwnerAndGoesAwayOnClose() throws IOException
    {
        final Path socket = dir.resolve("run/nve/nve.sock");
        final ControlServer server = ControlServer.start(ControlServerOptions.defaults().withSocketPath(socket), new TestHandler());
        try (server; RawClient client = RawClient.connect(socket))
        {
            assertEquals("rw-------", mode(socket));
            assertEquals("rwxr-xr-x", mode(socket.getParent()));
            assertOk(client.request(ECHO), IntNode.valueOf(1));
        }
        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void withAGroupTheSocketIsGroupOwned() throws IOException
    {
        final String group = "nogroup";
        assumeTrue(groupExists(group), "no group " + group);
        try (ControlServer server = SocketTests.start(dir, new TestHandler(), o -> o.withAllowedGroup(group)))
        {
            assertEquals("rw-rw----", mode(server.socketPath()));
            assertEquals(group, Files.readAttributes(server.socketPath(), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).group().getName());
        }
    }

    @Test
    void anUnknownGroupFailsTheStart()
    {
        final IOException e = assertThrows(IOException.class, () -> SocketTests.start(dir, new TestHandler(), o -> o.withAllowedGroup("nve-no-such-group")));
        assertEquals("control socket group \"nve-no-such-group\" does not exist", e.getMessage());
        assertFalse(Files.exists(dir.resolve("nve.sock")));
    }

    @Test
    void aStaleSocketIsReplaced() throws IOException
    {
        final Path socket = dir.resolve("nve.sock");
        try (ServerSocketChannel previous = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            previous.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "a socket file nobody accepts on");
        try (ControlServer server = SocketTests.start(dir, new TestHandler());
             RawClient client = RawClient.connect(server.socketPath()))
        {
            assertOk(client.request(ECHO), IntNode.valueOf(1));
        }
    }

    @Test
    void aLiveSocketIsLeftAloneAndRefusesTheStart() throws IOException
    {
        try (ControlServer first = SocketTests.start(dir, new TestHandler()))
        {
            final IOException e = assertThrows(IOException.class, () -> SocketTests.start(dir, new TestHandler()));
            assertEquals("another nve serves " + first.socketPath(), e.getMessage());
            try (RawClient client = RawClient.connect(first.socketPath()))
            {
                assertOk(client.request(ECHO), IntNode.valueOf(1));
            }
        }
    }

    @Test
    void aFileThatIsNotASocketIsLeftAlone() throws IOException
    {
        final Path file = dir.resolve("nve.sock");
        Files.writeString(file, "precious");
        final IOException e = assertThrows(IOException.class, () -> SocketTests.start(dir, new TestHandler()));
        assertTrue(e.getMessage().contains("is not a socket"), e.getMessage());
        assertEquals("precious", Files.readString(file));
    }

    @Test
    void theClientSaysWhyItCannotConnect() throws IOException
    {
        final Path socket = dir.resolve("nve.sock");
        assertEquals("cannot connect to " + socket + ": no such file (is nve run running?)",
            assertThrows(IOException.class, () -> ControlClient.connect(socket)).getMessage());
        try (ServerSocketChannel previous = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            previous.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(assertThrows(IOException.class, () -> ControlClient.connect(socket)).getMessage().contains("connection refused"));
    }

    private static boolean groupExists(final String name)
    {
        try
        {
            Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(name);
            return true;
        }
        catch (final IOException notFound)
        {
            return false;
        }
    }
}
