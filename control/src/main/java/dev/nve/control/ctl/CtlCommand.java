package dev.nve.control.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.socket.ControlClient;
import dev.nve.control.socket.ControlException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * {@code nve ctl}: the control socket from the command line (docs/CONTROL.md). Each
 * subcommand is one request; results print as a table (or {@code --json}). Exit codes: 0 done,
 * 1 refused by nve (the error code and message are printed), 2 usage, 3 no connection.
 */
@Command(name = "ctl", mixinStandardHelpOptions = true, description = {
    "Change and read a running nve's tables through its control socket.",
    "",
    "Examples:",
    "  nve ctl health",
    "  nve ctl fdb add 100 02:00:00:00:0a:02 198.18.0.2",
    "  nve ctl policy import study policy.json",
    "  nve ctl dump fdb --vni 100 --json",
    "  nve ctl monitor --dropped --duration 10",
    "  nve ctl bgp",
    "",
    "Exit codes: 0 done, 1 refused by nve (code and message printed), 2 usage error, 3 cannot connect."},
    subcommands = {InfoCommands.Health.class, InfoCommands.Bgp.class, InfoCommands.Stats.class, InfoCommands.Dump.class, InfoCommands.Monitor.class,
        InfoCommands.Apply.class, InfoCommands.Call.class, TableCommands.PortCmd.class, TableCommands.Network.class, TableCommands.Endpoint.class, TableCommands.Fdb.class, TableCommands.Neigh.class, TableCommands.Flood.class, TableCommands.IpCacheCmd.class,
        TableCommands.Ila.class, TableCommands.Policy.class})
public final class CtlCommand
{
    public static final int EXIT_OK = 0;
    public static final int EXIT_REFUSED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_NO_CONNECTION = 3;
    static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--socket", defaultValue = "/run/nve/nve.sock", paramLabel = "PATH", scope = picocli.CommandLine.ScopeType.INHERIT,
        description = "the control socket of nve run (default ${DEFAULT-VALUE})")
    Path socket;

    @Option(names = "--json", scope = picocli.CommandLine.ScopeType.INHERIT, description = "print the result as JSON (for scripts)")
    boolean json;

    PrintStream out = System.out;
    PrintStream err = System.err;

    /** Sends one request and prints its result; returns the exit code. */
    int call(final String op, final ObjectNode params)
    {
        return call(op, params, UnaryOperator.identity());
    }

    /** Sends one request and prints its result after {@code shape}; returns the exit code. */
    int call(final String op, final ObjectNode params, final UnaryOperator<JsonNode> shape)
    {
        try (ControlClient client = ControlClient.connect(socket))
        {
            final JsonNode result = shape.apply(client.call(op, params));
            print(result);
            return EXIT_OK;
        }
        catch (final ControlException e)
        {
            err.println("nve ctl " + op + ": " + e.code() + ": " + e.getMessage());
            return EXIT_REFUSED;
        }
        catch (final IOException e)
        {
            err.println("nve ctl: " + e.getMessage());
            return EXIT_NO_CONNECTION;
        }
    }

    void print(final JsonNode result)
    {
        if (json)
        {
            out.println(result.toString());
        }
        else
        {
            Render.human(result, out);
        }
    }

    static ObjectNode params()
    {
        return JSON.createObjectNode();
    }

    /** Base of the subcommands: finds this command for the shared options. */
    abstract static class Sub
    {
        @ParentCommand
        Object parent;

        CtlCommand ctl()
        {
            Object p = parent;
            while (!(p instanceof CtlCommand))
            {
                p = ((Sub)p).parent;
            }
            return (CtlCommand)p;
        }
    }
}
