package dev.nve.control.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.nve.control.config.ConfigException;
import dev.nve.control.policy.CiliumPolicyParser;
import dev.nve.control.socket.ControlException;
import dev.nve.control.socket.ErrorCode;
import dev.nve.dataplane.policy.PolicyCompiler;
import dev.nve.dataplane.policy.PolicyRule;
import dev.nve.dataplane.policy.PolicyTable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code policy.import} (a named set of Cilium policies, JSON as in the config; importing a name
 * again replaces it), {@code policy.delete} and {@code policy.list}. Every change compiles the
 * config's policies plus all imported sets into a new policy table and publishes it whole:
 * workers switch at their next batch, and a set that does not compile changes nothing.
 */
final class PolicyOps
{
    static final String CONFIG_SET = "config";

    private final OpsContext c;
    private final Map<String, List<PolicyRule>> sets = new LinkedHashMap<>();

    private PolicyOps(final OpsContext c)
    {
        this.c = c;
        sets.put(CONFIG_SET, c.config().security().policies());
    }

    static PolicyOps register(final Map<String, Op> ops, final OpsContext c)
    {
        final PolicyOps policies = new PolicyOps(c);
        ops.put("policy.import", (params, undo) ->
        {
            final Params p = Params.of("policy.import", params, "name", "policy");
            final String name = p.string("name");
            if (name.equals(CONFIG_SET))
            {
                throw p.bad("name", "\"" + CONFIG_SET + "\" is the config's own set; choose another name");
            }
            final JsonNode policy = p.required("policy");
            final List<PolicyRule> rules;
            try
            {
                rules = CiliumPolicyParser.parse(policy);
            }
            catch (final ConfigException e)
            {
                throw new ControlException(ErrorCode.BAD_PARAM, "policy.import: params.policy: " + e.getMessage());
            }
            final List<PolicyRule> before = policies.sets.get(name);
            undo.record(policies.restorer());
            policies.replace(name, rules);
            return OpsContext.JSON.createObjectNode().put("name", name).put("rules", rules.size()).put("replaced", before != null);
        });
        ops.put("policy.delete", (params, undo) ->
        {
            final Params p = Params.of("policy.delete", params, "name");
            final String name = p.string("name");
            final List<PolicyRule> before = policies.sets.get(name);
            if (before == null || name.equals(CONFIG_SET))
            {
                throw new ControlException(before == null ? ErrorCode.NOT_FOUND : ErrorCode.CONFLICT,
                    "policy.delete: " + (before == null ? "no imported policy set \"" + name + "\"" : "the config's own set cannot be deleted"));
            }
            undo.record(policies.restorer());
            policies.replace(name, null);
            return OpsContext.JSON.createObjectNode().put("name", name).put("removed", before.size());
        });
        return policies;
    }

    private void replace(final String name, final List<PolicyRule> rules) throws ControlException
    {
        final Map<String, List<PolicyRule>> next = new LinkedHashMap<>(sets);
        if (rules == null)
        {
            next.remove(name);
        }
        else
        {
            next.put(name, rules);
        }
        final PolicyTable table;
        try
        {
            table = compile(next);
        }
        catch (final IllegalArgumentException e)
        {
            throw new ControlException(ErrorCode.BAD_PARAM, "policy \"" + name + "\": " + e.getMessage());
        }
        sets.clear();
        sets.putAll(next);
        c.writer().setPolicy(table);
    }

    /**
     * Compiles the sets again (a new identity may be selected by a policy) and publishes the
     * result; the table in force before comes back on undo.
     */
    void recompile(final Undo undo) throws ControlException
    {
        undo.record(restorer());
        final PolicyTable table;
        try
        {
            table = compile(sets);
        }
        catch (final IllegalArgumentException e)
        {
            throw new ControlException(ErrorCode.CONFLICT, "policies: " + e.getMessage());
        }
        c.writer().setPolicy(table);
    }

    /**
     * Puts the sets and the very table in force now back (recorded before a change; the
     * table's per-rule counters survive a failed batch).
     */
    private Undo.Step restorer()
    {
        final Map<String, List<PolicyRule>> sets = new LinkedHashMap<>(this.sets);
        final PolicyTable table = c.tables().policy();
        return () ->
        {
            this.sets.clear();
            this.sets.putAll(sets);
            c.writer().setPolicy(table);
        };
    }

    private PolicyTable compile(final Map<String, List<PolicyRule>> all)
    {
        final List<PolicyRule> rules = new ArrayList<>();
        all.values().forEach(rules::addAll);
        return PolicyTable.of(new PolicyCompiler().compile(rules, c.config().security().enforcement(), c.identities()));
    }

    ArrayNode list()
    {
        final ArrayNode list = OpsContext.JSON.createArrayNode();
        for (final Map.Entry<String, List<PolicyRule>> set : sets.entrySet())
        {
            final ArrayNode names = list.addObject().put("name", set.getKey()).put("rules", set.getValue().size()).putArray("ruleNames");
            set.getValue().forEach(r -> names.add(r.name()));
        }
        return list;
    }
}
