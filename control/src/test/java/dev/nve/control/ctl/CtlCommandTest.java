package dev.nve.control.ctl;

import dev.nve.control.Main;
import dev.nve.control.config.HostConfig;
import dev.nve.control.ops.FlowMonitor;
import dev.nve.control.ops.TableOps;
import dev.nve.control.socket.ControlServer;
import dev.nve.control.socket.ControlServerOptions;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.flow.FlowEvents;
import dev.nve.dataplane.table.IpCache;
import dev.nve.dataplane.table.Tables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code nve ctl} in-process against a control server over real tables: human tables and
 * {@code --json}, the exit codes scripts rely on (0 done, 1 refused, 2 usage, 3 no
 * connection), {@code apply} all or nothing, policy import from a file, and {@code monitor}.
 */
final class CtlCommandTest
{
    @TempDir
    Path dir;

    private Tables tables;
    private ControlServer server;
    private FlowEvents events;
    private Path socket;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception
    {
        final HostConfig config = HostConfig.load(Path.of(getClass().getResource("/ops/host.json").toURI()));
        tables = new Tables(config.sizes());
        events = new FlowEvents(1 << 16);
        socket = dir.resolve("nve.sock");
        server = ControlServer.start(ControlServerOptions.defaults().withSocketPath(socket),
            TableOps.start(config, tables, new Counters(), registry -> new FlowMonitor(events, tables, registry), () -> Map.of("worker", "running")));
    }

    @AfterEach
    void close()
    {
        server.close();
        tables.close();
    }

