package dev.nve.dataplane.pcap;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An independent reader (tshark) agrees with what {@link PcapWriter} wrote. Skipped when tshark
 * is not installed, except under {@code CI=true}, where a missing tshark is a failure.
 */
final class PcapTsharkTest
{
    @TempDir
    Path dir;

    @Test
    void tsharkReadsWrittenFrameLengthsAndTimestamps() throws IOException, InterruptedException
    {
        final Path tshark = findOnPath("tshark");
        if (tshark == null)
        {
            if ("true".equalsIgnoreCase(System.getenv("CI")))
            {
                fail("tshark is not on PATH, and CI=true requires it");
            }
            Assumptions.abort("tshark is not on PATH");
        }

        final Random random = new Random(42);
        final List<Integer> lengths = new ArrayList<>();
        final List<Long> timestamps = new ArrayList<>();
        final Path file = dir.resolve("for-tshark.pcap");
        try (PcapWriter writer = PcapWriter.create(file))
        {
            for (int i = 0; i < 50; i++)
            {
                final byte[] frame = new byte[random.nextInt(60, 1515)];
                random.nextBytes(frame);
                final long timestamp = 1_700_000_000_000_000_000L + random.nextLong(1_000_000_000_000L);
                writer.write(timestamp, frame);
                lengths.add(frame.length);
                timestamps.add(timestamp);
            }
        }

        final Process process = new ProcessBuilder(
            tshark.toString(), "-n", "-r", file.toString(), "-T", "fields", "-e", "frame.len", "-e", "frame.time_epoch")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "tshark did not finish");
        assertEquals(0, process.exitValue(), "tshark exit status; output: " + output);

        final List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(lengths.size(), lines.size(), output);
        for (int i = 0; i < lines.size(); i++)
        {
            final String[] fields = lines.get(i).split("\t");
            assertEquals(lengths.get(i), Integer.parseInt(fields[0].trim()), "frame.len of frame " + (i + 1));
            final BigDecimal seconds = new BigDecimal(fields[1].trim());
            assertEquals(0, BigDecimal.valueOf(timestamps.get(i), 9).compareTo(seconds),
                "frame.time_epoch of frame " + (i + 1) + ": " + seconds + " vs " + timestamps.get(i) + " ns");
        }
    }

    private static Path findOnPath(final String program)
    {
        final String path = System.getenv("PATH");
        if (path == null)
        {
            return null;
        }
        for (final String entry : path.split(File.pathSeparator))
        {
            if (entry.isEmpty())
            {
                continue;
            }
            final Path candidate = Path.of(entry, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
