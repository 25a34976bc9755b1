package dev.nve.control.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.config.ConfigException;
import dev.nve.control.ops.TableOps;
import dev.nve.control.config.HostConfig;
import dev.nve.control.config.SecurityConfig;
import dev.nve.dataplane.conntrack.ConntrackTable;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.flow.FlowEvents;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.pcap.PcapFile;
import dev.nve.dataplane.pcap.PcapReader;
import dev.nve.dataplane.pcap.PcapRecord;
import dev.nve.dataplane.pcap.PcapWriter;
import dev.nve.dataplane.pipeline.Pipeline;
import dev.nve.dataplane.policy.IdentityRegistry;
import dev.nve.dataplane.policy.PolicyTable;
import dev.nve.dataplane.port.PcapPort;
import dev.nve.dataplane.port.Port;
import dev.nve.dataplane.table.Tables;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs the real pipeline over captures: frames from each input file enter on the named port,
 * every port that transmits gets {@code DIR/PORT.pcap}, and {@code DIR/counters.json} holds
 * the counters, {@code DIR/flows.jsonl} the flow events of the identity filter (one JSON
 * object per line). Everything is validated (config, files, port names) before anything is
 * written, and outputs are written to a scratch directory and moved into place at the end,
 * so a failed run leaves no half-written results.
 */
public final class Replay
{
    public record Options(Path config, Map<String, Path> inputs, Path outDir, int batchSize, int frameSize, int frameCount)
    {
        public static final int DEFAULT_BATCH = 64;
        public static final int DEFAULT_FRAME_SIZE = FrameMemory.DEFAULT_FRAME_SIZE;
        public static final int DEFAULT_FRAMES = 4096;
    }

    /** What a run produced: output files per port and the counters. */
    public record Result(Map<String, Path> outputs, ObjectNode counters)
    {
    }

    public static final String FLOWS_FILE = "flows.jsonl";

    private Replay()
    {
    }

    public static Result run(final Options options) throws ConfigException, IOException
    {
        final HostConfig config = HostConfig.load(options.config());
        final Map<String, List<PcapRecord>> inputs = new LinkedHashMap<>();
        final List<String> portNames = new ArrayList<>(config.portNames());
        for (final Map.Entry<String, Path> in : options.inputs().entrySet())
        {
            if (!portNames.contains(in.getKey()))
            {
                throw new ConfigException("--in " + in.getKey() + "=" + in.getValue() + ": port \"" + in.getKey() + "\" is not in the config (ports: " + String.join(", ", portNames) + ")");
            }
            final PcapFile file = PcapReader.read(in.getValue());
            inputs.put(in.getKey(), file.records());
        }
        try (Tables tables = new Tables(config.sizes());
            FrameMemory memory = FrameMemory.allocate(options.frameCount(), options.frameSize(), FrameMemory.DEFAULT_HEADROOM))
        {
            // the config's sections, then its operations (the control socket's code)
            final IdentityRegistry identities = TableOps.start(config, tables, new Counters(), registry -> null, Map::of).context().identities();
            Files.createDirectories(options.outDir());
            final Path scratch = Files.createTempDirectory(options.outDir(), ".replay-");
            try
            {
                final ObjectNode counters = runPipeline(tables, memory, inputs, scratch, options.batchSize(), config.security(), identities);
                final Map<String, Path> outputs = publish(scratch, options.outDir(), counters);
                return new Result(outputs, counters);
            }
            finally
            {
                deleteRecursively(scratch);
            }
        }
    }

