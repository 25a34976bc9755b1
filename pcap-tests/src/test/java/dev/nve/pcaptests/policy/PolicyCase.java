package dev.nve.pcaptests.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.dataplane.pcap.PcapWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The generated half of a policy case: its directory name, host config and input frames per
 * port. What must come out ({@code expected.json}) is written by hand next to them.
 */
final class PolicyCase
{
    /** Capture time of the first input frame; each further frame of a port is 1 ms later. */
    static final long BASE_TIME_NANOS = 1_700_000_000_000_000_000L;
    private static final long STEP_NANOS = 1_000_000L;

    final String name;
    final ObjectNode config;
    final Map<String, List<byte[]>> inputs = new LinkedHashMap<>();

    PolicyCase(final String name, final PolicyHost host)
    {
        this.name = name;
        this.config = host.json();
    }

    /** Frames entering on {@code port}, in order. */
    PolicyCase in(final String port, final byte[]... frames)
    {
        final List<byte[]> list = inputs.computeIfAbsent(port, p -> new ArrayList<>());
        list.addAll(List.of(frames));
        return this;
    }

    /** Writes config.json and in/PORT.pcap into {@code dir} (never expected.json). */
    void writeInputs(final Path dir) throws IOException
    {
        Files.createDirectories(dir.resolve("in"));
        try (var files = Files.list(dir.resolve("in")))
        {
            for (final Path old : files.toList())
            {
                Files.delete(old);
            }
        }
        PolicyHost.JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
        for (final Map.Entry<String, List<byte[]>> in : inputs.entrySet())
        {
            try (PcapWriter writer = PcapWriter.create(dir.resolve("in").resolve(in.getKey() + ".pcap")))
            {
                long time = BASE_TIME_NANOS;
                for (final byte[] frame : in.getValue())
                {
                    writer.write(time, frame);
                    time += STEP_NANOS;
                }
            }
        }
    }
}
