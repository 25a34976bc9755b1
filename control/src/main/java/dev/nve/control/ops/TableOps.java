package dev.nve.control.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.control.config.ConfigException;
import dev.nve.control.config.ConfigOperations;
import dev.nve.control.config.HostConfig;
import dev.nve.control.socket.ControlException;
import dev.nve.control.socket.ControlHandler;
import dev.nve.control.socket.ErrorCode;
import dev.nve.control.socket.Request;
import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.policy.IdentityRegistry;
import dev.nve.dataplane.policy.PolicyTable;
import dev.nve.dataplane.table.Macs;
import dev.nve.dataplane.table.NetworkTable;
import dev.nve.dataplane.table.PortTable;
import dev.nve.dataplane.table.TableException;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The operations of the control socket (docs/CONTROL.md), on the control thread, the tables'
 * only writer. A request, or a {@code batch} of them, is all or nothing: each change records its
 * inverse, and a failure part-way puts every table back before the error is answered.
 */
public final class TableOps implements ControlHandler
{
    /** Most operations in one batch: bounds the time the control thread spends on one request. */
    public static final int MAX_BATCH = 100_000;
    private static final Set<String> NOT_IN_BATCH = Set.of("batch", "monitor");
    /** The operations that change this host's networks or endpoints: what {@link #onLocalChange} listeners hear about. */
    private static final Set<String> LOCAL_CHANGES = Set.of("network.add", "network.del", "endpoint.add", "endpoint.del");

    private final OpsContext c;
    private final Map<String, Op> ops = new TreeMap<>();
    private final IlaOps ila;
    private final PolicyOps policies;
    private final EndpointOps endpoints;
    private final long startedNanos = System.nanoTime();
    private final List<Runnable> localListeners = new ArrayList<>();
    private long requests;
    private long failed;

    public TableOps(final OpsContext c)
    {
        this.c = c;
        FdbOps.register(ops, c);
        FdbOps.registerNetworks(ops, c);
        NeighbourOps.register(ops, c);
        this.ila = IlaOps.register(ops, c);
        this.policies = PolicyOps.register(ops, c);
        IpCacheOps.register(ops, c, policies);
        this.endpoints = EndpointOps.register(ops, c, policies);
        for (final String setup : ConfigOperations.SECTIONS.keySet())
        {
            ops.putIfAbsent(setup, (params, undo) -> fixedAtStart(setup, params));
        }
        ops.put("port.add", this::addPort);
        ops.put("health", (params, undo) -> health(params));
        ops.put("counters", (params, undo) -> counters(params));
        ops.put("dump", (params, undo) -> dump(params));
        ops.put("batch", this::batch);
        ops.put("monitor", (params, undo) -> monitor(params));
    }

    /**
     * Applies {@code config} to {@code tables}: its sections through the table writer, then its
     * operations (a config written as a list of operations) through these operations, the same
     * code the control socket runs. Returns the operations, to serve the socket with.
     *
     * @param monitor makes the flow monitor once the identities are known (may return null)
     * @throws ConfigException naming the section or the operation that was refused
     */
    public static TableOps start(final HostConfig config, final Tables tables, final Counters counters,
        final Function<IdentityRegistry, FlowMonitor> monitor, final Supplier<Map<String, Object>> status) throws ConfigException
    {
        return start(config, tables, counters, monitor, status, null);
    }

    /** {@link #start}, with {@code port.add} served by {@code ports} once running. */
    public static TableOps start(final HostConfig config, final Tables tables, final Counters counters,
        final Function<IdentityRegistry, FlowMonitor> monitor, final Supplier<Map<String, Object>> status, final PortControl ports) throws ConfigException
    {
        final TableWriter writer = new TableWriter(tables);
        final IdentityRegistry identities = config.apply(writer);
        final TableOps ops = new TableOps(new OpsContext(tables, writer, config, identities, counters, monitor.apply(identities), status, ports));
        final Undo undo = new Undo();
        for (final ConfigOperations.Item item : config.operations().runtime())
        {
            final String at = "operations[" + item.index() + "] (" + item.op() + "): ";
            if (NOT_IN_BATCH.contains(item.op()))
            {
                throw new ConfigException(at + "not an operation for a config");
            }
            try
            {
                ops.run(item.op(), item.params(), undo);
            }
            catch (final ControlException e)
            {
                throw new ConfigException(at + e.getMessage());
            }
            catch (final TableException e)
            {
                throw new ConfigException(at + fromTable(item.op(), e).getMessage());
            }
        }
        return ops;
    }

