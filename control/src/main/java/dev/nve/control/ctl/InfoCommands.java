package dev.nve.control.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.socket.ControlClient;
import dev.nve.control.socket.ControlException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/** The reading subcommands of {@code nve ctl}, plus {@code apply} and the raw {@code call}. */
final class InfoCommands
{
    private InfoCommands()
    {
    }

    @Command(name = "health", description = {"Worker state, uptime, table sizes.", "  nve ctl health"})
    static final class Health extends CtlCommand.Sub implements Callable<Integer>
    {
        @Override
        public Integer call()
        {
            return ctl().call("health", CtlCommand.params());
        }
    }

    @Command(name = "bgp", description = {"The BGP sessions: peer, state, uptime, messages, routes received and advertised (needs a bgp section in the config);",
        "with --routes the EVPN routes: ours and each peer's, with what became of them.", "  nve ctl bgp", "  nve ctl bgp --routes"})
    static final class Bgp extends CtlCommand.Sub implements Callable<Integer>
    {
        @Option(names = "--routes", description = "the EVPN routes instead of the sessions")
        boolean routes;

        @Override
        public Integer call()
        {
            final ObjectNode p = CtlCommand.params();
            if (routes)
            {
                p.put("routes", true);
            }
            return ctl().call("bgp", p);
        }
    }

    @Command(name = "stats", description = {"Counters per port, stage, drop reason and policy rule.", "  nve ctl stats --prefix port/c1/"})
    static final class Stats extends CtlCommand.Sub implements Callable<Integer>
    {
        @Option(names = "--prefix", paramLabel = "PREFIX", description = "only counters whose name starts so (port/NAME/, stage/NAME/, policy/)")
        String prefix;

        @Option(names = "--all", description = "also the counters that are 0 (every drop reason has one; --json always has all)")
        boolean all;

        @Override
        public Integer call()
        {
            final ObjectNode p = CtlCommand.params();
            if (prefix != null)
            {
                p.put("prefix", prefix);
            }
            final boolean dropZeros = !all && !ctl().json;
            return ctl().call("counters", p, result ->
            {
                if (dropZeros && result instanceof ObjectNode counters)
                {
                    counters.properties().removeIf(e -> e.getValue().asLong() == 0);
                }
                return result;
            });
        }
    }

    @Command(name = "dump", description = {"A table: fdb, neigh, flood, ila, policies, identities, ports, endpoints or networks.", "  nve ctl dump fdb --vni 100"})
    static final class Dump extends CtlCommand.Sub implements Callable<Integer>
    {
        @Parameters(paramLabel = "TABLE", description = "fdb, neigh, flood, ila, policies, identities, ports, endpoints or networks")
        String table;

        @Option(names = "--vni", paramLabel = "VNI", description = "fdb, neigh: only this network")
        Integer vni;

        @Override
        public Integer call()
        {
            final ObjectNode p = CtlCommand.params().put("table", table);
            if (vni != null)
            {
                p.put("vni", vni);
            }
            return ctl().call("dump", p);
        }
    }

    @Command(name = "monitor", description = {"Stream flow events (one JSON line each) until Ctrl-C, --count or --duration.",
        "  nve ctl monitor --dropped --count 10"})
    static final class Monitor extends CtlCommand.Sub implements Callable<Integer>
    {
        @Option(names = "--dropped", description = "only events of dropped packets")
        boolean dropped;

        @Option(names = "--count", defaultValue = "0", paramLabel = "N", description = "stop after N events (default: no limit)")
        long count;

        @Option(names = "--duration", defaultValue = "0", paramLabel = "SECONDS", description = "stop after this long (default: no limit)")
        double duration;

        @Override
        public Integer call()
        {
            final CtlCommand ctl = ctl();
            final AtomicLong seen = new AtomicLong();
            try (ControlClient client = ControlClient.connect(ctl.socket))
            {
                final Thread timer = duration > 0 ? Thread.ofPlatform().daemon().start(() -> closeAfter(client, duration)) : null;
                try
                {
                    client.stream("monitor", CtlCommand.params().put("dropped", dropped), event ->
                    {
                        ctl.out.println(event.toString());
                        ctl.out.flush();
                        return count <= 0 || seen.incrementAndGet() < count;
                    });
                }
                catch (final IOException e)
                {
                    if (timer == null || timer.isAlive())
                    {
                        throw e;
                    }
                    // the timer closed the connection: --duration reached
                }
                return CtlCommand.EXIT_OK;
            }
            catch (final ControlException e)
            {
                ctl.err.println("nve ctl monitor: " + e.code() + ": " + e.getMessage());
                return CtlCommand.EXIT_REFUSED;
            }
            catch (final IOException e)
            {
                ctl.err.println("nve ctl: " + e.getMessage());
                return CtlCommand.EXIT_NO_CONNECTION;
            }
        }

        private static void closeAfter(final ControlClient client, final double seconds)
        {
            try
            {
                Thread.sleep((long)(seconds * 1000));
                client.close();
            }
            catch (final InterruptedException | IOException e)
            {
                // the stream ended first
            }
        }
    }

    @Command(name = "apply", description = {"Apply a file of operations all or nothing: a JSON array of {\"op\": ..., \"params\": {...}}.",
        "  nve ctl apply changes.json"})
    static final class Apply extends CtlCommand.Sub implements Callable<Integer>
    {
        @Parameters(paramLabel = "FILE")
        Path file;

        @Override
        public Integer call()
        {
            final CtlCommand ctl = ctl();
            final JsonNode ops;
            try
            {
                ops = CtlCommand.JSON.readTree(Files.readString(file));
            }
            catch (final IOException e)
            {
                ctl.err.println("nve ctl apply: " + file + ": " + e.getMessage());
                return CtlCommand.EXIT_USAGE;
            }
            if (ops == null || !ops.isArray())
            {
                ctl.err.println("nve ctl apply: " + file + ": expected a JSON array of {\"op\": ..., \"params\": {...}}");
                return CtlCommand.EXIT_USAGE;
            }
            final ObjectNode p = CtlCommand.params();
            p.set("ops", ops);
            return ctl.call("batch", p);
        }
    }

    @Command(name = "call", description = {"Send one raw request.", "  nve ctl call fdb.add '{\"vni\":100,\"mac\":\"02:00:00:00:0a:02\",\"vtep\":\"198.18.0.2\"}'"})
    static final class Call extends CtlCommand.Sub implements Callable<Integer>
    {
        @Parameters(index = "0", paramLabel = "OP")
        String op;

        @Parameters(index = "1", defaultValue = "{}", paramLabel = "PARAMS", description = "a JSON object (default {})")
        String params;

        @Override
        public Integer call()
        {
            final CtlCommand ctl = ctl();
            final JsonNode p;
            try
            {
                p = CtlCommand.JSON.readTree(params);
            }
            catch (final IOException e)
            {
                ctl.err.println("nve ctl call: PARAMS is not JSON: " + e.getMessage());
                return CtlCommand.EXIT_USAGE;
            }
            if (p == null || !p.isObject())
            {
                ctl.err.println("nve ctl call: PARAMS must be a JSON object");
                return CtlCommand.EXIT_USAGE;
            }
            return ctl.call(op, (ObjectNode)p);
        }
    }
}
