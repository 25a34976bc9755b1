package dev.nve.control.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.ops.TableOps;
import dev.nve.control.socket.ControlException;
import dev.nve.control.socket.ErrorCode;
import dev.nve.control.socket.Request;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.table.Tables;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A config written as a list of control operations builds exactly the tables of the same config
 * written as an object, its errors name the operation, and the same file applied again through
 * the control socket's operations changes nothing.
 */
final class ConfigOperationsTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path resource(final String name) throws Exception
    {
        return Path.of(ConfigOperationsTest.class.getResource(name).toURI());
    }

    /** Everything the operations can show, as text. */
    private static String state(final TableOps ops) throws Exception
    {
        final StringBuilder s = new StringBuilder();
        for (final String table : new String[] {"fdb", "flood", "ila", "policies", "ports", "endpoints", "networks", "identities"})
        {
            final JsonNode dump = JSON.valueToTree(call(ops, "dump", "{\"table\":\"" + table + "\"}"));
            s.append(table).append('=').append(dump).append('\n');
        }
        return s.toString();
    }

    private static Object call(final TableOps ops, final String op, final String params) throws Exception
    {
        return ops.handle(new Request(JSON.getNodeFactory().numberNode(1), op, (ObjectNode)JSON.readTree(params)));
    }

    private static TableOps start(final HostConfig config, final Tables tables) throws ConfigException
    {
        return TableOps.start(config, tables, new Counters(), registry -> null, Map::of);
    }

    @Test
    void theListFormBuildsTheSameTablesAsTheObjectForm() throws Exception
    {
        final HostConfig object = HostConfig.load(resource("/ops/host.json"));
        final HostConfig list = HostConfig.load(resource("/ops/host-operations.json"));
        assertEquals(object.portNames(), list.portNames(), "nve run opens the same interfaces");
        try (Tables a = new Tables(object.sizes()); Tables b = new Tables(list.sizes()))
        {
            final TableOps fromObject = start(object, a);
            final TableOps fromList = start(list, b);
            assertEquals(state(fromObject), state(fromList));
            a.fdb().forEach((key, value) -> assertEquals(value, b.fdb().get(key), "FDB " + Long.toHexString(key)));
        }
    }

    @Test
    void theSameFileAppliedAgainChangesNothing() throws Exception
    {
        final Path file = resource("/ops/host-operations.json");
        final HostConfig config = HostConfig.load(file);
        try (Tables tables = new Tables(config.sizes()))
        {
            final TableOps ops = start(config, tables);
            final String before = state(ops);
            final ObjectNode batch = JSON.createObjectNode();
            batch.set("ops", JSON.readTree(Files.readString(file)));
            final JsonNode result = JSON.valueToTree(ops.handle(new Request(JSON.getNodeFactory().numberNode(1), "batch", batch)));
            assertEquals(13, result.get("applied").asInt(), result.toString());
            assertEquals(before, state(ops));
            final ControlException moved = assertThrows(ControlException.class,
                () -> call(ops, "underlay.set", "{\"port\":\"uplink\",\"mac\":\"02:00:00:00:00:09\",\"vteps\":[\"198.18.0.1\"]}"));
            assertEquals(ErrorCode.CONFLICT, moved.code());
            assertTrue(moved.getMessage().contains("fixed while nve runs"), moved.getMessage());
            assertEquals(ErrorCode.CONFLICT, assertThrows(ControlException.class, () -> call(ops, "port.add", "{\"name\":\"c9\"}")).code());
        }
    }

    @Test
    void theListFormTakesTheBgpSpeaker() throws Exception
    {
        final String underlay = "{\"op\":\"underlay.set\",\"params\":{\"port\":\"uplink\",\"mac\":\"02:00:00:00:00:01\",\"vteps\":[\"198.18.0.1\"]}}";
        final String bgp = "{\"as\":65000,\"routerId\":\"198.18.0.1\",\"holdTime\":9,\"peers\":[{\"address\":\"198.18.0.9\",\"as\":65000}]}";
        final HostConfig list = HostConfig.parse(JSON.readTree("[" + underlay + ",{\"op\":\"bgp.set\",\"params\":" + bgp + "}]"));
        final HostConfig object = HostConfig.parse(JSON.readTree("{\"underlay\":{\"port\":\"uplink\",\"mac\":\"02:00:00:00:00:01\","
            + "\"vteps\":[\"198.18.0.1\"]},\"bgp\":" + bgp + "}"));
        assertEquals(object.bgp(), list.bgp());
        assertEquals(9, list.bgp().holdTime());
        assertRefused("operations[2] (bgp.set): given twice (operations[1] (bgp.set))",
            "[" + underlay + ",{\"op\":\"bgp.set\",\"params\":" + bgp + "},{\"op\":\"bgp.set\",\"params\":" + bgp + "}]");
        try (Tables tables = new Tables(list.sizes()))
        {
            final TableOps ops = start(list, tables);
            assertEquals("{\"changed\":false}", JSON.valueToTree(call(ops, "bgp.set", bgp)).toString(), "the same speaker again");
            final ControlException other = assertThrows(ControlException.class, () -> call(ops, "bgp.set", bgp.replace("65000,\"routerId", "65001,\"routerId")));
            assertEquals(ErrorCode.CONFLICT, other.code(), other.getMessage());
        }
    }

    @Test
    void errorsNameTheOperation() throws Exception
    {
        assertRefused("operations[1] (remoteVtep.add): remoteVteps[0].mac: invalid MAC address: \"02:00\"",
            "[{\"op\":\"underlay.set\",\"params\":{\"port\":\"uplink\",\"mac\":\"02:00:00:00:00:01\",\"vteps\":[\"198.18.0.1\"]}},"
                + "{\"op\":\"remoteVtep.add\",\"params\":{\"address\":\"198.18.0.2\",\"mac\":\"02:00\"}}]");
        assertRefused("operations[1] (underlay.set): given twice (operations[0] (underlay.set))",
            "[{\"op\":\"underlay.set\",\"params\":{\"port\":\"uplink\",\"mac\":\"02:00:00:00:00:01\",\"vteps\":[\"198.18.0.1\"]}},"
                + "{\"op\":\"underlay.set\",\"params\":{\"port\":\"uplink\",\"mac\":\"02:00:00:00:00:01\",\"vteps\":[\"198.18.0.1\"]}}]");
        assertRefused("operations: an underlay.set operation is required (the underlay is fixed at start)", "[{\"op\":\"network.add\",\"params\":{\"vni\":100}}]");
        assertRefused("operations[0]: expected {\"op\": NAME, \"params\": {...}} and nothing else", "[{\"op\":\"network.add\",\"vni\":100}]");

        final HostConfig late = HostConfig.parse(JSON.readTree("[{\"op\":\"underlay.set\",\"params\":{\"port\":\"uplink\",\"mac\":\"02:00:00:00:00:01\","
            + "\"vteps\":[\"198.18.0.1\"]}},{\"op\":\"network.add\",\"params\":{\"vni\":100}},"
            + "{\"op\":\"fdb.add\",\"params\":{\"vni\":300,\"mac\":\"02:00:00:00:0b:01\",\"vtep\":\"198.18.0.2\"}}]"));
        try (Tables tables = new Tables(late.sizes()))
        {
            final ConfigException e = assertThrows(ConfigException.class, () -> start(late, tables));
            assertEquals("operations[2] (fdb.add): fdb.add: unknown VNI 300 (add the network first)", e.getMessage());
        }
        final HostConfig monitor = HostConfig.parse(JSON.readTree("[{\"op\":\"underlay.set\",\"params\":{\"port\":\"uplink\",\"mac\":\"02:00:00:00:00:01\","
            + "\"vteps\":[\"198.18.0.1\"]}},{\"op\":\"monitor\"}]"));
        try (Tables tables = new Tables(monitor.sizes()))
        {
            assertEquals("operations[1] (monitor): not an operation for a config", assertThrows(ConfigException.class, () -> start(monitor, tables)).getMessage());
        }
        assertFalse(HostConfig.parse(JSON.readTree("{\"underlay\":{\"port\":\"uplink\",\"mac\":\"02:00:00:00:00:01\",\"vteps\":[\"198.18.0.1\"]}}"))
            .operations().setup().isEmpty(), "an object config records its start-only parts too");
    }

    private static void assertRefused(final String message, final String list)
    {
        final ConfigException e = assertThrows(ConfigException.class, () -> HostConfig.parse(JSON.readTree(list)));
        assertEquals(message, e.getMessage());
    }
}
