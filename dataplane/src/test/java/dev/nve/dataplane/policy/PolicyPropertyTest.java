package dev.nve.dataplane.policy;

import dev.nve.dataplane.policy.LabelSelector.Operator;
import dev.nve.dataplane.policy.LabelSelector.Requirement;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * For random identities, rules (selectors with prefixes and expressions, entities, ports,
 * ranges, allow and deny, empty rules) and enforcement modes, the off-heap table and the heap
 * model both answer every one of 200 random flows exactly as {@link ReferencePolicy}, and so
 * does a {@link PolicyVerdictCache} kept across the scenarios (asked twice per flow).
 * Values are drawn from small pools so that selectors, peers and port edges collide often.
 */
final class PolicyPropertyTest
{
    private static final String[] KEYS = {"app", "tier", "env"};
    private static final String[] VALUES = {"a", "b", "c"};
    private static final String[] PREFIXES = {"", "", "k8s:", "any:", "container:"};
    private static final int[] PORTS = {0, 1, 52, 53, 54, 79, 80, 81, 443, 1000, 1024, 8080, 65535};
    private static final int[] PROTOCOLS = {1, 6, 17, 58};
    private static final int FLOWS = 200;
    /** One worker's cache across all scenarios: each new table must make it forget the last one's answers. */
    private static final PolicyVerdictCache CACHE = new PolicyVerdictCache();

    record Scenario(IdentityRegistry identities, List<Integer> pool, List<PolicyRule> rules, EnforcementMode mode, long flowSeed)
    {
        @Override
        public String toString()
        {
            final StringBuilder text = new StringBuilder("mode " + mode + "\nidentities:\n");
            for (final int id : pool)
            {
                text.append("  ").append(id).append(' ').append(identities.labels(id)).append('\n');
            }
            for (final PolicyRule rule : rules)
            {
                text.append(rule).append('\n');
            }
            return text.toString();
        }
    }

    @Provide
    Arbitrary<Scenario> scenarios()
    {
        return Arbitraries.randomValue(PolicyPropertyTest::scenario);
    }

    @Property(tries = 1000)
    void tableAgreesWithReferenceEvaluator(@ForAll("scenarios") final Scenario scenario)
    {
        final CompiledPolicy compiled = new PolicyCompiler().compile(scenario.rules(), scenario.mode(), scenario.identities());
        final PolicyTable table = PolicyTable.of(compiled);
        CACHE.use(table);
        final Random random = new Random(scenario.flowSeed());
        for (int i = 0; i < FLOWS; i++)
        {
            final int endpoint = pick(random, scenario.pool());
            final boolean ingress = random.nextBoolean();
            final int peer = pick(random, scenario.pool());
            final int protocol = PROTOCOLS[random.nextInt(PROTOCOLS.length)];
            final int port = random.nextInt(4) == 0 ? random.nextInt(65536) : PORTS[random.nextInt(PORTS.length)];
            final ReferencePolicy.Expected expected = ReferencePolicy.evaluate(scenario.rules(), scenario.mode(), scenario.identities(),
                endpoint, ingress, peer, protocol, port);
            final int direction = ingress ? PolicyDirection.INGRESS : PolicyDirection.EGRESS;
            final String flow = "flow " + endpoint + " " + PolicyDirection.name(direction) + " peer " + peer + " proto " + protocol + " port " + port;
            final String want = PolicyVerdict.toString(PolicyVerdict.of(expected.kind(), expected.rule() < 0 ? PolicyVerdict.NO_RULE : expected.rule()));
            assertEquals(want, PolicyVerdict.toString(table.lookup(endpoint, direction, peer, protocol, port)), flow);
            assertEquals(want, PolicyVerdict.toString(compiled.evaluate(endpoint, direction, peer, protocol, port)), flow);
            assertEquals(want, PolicyVerdict.toString(CACHE.lookup(endpoint, direction, peer, protocol, port)), flow + " (verdict cache)");
            assertEquals(want, PolicyVerdict.toString(CACHE.lookup(endpoint, direction, peer, protocol, port)), flow + " (verdict cache, again)");
        }
    }

    private static int pick(final Random random, final List<Integer> pool)
    {
        return pool.get(random.nextInt(pool.size()));
    }

