package dev.nve.control;

import dev.nve.control.config.ConfigException;
import dev.nve.control.replay.Replay;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** The {@code nve} command line. Exit codes: 0 ran, 1 runtime failure, 2 bad usage, config or input. */
@Command(name = "nve", mixinStandardHelpOptions = true, version = "nve 0.1.0",
    description = "Userspace Network Virtualization Edge: VXLAN/EVPN, ILA and identity-based filtering.",
    subcommands = {Main.ReplayCommand.class, dev.nve.control.gen.GenCommand.class, dev.nve.control.run.RunCommand.class,
        dev.nve.control.ctl.CtlCommand.class})
public final class Main implements Callable<Integer>
{
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    public static void main(final String[] args)
    {
        System.exit(execute(args));
    }

    public static int execute(final String... args)
    {
        final CommandLine commandLine = new CommandLine(new Main());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) ->
        {
            cmd.getErr().println("nve: " + e);
            return EXIT_FAILURE;
        });
        return commandLine.execute(args);
    }

    @Override
    public Integer call()
    {
        CommandLine.usage(this, System.out);
        return EXIT_USAGE;
    }

    @Command(name = "replay", description = {
        "Run the pipeline over pcap captures.",
        "Frames of each --in file enter on the named port; every port that transmits gets",
        "DIR/PORT.pcap; DIR/counters.json holds counters per port, stage and drop reason.",
        "",
        "Example:",
        "  nve replay --config docs/examples/basic/config.json \\",
        "      --in uplink=docs/examples/basic/uplink.pcap --in c1=docs/examples/basic/c1.pcap \\",
        "      --out-dir /tmp/out"})
    static final class ReplayCommand implements Callable<Integer>
    {
        @Option(names = "--config", required = true, paramLabel = "CONFIG", description = "host config (JSON, see docs/CONFIG.md)")
        Path config;

        @Option(names = "--in", required = true, paramLabel = "PORT=FILE", description = "input capture (pcap or pcapng) entering on PORT; repeatable")
        Map<String, Path> inputs = new LinkedHashMap<>();

        @Option(names = "--out-dir", required = true, paramLabel = "DIR", description = "where PORT.pcap files and counters.json go")
        Path outDir;

        @Option(names = "--batch", defaultValue = "64", description = "frames per batch (default ${DEFAULT-VALUE})")
        int batch;

        @Option(names = "--frame-size", defaultValue = "4096", description = "frame buffer size, a power of two >= 2048 (default ${DEFAULT-VALUE}); larger frames are skipped and counted")
        int frameSize;

        @Option(names = "--frames", defaultValue = "4096", description = "frame buffers (default ${DEFAULT-VALUE})")
        int frames;

        @Override
        public Integer call()
        {
            if (batch < 1 || batch > 4096 || frames < 2 * batch || Integer.bitCount(frameSize) != 1 || frameSize < 2048 || frameSize > (1 << 20))
            {
                System.err.println("nve replay: --batch must be 1..4096, --frames >= 2 x batch, --frame-size a power of two in [2048, 1048576]");
                return EXIT_USAGE;
            }
            try
            {
                final Replay.Result result = Replay.run(new Replay.Options(config, inputs, outDir, batch, frameSize, frames));
                final StringBuilder line = new StringBuilder("nve replay: wrote");
                result.outputs().forEach((port, file) -> line.append(' ').append(file));
                line.append(' ').append(outDir.resolve("counters.json")).append(' ').append(outDir.resolve(Replay.FLOWS_FILE));
                System.out.println(line);
                return EXIT_OK;
            }
            catch (final ConfigException e)
            {
                System.err.println("nve replay: " + e.getMessage());
                return EXIT_USAGE;
            }
            catch (final IOException e)
            {
                System.err.println("nve replay: " + e.getMessage());
                return EXIT_USAGE;
            }
        }
    }
}