    private int ctl(final String... args)
    {
        out.reset();
        err.reset();
        final PrintStream stdout = System.out;
        final PrintStream stderr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try
        {
            final String[] all = new String[args.length + 3];
            all[0] = "ctl";
            all[1] = "--socket";
            all[2] = socket.toString();
            System.arraycopy(args, 0, all, 3, args.length);
            return Main.execute(all);
        }
        finally
        {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }

    private String out()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void tablesForPeopleJsonForScripts()
    {
        assertEquals(0, ctl("health"));
        assertTrue(out().contains("status") && out().contains("running"), out());
        assertEquals(0, ctl("fdb", "add", "100", "02:00:00:00:0b:02", "198.18.0.2"));
        assertEquals(0, ctl("dump", "fdb", "--vni", "100"));
        final String table = out();
        assertTrue(table.startsWith("VNI  MAC                VTEP        PORT"), table);
        assertTrue(table.contains("100  02:00:00:00:0b:02  198.18.0.2  -") && table.contains("(3 entries)"), table);
        assertEquals(0, ctl("dump", "fdb", "--vni", "100", "--json"));
        assertTrue(out().strip().startsWith("[{\"vni\":100,"), out());
        assertEquals(0, ctl("stats"));
        assertFalse(out().contains(" 0\n"), "zero counters are left out for people: " + out());
    }

    @Test
    void neighbourProxyEntriesAddDumpDel()
    {
        assertEquals(0, ctl("neigh", "add", "100", "198.19.0.50", "02:00:c6:13:00:50"));
        assertEquals(0, ctl("neigh", "add", "100", "fd00::50", "02:00:c6:13:00:50"));
        assertEquals(0, ctl("neigh", "add", "200", "198.19.0.50", "02:00:c6:13:00:51"));
        assertEquals(0, ctl("dump", "neigh", "--vni", "100"));
        final String table = out();
        assertTrue(table.startsWith("VNI  IP                   MAC"), table);
        assertTrue(table.contains("100  198.19.0.50          02:00:c6:13:00:50\n") && table.contains("100  fd00:0:0:0:0:0:0:50  02:00:c6:13:00:50\n")
            && table.contains("(2 entries)"), table);
        assertEquals(0, ctl("dump", "neigh", "--json"));
        assertEquals("[{\"vni\":100,\"ip\":\"198.19.0.50\",\"mac\":\"02:00:c6:13:00:50\"},{\"vni\":100,\"ip\":\"fd00:0:0:0:0:0:0:50\",\"mac\":"
            + "\"02:00:c6:13:00:50\"},{\"vni\":200,\"ip\":\"198.19.0.50\",\"mac\":\"02:00:c6:13:00:51\"}]", out().strip());
        assertEquals(0, ctl("neigh", "del", "100", "198.19.0.50"));
        assertEquals(1, ctl("neigh", "del", "100", "198.19.0.50"));
        assertTrue(err().contains("NOT_FOUND: neigh.del: 198.19.0.50 has no proxy entry in VNI 100"), err());
        assertEquals(1, ctl("neigh", "add", "100", "198.19.0.52", "01:00:5e:00:00:01"));
        assertTrue(err().contains("BAD_PARAM: neigh.add: params.mac:"), err());
        assertEquals(2, ctl("neigh", "add", "100"));
    }

    @Test
    void exitCodesScriptsCanRelyOn() throws Exception
    {
        assertEquals(1, ctl("fdb", "del", "100", "02:00:00:00:0b:09"));
        assertTrue(err().contains("nve ctl fdb.del: NOT_FOUND: fdb.del: MAC 02:00:00:00:0b:09 in VNI 100 has no FDB entry"), err());
        assertEquals(1, ctl("call", "fdb.add", "{\"vni\":100,\"mac\":\"02:00:00:00:0b:02\",\"vtep\":\"198.18.0.2\",\"ttl\":5}"));
        assertTrue(err().contains("BAD_PARAM: fdb.add: params.ttl: unknown field"), err());
        assertEquals(2, ctl("fdb", "add", "100"));
        assertEquals(2, ctl("call", "health", "[1]"));
        final Path elsewhere = dir.resolve("none.sock");
        assertEquals(3, Main.execute("ctl", "--socket", elsewhere.toString(), "health"));
    }

    @Test
    void applyIsAllOrNothing() throws Exception
    {
        final Path file = dir.resolve("ops.json");
        Files.writeString(file, """
            [{"op": "fdb.add", "params": {"vni": 100, "mac": "02:00:00:00:0b:02", "vtep": "198.18.0.2"}},
             {"op": "ipcache.set", "params": {"vni": 100, "ip": "198.19.1.99", "identity": 4242}},
             {"op": "flood.add", "params": {"vni": 999, "vtep": "198.18.0.2"}}]
            """);
        assertEquals(1, ctl("apply", file.toString()));
        assertTrue(err().contains("NOT_FOUND: batch: params.ops[2]"), err());
        assertEquals(0, ctl("dump", "fdb", "--json"));
        assertFalse(out().contains("0b:02"), out());
        Files.writeString(file, Files.readString(file).replace("999", "200"));
        assertEquals(0, ctl("apply", file.toString()));
        assertTrue(out().contains("applied  3"), out());
        Files.writeString(file, "{\"op\": \"health\"}");
        assertEquals(2, ctl("apply", file.toString()));
    }

    @Test
    void policyFromAFileAndTheMonitor() throws Exception
    {
        final Path policy = dir.resolve("study.json");
        Files.writeString(policy, "[{\"endpointSelector\": {\"matchLabels\": {\"id\": \"service1\"}}, \"ingress\": [{\"fromEndpoints\": "
            + "[{\"matchLabels\": {\"id\": \"service1\"}}], \"toPorts\": [{\"ports\": [{\"protocol\": \"tcp\", \"port\": \"5201\"}]}]}]}]");
        assertEquals(0, ctl("policy", "import", "study", policy.toString()));
        assertEquals(0, ctl("policy", "list"));
        assertTrue(out().contains("study") && out().contains("(2 entries)"), out());
        for (int i = 0; i < 3; i++)
        {
            events.write(i, 300, 301, 1, 0, FlowEvents.VERDICT_DROPPED, 4, 6, FlowEvents.DIRECTION_INGRESS, 181, 40000 + i, 5202, 1, 2, 60,
                0, IpCache.v4MappedLow(0xC6_13_01_01), 0, IpCache.v4MappedLow(0xC6_13_02_02));
        }
        assertEquals(0, ctl("monitor", "--count", "3", "--duration", "20"));
        final String[] lines = out().strip().split("\n");
        assertEquals(3, lines.length, out());
        assertTrue(lines[0].contains("\"verdict\":\"DROPPED\"") && lines[0].contains("\"drop_reason_desc\":\"POLICY_DENY\""), lines[0]);
        assertTrue(lines[2].contains("\"source_port\":40002"), lines[2]);
    }
}