    private static Scenario scenario(final Random random)
    {
        final IdentityRegistry identities = new IdentityRegistry();
        final List<Integer> pool = new ArrayList<>(List.of(Identities.UNKNOWN, Identities.HOST, Identities.WORLD, Identities.REMOTE_NODE, 4242));
        final int userIdentities = 1 + random.nextInt(6);
        for (int i = 0; i < userIdentities; i++)
        {
            final Map<String, String> labels = labels(random);
            if (identities.identityOf(labels) >= 0)
            {
                continue;
            }
            final int id = random.nextBoolean() ? Identities.FIRST_USER + i : Identities.MAX - i;
            pool.add(identities.register(labels, id));
        }
        final List<PolicyRule> rules = new ArrayList<>();
        final int ruleCount = random.nextInt(7);
        for (int i = 0; i < ruleCount; i++)
        {
            rules.add(new PolicyRule("rule-" + i, selector(random), peerRules(random), peerRules(random), peerRules(random), peerRules(random)));
        }
        final int mode = random.nextInt(10);
        final EnforcementMode enforcement = mode < 7 ? EnforcementMode.DEFAULT : mode < 9 ? EnforcementMode.ALWAYS : EnforcementMode.NEVER;
        return new Scenario(identities, pool, rules, enforcement, random.nextLong());
    }

    private static Map<String, String> labels(final Random random)
    {
        final Map<String, String> labels = new HashMap<>();
        final int count = 1 + random.nextInt(3);
        for (int i = 0; i < count; i++)
        {
            final String prefix = random.nextInt(5) == 0 ? (random.nextBoolean() ? "k8s:" : "container:") : "";
            labels.put(prefix + KEYS[random.nextInt(KEYS.length)], VALUES[random.nextInt(VALUES.length)]);
        }
        return labels;
    }

    private static LabelSelector selector(final Random random)
    {
        if (random.nextInt(12) == 0)
        {
            return LabelSelector.of(Map.of(random.nextBoolean() ? "reserved:world" : "reserved:host", ""));
        }
        final Map<String, String> matchLabels = new HashMap<>();
        final int labelCount = random.nextInt(3);
        for (int i = 0; i < labelCount; i++)
        {
            matchLabels.put(PREFIXES[random.nextInt(PREFIXES.length)] + KEYS[random.nextInt(KEYS.length)], VALUES[random.nextInt(VALUES.length)]);
        }
        final List<Requirement> expressions = new ArrayList<>();
        final int expressionCount = random.nextInt(4) == 0 ? 1 + random.nextInt(2) : 0;
        for (int i = 0; i < expressionCount; i++)
        {
            final Operator op = Operator.values()[random.nextInt(Operator.values().length)];
            final String key = PREFIXES[random.nextInt(PREFIXES.length)] + KEYS[random.nextInt(KEYS.length)];
            final List<String> values = op == Operator.IN || op == Operator.NOT_IN
                ? List.of(VALUES[random.nextInt(VALUES.length)], VALUES[random.nextInt(VALUES.length)]).stream().distinct().toList()
                : List.of();
            expressions.add(new Requirement(key, op, values));
        }
        return new LabelSelector(matchLabels, expressions);
    }

    private static List<PeerRule> peerRules(final Random random)
    {
        final int count = random.nextInt(4) == 0 ? 1 + random.nextInt(2) : 0;
        final List<PeerRule> rules = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final List<LabelSelector> endpoints = new ArrayList<>();
            final int selectors = random.nextInt(3) == 0 ? 1 + random.nextInt(2) : 0;
            for (int s = 0; s < selectors; s++)
            {
                endpoints.add(selector(random));
            }
            final Set<Entity> entities = EnumSet.noneOf(Entity.class);
            if (random.nextInt(4) == 0)
            {
                entities.add(Entity.values()[random.nextInt(Entity.values().length)]);
            }
            final List<PortRule> ports = new ArrayList<>();
            final int portCount = random.nextInt(3);
            for (int p = 0; p < portCount; p++)
            {
                ports.add(portRule(random));
            }
            rules.add(new PeerRule(endpoints, entities, ports));
        }
        return rules;
    }

    private static PortRule portRule(final Random random)
    {
        final int protocol = new int[] {PortRule.ANY, PortRule.TCP, PortRule.UDP}[random.nextInt(3)];
        final int port = PORTS[random.nextInt(PORTS.length)];
        if (port == 0 || random.nextBoolean())
        {
            return new PortRule(protocol, port, 0);
        }
        final int end = Math.min(65535, port + random.nextInt(random.nextBoolean() ? 3 : 2000));
        return new PortRule(protocol, port, end);
    }
}