    private static ObjectNode runPipeline(final Tables tables, final FrameMemory memory, final Map<String, List<PcapRecord>> inputs, final Path scratch,
        final int batchSize, final SecurityConfig security, final IdentityRegistry identities) throws IOException
    {
        final FramePool pool = new FramePool(memory);
        final Counters counters = new Counters();
        final int portCount = tables.ports().count();
        final Port[] ports = new Port[portCount];
        final PcapPort[] pcapPorts = new PcapPort[portCount];
        final List<PcapWriter> writers = new ArrayList<>();
        final ConntrackTable conntrack = new ConntrackTable(security.conntrackEntries());
        try
        {
            for (int id = 0; id < portCount; id++)
            {
                final String name = tables.ports().name(id);
                final PcapWriter writer = PcapWriter.create(scratch.resolve(name + ".pcap"));
                writers.add(writer);
                pcapPorts[id] = new PcapPort(id, name, pool, inputs.getOrDefault(name, List.of()), writer);
                ports[id] = pcapPorts[id];
            }
            final FlowEvents events = new FlowEvents(security.flowEventBytes());
            final Pipeline pipeline = new Pipeline(tables, ports, pool, counters, batchSize, conntrack, events);
            final ObjectWriter line = new ObjectMapper().writer();
            try (BufferedWriter flows = Files.newBufferedWriter(scratch.resolve(FLOWS_FILE)))
            {
                final IOException[] failure = new IOException[1];
                final Consumer<FlowEvents.FlowEvent> sink = event ->
                {
                    try
                    {
                        flows.write(line.writeValueAsString(FlowJson.toJson(event, tables, identities, tables.policy())));
                        flows.newLine();
                    }
                    catch (final IOException e)
                    {
                        failure[0] = e;
                    }
                };
                while (pipeline.poll() > 0 || anyPending(pcapPorts))
                {
                    // poll() returns 0 only when no port had input; pending input means the pool
                    // ran dry for a moment, which the next poll after transmission resolves.
                    // Draining after every batch keeps a replay from losing events.
                    events.drain(sink, Integer.MAX_VALUE);
                }
                events.drain(sink, Integer.MAX_VALUE);
                if (failure[0] != null)
                {
                    throw failure[0];
                }
            }
            for (final PcapPort port : pcapPorts)
            {
                if (port.firstTxError() != null)
                {
                    throw new IOException("writing " + port.name() + ".pcap: " + port.firstTxError().getMessage(), port.firstTxError());
                }
            }
            if (pool.inUse() != 0)
            {
                throw new IllegalStateException("frame leak: " + pool.inUse() + " frames not returned after replay");
            }
            final ObjectNode json = CountersJson.toJson(counters.snapshot());
            for (final PcapPort port : pcapPorts)
            {
                final ObjectNode portJson = json.withObjectProperty("ports").withObjectProperty(port.name());
                portJson.put("rx_skipped_oversize", port.rxOversize());
                portJson.put("rx_skipped_linktype", port.rxSkippedLinkType());
            }
            json.put("frames_in_use_after_run", pool.inUse());
            json.put("flow_events", events.written());
            json.put("flow_events_lost", events.lost());
            json.put("conntrack_entries", pipeline.filter().conntrack().size());
            final ObjectNode rules = json.putObject("policy_rules");
            final PolicyTable policy = tables.policy();
            for (int rule = 0; rule < policy.ruleNames().size(); rule++)
            {
                if (policy.rulePackets(rule) > 0)
                {
                    final ObjectNode r = rules.putObject(policy.ruleNames().get(rule));
                    r.put("packets", policy.rulePackets(rule));
                    r.put("bytes", policy.ruleBytes(rule));
                }
            }
            return json;
        }
        finally
        {
            for (final PcapWriter writer : writers)
            {
                writer.close();
            }
            conntrack.close();
        }
    }

    private static boolean anyPending(final PcapPort[] ports)
    {
        for (final PcapPort port : ports)
        {
            if (port.hasPendingInput())
            {
                return true;
            }
        }
        return false;
    }

    private static Map<String, Path> publish(final Path scratch, final Path outDir, final ObjectNode counters) throws IOException
    {
        final Map<String, Path> outputs = new LinkedHashMap<>();
        final ObjectNode ports = (ObjectNode)counters.get("ports");
        for (final Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> port : ports.properties())
        {
            final Path target = outDir.resolve(port.getKey() + ".pcap");
            Files.deleteIfExists(target);
            if (port.getValue().path("tx_packets").asLong() > 0)
            {
                Files.move(scratch.resolve(port.getKey() + ".pcap"), target, StandardCopyOption.REPLACE_EXISTING);
                outputs.put(port.getKey(), target);
            }
        }
        Files.move(scratch.resolve(FLOWS_FILE), outDir.resolve(FLOWS_FILE), StandardCopyOption.REPLACE_EXISTING);
        final Path countersFile = outDir.resolve("counters.json");
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(countersFile.toFile(), counters);
        return outputs;
    }

    private static void deleteRecursively(final Path dir) throws IOException
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (var paths = Files.walk(dir))
        {
            for (final Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(p);
            }
        }
    }
}
