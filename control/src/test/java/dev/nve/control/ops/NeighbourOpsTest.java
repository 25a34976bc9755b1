package dev.nve.control.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.config.ConfigException;
import dev.nve.control.config.HostConfig;
import dev.nve.control.socket.ControlException;
import dev.nve.control.socket.ErrorCode;
import dev.nve.control.socket.Request;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.flow.FlowEvents;
import dev.nve.dataplane.table.IpCache;
import dev.nve.dataplane.table.NeighbourTable;
import dev.nve.dataplane.table.Tables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code neigh.add}, {@code neigh.del} and {@code dump neigh} on real tables: add, replace,
 * delete, BAD_PARAM naming the field, NOT_FOUND, TABLE_FULL, batches that fail part-way
 * changing nothing, {@code network.del} taking the network's entries (and giving them back
 * when its batch fails), and the list-form config.
 */
final class NeighbourOpsTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Two networks, a table of three proxy entries. */
    private static final String CONFIG = """
        [{"op": "underlay.set", "params": {"port": "uplink", "mac": "02:00:00:00:00:01", "vteps": ["198.18.0.1"], "gatewayMac": "02:00:00:00:00:fe"}},
         {"op": "tables.set", "params": {"neighbourEntries": 3}},
         {"op": "network.add", "params": {"vni": 100}},
         {"op": "network.add", "params": {"vni": 200}},
         {"op": "neigh.add", "params": {"vni": 100, "ip": "198.19.0.50", "mac": "02:00:c6:13:00:50"}}]
        """;

    private Tables tables;
    private TableOps ops;
    private int nextId;

    private void start(final String config) throws Exception
    {
        final HostConfig parsed = HostConfig.parse(JSON.readTree(config));
        tables = new Tables(parsed.sizes());
        final FlowEvents events = new FlowEvents(1 << 10);
        ops = TableOps.start(parsed, tables, new Counters(), registry -> new FlowMonitor(events, tables, registry), () -> Map.of("worker", "test"));
    }

    @AfterEach
    void close()
    {
        if (tables != null)
        {
            tables.close();
        }
    }

    private JsonNode call(final String op, final String params) throws Exception
    {
        return JSON.valueToTree(ops.handle(new Request(JSON.getNodeFactory().numberNode(++nextId), op, (ObjectNode)JSON.readTree(params))));
    }

    private ControlException refused(final ErrorCode code, final String message, final String op, final String params)
    {
        final ControlException e = assertThrows(ControlException.class, () -> call(op, params));
        assertEquals(code, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        return e;
    }

    private String dump() throws Exception
    {
        return call("dump", "{\"table\":\"neigh\"}").toString();
    }

    private long lookup(final int vni, final String ip) throws Exception
    {
        final InetAddress address = InetAddress.getByName(ip);
        return tables.neighbours().lookup(tables.networks().find(vni), IpCache.high(address), IpCache.low(address));
    }

    @Test
    void theListFormConfigAddsEntriesAndTheOperationsAddReplaceAndDelete() throws Exception
    {
        start(CONFIG);
        assertEquals(0x02_00_C6_13_00_50L, lookup(100, "198.19.0.50"), "neigh.add of the config");
        assertEquals(3, tables.neighbours().maxEntries(), "tables.neighbourEntries");
        assertTrue(call("neigh.add", "{\"vni\":100,\"ip\":\"fd00::50\",\"mac\":\"02:00:c6:13:00:50\"}").get("replaced").isNull());
        assertEquals("02:00:c6:13:00:50", call("neigh.add", "{\"vni\":100,\"ip\":\"198.19.0.50\",\"mac\":\"02:00:c6:13:00:51\"}").get("replaced").asText());
        assertEquals(0x02_00_C6_13_00_51L, lookup(100, "198.19.0.50"));
        assertEquals(NeighbourTable.MISSING, lookup(200, "198.19.0.50"), "networks are apart");
        assertEquals("[{\"vni\":100,\"ip\":\"198.19.0.50\",\"mac\":\"02:00:c6:13:00:51\"},{\"vni\":100,\"ip\":\"fd00:0:0:0:0:0:0:50\",\"mac\":\"02:00:c6:13:00:50\"}]",
            dump());
        assertEquals("[]", call("dump", "{\"table\":\"neigh\",\"vni\":200}").toString());
        assertEquals("02:00:c6:13:00:51", call("neigh.del", "{\"vni\":100,\"ip\":\"198.19.0.50\"}").get("removed").asText());
        assertEquals(NeighbourTable.MISSING, lookup(100, "198.19.0.50"));
        assertEquals(1, call("health", "{}").get("tables").get("neighbours").asInt());
    }

    @Test
    void badParametersNameTheField() throws Exception
    {
        start(CONFIG);
        refused(ErrorCode.BAD_PARAM, "neigh.add: params.mac:", "neigh.add", "{\"vni\":100,\"ip\":\"198.19.0.51\",\"mac\":\"00:00:00:00:00:00\"}");
        refused(ErrorCode.BAD_PARAM, "neigh.add: params.mac:", "neigh.add", "{\"vni\":100,\"ip\":\"198.19.0.51\",\"mac\":\"33:33:00:00:00:01\"}");
        refused(ErrorCode.BAD_PARAM, "neigh.add: params.mac:", "neigh.add", "{\"vni\":100,\"ip\":\"198.19.0.51\",\"mac\":\"nope\"}");
        refused(ErrorCode.BAD_PARAM, "neigh.add: params.ip:", "neigh.add", "{\"vni\":100,\"ip\":\"198.19.0.256\",\"mac\":\"02:00:00:00:00:51\"}");
        refused(ErrorCode.BAD_PARAM, "neigh.add: params.ip: \"224.0.0.1\" is not a unicast address", "neigh.add",
            "{\"vni\":100,\"ip\":\"224.0.0.1\",\"mac\":\"02:00:00:00:00:51\"}");
        refused(ErrorCode.BAD_PARAM, "neigh.add: params.ip:", "neigh.add", "{\"vni\":100,\"ip\":\"ff02::1\",\"mac\":\"02:00:00:00:00:51\"}");
        refused(ErrorCode.BAD_PARAM, "neigh.add: params.ip:", "neigh.add", "{\"vni\":100,\"ip\":\"0.0.0.0\",\"mac\":\"02:00:00:00:00:51\"}");
        refused(ErrorCode.BAD_PARAM, "neigh.add: params.ip:", "neigh.add", "{\"vni\":100,\"ip\":\"::\",\"mac\":\"02:00:00:00:00:51\"}");
        refused(ErrorCode.BAD_PARAM, "neigh.add: params.ip:", "neigh.add", "{\"vni\":100,\"ip\":\"255.255.255.255\",\"mac\":\"02:00:00:00:00:51\"}");
        refused(ErrorCode.BAD_PARAM, "neigh.add: params.vni: out of range", "neigh.add", "{\"vni\":16777216,\"ip\":\"198.19.0.51\",\"mac\":\"02:00:00:00:00:51\"}");
        refused(ErrorCode.BAD_PARAM, "neigh.add: params.ip: required", "neigh.add", "{\"vni\":100,\"mac\":\"02:00:00:00:00:51\"}");
        refused(ErrorCode.BAD_PARAM, "neigh.add: params.ttl: unknown field", "neigh.add", "{\"vni\":100,\"ip\":\"198.19.0.51\",\"mac\":\"02:00:00:00:00:51\",\"ttl\":1}");
        refused(ErrorCode.BAD_PARAM, "neigh.del: params.ip:", "neigh.del", "{\"vni\":100,\"ip\":\"x\"}");
        refused(ErrorCode.BAD_PARAM, "dump: params.vni:", "dump", "{\"table\":\"neigh\",\"vni\":-2}");
        refused(ErrorCode.NOT_FOUND, "neigh.add: unknown VNI 300", "neigh.add", "{\"vni\":300,\"ip\":\"198.19.0.51\",\"mac\":\"02:00:00:00:00:51\"}");
        refused(ErrorCode.NOT_FOUND, "neigh.del: unknown VNI 300", "neigh.del", "{\"vni\":300,\"ip\":\"198.19.0.51\"}");
        refused(ErrorCode.NOT_FOUND, "neigh.del: 198.19.0.51 has no proxy entry in VNI 100", "neigh.del", "{\"vni\":100,\"ip\":\"198.19.0.51\"}");
        assertEquals("[{\"vni\":100,\"ip\":\"198.19.0.50\",\"mac\":\"02:00:c6:13:00:50\"}]", dump(), "nothing changed");
    }

    @Test
    void aFullTableRefusesAndAFailingBatchLeavesTheTableUnchanged() throws Exception
    {
        start(CONFIG);
        call("neigh.add", "{\"vni\":100,\"ip\":\"198.19.0.51\",\"mac\":\"02:00:00:00:00:51\"}");
        call("neigh.add", "{\"vni\":200,\"ip\":\"fd00::52\",\"mac\":\"02:00:00:00:00:52\"}");
        final String before = dump();
        refused(ErrorCode.TABLE_FULL, "neighbour table full (3 entries)", "neigh.add", "{\"vni\":100,\"ip\":\"198.19.0.53\",\"mac\":\"02:00:00:00:00:53\"}");
        assertEquals(before, dump());
        // replace, delete, add (room again), then one more add: full; every step is undone
        final ControlException e = refused(ErrorCode.TABLE_FULL, "batch: params.ops[4]", "batch", """
            {"ops": [{"op": "neigh.add", "params": {"vni": 100, "ip": "198.19.0.50", "mac": "02:00:00:00:99:50"}},
                     {"op": "neigh.del", "params": {"vni": 100, "ip": "198.19.0.51"}},
                     {"op": "neigh.add", "params": {"vni": 100, "ip": "198.19.0.60", "mac": "02:00:00:00:00:60"}},
                     {"op": "neigh.add", "params": {"vni": 200, "ip": "fd00::52", "mac": "02:00:00:00:99:52"}},
                     {"op": "neigh.add", "params": {"vni": 200, "ip": "198.19.0.61", "mac": "02:00:00:00:00:61"}}]}
            """);
        assertTrue(e.getMessage().contains("neigh.add"), e.getMessage());
        assertEquals(before, dump());
        assertEquals(0x02_00_C6_13_00_50L, lookup(100, "198.19.0.50"));
        assertEquals(NeighbourTable.MISSING, lookup(100, "198.19.0.60"));
        // a batch failing on a bad param after changes: also undone
        refused(ErrorCode.BAD_PARAM, "batch: params.ops[1] (neigh.add): neigh.add: params.mac", "batch", """
            {"ops": [{"op": "neigh.del", "params": {"vni": 100, "ip": "198.19.0.50"}},
                     {"op": "neigh.add", "params": {"vni": 100, "ip": "198.19.0.62", "mac": "ff:ff:ff:ff:ff:ff"}}]}
            """);
        assertEquals(before, dump());
    }

    @Test
    void networkDelTakesTheNetworksEntriesAndAFailedBatchGivesThemBack() throws Exception
    {
        start(CONFIG);
        call("neigh.add", "{\"vni\":200,\"ip\":\"198.19.0.70\",\"mac\":\"02:00:00:00:00:70\"}");
        final String before = dump();
        refused(ErrorCode.NOT_FOUND, "batch: params.ops[1]", "batch", """
            {"ops": [{"op": "network.del", "params": {"vni": 100}},
                     {"op": "neigh.del", "params": {"vni": 100, "ip": "198.19.0.50"}}]}
            """);
        assertEquals(before, dump());
        assertEquals(0x02_00_C6_13_00_50L, lookup(100, "198.19.0.50"), "back under the network's new index");
        assertEquals(1, call("network.del", "{\"vni\":100}").get("neighbours").asInt());
        assertEquals("[{\"vni\":200,\"ip\":\"198.19.0.70\",\"mac\":\"02:00:00:00:00:70\"}]", dump());
        assertEquals(1, tables.neighbours().size(), "the entries are gone, not just unreachable");
        call("network.add", "{\"vni\":100}");
        assertEquals(NeighbourTable.MISSING, lookup(100, "198.19.0.50"), "a new network of the same VNI starts empty");
    }

    @Test
    void aConfigOperationRefusedNamesItsPlace()
    {
        final ConfigException e = assertThrows(ConfigException.class, () -> start(CONFIG.replace("\"vni\": 100, \"ip\"", "\"vni\": 300, \"ip\"")));
        assertTrue(e.getMessage().startsWith("operations[4] (neigh.add): neigh.add: unknown VNI 300"), e.getMessage());
    }
}
