package dev.nve.pcaptests;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

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
import java.util.concurrent.TimeUnit;

/**
 * Runs tshark, the independent oracle of the replay suite: field extraction per frame with
 * checksum validation switched on, and the full dissection ({@code -V}) for reading by eye.
 * Without tshark the calling test is skipped with a message, except under {@code CI=true},
 * where a missing oracle is a failure.
 */
final class Tshark
{
    /** Checksum validation is off by default in Wireshark; the oracle needs it on. */
    static final List<String> CHECKSUM_PREFERENCES = List.of(
        "-o", "ip.check_checksum:TRUE",
        "-o", "udp.check_checksum:TRUE",
        "-o", "tcp.check_checksum:TRUE");

    /** {@code *.checksum.status} values (Wireshark's proto_checksum_enum_e). */
    static final String CHECKSUM_GOOD = "1";
    static final String CHECKSUM_NOT_PRESENT = "3";
    /** {@code _ws.expert.severity} of an error (PI_ERROR); malformed packets report one. */
    static final long SEVERITY_ERROR = 0x0080_0000L;

    private static final long TIMEOUT_SECONDS = 120;

    private Tshark()
    {
    }

    /** The tshark executable, or null: {@code NVE_TSHARK}, then /usr/bin, /usr/local/bin, then PATH. */
    static Path locate()
    {
        final String env = System.getenv("NVE_TSHARK");
        if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env)))
        {
            return Path.of(env);
        }
        final List<Path> candidates = new ArrayList<>(List.of(Path.of("/usr/bin/tshark"), Path.of("/usr/local/bin/tshark")));
        final String path = System.getenv("PATH");
        if (path != null)
        {
            for (final String dir : path.split(java.io.File.pathSeparator))
            {
                if (!dir.isEmpty())
                {
                    candidates.add(Path.of(dir, "tshark"));
                }
            }
        }
        for (final Path candidate : candidates)
        {
            if (Files.isExecutable(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /** Skips the calling test when tshark is missing; fails it instead when {@code CI=true}. */
    static Path require()
    {
        final Path tshark = locate();
        if (tshark == null)
        {
            final String message = "tshark not found (install the Debian package tshark, or set NVE_TSHARK): the pcap oracle cannot run";
            if ("true".equalsIgnoreCase(System.getenv("CI")))
            {
                Assertions.fail(message + "; CI=true, so this is a failure, not a skip");
            }
            Assumptions.abort(message);
        }
        return tshark;
    }

    /**
     * One row per frame of {@code pcap}: field name to the value tshark prints, all occurrences
     * joined by ',' (empty when the field is absent).
     */
    static List<Map<String, String>> fields(final Path pcap, final List<String> fields, final String... extraArguments)
        throws IOException
    {
        final List<String> command = new ArrayList<>(List.of(require().toString(), "-n", "-r", pcap.toString(), "-T", "fields",
            "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,", "-E", "quote=n"));
        command.addAll(CHECKSUM_PREFERENCES);
        command.addAll(List.of(extraArguments));
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
                throw new IOException("tshark printed " + values.length + " columns for " + fields.size() + " fields on " + pcap + ": " + line);
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

    /** The full dissection of every frame ({@code tshark -V}), for reading a golden file by eye. */
    static String verbose(final Path pcap) throws IOException
    {
        final List<String> command = new ArrayList<>(List.of(require().toString(), "-n", "-V", "-r", pcap.toString()));
        command.addAll(CHECKSUM_PREFERENCES);
        return run(command);
    }

    private static String run(final List<String> command) throws IOException
    {
        final Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        final CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        final CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        try
        {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new IOException("tshark did not finish in " + TIMEOUT_SECONDS + " s: " + String.join(" ", command));
            }
            final String out = stdout.get();
            final String err = stderr.get();
            if (process.exitValue() != 0)
            {
                throw new IOException("tshark exit code " + process.exitValue() + ": " + String.join(" ", command) + "\n" + err);
            }
            return out;
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while running tshark", e);
        }
        catch (final java.util.concurrent.ExecutionException e)
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
