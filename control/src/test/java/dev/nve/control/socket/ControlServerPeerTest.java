package dev.nve.control.socket;

import com.fasterxml.jackson.databind.JsonNode;
import jdk.net.UnixDomainPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Who may use the socket: the policy on its own, then a real peer of another user (needs root and setpriv). */
@Timeout(120)
final class ControlServerPeerTest
{
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    @TempDir
    Path dir;

    private static UnixDomainPrincipal peer(final String user, final String group)
    {
        final UserPrincipal u = () -> user;
        final GroupPrincipal g = () -> group;
        return new UnixDomainPrincipal(u, g);
    }

    @Test
    void rootTheServersUserAndTheGroupAreAllowed()
    {
        final PeerPolicy noGroup = new PeerPolicy("nve", null);
        assertTrue(noGroup.allows(peer("root", "root")));
        assertTrue(noGroup.allows(peer("nve", "users")));
        assertFalse(noGroup.allows(peer("mallory", "nveadm")));
        final PeerPolicy withGroup = new PeerPolicy("nve", "nveadm");
        assertTrue(withGroup.allows(peer("alice", "nveadm")));
        assertFalse(withGroup.allows(peer("mallory", "users")));
        assertEquals("user mallory (group users) may not use this socket; allowed: root, nve, group nveadm", withGroup.denial(peer("mallory", "users")));
    }

    @Test
    void anotherUserIsDeniedUnlessInTheGroup() throws Exception
    {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(SETPRIV), "needs root and setpriv");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        final Path program = dir.resolve("Peer.java");
        Files.writeString(program, PEER);
        final String echo = "{\"v\":1,\"id\":1,\"op\":\"echo\",\"params\":{\"who\":\"nobody\"}}";
        try (ControlServer server = SocketTests.start(dir, new TestHandler()))
        {
            // 0666 so that the kernel lets nobody connect and the server's own check decides
            Files.setPosixFilePermissions(server.socketPath(), PosixFilePermissions.fromString("rw-rw-rw-"));
            final JsonNode denied = asNobody(program, server.socketPath(), echo);
            final String message = SocketTests.assertError(denied, ErrorCode.PERMISSION_DENIED, null);
            assertTrue(message.startsWith("user nobody (group nogroup) may not use this socket"), message);
            assertEquals(1, server.stats().errors(ErrorCode.PERMISSION_DENIED));
        }
        try (ControlServer server = SocketTests.start(dir, new TestHandler(), o -> o.withAllowedGroup("nogroup")))
        {
            final JsonNode allowed = asNobody(program, server.socketPath(), echo);
            assertEquals("{\"v\":1,\"id\":1,\"ok\":true,\"result\":{\"who\":\"nobody\"}}", allowed.toString());
        }
    }

    /** Runs Peer.java as nobody:nogroup (uid and gid 65534) and parses the line it prints. */
    private JsonNode asNobody(final Path program, final Path socket, final String request) throws IOException, InterruptedException
    {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final Process process = new ProcessBuilder(List.of(SETPRIV.toString(), "--reuid=65534", "--regid=65534", "--clear-groups",
            java, "-XX:-UsePerfData", program.toString(), socket.toString(), request)).directory(dir.toFile()).redirectErrorStream(true).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the peer finished");
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, process.exitValue(), output);
        return Protocol.MAPPER.readTree(output.lines().reduce((first, second) -> second).orElse(""));
    }

    private static final String PEER = """
        import java.net.UnixDomainSocketAddress;
        import java.nio.ByteBuffer;
        import java.nio.channels.SocketChannel;
        import java.nio.charset.StandardCharsets;

        public class Peer
        {
            public static void main(String[] args) throws Exception
            {
                try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(args[0])))
                {
                    try
                    {
                        channel.write(ByteBuffer.wrap((args[1] + "\\n").getBytes(StandardCharsets.UTF_8)));
                    }
                    catch (java.io.IOException refusedBeforeTheRequest)
                    {
                        // the server may answer and close before reading the request
                    }
                    ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
                    while (channel.read(buffer) >= 0 && buffer.position() > 0 && buffer.get(buffer.position() - 1) != '\\n')
                    {
                    }
                    System.out.println(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip());
                }
            }
        }
        """;
}