    /**
     * Runs {@code listener} on the control thread after every request that may have changed this
     * host's networks or endpoints and was applied (a refused one changed nothing). Call on the
     * control thread.
     */
    public void onLocalChange(final Runnable listener)
    {
        localListeners.add(listener);
    }

    /** What the operations work on. */
    public OpsContext context()
    {
        return c;
    }

    @Override
    public Object handle(final Request request) throws ControlException
    {
        requests++;
        final Undo undo = new Undo();
        try
        {
            final Object result = run(request.op(), request.params(), undo);
            if (changesLocal(request))
            {
                localListeners.forEach(Runnable::run);
            }
            return result;
        }
        catch (final ControlException e)
        {
            failed++;
            undo.rollBack(e);
            throw e;
        }
        catch (final TableException e)
        {
            failed++;
            final ControlException refused = fromTable(request.op(), e);
            undo.rollBack(refused);
            throw refused;
        }
        catch (final RuntimeException e)
        {
            failed++;
            undo.rollBack(e);
            throw e;
        }
    }

    private Object run(final String name, final ObjectNode params, final Undo undo) throws ControlException
    {
        final Op op = ops.get(name);
        if (op == null)
        {
            throw new ControlException(ErrorCode.UNKNOWN_OP, "unknown operation \"" + name + "\" (known: " + String.join(", ", ops.keySet()) + ")");
        }
        return op.apply(params, undo);
    }

    private static boolean changesLocal(final Request request)
    {
        if (request.op().equals("batch"))
        {
            for (final JsonNode item : request.params().path("ops"))
            {
                if (LOCAL_CHANGES.contains(item.path("op").asText()))
                {
                    return true;
                }
            }
            return false;
        }
        return LOCAL_CHANGES.contains(request.op());
    }

    /** The tables' refusals, by what they mean to a client. */
    static ControlException fromTable(final String op, final TableException e)
    {
        final ErrorCode code = switch (e.kind())
        {
            case FULL -> ErrorCode.TABLE_FULL;
            case NOT_FOUND -> ErrorCode.NOT_FOUND;
            case CONFLICT -> ErrorCode.CONFLICT;
        };
        return new ControlException(code, op + ": " + (e.getMessage() == null ? "refused" : e.getMessage()));
    }

    private Object batch(final ObjectNode params, final Undo undo) throws ControlException
    {
        final Params p = Params.of("batch", params, "ops");
        undo.inBatch = true;
        final JsonNode list = p.required("ops");
        if (!list.isArray() || list.size() > MAX_BATCH)
        {
            throw p.bad("ops", "expected an array of at most " + MAX_BATCH + " {\"op\": ..., \"params\": {...}} objects");
        }
        final ArrayNode results = OpsContext.JSON.createArrayNode();
        for (int i = 0; i < list.size(); i++)
        {
            final JsonNode item = list.get(i);
            final String at = "batch: params.ops[" + i + "]";
            if (!item.isObject() || !item.path("op").isTextual() || (item.has("params") && !item.get("params").isObject())
                || item.size() > (item.has("params") ? 2 : 1))
            {
                throw new ControlException(ErrorCode.BAD_PARAM, at + ": expected {\"op\": NAME, \"params\": {...}} and nothing else");
            }
            final String name = item.get("op").asText();
            if (NOT_IN_BATCH.contains(name))
            {
                throw new ControlException(ErrorCode.BAD_PARAM, at + ": " + name + " cannot be part of a batch");
            }
            final ObjectNode itemParams = item.has("params") ? (ObjectNode)item.get("params") : OpsContext.JSON.createObjectNode();
            try
            {
                final Object result = run(name, itemParams, undo);
                results.add(result instanceof JsonNode node ? node : OpsContext.JSON.valueToTree(result));
            }
            catch (final ControlException e)
            {
                throw new ControlException(e.code(), at + " (" + name + "): " + e.getMessage());
            }
            catch (final TableException e)
            {
                final ControlException refused = fromTable(name, e);
                throw new ControlException(refused.code(), at + ": " + refused.getMessage());
            }
        }
        return OpsContext.JSON.createObjectNode().put("applied", list.size()).set("results", results);
    }

