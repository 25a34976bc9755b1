package dev.nve.control.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.config.HostConfig;
import dev.nve.control.socket.ControlException;
import dev.nve.control.socket.ErrorCode;
import dev.nve.control.socket.Request;
import dev.nve.control.socket.Subscription;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.flow.FlowEvents;
import dev.nve.dataplane.policy.Identities;
import dev.nve.dataplane.policy.PolicyTable;
import dev.nve.dataplane.table.EncapTemplates;
import dev.nve.dataplane.table.FdbTable;
import dev.nve.dataplane.table.IlaTable;
import dev.nve.dataplane.table.IpCache;
import dev.nve.dataplane.table.NetworkTable;
import dev.nve.dataplane.table.PortTable;
import dev.nve.dataplane.table.Tables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The control socket's operations on real tables, without the socket: each operation does what
 * it says, bad parameters are refused with BAD_PARAM naming the field, and a request or batch
 * that fails part-way leaves every table exactly as it was (checked on the dumps, the raw FDB
 * values, the ipcache and the published policy table).
 */
final class TableOpsTest
{
    static final ObjectMapper JSON = new ObjectMapper();
    static final String STUDY_POLICY = "{\"endpointSelector\": {\"matchLabels\": {\"id\": \"service1\"}}, \"ingress\": [{\"fromEndpoints\": "
        + "[{\"matchLabels\": {\"id\": \"service1\"}}], \"toPorts\": [{\"ports\": [{\"protocol\": \"tcp\", \"port\": \"5201\"}]}]}]}";

    private Tables tables;
    private TableOps ops;
    private FlowEvents events;
    private int nextId;

    @BeforeEach
    void setUp() throws Exception
    {
        final HostConfig config = HostConfig.load(Path.of(getClass().getResource("/ops/host.json").toURI()));
        tables = new Tables(config.sizes());
        events = new FlowEvents(1 << 16);
        ops = TableOps.start(config, tables, new Counters(), registry -> new FlowMonitor(events, tables, registry), () -> Map.of("worker", "test"));
    }

    @AfterEach
    void close()
    {
        tables.close();
    }

    JsonNode call(final String op, final String params) throws Exception
    {
        return JSON.valueToTree(ops.handle(new Request(JSON.getNodeFactory().numberNode(++nextId), op, (ObjectNode)JSON.readTree(params))));
    }

    ControlException refused(final String op, final String params)
    {
        return assertThrows(ControlException.class, () -> call(op, params));
    }

    /** Everything the operations can change, as text. */
    private static List<String> sorted(final JsonNode array)
    {
        final List<String> entries = new ArrayList<>();
        array.forEach(e -> entries.add(e.toString()));
        return entries.stream().sorted().toList();
    }

    String state() throws Exception
    {
        final StringBuilder s = new StringBuilder();
        for (final String table : new String[] {"fdb", "flood", "ila", "policies", "ports", "endpoints", "networks"})
        {
            final JsonNode dump = call("dump", "{\"table\":\"" + table + "\"}");
            // hash tables list their entries in slot order, which an undo may change
            s.append(table).append('=').append(table.equals("fdb") ? sorted(dump) : dump).append('\n');
        }
        // remote entries by what their template sends (an undo may rebuild a template in another slot)
        final List<String> raw = new ArrayList<>();
        // keyed by VNI: a network put back by an undo gets a new index (indexes are never reused)
        tables.fdb().forEach((k, v) -> raw.add(tables.networks().vni(FdbTable.networkOf(k)) + "/" + Long.toHexString(FdbTable.macOf(k)) + "->"
            + (FdbTable.isRemote(v) ? template(FdbTable.templateOf(v)) : v)));
        s.append(raw.stream().sorted().toList());
        s.append("\nipcache ").append(tables.ipCache().lookup(tables.networks().find(100), 0, IpCache.v4MappedLow(0xC6_13_01_63)));
        return s.toString();
    }

    private String template(final int t)
    {
        final EncapTemplates templates = tables.templates();
        final byte[] header = templates.segment().asSlice(EncapTemplates.slotOffset(t) + EncapTemplates.HEADER_OFFSET, templates.headerLength(t))
            .toArray(ValueLayout.JAVA_BYTE);
        return "template(vni " + templates.vni(t) + " flags " + templates.flags(t) + " " + HexFormat.of().formatHex(header) + ")";
    }

