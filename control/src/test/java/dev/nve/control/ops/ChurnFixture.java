package dev.nve.control.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.config.HostConfig;
import dev.nve.control.socket.ControlClient;
import dev.nve.control.socket.ControlServer;
import dev.nve.control.socket.ControlServerOptions;
import dev.nve.control.socket.Request;
import dev.nve.dataplane.conntrack.ConntrackTable;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.flow.FlowEvents;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.pipeline.Pipeline;
import dev.nve.dataplane.port.InMemoryPort;
import dev.nve.dataplane.port.Port;
import dev.nve.dataplane.table.Macs;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.FrameBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host of the churn tests: 256 remote MACs behind pairs of VTEPs, 64 ILA identifiers
 * with pairs of locators, endpoints c1 (VXLAN, id=service1) and a1 (ILA), a spare port c3,
 * the operations over its tables and a pipeline over in-memory ports.
 */
final class ChurnFixture implements AutoCloseable
{
    static final ObjectMapper JSON = new ObjectMapper();
    static final int MACS = 256;
    static final int SIRS = 64;
    static final long UPDATES = 400_000;
    static final long MAX_MILLIS = 20_000;
    static final int BATCH_OPS = 500;
    static final String[] VTEPS = {"198.18.0.2", "198.18.0.3", "198.18.0.4", "198.18.0.5"};
    static final long[] LOCATORS = {0x2001_0db8_000b_0000L, 0x2001_0db8_000c_0000L, 0x2001_0db8_000d_0000L};
    static final long C1_MAC = 0x02_00_00_00_01_01L;
    static final long A1_MAC = 0x02_00_00_00_0a_01L;
    static final long ROUTER_MAC = 0x02_00_00_00_00_eeL;

    static long remoteMac(final int i)
    {
        return 0x02_00_00_00_b0_00L + i;
    }

    /**
     * The VTEP of MAC i in phase 0 or 1: each MAC has its own pair. The first {@link #LONERS}
     * MACs have a VTEP of their own in phase 1, so each of their moves frees a template and the
     * next one reuses the slot: the worker epochs must keep a worker from using a reused slot.
     */
    static String vtep(final int i, final int phase)
    {
        return i < LONERS && phase == 1 ? "198.18.1." + (10 + i) : VTEPS[(i + phase) % VTEPS.length];
    }

    static final int LONERS = 8;

    static int locatorOf(final int j, final int phase)
    {
        return (j + phase) % LOCATORS.length;
    }

    static String config()
    {
        final StringBuilder fdb = new StringBuilder();
        for (int i = 0; i < MACS; i++)
        {
            fdb.append(i == 0 ? "" : ",").append(String.format("{\"vni\":100,\"mac\":\"%s\",\"vtep\":\"%s\"}", mac(remoteMac(i)), vtep(i, 0)));
        }
        final StringBuilder mappings = new StringBuilder();
        for (int j = 0; j < SIRS; j++)
        {
            mappings.append(j == 0 ? "" : ",").append(String.format("{\"sir\":\"fd00:5::b:%x\",\"type\":\"iid\",\"locator\":\"%s\"}", j, locator(locatorOf(j, 0))));
        }
        return "{\"underlay\":{\"port\":\"uplink\",\"mac\":\"02:00:00:00:00:01\",\"vteps\":[\"198.18.0.1\"],\"gatewayMac\":\"02:00:00:00:00:fe\"},"
            + "\"networks\":[{\"vni\":100,\"gbp\":true},{\"vni\":300,\"gbp\":true}],"
            + "\"endpoints\":[{\"name\":\"c1\",\"port\":\"c1\",\"vni\":100,\"mac\":\"" + mac(C1_MAC) + "\",\"ips\":[\"198.19.1.1\"],\"labels\":{\"id\":\"service1\"}},"
            + "{\"name\":\"a1\",\"port\":\"a1\",\"mac\":\"" + mac(A1_MAC) + "\",\"ips\":[\"fd00:5::a1\"]}],"
            + "\"fdb\":[" + fdb + ",{\"vni\":300,\"mac\":\"" + mac(remoteMac(0)) + "\",\"vtep\":\"" + VTEPS[0] + "\"}],"
            + "\"ports\":[\"c3\"],"
            + "\"ila\":{\"routerMac\":\"" + mac(ROUTER_MAC) + "\",\"locators\":[\"2001:db8:a::/64\"],\"sirPrefixes\":[\"fd00:5::/64\"],\"tenants\":[],"
            + "\"mappings\":[" + mappings + "]},"
            + "\"tables\":{\"fdbEntries\":1024,\"encapTemplates\":14}}";
    }

    static String mac(final long mac)
    {
        return Macs.format(mac);
    }

    static String locator(final int k)
    {
        final long l = LOCATORS[k];
        return String.format("%x:%x:%x:%x::/64", l >>> 48 & 0xFFFF, l >>> 32 & 0xFFFF, l >>> 16 & 0xFFFF, l & 0xFFFF);
    }

    /** Two equivalent policies for c1 (egress to anything): replacing one by the other must not drop a frame. */
    static final String[] POLICIES = {
        "{\"endpointSelector\":{\"matchLabels\":{\"id\":\"service1\"}},\"egress\":[{\"toEntities\":[\"all\"]}]}",
        "{\"endpointSelector\":{\"matchLabels\":{\"id\":\"service1\"}},\"egress\":[{\"toEntities\":[\"world\",\"all\"]}]}"};

    final Tables tables;
    final FrameMemory memory = FrameMemory.allocate(4096);
    final TableWriter writer;
    final TableOps ops;
    final FramePool pool = new FramePool(memory);
    final Counters counters = new Counters();
    final InMemoryPort uplink;
    final InMemoryPort c1;
    final InMemoryPort a1;
    final InMemoryPort c3;
    final Pipeline pipeline;

    ChurnFixture() throws Exception
    {
        final HostConfig config = HostConfig.parse(JSON.readTree(config()));
        tables = new Tables(config.sizes());
        ops = TableOps.start(config, tables, new Counters(), registry -> null, Map::of);
        writer = ops.context().writer();
        ops.handle(request("policy.import", JSON.createObjectNode().put("name", "p").set("policy", JSON.readTree(POLICIES[0]))));
        final Port[] ports = new Port[4];
        uplink = new InMemoryPort(tables.ports().find("uplink"), "uplink", pool);
        c1 = new InMemoryPort(tables.ports().find("c1"), "c1", pool);
        a1 = new InMemoryPort(tables.ports().find("a1"), "a1", pool);
        c3 = new InMemoryPort(tables.ports().find("c3"), "c3", pool);
        ports[uplink.id()] = uplink;
        ports[c1.id()] = c1;
        ports[a1.id()] = a1;
        ports[c3.id()] = c3;
        pipeline = new Pipeline(tables, ports, pool, counters, 64, new ConntrackTable(4096), new FlowEvents(1 << 16));
    }

    long retired()
    {
        return writer.templatesRetired();
    }

    @Override
    public void close()
    {
        tables.close();
        memory.close();
    }

    static Request request(final String op, final ObjectNode params)
    {
        return new Request(JSON.getNodeFactory().numberNode(1), op, params);
    }
}