    /**
     * The start-only operations (underlay, remote VTEP next hops, ILA domain, security settings,
     * table sizes, ports) at run time: the same as at start changes nothing (so a config file can
     * be applied again), anything else is refused.
     */
    private Object fixedAtStart(final String op, final ObjectNode params) throws ControlException
    {
        final boolean same = op.equals("port.add")
            ? params.path("name").isTextual() && params.size() == 1 && c.tables().ports().find(params.get("name").asText()) >= 0
            : c.config().operations().setup().getOrDefault(op, List.of()).contains(params);
        if (!same)
        {
            throw new ControlException(ErrorCode.CONFLICT, op + ": fixed while nve runs (it was set at start); restart nve with a new config to change it");
        }
        return OpsContext.JSON.createObjectNode().put("changed", false);
    }

    /**
     * {@code port.add}: opens an interface as a new port while nve runs (where the dataplane can:
     * {@link OpsContext#ports()}), for endpoints to go on. An interface once opened stays until
     * nve stops, so inside a batch (all or nothing) only a port that is open already is accepted.
     */
    private Object addPort(final ObjectNode params, final Undo undo) throws ControlException
    {
        final Params p = Params.of("port.add", params, "name");
        final String name = p.string("name");
        final PortControl control = c.ports();
        final boolean open = control != null ? control.serves(name) : c.tables().ports().find(name) >= 0;
        if (open)
        {
            return OpsContext.JSON.createObjectNode().put("name", name).put("changed", false);
        }
        if (control == null)
        {
            throw new ControlException(ErrorCode.CONFLICT, "port.add: this dataplane opens its ports at start only (" + name + " is not one of them)");
        }
        if (undo.inBatch)
        {
            throw new ControlException(ErrorCode.CONFLICT, "port.add: an interface cannot be closed again if the batch fails; send port.add " + name + " alone");
        }
        if (!name.matches("[A-Za-z0-9_.-]{1,15}"))
        {
            throw p.bad("name", "\"" + name + "\" is not an interface name (1-15 of A-Z a-z 0-9 _ . -)");
        }
        final int id = c.writer().addPort(name);
        try
        {
            return OpsContext.JSON.createObjectNode().put("name", name).put("id", id).put("changed", true).put("port", control.open(name, id));
        }
        catch (final RuntimeException e)
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "port.add: " + e.getMessage());
        }
    }

    private Object health(final ObjectNode params) throws ControlException
    {
        Params.of("health", params);
        final ObjectNode h = OpsContext.JSON.createObjectNode();
        h.put("status", "ok").put("uptimeSeconds", (System.nanoTime() - startedNanos) / 1_000_000_000L);
        c.status().get().forEach((k, v) -> h.set(k, OpsContext.JSON.valueToTree(v)));
        h.put("requests", requests).put("requestsFailed", failed);
        h.putObject("tables").put("fdb", c.tables().fdb().size()).put("fdbMax", c.tables().fdb().maxEntries())
            .put("ilaMappings", c.tables().ila().size())
            .put("neighbours", c.tables().neighbours().size()).put("neighboursMax", c.tables().neighbours().maxEntries()).put("networks", c.tables().networks().size())
            .put("retiredTemplates", c.writer().retiredTemplates());
        if (c.monitor() != null)
        {
            h.put("monitors", c.monitor().subscribers()).put("flowEventsLost", c.monitor().events().lost());
        }
        return h;
    }

    private Object counters(final ObjectNode params) throws ControlException
    {
        final Params p = Params.of("counters", params, "prefix");
        final String prefix = p.string("prefix", "");
        final ObjectNode result = OpsContext.JSON.createObjectNode();
        for (final Map.Entry<String, Long> e : new TreeMap<>(counterValues(c)).entrySet())
        {
            if (e.getKey().startsWith(prefix))
            {
                result.put(e.getKey(), e.getValue());
            }
        }
        return result;
    }

    /**
     * Every counter: the pipeline's ({@code port/..., stage/...}) and the packets and bytes per
     * rule of the policy table in force ({@code policy/RULE/packets}; they count from the moment
     * that table was published).
     */
    public static Map<String, Long> counterValues(final OpsContext c)
    {
        final Map<String, Long> values = new LinkedHashMap<>(c.counters().snapshot());
        final PolicyTable policy = c.tables().policy();
        final List<String> rules = policy.ruleNames();
        for (int rule = 0; rule < rules.size(); rule++)
        {
            values.merge("policy/" + rules.get(rule) + "/packets", policy.rulePackets(rule), Long::sum);
            values.merge("policy/" + rules.get(rule) + "/bytes", policy.ruleBytes(rule), Long::sum);
        }
        return values;
    }

    private Object dump(final ObjectNode params) throws ControlException
    {
        final Params p = Params.of("dump", params, "table", "vni");
        final String table = p.string("table");
        return switch (table)
        {
            case "fdb" -> FdbOps.dumpFdb(c, (int)p.integer("vni", 0, (1 << 24) - 1, -1));
            case "neigh" -> NeighbourOps.dump(c, (int)p.integer("vni", 0, (1 << 24) - 1, -1));
            case "flood" -> FdbOps.dumpFlood(c);
            case "ila" -> ila.dump();
            case "policies" -> policies.list();
            case "identities" -> OpsContext.JSON.valueToTree(c.identities().all());
            case "ports" -> dumpPorts();
            case "endpoints" -> endpoints.dump();
            case "networks" -> dumpNetworks();
            default -> throw p.bad("table", "\"" + table + "\" is not one of fdb, neigh, flood, ila, policies, identities, ports, endpoints, networks");
        };
    }

    /** The ports with their role and, for endpoints, network, MAC and identity. */
    private ArrayNode dumpPorts()
    {
        final PortTable ports = c.tables().ports();
        final ArrayNode list = OpsContext.JSON.createArrayNode();
        for (int id = 0; id < ports.count(); id++)
        {
            final byte role = ports.role(id);
            final ObjectNode e = list.addObject().put("id", id).put("name", ports.name(id))
                .put("role", role == PortTable.ROLE_UNDERLAY ? "underlay" : role == PortTable.ROLE_ENDPOINT ? "endpoint" : "none");
            if (role == PortTable.ROLE_ENDPOINT)
            {
                if (ports.network(id) >= 0)
                {
                    e.put("vni", c.tables().networks().vni(ports.network(id)));
                }
                e.put("mac", Macs.format(ports.mac(id))).put("identity", ports.identity(id));
            }
        }
        return list;
    }

    private ArrayNode dumpNetworks()
    {
        final NetworkTable networks = c.tables().networks();
        final ArrayNode list = OpsContext.JSON.createArrayNode();
        for (int network = 1; network <= networks.highestIndex(); network++)
        {
            if (!networks.isLive(network))
            {
                continue;
            }
            list.addObject().put("vni", networks.vni(network)).put("gbp", networks.groupPolicy(network)).put("identityInVni", networks.identityInVni(network))
                .put("floodPorts", networks.floodPorts(network).length).put("floodVteps", networks.floodTemplates(network).length);
        }
        return list;
    }

    private Object monitor(final ObjectNode params) throws ControlException
    {
        final Params p = Params.of("monitor", params, "dropped");
        if (c.monitor() == null)
        {
            throw new ControlException(ErrorCode.NOT_FOUND, "monitor: this dataplane has no flow-event ring");
        }
        return c.monitor().subscribe(p.bool("dropped", false));
    }
}