    @Test
    void fdbEntriesAreAddedReplacedAndRemoved() throws Exception
    {
        assertTrue(call("fdb.add", "{\"vni\":100,\"mac\":\"02:00:00:00:0b:02\",\"vtep\":\"198.18.0.2\"}").get("replaced").isNull());
        assertEquals("198.18.0.2", call("fdb.add", "{\"vni\":100,\"mac\":\"02:00:00:00:0b:02\",\"vtep\":\"198.18.0.2\"}").get("replaced").asText());
        final JsonNode fdb = call("dump", "{\"table\":\"fdb\",\"vni\":100}");
        assertEquals(3, fdb.size(), fdb.toString());
        assertTrue(fdb.toString().contains("{\"vni\":100,\"mac\":\"02:00:00:00:01:01\",\"port\":\"c1\"}"), fdb.toString());
        assertEquals("198.18.0.2", call("fdb.del", "{\"vni\":100,\"mac\":\"02:00:00:00:0b:02\"}").get("removed").asText());
        assertEquals(ErrorCode.NOT_FOUND, refused("fdb.del", "{\"vni\":100,\"mac\":\"02:00:00:00:0b:02\"}").code());
        assertEquals(ErrorCode.CONFLICT, refused("fdb.del", "{\"vni\":100,\"mac\":\"02:00:00:00:01:01\"}").code());
        assertEquals(ErrorCode.CONFLICT, refused("fdb.add", "{\"vni\":100,\"mac\":\"02:00:00:00:01:01\",\"vtep\":\"198.18.0.2\"}").code());
        assertEquals(ErrorCode.NOT_FOUND, refused("fdb.add", "{\"vni\":300,\"mac\":\"02:00:00:00:0b:02\",\"vtep\":\"198.18.0.2\"}").code());
    }

    @Test
    void badParametersNameTheField() throws Exception
    {
        final String before = state();
        assertRefused(ErrorCode.BAD_PARAM, "params.vnii: unknown field", "fdb.add", "{\"vnii\":100,\"mac\":\"02:00:00:00:0b:02\",\"vtep\":\"198.18.0.2\"}");
        assertRefused(ErrorCode.BAD_PARAM, "params.vni: out of range [0, 16777215]: 16777216", "fdb.add",
            "{\"vni\":16777216,\"mac\":\"02:00:00:00:0b:02\",\"vtep\":\"198.18.0.2\"}");
        assertRefused(ErrorCode.BAD_PARAM, "params.vni: expected an integer", "fdb.add", "{\"vni\":\"100\",\"mac\":\"02:00:00:00:0b:02\",\"vtep\":\"198.18.0.2\"}");
        assertRefused(ErrorCode.BAD_PARAM, "params.mac: \"02:00:00:00:0b\" is not a MAC", "fdb.add", "{\"vni\":100,\"mac\":\"02:00:00:00:0b\",\"vtep\":\"198.18.0.2\"}");
        assertRefused(ErrorCode.BAD_PARAM, "params.mac: \"ff:ff:ff:ff:ff:ff\" is not a unicast", "fdb.add", "{\"vni\":100,\"mac\":\"ff:ff:ff:ff:ff:ff\",\"vtep\":\"198.18.0.2\"}");
        assertRefused(ErrorCode.BAD_PARAM, "params.vtep: \"nve.example\" is not an IP address", "fdb.add", "{\"vni\":100,\"mac\":\"02:00:00:00:0b:02\",\"vtep\":\"nve.example\"}");
        assertRefused(ErrorCode.BAD_PARAM, "params.vtep: required", "fdb.add", "{\"vni\":100,\"mac\":\"02:00:00:00:0b:02\"}");
        assertRefused(ErrorCode.BAD_PARAM, "params.identity: out of range", "ipcache.set", "{\"vni\":100,\"ip\":\"198.19.1.99\",\"identity\":0}");
        assertRefused(ErrorCode.BAD_PARAM, "give either vni", "ipcache.set", "{\"ip\":\"198.19.1.99\",\"identity\":300}");
        assertRefused(ErrorCode.BAD_PARAM, ".type: \"bogus\" is not one of", "ila.add", "{\"type\":\"bogus\",\"sir\":\"fd00:5::b1\",\"locator\":\"2001:db8:b::/64\"}");
        assertRefused(ErrorCode.BAD_PARAM, ".locator: \"2001:db8:b::1\" has bits set past /64", "ila.add",
            "{\"type\":\"iid\",\"sir\":\"fd00:5::b1\",\"locator\":\"2001:db8:b::1\"}");
        assertRefused(ErrorCode.BAD_PARAM, "params.table: \"nope\" is not one of", "dump", "{\"table\":\"nope\"}");
        assertRefused(ErrorCode.UNKNOWN_OP, "unknown operation \"fdb.ad\"", "fdb.ad", "{}");
        assertEquals(before, state());
    }

