package dev.nve.control.socket;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the control socket; the constructor refuses values out of range, naming the field.
 * Each client has at most one request pending (it is read, run and answered before the next
 * line is read), so there is no setting for that.
 *
 * @param socketPath   where the socket is bound; its parent directory is created (0755) if missing
 * @param allowedGroup a group whose members may use the socket besides root and the server's
 *                     user (the socket is then group-owned by it, mode 0660); null for none (0600)
 * @param maxLineBytes longest request line, without its newline
 * @param maxClients   connections served at once; the next one gets TOO_MANY_CLIENTS
 * @param idleTimeout  a connection with no request in flight and no subscription is closed
 *                     (IDLE_TIMEOUT) after this long without a request
 * @param writeTimeout a client that reads nothing of a pending response or event for this long
 *                     is disconnected
 */
public record ControlServerOptions(Path socketPath, String allowedGroup, int maxLineBytes, int maxClients, Duration idleTimeout, Duration writeTimeout)
{
    public static final Path DEFAULT_SOCKET = Path.of("/run/nve/nve.sock");
    public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;
    public static final int DEFAULT_MAX_CLIENTS = 64;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(300);
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(5);

    /** sun_path of struct sockaddr_un holds 108 bytes including the terminating NUL. */
    public static final int MAX_SOCKET_PATH_BYTES = 107;

    public ControlServerOptions
    {
        Objects.requireNonNull(socketPath, "socketPath");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(writeTimeout, "writeTimeout");
        final int pathBytes = socketPath.toString().getBytes(StandardCharsets.UTF_8).length;
        if (pathBytes == 0 || pathBytes > MAX_SOCKET_PATH_BYTES)
        {
            throw new IllegalArgumentException("socket path " + socketPath + " must be 1.." + MAX_SOCKET_PATH_BYTES + " bytes long, is " + pathBytes);
        }
        if (allowedGroup != null && (allowedGroup.isBlank() || !allowedGroup.strip().equals(allowedGroup) || allowedGroup.contains(":")))
        {
            throw new IllegalArgumentException("allowed group \"" + allowedGroup + "\" is not a group name");
        }
        if (maxLineBytes < 256 || maxLineBytes > (64 << 20))
        {
            throw new IllegalArgumentException("max line bytes " + maxLineBytes + " out of range [256, " + (64 << 20) + "]");
        }
        if (maxClients < 1 || maxClients > 4096)
        {
            throw new IllegalArgumentException("max clients " + maxClients + " out of range [1, 4096]");
        }
        if (idleTimeout.compareTo(Duration.ofMillis(10)) < 0 || idleTimeout.compareTo(Duration.ofDays(7)) > 0)
        {
            throw new IllegalArgumentException("idle timeout " + idleTimeout + " out of range [10 ms, 7 days]");
        }
        if (writeTimeout.compareTo(Duration.ofMillis(10)) < 0 || writeTimeout.compareTo(Duration.ofHours(1)) > 0)
        {
            throw new IllegalArgumentException("write timeout " + writeTimeout + " out of range [10 ms, 1 hour]");
        }
    }

    /** The defaults of {@code nve run}. */
    public static ControlServerOptions defaults()
    {
        return new ControlServerOptions(DEFAULT_SOCKET, null, DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_CLIENTS, DEFAULT_IDLE_TIMEOUT, DEFAULT_WRITE_TIMEOUT);
    }

    public ControlServerOptions withSocketPath(final Path value)
    {
        return new ControlServerOptions(value, allowedGroup, maxLineBytes, maxClients, idleTimeout, writeTimeout);
    }

    public ControlServerOptions withAllowedGroup(final String value)
    {
        return new ControlServerOptions(socketPath, value, maxLineBytes, maxClients, idleTimeout, writeTimeout);
    }

    public ControlServerOptions withMaxLineBytes(final int value)
    {
        return new ControlServerOptions(socketPath, allowedGroup, value, maxClients, idleTimeout, writeTimeout);
    }

    public ControlServerOptions withMaxClients(final int value)
    {
        return new ControlServerOptions(socketPath, allowedGroup, maxLineBytes, value, idleTimeout, writeTimeout);
    }

    public ControlServerOptions withIdleTimeout(final Duration value)
    {
        return new ControlServerOptions(socketPath, allowedGroup, maxLineBytes, maxClients, value, writeTimeout);
    }

    public ControlServerOptions withWriteTimeout(final Duration value)
    {
        return new ControlServerOptions(socketPath, allowedGroup, maxLineBytes, maxClients, idleTimeout, value);
    }
}
