package dev.nve.dataplane.policy;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.nve.dataplane.policy.PolicyDirection.EGRESS;
import static dev.nve.dataplane.policy.PolicyDirection.INGRESS;
import static dev.nve.dataplane.policy.PolicyVerdict.ALLOWED;
import static dev.nve.dataplane.policy.PolicyVerdict.DENIED_BY_DEFAULT;
import static dev.nve.dataplane.policy.PolicyVerdict.DENIED_BY_RULE;
import static dev.nve.dataplane.policy.PolicyVerdict.NOT_ENFORCED;
import static dev.nve.dataplane.policy.PolicyVerdict.NO_RULE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Compiler cases; every verdict is read from the off-heap table and checked against the heap model. */
final class PolicyCompilerTest
{
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int ICMP = 1;
    private static final int ICMPV6 = 58;
    private static final LabelSelector SERVICE1 = LabelSelector.of(Map.of("id", "service1"));
    private static final LabelSelector SERVICE2 = LabelSelector.of(Map.of("id", "service2"));

    private IdentityRegistry identities;
    private int service1;
    private int service2;
    private int service3;
    private CompiledPolicy compiled;
    private PolicyTable table;

    @BeforeEach
    void registerEndpoints()
    {
        identities = new IdentityRegistry();
        service1 = identities.register(Map.of("id", "service1"));
        service2 = identities.register(Map.of("id", "service2"));
        service3 = identities.register(Map.of("id", "service3"), 1000);
    }

    private void compile(final EnforcementMode mode, final PolicyRule... rules)
    {
        compiled = new PolicyCompiler().compile(List.of(rules), mode, identities);
        table = PolicyTable.of(compiled);
    }

    private void compile(final PolicyRule... rules)
    {
        compile(EnforcementMode.DEFAULT, rules);
    }

    private int verdict(final int endpoint, final int direction, final int peer, final int protocol, final int port)
    {
        final int verdict = table.lookup(endpoint, direction, peer, protocol, port);
        assertEquals(PolicyVerdict.toString(compiled.evaluate(endpoint, direction, peer, protocol, port)), PolicyVerdict.toString(verdict),
            "table vs compiled model for " + endpoint + " " + PolicyDirection.name(direction) + " " + peer + " " + protocol + "/" + port);
        return verdict;
    }

    private void assertVerdict(final int kind, final int rule, final int endpoint, final int direction, final int peer, final int protocol, final int port)
    {
        assertEquals(PolicyVerdict.toString(PolicyVerdict.of(kind, rule)), PolicyVerdict.toString(verdict(endpoint, direction, peer, protocol, port)),
            endpoint + " " + PolicyDirection.name(direction) + " " + peer + " " + protocol + "/" + port);
    }

    private static PolicyRule ingress(final String name, final LabelSelector endpoints, final PeerRule... peers)
    {
        return new PolicyRule(name, endpoints, List.of(peers), List.of(), List.of(), List.of());
    }

    private static PolicyRule ingressDeny(final String name, final LabelSelector endpoints, final PeerRule... peers)
    {
        return new PolicyRule(name, endpoints, List.of(), List.of(), List.of(peers), List.of());
    }

    private static PeerRule from(final LabelSelector peer, final PortRule... ports)
    {
        return new PeerRule(List.of(peer), Set.of(), List.of(ports));
    }

    private static PeerRule fromEntity(final Entity entity, final PortRule... ports)
    {
        return new PeerRule(List.of(), Set.of(entity), List.of(ports));
    }