    private void assertRefused(final ErrorCode code, final String message, final String op, final String params)
    {
        final ControlException e = refused(op, params);
        assertEquals(code, e.code(), e.toString());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void aBatchThatFailsPartWayChangesNothing() throws Exception
    {
        final String before = state();
        final PolicyTable policyBefore = tables.policy();
        final ControlException e = refused("batch", "{\"ops\":["
            + "{\"op\":\"fdb.add\",\"params\":{\"vni\":100,\"mac\":\"02:00:00:00:0b:01\",\"vtep\":\"198.18.0.9\"}},"   // a replace (an endpoint move)
            + "{\"op\":\"fdb.add\",\"params\":{\"vni\":200,\"mac\":\"02:00:00:00:0c:01\",\"vtep\":\"198.18.0.3\"}},"
            + "{\"op\":\"flood.add\",\"params\":{\"vni\":200,\"vtep\":\"198.18.0.3\"}},"
            + "{\"op\":\"flood.del\",\"params\":{\"vni\":100,\"vtep\":\"198.18.0.2\"}},"
            + "{\"op\":\"ipcache.set\",\"params\":{\"vni\":100,\"ip\":\"198.19.1.99\",\"identity\":4242}},"
            + "{\"op\":\"ila.add\",\"params\":{\"type\":\"iid\",\"sir\":\"fd00:5::a1\",\"locator\":\"2001:db8:b::/64\"}},"   // a locator change
            + "{\"op\":\"policy.import\",\"params\":{\"name\":\"study\",\"policy\":" + STUDY_POLICY + "}},"
            + "{\"op\":\"ipcache.set\",\"params\":{\"vni\":100,\"ip\":\"198.19.1.98\",\"labels\":{\"id\":\"service9\"}}},"   // a new identity: recompiles
            + "{\"op\":\"endpoint.add\",\"params\":{\"port\":\"c3\",\"vni\":100,\"mac\":\"02:00:00:00:03:03\",\"ips\":[\"198.19.1.99\"],"
            + "\"labels\":{\"id\":\"service8\"}}},"
            + "{\"op\":\"endpoint.del\",\"params\":{\"port\":\"c2\"}},"
            + "{\"op\":\"fdb.add\",\"params\":{\"vni\":300,\"mac\":\"02:00:00:00:0c:02\",\"vtep\":\"198.18.0.3\"}}]}");
        assertEquals(ErrorCode.NOT_FOUND, e.code());
        assertTrue(e.getMessage().startsWith("batch: params.ops[10]: fdb.add: unknown VNI 300"), e.getMessage());
        assertEquals(before, state());
        assertSame(policyBefore, tables.policy(), "the policy table published before the batch is the one in force");
    }

    @Test
    void aFullTableRefusesTheBatchAndLeavesTheRest() throws Exception
    {
        final String before = state();
        final StringBuilder batch = new StringBuilder("{\"ops\":[");
        for (int i = 0; i < 10; i++)
        {
            batch.append(i == 0 ? "" : ",").append("{\"op\":\"fdb.add\",\"params\":{\"vni\":200,\"mac\":\"02:00:00:00:0d:")
                .append(String.format("%02x", i)).append("\",\"vtep\":\"198.18.0.2\"}}");
        }
        final ControlException e = refused("batch", batch.append("]}").toString());
        assertEquals(ErrorCode.TABLE_FULL, e.code(), e.toString());
        assertEquals(before, state());
        assertEquals(5, call("batch", "{\"ops\":[" + batch.substring(8, batch.indexOf("{\"op\"", batch.indexOf("0d:04"))).replaceAll(",$", "") + "]}")
            .get("applied").asInt(), "the same adds that fit are applied");
    }

    @Test
    void theStudysPolicyIsImportedListedReplacedAndDeleted() throws Exception
    {
        final PolicyTable none = tables.policy();
        assertEquals(1, call("policy.import", "{\"name\":\"study\",\"policy\":" + STUDY_POLICY + "}").get("rules").asInt());
        final PolicyTable study = tables.policy();
        assertFalse(study == none);
        assertTrue(study.enforcesAnything());
        final JsonNode list = call("dump", "{\"table\":\"policies\"}");
        assertEquals("study", list.get(1).get("name").asText(), list.toString());
        final ControlException bad = refused("policy.import", "{\"name\":\"study\",\"policy\":{\"endpointSelector\":{},\"ingress\":[{\"fromCIDR\":[\"198.19.0.0/16\"]}]}}");
        assertEquals(ErrorCode.BAD_PARAM, bad.code());
        assertTrue(bad.getMessage().contains("fromCIDR"), bad.getMessage());
        assertSame(study, tables.policy(), "a policy that does not compile changes nothing");
        assertEquals(1, call("policy.delete", "{\"name\":\"study\"}").get("removed").asInt());
        assertFalse(tables.policy().enforcesAnything());
        assertEquals(ErrorCode.NOT_FOUND, refused("policy.delete", "{\"name\":\"study\"}").code());
        assertEquals(ErrorCode.CONFLICT, refused("policy.delete", "{\"name\":\"config\"}").code());
    }

    @Test
    void ilaMappingsChangeLocatorAndGo() throws Exception
    {
        assertTrue(call("ila.add", "{\"type\":\"iid\",\"sir\":\"fd00:5::a1\",\"locator\":\"2001:db8:b::/64\"}").get("replaced").asBoolean());
        assertTrue(call("dump", "{\"table\":\"ila\"}").toString().contains("\"locator\":\"2001:db8:b:0::/64\""), call("dump", "{\"table\":\"ila\"}").toString());
        assertFalse(call("ila.add", "{\"type\":\"iid\",\"sir\":\"fd00:5::b2\",\"locator\":\"2001:db8:b::/64\",\"checksum\":\"neutral-map\"}")
            .get("replaced").asBoolean());
        assertEquals(2, tables.ila().size());
        call("ila.del", "{\"type\":\"iid\",\"sir\":\"fd00:5::b2\"}");
        assertEquals(ErrorCode.NOT_FOUND, refused("ila.del", "{\"type\":\"iid\",\"sir\":\"fd00:5::b2\"}").code());
        assertEquals(1, tables.ila().size());
    }

    @Test
    void ipv4TenantAndVirtV4MappingAtRunTime() throws Exception
    {
        final JsonNode domain = call("ila.domain.set", "{\"routerMac\":\"02:00:00:00:00:ee\",\"locators\":[\"2001:db8:a::/64\"],\"sirPrefixes\":[\"fd00:5::/64\"],"
            + "\"tenants\":[{\"vnid\":300,\"ipv4Prefixes\":[\"198.19.1.0/24\"],\"ipv4SirPrefix\":\"fd00:44::/64\"}]}");
        assertTrue(domain.get("changed").asBoolean(), domain.toString());
        final IlaTable.Domain d = tables.ila().domain();
        assertTrue(d.tenantHasIpv4(d.tenant(300)));
        assertFalse(call("ila.add", "{\"type\":\"virt-v4\",\"vnid\":300,\"sir\":\"198.19.1.11\",\"locator\":\"2001:db8:b::/64\"}").get("replaced").asBoolean());
        final String dump = call("dump", "{\"table\":\"ila\"}").toString();
        assertTrue(dump.contains("{\"type\":\"virt-v4\",\"sir\":\"198.19.1.11\",\"vnid\":300,"), dump);
        assertEquals(ErrorCode.BAD_PARAM, refused("ila.add", "{\"type\":\"virt-v4\",\"vnid\":300,\"sir\":\"fd00:44::1\",\"locator\":\"2001:db8:b::/64\"}").code());
        assertEquals(ErrorCode.NOT_FOUND, refused("ila.add", "{\"type\":\"virt-v4\",\"vnid\":301,\"sir\":\"198.19.1.11\",\"locator\":\"2001:db8:b::/64\"}").code());
        refused("ila.add", "{\"type\":\"virt-v4\",\"vnid\":300,\"sir\":\"198.19.2.1\",\"locator\":\"2001:db8:b::/64\"}");
        refused("ila.add", "{\"type\":\"virt-v4\",\"vnid\":300,\"sir\":\"198.19.1.12\",\"locator\":\"2001:db8:b::/64\",\"checksum\":\"neutral-map\"}");
        assertTrue(call("ila.del", "{\"type\":\"virt-v4\",\"vnid\":300,\"sir\":\"198.19.1.11\"}").get("removed").asBoolean());
        assertEquals(ErrorCode.NOT_FOUND, refused("ila.del", "{\"type\":\"virt-v4\",\"vnid\":300,\"sir\":\"198.19.1.11\"}").code());
    }

    @Test
    void ipcacheEntriesInBothZones() throws Exception
    {
        final InetAddress peer = InetAddress.getByName("198.19.1.99");
        final int zone = tables.networks().find(100);
        assertTrue(call("ipcache.set", "{\"vni\":100,\"ip\":\"198.19.1.99\",\"identity\":4242}").get("replaced").isNull());
        assertEquals(4242, tables.ipCache().lookup(zone, IpCache.high(peer), IpCache.low(peer)));
        assertEquals(4242, call("ipcache.set", "{\"vni\":100,\"ip\":\"198.19.1.99\",\"identity\":4243}").get("replaced").asInt());
        call("ipcache.set", "{\"ila\":true,\"ip\":\"fd00:5::99\",\"identity\":777}");
        assertEquals(4243, call("ipcache.del", "{\"vni\":100,\"ip\":\"198.19.1.99\"}").get("removed").asInt());
        assertEquals(IpCache.MISSING, tables.ipCache().lookup(zone, IpCache.high(peer), IpCache.low(peer)));
        assertEquals(ErrorCode.NOT_FOUND, refused("ipcache.del", "{\"vni\":100,\"ip\":\"198.19.1.99\"}").code());
        assertEquals(777, call("ipcache.del", "{\"ila\":true,\"ip\":\"fd00:5::99\"}").get("removed").asInt());
    }

    @Test
    void peersGetIdentitiesFromTheirLabels() throws Exception
    {
        call("policy.import", "{\"name\":\"study\",\"policy\":" + STUDY_POLICY + "}");
        final PolicyTable compiled = tables.policy();
        final JsonNode same = call("ipcache.set", "{\"vni\":100,\"ip\":\"198.19.1.50\",\"labels\":{\"id\":\"service1\"}}");
        assertEquals(Identities.derive(Map.of("id", "service1")), same.get("identity").asInt(), same.toString());
        assertSame(compiled, tables.policy(), "a known label set needs no new policy table");
        final JsonNode fresh = call("ipcache.set", "{\"vni\":100,\"ip\":\"198.19.1.51\",\"labels\":{\"id\":\"service3\"}}");
        assertEquals(Identities.derive(Map.of("id", "service3")), fresh.get("identity").asInt());
        assertFalse(compiled == tables.policy(), "a new label set is compiled into the policies");
        assertTrue(call("dump", "{\"table\":\"identities\"}").toString().contains("service3"));
        assertEquals(ErrorCode.BAD_PARAM, refused("ipcache.set", "{\"vni\":100,\"ip\":\"198.19.1.52\",\"labels\":{\"id\":7}}").code());
        assertEquals(ErrorCode.CONFLICT, refused("ipcache.set", "{\"vni\":100,\"ip\":\"198.19.1.52\",\"labels\":{\"id\":\"service3\"},\"identity\":5000}")
            .code());
    }

    @Test
    void endpointsComeAndGoOnTheirPorts() throws Exception
    {
        final int c3 = tables.ports().find("c3");
        final int network = tables.networks().find(200);
        final JsonNode added = call("endpoint.add", "{\"port\":\"c3\",\"vni\":200,\"mac\":\"02:00:00:00:03:03\",\"ips\":[\"198.19.2.3\"],"
            + "\"labels\":{\"id\":\"service2\"}}");
        final int identity = Identities.derive(Map.of("id", "service2"));
        assertEquals(identity, added.get("identity").asInt());
        assertEquals(FdbTable.local(c3), tables.fdb().get(FdbTable.key(network, 0x02_00_00_00_03_03L)));
        assertEquals(identity, tables.ipCache().lookup(network, 0, IpCache.v4MappedLow(0xC6_13_02_03)));
        assertEquals(identity, tables.ports().identity(c3));
        assertTrue(call("dump", "{\"table\":\"endpoints\"}").toString().contains("\"port\":\"c3\""));
        assertEquals(ErrorCode.CONFLICT, refused("endpoint.add", "{\"port\":\"c3\",\"vni\":200,\"mac\":\"02:00:00:00:03:04\"}").code());
        assertEquals(ErrorCode.NOT_FOUND, refused("endpoint.add", "{\"port\":\"c9\",\"vni\":200,\"mac\":\"02:00:00:00:03:04\"}").code());
        assertEquals(ErrorCode.CONFLICT, refused("endpoint.add", "{\"port\":\"uplink\",\"vni\":200,\"mac\":\"02:00:00:00:03:04\"}").code());
        assertEquals(ErrorCode.BAD_PARAM, refused("endpoint.add", "{\"port\":\"c3\",\"vni\":200,\"mac\":\"02:00:00:00:03:04\",\"colour\":1}").code());
        final ControlException ila = refused("endpoint.del", "{\"port\":\"a1\"}");
        assertEquals(ErrorCode.CONFLICT, ila.code());
        assertTrue(ila.getMessage().contains("an ILA mapping delivers to it"), ila.getMessage());

        call("endpoint.del", "{\"port\":\"c3\"}");
        assertEquals(PortTable.ROLE_NONE, tables.ports().role(c3));
        assertEquals(FdbTable.MISSING, tables.fdb().get(FdbTable.key(network, 0x02_00_00_00_03_03L)));
        assertEquals(IpCache.MISSING, tables.ipCache().lookup(network, 0, IpCache.v4MappedLow(0xC6_13_02_03)));
        assertEquals(ErrorCode.NOT_FOUND, refused("endpoint.del", "{\"port\":\"c3\"}").code());
        // the same port, another endpoint (another network and MAC): no worker holds the old one
        call("endpoint.add", "{\"port\":\"c3\",\"vni\":100,\"mac\":\"02:00:00:00:03:05\",\"identity\":7000}");
        assertEquals(tables.networks().find(100), tables.ports().network(c3));
        assertEquals(7000, tables.ports().identity(c3));
    }

    @Test
    void anEndpointThatTookOverARemoteMacGivesItBackWhenItsBatchFails() throws Exception
    {
        call("fdb.add", "{\"vni\":100,\"mac\":\"02:00:00:00:03:03\",\"vtep\":\"198.18.0.2\"}");
        final String before = state();
        assertEquals(ErrorCode.NOT_FOUND, refused("batch", "{\"ops\":[{\"op\":\"endpoint.add\",\"params\":{\"port\":\"c3\",\"vni\":100,"
            + "\"mac\":\"02:00:00:00:03:03\",\"identity\":7000}},{\"op\":\"fdb.del\",\"params\":{\"vni\":999,\"mac\":\"02:00:00:00:0e:01\"}}]}").code());
        assertEquals(before, state(), "the remote entry is back, pointing at 198.18.0.2");
        call("endpoint.add", "{\"port\":\"c3\",\"vni\":100,\"mac\":\"02:00:00:00:03:03\",\"identity\":7000}");
        assertTrue(call("dump", "{\"table\":\"fdb\",\"vni\":100}").toString().contains("\"mac\":\"02:00:00:00:03:03\",\"port\":\"c3\""),
            "applied alone, the endpoint owns the MAC");
    }

    @Test
    void localChangeListenersHearOfAppliedNetworkAndEndpointChangesOnly() throws Exception
    {
        final int[] heard = {0};
        ops.onLocalChange(() -> heard[0]++);
        call("fdb.add", "{\"vni\":100,\"mac\":\"02:00:00:00:0e:02\",\"vtep\":\"198.18.0.2\"}");
        assertEquals(0, heard[0], "an FDB entry is not a local change");
        call("endpoint.add", "{\"port\":\"c3\",\"vni\":100,\"mac\":\"02:00:00:00:03:03\",\"identity\":7000}");
        assertEquals(1, heard[0]);
        refused("network.del", "{\"vni\":100}");
        assertEquals(1, heard[0], "a refused request changed nothing");
        call("batch", "{\"ops\":[{\"op\":\"network.add\",\"params\":{\"vni\":301}},{\"op\":\"fdb.add\",\"params\":{\"vni\":301,"
            + "\"mac\":\"02:00:00:00:0e:03\",\"vtep\":\"198.18.0.2\"}}]}");
        assertEquals(2, heard[0], "a batch with a network change, once");
    }

    @Test
    void networksComeAndGoWithTheirRemoteEntriesButNotUnderEndpoints() throws Exception
    {
        assertTrue(call("network.add", "{\"vni\":300,\"gbp\":true}").get("added").asBoolean());
        assertFalse(call("network.add", "{\"vni\":300,\"gbp\":true}").get("added").asBoolean(), "the same network again changes nothing");
        assertEquals(ErrorCode.CONFLICT, refused("network.add", "{\"vni\":300}").code());
        call("fdb.add", "{\"vni\":300,\"mac\":\"02:00:00:00:0e:01\",\"vtep\":\"198.18.0.2\"}");
        call("flood.add", "{\"vni\":300,\"vtep\":\"198.18.0.2\"}");
        final ControlException inUse = refused("network.del", "{\"vni\":100}");
        assertEquals(ErrorCode.CONFLICT, inUse.code(), "c1 is in VNI 100");
        assertTrue(inUse.getMessage().contains("still has endpoints"), inUse.getMessage());
        final String withVni300 = state();
        assertEquals(ErrorCode.NOT_FOUND, refused("batch", "{\"ops\":[{\"op\":\"network.del\",\"params\":{\"vni\":300}},"
            + "{\"op\":\"fdb.del\",\"params\":{\"vni\":999,\"mac\":\"02:00:00:00:0e:01\"}}]}").code());
        assertEquals(withVni300, state(), "a refused batch puts the network back with its remote MAC and flood list");
        final JsonNode removed = call("network.del", "{\"vni\":300}");
        assertEquals(1, removed.get("remoteMacs").asInt(), removed.toString());
        assertEquals(1, removed.get("floodVteps").asInt(), removed.toString());
        assertEquals(2, call("dump", "{\"table\":\"networks\"}").size());
        assertEquals(ErrorCode.NOT_FOUND, refused("network.del", "{\"vni\":300}").code());
        assertEquals(ErrorCode.NOT_FOUND, refused("fdb.add", "{\"vni\":300,\"mac\":\"02:00:00:00:0e:01\",\"vtep\":\"198.18.0.2\"}").code());
        final String before = state();
        assertEquals(ErrorCode.NOT_FOUND, refused("batch", "{\"ops\":[{\"op\":\"network.add\",\"params\":{\"vni\":400}},"
            + "{\"op\":\"fdb.add\",\"params\":{\"vni\":400,\"mac\":\"02:00:00:00:0e:02\",\"vtep\":\"198.18.0.2\"}},"
            + "{\"op\":\"fdb.del\",\"params\":{\"vni\":400,\"mac\":\"02:00:00:00:0e:03\"}}]}").code());
        assertEquals(before, state());
        assertEquals(NetworkTable.MISSING, tables.networks().find(400));
    }

    @Test
    void theIlaDomainGrowsWhileMappingsExist() throws Exception
    {
        final String domain = "\"routerMac\":\"02:00:00:00:00:ee\",\"tenants\":[]";
        assertFalse(call("ila.domain.set", "{" + domain + ",\"locators\":[\"2001:db8:a::/64\"],\"sirPrefixes\":[\"fd00:5::/64\"]}").get("changed").asBoolean(),
            "the domain the config set changes nothing");
        call("ila.add", "{\"type\":\"iid\",\"sir\":\"fd00:5::b1\",\"locator\":\"2001:db8:b::/64\"}");
        final JsonNode grown = call("ila.domain.set", "{" + domain + ",\"locators\":[\"2001:db8:c::/64\",\"2001:db8:a::/64\"],"
            + "\"sirPrefixes\":[\"fd00:5::/64\",\"fd00:6::/64\"]}");
        assertTrue(grown.get("changed").asBoolean());
        assertEquals(2, grown.get("locators").asInt());
        final IlaTable.Domain d = tables.ila().domain();
        assertEquals(0x2001_0db8_000a_0000L, d.localLocators()[0], "what was there keeps its index: mappings refer to it");
        assertEquals(0x2001_0db8_000c_0000L, d.localLocators()[1]);
        assertEquals(ErrorCode.CONFLICT, refused("ila.domain.set", "{" + domain + ",\"locators\":[\"2001:db8:c::/64\"],\"sirPrefixes\":[\"fd00:5::/64\"]}")
            .code(), "a locator cannot go while mappings exist");
        final ControlException flip = refused("ila.domain.set", "{" + domain + ",\"locators\":[\"2001:db8:a::/64\",\"2001:db8:c::/64\",\"2001:db8:b::/64\"],"
            + "\"sirPrefixes\":[\"fd00:5::/64\",\"fd00:6::/64\"]}");
        assertEquals(ErrorCode.CONFLICT, flip.code());
        assertTrue(flip.getMessage().contains("cannot become local"), flip.getMessage());
        assertEquals(ErrorCode.BAD_PARAM, refused("ila.domain.set", "{" + domain + ",\"locators\":[],\"sirPrefixes\":[],\"mappings\":[]}").code());
        final ControlException batch = refused("batch", "{\"ops\":[{\"op\":\"ila.domain.set\",\"params\":{" + domain + ",\"locators\":[\"2001:db8:a::/64\","
            + "\"2001:db8:c::/64\",\"2001:db8:d::/64\"],\"sirPrefixes\":[\"fd00:5::/64\",\"fd00:6::/64\"]}},"
            + "{\"op\":\"ila.del\",\"params\":{\"type\":\"iid\",\"sir\":\"fd00:5::99\"}}]}");
        assertEquals(ErrorCode.NOT_FOUND, batch.code());
        assertSame(d, tables.ila().domain(), "the failed batch put the very domain back");
    }

    @Test
    void healthCountersAndTheMonitor() throws Exception
    {
        final JsonNode health = call("health", "{}");
        assertEquals("ok", health.get("status").asText());
        assertEquals("test", health.get("worker").asText());
        assertEquals(2, health.get("tables").get("fdb").asInt() - 1, health.toString()); // c1, the config's remote MAC, c2
        assertTrue(call("counters", "{\"prefix\":\"port/\"}").isObject());
        final JsonNode ports = call("dump", "{\"table\":\"ports\"}");
        assertEquals("[{\"id\":0,\"name\":\"uplink\",\"role\":\"underlay\"},{\"id\":1,\"name\":\"c1\",\"role\":\"endpoint\",\"vni\":100,"
            + "\"mac\":\"02:00:00:00:01:01\",\"identity\":" + Identities.derive(Map.of("id", "service1")) + "}", ports.toString().substring(0, ports.toString().indexOf("},{\"id\":2") + 1));
        assertEquals(2, call("dump", "{\"table\":\"networks\"}").size());
        final Object sub = ops.handle(new Request(JSON.getNodeFactory().numberNode(1), "monitor", JSON.createObjectNode().put("dropped", true)));
        final Subscription subscription = assertInstanceOf(Subscription.class, sub);
        events.write(1, 300, 301, 1, -1, FlowEvents.VERDICT_DROPPED, 4, 6, FlowEvents.DIRECTION_INGRESS, 181, 40000, 5201, 1, 2, 60,
            0, IpCache.v4MappedLow(0xC6_13_01_01), 0, IpCache.v4MappedLow(0xC6_13_02_02));
        events.write(2, 300, 301, 1, -1, FlowEvents.VERDICT_FORWARDED, 4, 6, FlowEvents.DIRECTION_INGRESS, 0, 40000, 5201, 1, 2, 60,
            0, IpCache.v4MappedLow(0xC6_13_01_01), 0, IpCache.v4MappedLow(0xC6_13_02_02));
        final StringBuilder seen = new StringBuilder();
        assertEquals(1, subscription.drain(e -> seen.append(e)), "only the dropped one");
        assertTrue(seen.toString().contains("198.19.1.1"), seen.toString());
        subscription.close();
        assertEquals(ErrorCode.BAD_PARAM, refused("batch", "{\"ops\":[{\"op\":\"monitor\"}]}").code());
    }
}
