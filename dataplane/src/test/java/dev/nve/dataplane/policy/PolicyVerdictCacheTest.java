package dev.nve.dataplane.policy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cache answers exactly as the table, also when it holds far fewer answers than the traffic
 * asks for (sets full, oldest answers pushed out) and after the table changes.
 */
final class PolicyVerdictCacheTest
{
    private static final int WEB = 300;
    private static final int PEERS = 200;
    private static final int FIRST_PEER = 1000;

    /** {@code web} may reach peer k on TCP 1000 + k .. 1000 + k + 20 (rule per peer), and everyone on UDP 53; peers 0-9 are denied TCP 1005. */
    private static PolicyTable table(final int firstPortOffset)
    {
        final IdentityRegistry identities = new IdentityRegistry();
        identities.register(Map.of("app", "web"), WEB);
        final List<PolicyRule> rules = new ArrayList<>();
        for (int k = 0; k < PEERS; k++)
        {
            identities.register(k < 10 ? Map.of("app", "svc-" + k, "tier", "denied") : Map.of("app", "svc-" + k), FIRST_PEER + k);
            final int low = 1000 + k + firstPortOffset;
            rules.add(new PolicyRule("rule-" + k, LabelSelector.of(Map.of("app", "web")), List.of(),
                List.of(new PeerRule(List.of(LabelSelector.of(Map.of("app", "svc-" + k))), Set.of(), List.of(new PortRule(PortRule.TCP, low, low + 20)))),
                List.of(), List.of()));
        }
        rules.add(new PolicyRule("deny", LabelSelector.of(Map.of("app", "web")), List.of(), List.of(), List.of(),
            List.of(new PeerRule(List.of(LabelSelector.of(Map.of("tier", "denied"))), Set.of(), List.of(new PortRule(PortRule.TCP, 1005, 0))))));
        rules.add(new PolicyRule("dns", LabelSelector.ALL_ENDPOINTS, List.of(),
            List.of(new PeerRule(List.of(), Set.of(), List.of(new PortRule(PortRule.UDP, 53, 0)))), List.of(), List.of()));
        return PolicyTable.of(new PolicyCompiler().compile(rules, EnforcementMode.DEFAULT, identities));
    }

    @Test
    void answersAsTheTableWithMoreCombinationsThanEntries()
    {
        final PolicyTable table = table(0);
        final PolicyVerdictCache cache = new PolicyVerdictCache();
        cache.use(table);
        final Random random = new Random(7);
        int allowed = 0;
        int deniedByRule = 0;
        // 200 peers x 300 ports x 2 protocols x 2 directions: 240,000 combinations, far more than the cache holds.
        for (int n = 0; n < 400_000; n++)
        {
            final int peer = FIRST_PEER + random.nextInt(PEERS);
            final int direction = random.nextBoolean() ? PolicyDirection.EGRESS : PolicyDirection.INGRESS;
            final int protocol = random.nextInt(4) == 0 ? 17 : 6;
            final int port = random.nextInt(4) == 0 ? 53 : 990 + random.nextInt(300);
            final int expected = table.lookup(WEB, direction, peer, protocol, port);
            assertEquals(expected, cache.lookup(WEB, direction, peer, protocol, port),
                () -> "peer " + peer + " " + PolicyDirection.name(direction) + " proto " + protocol + " port " + port);
            allowed += PolicyVerdict.isAllowed(expected) ? 1 : 0;
            deniedByRule += PolicyVerdict.kind(expected) == PolicyVerdict.DENIED_BY_RULE ? 1 : 0;
        }
        assertTrue(allowed > 50_000 && allowed < 350_000, "the traffic mixes allowed and denied answers: " + allowed);
        assertTrue(deniedByRule > 0, "some answers come from the deny rule");
    }

    @Test
    void repeatedCombinationsKeepTheirAnswerWhileOthersComeAndGo()
    {
        final PolicyTable table = table(0);
        final PolicyVerdictCache cache = new PolicyVerdictCache();
        cache.use(table);
        for (int round = 0; round < 3; round++)
        {
            for (int k = 0; k < PEERS; k++)
            {
                for (int port = 1000; port < 1100; port++)
                {
                    assertEquals(table.lookup(WEB, PolicyDirection.EGRESS, FIRST_PEER + k, 6, port),
                        cache.lookup(WEB, PolicyDirection.EGRESS, FIRST_PEER + k, 6, port));
                    assertEquals(table.lookup(WEB, PolicyDirection.EGRESS, FIRST_PEER, 6, 1010),
                        cache.lookup(WEB, PolicyDirection.EGRESS, FIRST_PEER, 6, 1010));
                }
            }
        }
    }

    @Test
    void forgetsTheAnswersOfAReplacedTable()
    {
        final PolicyTable before = table(0);
        final PolicyTable after = table(100);
        final int peer = FIRST_PEER + 3;
        assertNotEquals(before.lookup(WEB, PolicyDirection.EGRESS, peer, 6, 1003), after.lookup(WEB, PolicyDirection.EGRESS, peer, 6, 1003));
        final PolicyVerdictCache cache = new PolicyVerdictCache();
        cache.use(before);
        assertEquals(before.lookup(WEB, PolicyDirection.EGRESS, peer, 6, 1003), cache.lookup(WEB, PolicyDirection.EGRESS, peer, 6, 1003));
        cache.use(after);
        assertEquals(after.lookup(WEB, PolicyDirection.EGRESS, peer, 6, 1003), cache.lookup(WEB, PolicyDirection.EGRESS, peer, 6, 1003));
        cache.use(before);
        assertEquals(before.lookup(WEB, PolicyDirection.EGRESS, peer, 6, 1003), cache.lookup(WEB, PolicyDirection.EGRESS, peer, 6, 1003));
    }

    @Test
    void identitiesAbove24BitsAreAnsweredByTheTable()
    {
        final PolicyTable table = table(0);
        final PolicyVerdictCache cache = new PolicyVerdictCache();
        cache.use(table);
        final int outOfRange = Identities.MAX + 1;
        assertEquals(table.lookup(outOfRange, PolicyDirection.EGRESS, FIRST_PEER, 6, 1000), cache.lookup(outOfRange, PolicyDirection.EGRESS, FIRST_PEER, 6, 1000));
        assertEquals(table.lookup(WEB, PolicyDirection.EGRESS, outOfRange, 6, 1000), cache.lookup(WEB, PolicyDirection.EGRESS, outOfRange, 6, 1000));
        // A key that would alias the out-of-range one in 24 bits still gets its own answer.
        assertEquals(table.lookup(WEB, PolicyDirection.EGRESS, outOfRange & Identities.MAX, 6, 1000),
            cache.lookup(WEB, PolicyDirection.EGRESS, outOfRange & Identities.MAX, 6, 1000));
    }
}
