package dev.nve.control.bgp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.config.HostConfig;
import dev.nve.control.ops.TableOps;
import dev.nve.control.socket.ControlException;
import dev.nve.control.socket.ControlHandler;
import dev.nve.control.socket.ErrorCode;
import dev.nve.control.socket.Request;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.table.Tables;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The speaker's logic without sockets, on a real {@link TableOps} (test resource ops/host.json:
 * VNIs 100 and 200, endpoints c1 and c2 on them, a1 only on ILA): what it advertises, that a
 * local endpoint's MAC is never installed as remote, the batch fallback and {@code bgp} op.
 */
final class EvpnLocalStateTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long C1_MAC = 0x02_00_00_00_01_01L;
    private static final long REMOTE_MAC = 0x02_00_00_00_0c_01L;

    private static JsonNode call(final ControlHandler ops, final String op, final String params) throws Exception
    {
        return JSON.valueToTree(ops.handle(new Request(JSON.getNodeFactory().numberNode(1), op, (ObjectNode)JSON.readTree(params))));
    }

    private static EvpnLocalState state(final TableOps ops) throws Exception
    {
        return EvpnLocalState.fromDumps(call(ops, "dump", "{\"table\":\"networks\"}"), call(ops, "dump", "{\"table\":\"endpoints\"}"));
    }

    private static JsonNode batch(final TableOps ops, final List<ObjectNode> items) throws Exception
    {
        final ObjectNode params = JSON.createObjectNode();
        params.putArray("ops").addAll(items);
        return call(ops, "batch", params.toString());
    }

    private static BgpMessage.Update wire(final BgpMessage.Update update) throws Exception
    {
        return (BgpMessage.Update)BgpCodec.decode(ByteBuffer.wrap(BgpCodec.encode(update)));
    }

    private static EvpnLocal host(final String address) throws Exception
    {
        final InetAddress ip = InetAddress.getByName(address);
        return new EvpnLocal(65000, (Inet4Address)ip, ip);
    }

    private static TableOps start(final Tables tables) throws Exception
    {
        final HostConfig config = HostConfig.load(Path.of(EvpnLocalStateTest.class.getResource("/ops/host.json").toURI()));
        return TableOps.start(config, tables, new Counters(), registry -> null, Map::of);
    }

    @Test
    void advertisesOneType3RoutePerVniAndTheType2RoutesOfEachEndpoint() throws Exception
    {
        try (Tables tables = new Tables(HostConfig.load(Path.of(getClass().getResource("/ops/host.json").toURI())).sizes()))
        {
            final EvpnLocalState state = state(start(tables));
            assertEquals(Set.of(100, 200), state.vnis());
            assertEquals(List.of(new EvpnLocalState.Endpoint(100, C1_MAC, List.of(InetAddress.getByName("198.19.1.1"))),
                new EvpnLocalState.Endpoint(200, 0x02_00_00_00_02_02L, List.of(InetAddress.getByName("198.19.2.2")))), state.endpoints(),
                "a1 has no VNI: nothing to advertise in EVPN");
            final List<EvpnRoute> routes = new ArrayList<>();
            final EvpnLocal here = host("198.18.0.1");
            final EvpnLocalRoutes adverts = new EvpnLocalRoutes(here, new EvpnLearner(here, vni -> true), line -> { });
            final List<BgpMessage.Update> first = adverts.apply(state).updates();
            assertEquals(adverts.all().size(), first.size(), "a peer Established later gets the same routes");
            for (final BgpMessage.Update u : first)
            {
                routes.addAll(((MpReach)wire(u).attribute(PathAttribute.MP_REACH_NLRI)).routes());
            }
            assertEquals(6, routes.size(), routes.toString());
            assertTrue(routes.get(0) instanceof EvpnRoute.InclusiveMulticast im && im.rd().equals(here.routeDistinguisher(100)), routes.toString());
            assertTrue(routes.get(1) instanceof EvpnRoute.InclusiveMulticast im && im.rd().equals(here.routeDistinguisher(200)), routes.toString());
            assertTrue(routes.get(2) instanceof EvpnRoute.MacIp m && m.mac() == C1_MAC && m.ip() == null && m.vni() == 100, routes.toString());
            assertTrue(routes.get(3) instanceof EvpnRoute.MacIp m && m.mac() == C1_MAC && InetAddress.getByName("198.19.1.1").equals(m.ip()), routes.toString());
        }
    }

    @Test
    void aPeersRouteForALocalEndpointsMacIsFilteredSoTheBatchApplies() throws Exception
    {
        try (Tables tables = new Tables(HostConfig.load(Path.of(getClass().getResource("/ops/host.json").toURI())).sizes()))
        {
            final TableOps ops = start(tables);
            final EvpnLocalState state = state(ops);
            final EvpnLearner learner = new EvpnLearner(host("198.18.0.1"), state.vnis()::contains);
            final List<ObjectNode> learned = new ArrayList<>(learner.learn("rr", wire(EvpnAdvertiser.macIp(host("198.18.0.2"), 100, C1_MAC, List.of(), 0))));
            learned.addAll(learner.learn("rr", wire(EvpnAdvertiser.macIp(host("198.18.0.2"), 100, REMOTE_MAC, List.of(), 0))));
            assertEquals(2, learned.size(), learned.toString());
            final ControlException refused = assertThrows(ControlException.class, () -> batch(ops, learned));
            assertEquals(ErrorCode.CONFLICT, refused.code(), "unfiltered, the local MAC fails the whole batch: " + refused.getMessage());

            final List<ObjectNode> filtered = state.withoutLocalMacs(learned);
            assertEquals(1, batch(ops, filtered).get("applied").asInt(), filtered.toString());
            final String fdb = call(ops, "dump", "{\"table\":\"fdb\",\"vni\":100}").toString();
            assertTrue(fdb.contains("{\"vni\":100,\"mac\":\"02:00:00:00:0c:01\",\"vtep\":\"198.18.0.2\"}"), fdb);
            assertTrue(fdb.contains("\"mac\":\"02:00:00:00:01:01\",\"port\":\"c1\""), "c1 stays local: " + fdb);
            assertEquals(1, batch(ops, state.withoutLocalMacs(learner.peerDown("rr"))).get("applied").asInt(), "the withdrawal is filtered too");
            assertTrue(state.isLocalMac(100, C1_MAC));
            assertFalse(state.isLocalMac(200, C1_MAC), "local per VNI");
        }
    }

    @Test
    void aRefusedBatchIsAppliedOneByOneAndTheRefusalsCounted() throws Exception
    {
        try (Tables tables = new Tables(HostConfig.load(Path.of(getClass().getResource("/ops/host.json").toURI())).sizes()))
        {
            final TableOps ops = start(tables);
            final List<ObjectNode> items = List.of(
                (ObjectNode)JSON.readTree("{\"op\":\"fdb.del\",\"params\":{\"vni\":100,\"mac\":\"02:00:00:00:0c:09\"}}"),
                (ObjectNode)JSON.readTree("{\"op\":\"fdb.add\",\"params\":{\"vni\":100,\"mac\":\"02:00:00:00:0c:01\",\"vtep\":\"198.18.0.2\"}}"));
            assertEquals(1, BgpControl.apply(ops, "rr", items), "the stale deletion only");
            assertTrue(call(ops, "dump", "{\"table\":\"fdb\",\"vni\":100}").toString().contains("02:00:00:00:0c:01"));
        }
    }

    @Test
    void theBgpOperationAnswersWithoutASpeakerAndPassesTheRestOn() throws Exception
    {
        try (Tables tables = new Tables(HostConfig.load(Path.of(getClass().getResource("/ops/host.json").toURI())).sizes()))
        {
            final ControlHandler handler = BgpControl.withBgpOperation(start(tables), () -> null);
            assertEquals(ErrorCode.NOT_FOUND, assertThrows(ControlException.class, () -> call(handler, "bgp", "{}")).code());
            assertEquals(ErrorCode.BAD_PARAM, assertThrows(ControlException.class, () -> call(handler, "bgp", "{\"x\":1}")).code());
            assertEquals(ErrorCode.BAD_PARAM, assertThrows(ControlException.class, () -> call(handler, "bgp", "{\"routes\":\"yes\"}")).code());
            assertEquals(ErrorCode.NOT_FOUND, assertThrows(ControlException.class, () -> call(handler, "bgp", "{\"routes\":true}")).code());
            assertEquals("ok", call(handler, "health", "{}").get("status").asText());
        }
    }
}
