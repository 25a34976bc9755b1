package dev.nve.pcaptests.ila;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * tshark as the oracle of the ILA suite: per-frame fields with IPv4 header, TCP and UDP checksum validation
 * switched on (ICMPv6 checksums Wireshark always verifies; it has no preference for them) and
 * IPv6 reassembly on (its default), so the UDP checksum of a fragmented datagram is checked on
 * the frame that completes it. Without tshark the calling test is skipped with a message,
 * except under {@code CI=true}, where that is a failure.
 */
final class IlaTshark
{
    static final List<String> PREFERENCES = List.of(
        "-o", "tcp.check_checksum:TRUE",
        "-o", "udp.check_checksum:TRUE",
        "-o", "ip.check_checksum:TRUE",
        "-o", "ipv6.defragment:TRUE");
    /** {@code _ws.expert.severity} of an error (PI_ERROR). */
    static final long SEVERITY_ERROR = 0x0080_0000L;

    private IlaTshark()
    {
    }

    /** {@code NVE_TSHARK}, /usr/bin/tshark, /usr/local/bin/tshark or tshark on the PATH; null if none. */
    static Path locate()
    {
        final List<Path> candidates = new ArrayList<>();
        final String env = System.getenv("NVE_TSHARK");
        if (env != null && !env.isBlank())
        {
            candidates.add(Path.of(env));
        }
        candidates.add(Path.of("/usr/bin/tshark"));
        candidates.add(Path.of("/usr/local/bin/tshark"));
        final String path = System.getenv("PATH");
        if (path != null)
        {
            for (final String dir : path.split(File.pathSeparator))
            {
                if (!dir.isEmpty())
                {
                    candidates.add(Path.of(dir, "tshark"));
                }
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }

    /** The tshark executable; skips the calling test without it, fails it under {@code CI=true}. */
    static Path require()
    {
        final Path tshark = locate();
        if (tshark == null)
        {
            final String message = "tshark not found (install the Debian package tshark, or set NVE_TSHARK): the ILA pcap oracle cannot run";
            if ("true".equalsIgnoreCase(System.getenv("CI")))
            {
                Assertions.fail(message + "; CI=true, so this is a failure, not a skip");
            }
            Assumptions.abort(message);
        }
        return tshark;
    }

    /** One row per frame: field to every occurrence joined by ',' ("" when absent). */
    static List<Map<String, String>> fields(final Path pcap, final List<String> fields) throws IOException
    {
        final List<String> command = new ArrayList<>(List.of(require().toString(), "-n", "-r", pcap.toString(), "-T", "fields",
            "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,", "-E", "quote=n"));
        command.addAll(PREFERENCES);
        for (final String field : fields)
        {
            command.add("-e");
            command.add(field);
        }
        final List<Map<String, String>> rows = new ArrayList<>();
        for (final String line : run(command).split("\n", -1))
        {
            if (line.isEmpty())
            {
                continue;
            }
            final String[] values = line.split("\t", -1);
            if (values.length != fields.size())
            {
                throw new IOException("tshark printed " + values.length + " columns for " + fields.size() + " fields: " + line);
            }
            final Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < values.length; i++)
            {
                row.put(fields.get(i), values[i]);
            }
            rows.add(row);
        }
        return rows;
    }

    static String verbose(final Path pcap) throws IOException
    {
        final List<String> command = new ArrayList<>(List.of(require().toString(), "-n", "-V", "-r", pcap.toString()));
        command.addAll(PREFERENCES);
        return run(command);
    }

    private static String run(final List<String> command) throws IOException
    {
        final Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        final CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        final CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        try
        {
            if (!process.waitFor(120, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IOException("tshark did not finish in 120 s: " + String.join(" ", command));
            }
            if (process.exitValue() != 0)
            {
                throw new IOException("tshark exit code " + process.exitValue() + ": " + String.join(" ", command) + "\n" + err.get());
            }
            return out.get();
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while running tshark", e);
        }
        catch (final ExecutionException e)
        {
            throw new IOException("reading tshark output", e.getCause());
        }
    }

    private static String read(final InputStream in)
    {
        try (in)
        {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (final IOException e)
        {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