    @Test
    void studyExample()
    {
        compile(ingress("study", SERVICE1, from(SERVICE1, new PortRule(PortRule.TCP, 5201, 0))));
        assertVerdict(ALLOWED, 0, service1, INGRESS, service1, TCP, 5201);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service1, TCP, 5202);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service1, UDP, 5201);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service1, ICMP, 0);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service2, TCP, 5201);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, Identities.WORLD, TCP, 5201);
        assertVerdict(NOT_ENFORCED, NO_RULE, service1, EGRESS, service2, TCP, 5201);
        assertVerdict(NOT_ENFORCED, NO_RULE, service2, INGRESS, service1, TCP, 5201);
        assertEquals(List.of("study"), table.ruleNames());
        assertEquals(PolicyVerdict.DROP_REASON_POLICY_DENIED, PolicyVerdict.dropReason(verdict(service1, INGRESS, service2, TCP, 5201)));
    }

    @Test
    void emptyPeerRuleEnablesDefaultDenyAndEmptySectionDoesNot()
    {
        compile(ingress("deny-all", SERVICE1, PeerRule.EMPTY), ingress("nothing", SERVICE2));
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service2, TCP, 80);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, Identities.WORLD, ICMP, 0);
        assertVerdict(NOT_ENFORCED, NO_RULE, service1, EGRESS, service2, TCP, 80);
        assertVerdict(NOT_ENFORCED, NO_RULE, service2, INGRESS, service1, TCP, 80);
    }

    @Test
    void denyWinsOverAllowWhateverTheSpecificity()
    {
        compile(
            ingress("allow-service2", SERVICE1, from(SERVICE2)),
            ingressDeny("deny-ssh-from-anyone", SERVICE1, fromEntity(Entity.ALL, new PortRule(PortRule.TCP, 22, 0))),
            ingressDeny("deny-dns-from-service2", SERVICE1, from(SERVICE2, new PortRule(PortRule.ANY, 53, 0))));
        assertVerdict(ALLOWED, 0, service1, INGRESS, service2, TCP, 80);
        assertVerdict(ALLOWED, 0, service1, INGRESS, service2, ICMP, 0);
        assertVerdict(DENIED_BY_RULE, 1, service1, INGRESS, service2, TCP, 22);
        assertVerdict(DENIED_BY_RULE, 2, service1, INGRESS, service2, UDP, 53);
        assertVerdict(DENIED_BY_RULE, 2, service1, INGRESS, service2, TCP, 53);
        assertVerdict(DENIED_BY_RULE, 1, service1, INGRESS, service3, TCP, 22);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service3, TCP, 53);
        assertEquals(PolicyVerdict.DROP_REASON_POLICY_DENY, PolicyVerdict.dropReason(verdict(service1, INGRESS, service2, TCP, 22)));
        assertFalse(PolicyVerdict.isAllowed(verdict(service1, INGRESS, service2, TCP, 22)));
    }

    @Test
    void denyOnlyRulePutsTheEndpointIntoDefaultDeny()
    {
        compile(ingressDeny("deny", SERVICE1, from(SERVICE2)));
        assertVerdict(DENIED_BY_RULE, 0, service1, INGRESS, service2, TCP, 80);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service3, TCP, 80);
    }

    @Test
    void portRanges()
    {
        compile(ingress("range", SERVICE1, from(SERVICE2, new PortRule(PortRule.TCP, 8000, 8080))),
            ingress("inner", SERVICE1, from(SERVICE2, new PortRule(PortRule.TCP, 8040, 8100))));
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service2, TCP, 7999);
        assertVerdict(ALLOWED, 0, service1, INGRESS, service2, TCP, 8000);
        assertVerdict(ALLOWED, 0, service1, INGRESS, service2, TCP, 8050);
        assertVerdict(ALLOWED, 0, service1, INGRESS, service2, TCP, 8080);
        assertVerdict(ALLOWED, 1, service1, INGRESS, service2, TCP, 8081);
        assertVerdict(ALLOWED, 1, service1, INGRESS, service2, TCP, 8100);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service2, TCP, 8101);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service2, UDP, 8000);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new PortRule(PortRule.TCP, 90, 80)).getMessage().contains("endPort 80"));
        assertThrows(IllegalArgumentException.class, () -> new PortRule(PortRule.TCP, 0, 80));
        assertThrows(IllegalArgumentException.class, () -> new PortRule(PortRule.TCP, 70000, 0));
        assertThrows(IllegalArgumentException.class, () -> new PortRule(132, 80, 0));
    }

    @Test
    void allPortsAndAnyProtocol()
    {
        compile(ingress("dns", SERVICE1, from(SERVICE2, new PortRule(PortRule.ANY, 53, 0))),
            ingress("all-udp", SERVICE1, from(SERVICE3(), new PortRule(PortRule.UDP, 0, 0))));
        assertVerdict(ALLOWED, 0, service1, INGRESS, service2, TCP, 53);
        assertVerdict(ALLOWED, 0, service1, INGRESS, service2, UDP, 53);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service2, ICMP, 53);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service2, 132, 53);
        assertVerdict(ALLOWED, 1, service1, INGRESS, service3, UDP, 0);
        assertVerdict(ALLOWED, 1, service1, INGRESS, service3, UDP, 65535);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service3, TCP, 1);
    }

    private static LabelSelector SERVICE3()
    {
        return LabelSelector.of(Map.of("id", "service3"));
    }

    @Test
    void entities()
    {
        compile(ingress("world", SERVICE1, fromEntity(Entity.WORLD)),
            ingress("host", SERVICE1, fromEntity(Entity.HOST, new PortRule(PortRule.TCP, 10250, 0))),
            ingress("all", SERVICE2, fromEntity(Entity.ALL, new PortRule(PortRule.TCP, 443, 0))));
        assertVerdict(ALLOWED, 0, service1, INGRESS, Identities.WORLD, ICMP, 0);
        assertVerdict(ALLOWED, 0, service1, INGRESS, Identities.WORLD, TCP, 9);
        assertVerdict(ALLOWED, 1, service1, INGRESS, Identities.HOST, TCP, 10250);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, Identities.HOST, TCP, 10251);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service2, TCP, 9);
        assertVerdict(ALLOWED, 2, service2, INGRESS, Identities.WORLD, TCP, 443);
        assertVerdict(ALLOWED, 2, service2, INGRESS, 123456, TCP, 443);
        assertVerdict(ALLOWED, 2, service2, INGRESS, Identities.UNKNOWN, TCP, 443);
        assertVerdict(ALLOWED, 2, service2, INGRESS, service1, TCP, 443);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service2, INGRESS, service1, TCP, 80);
    }

    @Test
    void emptySelectorDoesNotReachReservedIdentities()
    {
        compile(ingress("cluster", SERVICE1, from(LabelSelector.ALL_ENDPOINTS)));
        assertVerdict(ALLOWED, 0, service1, INGRESS, service2, TCP, 80);
        assertVerdict(ALLOWED, 0, service1, INGRESS, service1, ICMPV6, 0);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, Identities.WORLD, TCP, 80);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, Identities.HOST, TCP, 80);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, 4321, TCP, 80);
    }

    @Test
    void l4OnlyRuleAppliesToEveryPeer()
    {
        compile(ingress("http", SERVICE1, new PeerRule(List.of(), Set.of(), List.of(new PortRule(PortRule.TCP, 80, 0)))));
        assertVerdict(ALLOWED, 0, service1, INGRESS, Identities.WORLD, TCP, 80);
        assertVerdict(ALLOWED, 0, service1, INGRESS, service2, TCP, 80);
        assertVerdict(ALLOWED, 0, service1, INGRESS, 99999, TCP, 80);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service2, TCP, 81);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service2, ICMP, 0);
    }

    @Test
    void wildcardRulesAreMergedIntoSpecificPeers()
    {
        compile(ingress("service2-80", SERVICE1, from(SERVICE2, new PortRule(PortRule.TCP, 80, 0))),
            ingress("all-443", SERVICE1, fromEntity(Entity.ALL, new PortRule(PortRule.TCP, 443, 0))));
        assertVerdict(ALLOWED, 0, service1, INGRESS, service2, TCP, 80);
        assertVerdict(ALLOWED, 1, service1, INGRESS, service2, TCP, 443);
        assertVerdict(ALLOWED, 1, service1, INGRESS, service3, TCP, 443);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service3, TCP, 80);
        // three wildcard keys (TCP, UDP, other) and one specific key (service2, TCP): UDP and
        // other equal the wildcard's lists, so they need no key of their own.
        assertEquals(4, table.keyCount());
        assertEquals(List.of(new PortInterval(80, 80, PolicyVerdict.of(ALLOWED, 0)), new PortInterval(443, 443, PolicyVerdict.of(ALLOWED, 1))),
            compiled.entries().get(new PolicyKey(service1, INGRESS, service2, ProtocolClass.TCP)));
        assertTrue(table.bytes() > 0);
    }

    @Test
    void firstAllowRuleInInputOrderDecides()
    {
        compile(ingress("narrow", SERVICE1, from(SERVICE2, new PortRule(PortRule.TCP, 80, 0))),
            ingress("wide", SERVICE1, from(SERVICE2)),
            ingress("narrow-again", SERVICE1, from(SERVICE2, new PortRule(PortRule.TCP, 80, 0))));
        assertVerdict(ALLOWED, 0, service1, INGRESS, service2, TCP, 80);
        assertVerdict(ALLOWED, 1, service1, INGRESS, service2, TCP, 81);
        assertVerdict(ALLOWED, 1, service1, INGRESS, service2, ICMP, 0);
        assertEquals(List.of("narrow", "wide", "narrow-again"), compiled.ruleNames());
    }

    @Test
    void egress()
    {
        compile(new PolicyRule("egress", SERVICE1, List.of(), List.of(from(SERVICE2, new PortRule(PortRule.TCP, 5432, 0))), List.of(),
            List.of(fromEntity(Entity.WORLD, new PortRule(PortRule.UDP, 53, 0)))));
        assertVerdict(ALLOWED, 0, service1, EGRESS, service2, TCP, 5432);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, EGRESS, service2, TCP, 5433);
        assertVerdict(DENIED_BY_RULE, 0, service1, EGRESS, Identities.WORLD, UDP, 53);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, EGRESS, Identities.WORLD, TCP, 53);
        assertVerdict(NOT_ENFORCED, NO_RULE, service1, INGRESS, Identities.WORLD, UDP, 53);
    }

    @Test
    void l3OnlyRulesCoverIcmpButPortRulesDoNot()
    {
        compile(ingress("l3", SERVICE1, from(SERVICE2)), ingress("l4", SERVICE1, from(SERVICE3(), new PortRule(PortRule.ANY, 0, 0))));
        assertVerdict(ALLOWED, 0, service1, INGRESS, service2, ICMP, 0);
        assertVerdict(ALLOWED, 0, service1, INGRESS, service2, ICMPV6, 128);
        assertVerdict(ALLOWED, 0, service1, INGRESS, service2, 47, 0);
        assertVerdict(ALLOWED, 1, service1, INGRESS, service3, TCP, 1);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service3, ICMP, 0);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service3, ICMPV6, 128);
    }

    @Test
    void enforcementModeAlways()
    {
        compile(EnforcementMode.ALWAYS, ingress("study", SERVICE1, from(SERVICE1, new PortRule(PortRule.TCP, 5201, 0))));
        assertVerdict(ALLOWED, 0, service1, INGRESS, service1, TCP, 5201);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, EGRESS, service1, TCP, 5201);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service2, INGRESS, service1, TCP, 5201);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service2, EGRESS, service1, TCP, 5201);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, 77777, EGRESS, service1, UDP, 1);
    }

    @Test
    void enforcementModeNever()
    {
        compile(EnforcementMode.NEVER, ingressDeny("deny", SERVICE1, fromEntity(Entity.ALL)), ingress("allow", SERVICE1, PeerRule.EMPTY));
        assertVerdict(NOT_ENFORCED, NO_RULE, service1, INGRESS, service2, TCP, 80);
        assertVerdict(NOT_ENFORCED, NO_RULE, service2, EGRESS, service1, ICMP, 0);
        assertEquals(0, table.keyCount());
        assertTrue(PolicyVerdict.isAllowed(verdict(service1, INGRESS, service2, TCP, 80)));
        assertEquals(EnforcementMode.ALWAYS, EnforcementMode.parse(" Always "));
        assertEquals(EnforcementMode.NEVER, EnforcementMode.parse("never"));
        assertEquals(EnforcementMode.DEFAULT, EnforcementMode.parse("default"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EnforcementMode.parse("strict")).getMessage().contains("default, always or never"));
    }

    @Test
    void identitiesBeyondTwentyFourBitsNeverAlias()
    {
        compile(ingress("l4", SERVICE1, new PeerRule(List.of(), Set.of(), List.of(new PortRule(PortRule.TCP, 80, 0)))),
            ingress("service2", SERVICE1, from(SERVICE2)));
        assertVerdict(NOT_ENFORCED, NO_RULE, service1 | 1 << 24, INGRESS, service2, TCP, 80);
        assertVerdict(ALLOWED, 0, service1, INGRESS, service2 | 1 << 24, TCP, 80);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, service2 | 1 << 24, TCP, 81);
        assertVerdict(DENIED_BY_DEFAULT, NO_RULE, service1, INGRESS, -1, TCP, 81);
    }

    @Test
    void verdictEncoding()
    {
        final int verdict = PolicyVerdict.of(DENIED_BY_RULE, 123456);
        assertEquals(DENIED_BY_RULE, PolicyVerdict.kind(verdict));
        assertEquals(123456, PolicyVerdict.ruleId(verdict));
        assertFalse(PolicyVerdict.isAllowed(verdict));
        assertTrue(PolicyVerdict.isAllowed(PolicyVerdict.of(NOT_ENFORCED, NO_RULE)));
        assertTrue(PolicyVerdict.isAllowed(PolicyVerdict.of(ALLOWED, 0)));
        assertEquals(0, PolicyVerdict.dropReason(PolicyVerdict.of(ALLOWED, 0)));
    }
}
