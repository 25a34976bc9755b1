package dev.nve.control.bgp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.config.HostConfig;
import dev.nve.control.ops.TableOps;
import dev.nve.control.socket.Request;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.table.Tables;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The learner's operations applied for real: routes advertised by another host, sent over the
 * wire format, learned here and applied through the control socket's {@link TableOps} as one
 * batch, change this host's FDB, flood list and ARP/ND proxy table; the peer going down takes them out again.
 */
final class EvpnLearnerTableOpsTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private static BgpMessage.Update wire(final BgpMessage.Update update) throws Exception
    {
        return (BgpMessage.Update)BgpCodec.decode(ByteBuffer.wrap(BgpCodec.encode(update)));
    }

    private static JsonNode apply(final TableOps ops, final List<ObjectNode> learned) throws Exception
    {
        final ObjectNode params = JSON.createObjectNode();
        params.putArray("ops").addAll(learned);
        return JSON.valueToTree(ops.handle(new Request(JSON.getNodeFactory().numberNode(1), "batch", params)));
    }

    private static String fdb(final TableOps ops) throws Exception
    {
        return JSON.valueToTree(ops.handle(new Request(JSON.getNodeFactory().numberNode(2), "dump",
            (ObjectNode)JSON.readTree("{\"table\":\"fdb\",\"vni\":200}")))).toString();
    }

    private static String neigh(final TableOps ops) throws Exception
    {
        return JSON.valueToTree(ops.handle(new Request(JSON.getNodeFactory().numberNode(2), "dump",
            (ObjectNode)JSON.readTree("{\"table\":\"neigh\",\"vni\":200}")))).toString();
    }

    @Test
    void learnedRoutesChangeTheTablesThroughTheControlOperations() throws Exception
    {
        final HostConfig config = HostConfig.load(Path.of(getClass().getResource("/ops/host.json").toURI()));
        try (Tables tables = new Tables(config.sizes()))
        {
            final TableOps ops = TableOps.start(config, tables, new Counters(), registry -> null, Map::of);
            final InetAddress otherVtep = InetAddress.getByName("198.18.0.2");
            final EvpnLocal other = new EvpnLocal(65000, (Inet4Address)otherVtep, otherVtep);
            final EvpnLocal here = new EvpnLocal(65000, (Inet4Address)InetAddress.getByName("198.18.0.1"), InetAddress.getByName("198.18.0.1"));
            final EvpnLearner learner = new EvpnLearner(here, vni -> tables.networks().find(vni) >= 0);
            final long mac = 0x02_00_00_00_0c_01L;

            final List<ObjectNode> learned = learner.learn("rr", wire(EvpnAdvertiser.macIp(other, 200, mac, List.of(InetAddress.getByName("198.19.2.9")), 0)));
            assertEquals(2, apply(ops, learned).get("applied").asInt(), learned.toString());
            assertTrue(fdb(ops).contains("{\"vni\":200,\"mac\":\"02:00:00:00:0c:01\",\"vtep\":\"198.18.0.2\"}"), fdb(ops));
            assertEquals("[{\"vni\":200,\"ip\":\"198.19.2.9\",\"mac\":\"02:00:00:00:0c:01\"}]", neigh(ops), "the address, for ARP suppression");
            apply(ops, learner.learn("rr", wire(EvpnAdvertiser.inclusiveMulticast(other, 200))));
            assertTrue(JSON.valueToTree(ops.handle(new Request(JSON.getNodeFactory().numberNode(3), "dump", (ObjectNode)JSON.readTree("{\"table\":\"flood\"}"))))
                .toString().contains("{\"vni\":200,\"vteps\":[\"198.18.0.2\"]}"));

            apply(ops, learner.peerDown("rr"));
            assertFalse(fdb(ops).contains("0c:01"), "the peer's routes are withdrawn from the tables when it goes down");
            assertEquals("[]", neigh(ops));
        }
    }
}
