package dev.nve.pcaptests;

import dev.nve.control.config.HostConfig;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every {@code ```json} block of docs/CONFIG.md is a complete config that loads and applies. */
final class ConfigDocTest
{
    @TempDir
    Path tmp;

    @Test
    void examplesInConfigMdLoadAndApply() throws Exception
    {
        final Path doc = SuitePaths.repositoryRoot().resolve("docs/CONFIG.md");
        final Matcher m = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(doc));
        final List<String> blocks = new ArrayList<>();
        while (m.find())
        {
            blocks.add(m.group(1));
        }
        assertEquals(2, blocks.size(), "docs/CONFIG.md has two complete examples");
        for (int i = 0; i < blocks.size(); i++)
        {
            final Path file = tmp.resolve("example-" + i + ".json");
            Files.writeString(file, blocks.get(i));
            final HostConfig config = HostConfig.load(file);
            try (Tables tables = new Tables(config.sizes()))
            {
                config.apply(new TableWriter(tables));
                assertTrue(tables.fdb().size() > 0, "example " + i + " has FDB entries");
            }
        }
    }

    @Test
    void bundledExampleLoadsAndApplies() throws Exception
    {
        final HostConfig config = HostConfig.load(SuitePaths.docsExampleDir().resolve("config.json"));
        try (Tables tables = new Tables(config.sizes()))
        {
            config.apply(new TableWriter(tables));
        }
        assertEquals(List.of("uplink", "c1"), config.portNames(), "./nve demo feeds uplink.pcap and c1.pcap");
    }
}
