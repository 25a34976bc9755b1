package dev.nve.control.policy;

import dev.nve.control.config.ConfigException;
import dev.nve.dataplane.policy.EnforcementMode;
import dev.nve.dataplane.policy.Entity;
import dev.nve.dataplane.policy.IdentityRegistry;
import dev.nve.dataplane.policy.LabelSelector;
import dev.nve.dataplane.policy.LabelSelector.Operator;
import dev.nve.dataplane.policy.LabelSelector.Requirement;
import dev.nve.dataplane.policy.PeerRule;
import dev.nve.dataplane.policy.PolicyCompiler;
import dev.nve.dataplane.policy.PolicyDirection;
import dev.nve.dataplane.policy.PolicyRule;
import dev.nve.dataplane.policy.PolicyTable;
import dev.nve.dataplane.policy.PolicyVerdict;
import dev.nve.dataplane.policy.PortRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class CiliumPolicyParserTest
{
    /** The study's example, verbatim. */
    private static final String STUDY = """
        {"endpointSelector": {"matchLabels": {"id": "service1"}}, "ingress": [{"fromEndpoints": [{"matchLabels": {"id": "service1"}}], "toPorts": [{"ports": [{"protocol": "tcp", "port": "5201"}]}]}]}""";

    private static String rule(final String section)
    {
        return "{\"endpointSelector\": {\"matchLabels\": {\"id\": \"a\"}}, " + section + "}";
    }

    private static String ingressPeer(final String peer)
    {
        return rule("\"ingress\": [" + peer + "]");
    }

    private static String port(final String port)
    {
        return ingressPeer("{\"toPorts\": [{\"ports\": [" + port + "]}]}");
    }

    private static void assertRefused(final String json, final String message)
    {
        final ConfigException e = assertThrows(ConfigException.class, () -> CiliumPolicyParser.parse(json));
        assertEquals(message, e.getMessage());
    }

    private static void assertRefusedStartingWith(final String json, final String prefix)
    {
        final ConfigException e = assertThrows(ConfigException.class, () -> CiliumPolicyParser.parse(json));
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
    }

    @Test
    void studyExampleParsesVerbatimAndFilters() throws ConfigException
    {
        final List<PolicyRule> rules = CiliumPolicyParser.parse(STUDY);
        final LabelSelector service1 = LabelSelector.of(Map.of("id", "service1"));
        assertEquals(List.of(new PolicyRule("policy-0", service1,
            List.of(new PeerRule(List.of(service1), Set.of(), List.of(new PortRule(PortRule.TCP, 5201, 0)))), List.of(), List.of(), List.of())), rules);

        final IdentityRegistry identities = new IdentityRegistry();
        final int s1 = identities.register(Map.of("id", "service1"));
        final int s2 = identities.register(Map.of("id", "service2"));
        final PolicyTable table = PolicyTable.of(new PolicyCompiler().compile(rules, EnforcementMode.DEFAULT, identities));
        assertEquals(PolicyVerdict.of(PolicyVerdict.ALLOWED, 0), table.lookup(s1, PolicyDirection.INGRESS, s1, 6, 5201));
        assertEquals(PolicyVerdict.DENIED_BY_DEFAULT, PolicyVerdict.kind(table.lookup(s1, PolicyDirection.INGRESS, s1, 6, 5202)));
        assertEquals(PolicyVerdict.DENIED_BY_DEFAULT, PolicyVerdict.kind(table.lookup(s1, PolicyDirection.INGRESS, s2, 6, 5201)));
    }

    @Test
    void everySupportedField() throws ConfigException
    {
        final String json = """
            [{
              "description": "web policy",
              "labels": [{"key": "name", "value": "web", "source": "unspec"}, {"key": "other"}],
              "endpointSelector": {"matchLabels": {"k8s:app": "web"},
                                   "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "staging"]},
                                                        {"key": "canary", "operator": "DoesNotExist"}]},
              "ingress": [{"fromEndpoints": [{"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["db"]},
                                                                  {"key": "tier", "operator": "Exists"}]}],
                           "fromEntities": ["world", "host"],
                           "toPorts": [{"ports": [{"port": 8000, "endPort": 8080, "protocol": "TCP"}, {"port": "53", "protocol": "ANY"}, {"port": "161", "protocol": "Udp"}]}]}],
              "egress": [{"toEndpoints": [{}]}, {"toEntities": ["all"], "toPorts": [{"ports": [{"port": "443"}]}]}],
              "ingressDeny": [{"fromEntities": ["world"], "toPorts": [{"ports": [{"port": "22", "protocol": "tcp"}]}]}],
              "egressDeny": [{}]
            },
            {"endpointSelector": {}, "ingress": []}]""";
        final List<PolicyRule> rules = CiliumPolicyParser.parse(json);
        assertEquals(2, rules.size());
        final PolicyRule web = rules.get(0);
        assertEquals("name=web", web.name());
        assertEquals(new LabelSelector(Map.of("k8s:app", "web"), List.of(new Requirement("env", Operator.IN, List.of("prod", "staging")),
            new Requirement("canary", Operator.DOES_NOT_EXIST, List.of()))), web.endpointSelector());
        assertEquals(new PeerRule(
            List.of(new LabelSelector(Map.of(), List.of(new Requirement("app", Operator.NOT_IN, List.of("db")), new Requirement("tier", Operator.EXISTS, List.of())))),
            Set.of(Entity.WORLD, Entity.HOST),
            List.of(new PortRule(PortRule.TCP, 8000, 8080), new PortRule(PortRule.ANY, 53, 0), new PortRule(PortRule.UDP, 161, 0))), web.ingress().get(0));
        assertEquals(List.of(new PeerRule(List.of(LabelSelector.ALL_ENDPOINTS), Set.of(), List.of()),
            new PeerRule(List.of(), Set.of(Entity.ALL), List.of(new PortRule(PortRule.ANY, 443, 0)))), web.egress());
        assertEquals(List.of(new PeerRule(List.of(), Set.of(Entity.WORLD), List.of(new PortRule(PortRule.TCP, 22, 0)))), web.ingressDeny());
        assertEquals(List.of(PeerRule.EMPTY), web.egressDeny());
        assertEquals("policy-1", rules.get(1).name());
        assertEquals(LabelSelector.ALL_ENDPOINTS, rules.get(1).endpointSelector());
        assertTrue(rules.get(1).ingress().isEmpty());
    }

    @Test
    void ciliumNetworkPolicyObjects() throws ConfigException
    {
        final String single = """
            {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": {"name": "iperf", "labels": {"team": "net"}},
             "spec": %s}""".formatted(STUDY);
        final List<PolicyRule> one = CiliumPolicyParser.parse(single);
        assertEquals(1, one.size());
        assertEquals("iperf", one.get(0).name());
        final String multi = """
            {"apiVersion": "cilium.io/v2", "kind": "CiliumClusterwideNetworkPolicy", "metadata": {"name": "pair"},
             "specs": [%s, {"endpointSelector": {}, "egress": [{"toEntities": ["world"]}], "labels": ["custom=name"]}]}""".formatted(STUDY);
        final List<PolicyRule> two = CiliumPolicyParser.parse(multi);
        assertEquals(List.of("pair/0", "custom=name"), two.stream().map(PolicyRule::name).toList());
        assertRefused("{\"apiVersion\": \"cilium.io/v2\", \"kind\": \"CiliumNetworkPolicy\", \"metadata\": {\"name\": \"x\", \"namespace\": \"prod\"}, \"spec\": " + STUDY + "}",
            "policy.metadata.namespace: not supported (supported here: annotations, labels, name)");
        assertRefused("{\"apiVersion\": \"cilium.io/v2\", \"kind\": \"NetworkPolicy\", \"spec\": {}}",
            "policy.kind: \"NetworkPolicy\" not supported (expected CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy)");
        assertRefused("{\"apiVersion\": \"cilium.io/v2\", \"kind\": \"CiliumNetworkPolicy\"}", "policy: needs exactly one of spec and specs");
        assertRefusedStartingWith("{\"apiVersion\": \"cilium.io/v2\", \"kind\": \"CiliumNetworkPolicy\", \"specs\": [" + STUDY + ", {\"endpointSelector\": {}, \"ingress\": [{\"fromCIDR\": [\"198.18.0.0/15\"]}]}]}",
            "policy.specs[1].ingress[0].fromCIDR: not supported");
    }

    @Test
    void unsupportedFieldsAreRefusedWithTheirPath()
    {
        assertRefusedStartingWith("[" + STUDY + ", " + rule("\"ingress\": [{}, {\"fromCIDR\": [\"198.18.0.0/15\"]}]") + "]",
            "policy[1].ingress[1].fromCIDR: not supported");
        assertRefusedStartingWith(rule("\"egress\": [{\"toFQDNs\": [{\"matchName\": \"example.com\"}]}]"), "policy.egress[0].toFQDNs: not supported");
        assertRefusedStartingWith(rule("\"egress\": [{\"toCIDRSet\": []}]"), "policy.egress[0].toCIDRSet: not supported");
        assertRefusedStartingWith(rule("\"ingress\": [{\"icmps\": [{\"fields\": [{\"type\": 8}]}]}]"), "policy.ingress[0].icmps: not supported");
        assertRefusedStartingWith(ingressPeer("{\"toPorts\": [{\"ports\": [{\"port\": \"80\"}], \"rules\": {\"http\": [{}]}}]}"),
            "policy.ingress[0].toPorts[0].rules: not supported");
        assertRefusedStartingWith(ingressPeer("{\"toEndpoints\": [{}]}"), "policy.ingress[0].toEndpoints: not supported");
        assertRefusedStartingWith("{\"nodeSelector\": {}, \"ingress\": [{}]}", "policy.nodeSelector: not supported");
        assertRefusedStartingWith(rule("\"enableDefaultDeny\": {\"ingress\": false}"), "policy.enableDefaultDeny: not supported");
        assertRefusedStartingWith(ingressPeer("{\"fromEndpoints\": [{\"matchLabels\": {}, \"matchFields\": []}]}"),
            "policy.ingress[0].fromEndpoints[0].matchFields: not supported");
        assertRefused(ingressPeer("{\"fromEntities\": [\"cluster\"]}"),
            "policy.ingress[0].fromEntities[0]: entity \"cluster\" not supported (supported: world, host, all)");
        assertRefused(rule("\"egress\": [{\"toEntities\": [\"kube-apiserver\"]}]"),
            "policy.egress[0].toEntities[0]: entity \"kube-apiserver\" not supported (supported: world, host, all)");
        assertRefused(port("{\"port\": \"80\", \"protocol\": \"SCTP\"}"), "policy.ingress[0].toPorts[0].ports[0].protocol: SCTP not supported (supported: TCP, UDP, ANY)");
        assertRefused(port("{\"port\": \"80\", \"protocol\": \"ICMP\"}"), "policy.ingress[0].toPorts[0].ports[0].protocol: \"ICMP\" not supported (supported: TCP, UDP, ANY)");
        assertRefused(port("{\"port\": \"http\"}"),
            "policy.ingress[0].toPorts[0].ports[0].port: \"http\" not supported (named ports are not supported; expected a number 1..65535)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"port\": \"0\"}|policy.ingress[0].toPorts[0].ports[0].port: 0 out of range [1, 65535]",
        "{\"port\": 65536}|policy.ingress[0].toPorts[0].ports[0].port: 65536 out of range [1, 65535]",
        "{\"port\": \"99999\"}|policy.ingress[0].toPorts[0].ports[0].port: 99999 out of range [1, 65535]",
        "{\"port\": 1.5}|policy.ingress[0].toPorts[0].ports[0].port: expected a port number (string or integer)",
        "{\"port\": \"8080\", \"endPort\": 8000}|policy.ingress[0].toPorts[0].ports[0].endPort: 8000 out of range [8080 (port), 65535]",
        "{\"port\": \"8080\", \"endPort\": 70000}|policy.ingress[0].toPorts[0].ports[0].endPort: 70000 out of range [8080 (port), 65535]",
        "{\"port\": \"8080\", \"endPort\": \"9000\"}|policy.ingress[0].toPorts[0].ports[0].endPort: expected an integer",
        "{\"endPort\": 9000}|policy.ingress[0].toPorts[0].ports[0].endPort: needs a port",
        "{\"port\": \"80\", \"protocol\": 6}|policy.ingress[0].toPorts[0].ports[0].protocol: expected a string",
    })
    void badPortsAreRefused(final String portJson, final String message)
    {
        assertRefused(port(portJson), message);
    }

    @Test
    void badSelectorsAreRefused()
    {
        final String base = "policy.ingress[0].fromEndpoints[0].matchExpressions[0]";
        assertRefused(ingressPeer("{\"fromEndpoints\": [{\"matchExpressions\": [{\"key\": \"app\", \"operator\": \"Equals\", \"values\": [\"x\"]}]}]}"),
            base + ".operator: unknown operator \"Equals\" (expected In, NotIn, Exists or DoesNotExist)");
        assertRefused(ingressPeer("{\"fromEndpoints\": [{\"matchExpressions\": [{\"key\": \"app\", \"operator\": \"In\"}]}]}"),
            base + ".values: operator In needs at least one value");
        assertRefused(ingressPeer("{\"fromEndpoints\": [{\"matchExpressions\": [{\"key\": \"app\", \"operator\": \"NotIn\", \"values\": []}]}]}"),
            base + ".values: operator NotIn needs at least one value");
        assertRefused(ingressPeer("{\"fromEndpoints\": [{\"matchExpressions\": [{\"key\": \"app\", \"operator\": \"Exists\", \"values\": [\"x\"]}]}]}"),
            base + ".values: operator Exists takes no values");
        assertRefused(ingressPeer("{\"fromEndpoints\": [{\"matchExpressions\": [{\"key\": \"app\", \"operator\": \"DoesNotExist\", \"values\": [\"x\"]}]}]}"),
            base + ".values: operator DoesNotExist takes no values");
        assertRefused(ingressPeer("{\"fromEndpoints\": [{\"matchExpressions\": [{\"operator\": \"Exists\"}]}]}"), base + ".key: required");
        assertRefused(ingressPeer("{\"fromEndpoints\": [{\"matchLabels\": {\"app\": 1}}]}"), "policy.ingress[0].fromEndpoints[0].matchLabels.app: expected a string");
        assertRefused(ingressPeer("{\"fromEndpoints\": {\"matchLabels\": {}}}"), "policy.ingress[0].fromEndpoints: expected an array");
        assertRefused(ingressPeer("{\"fromEndpoints\": [[]]}"), "policy.ingress[0].fromEndpoints[0]: expected an object");
    }

    @Test
    void badDocumentsAreRefused()
    {
        assertRefused("{\"ingress\": [{}]}", "policy.endpointSelector: required");
        assertRefused(rule("\"ingress\": {}"), "policy.ingress: expected an array");
        assertRefused("42", "policy: expected an object");
        assertRefused("[42]", "policy[0]: expected an object");
        assertRefused(rule("\"description\": 7"), "policy.description: expected a string");
        assertRefused(rule("\"labels\": [\"\"]"), "policy.labels[0]: empty label");
        assertRefused(ingressPeer("{\"toPorts\": [{\"ports\": []}]}"), "policy.ingress[0].toPorts[0].ports: required (omit toPorts to allow all ports)");
        assertRefusedStartingWith("{\"endpointSelector\": {}, \"endpointSelector\": {}}", "policy: invalid JSON at line 1");
        assertRefusedStartingWith(STUDY + " {}", "policy: invalid JSON");
    }

    @Test
    void enforcementModes() throws ConfigException
    {
        assertEquals(EnforcementMode.DEFAULT, CiliumPolicyParser.parseEnforcementMode("default"));
        assertEquals(EnforcementMode.ALWAYS, CiliumPolicyParser.parseEnforcementMode("always"));
        assertEquals(EnforcementMode.NEVER, CiliumPolicyParser.parseEnforcementMode("never"));
        assertEquals("enforcement mode \"sometimes\": expected default, always or never",
            assertThrows(ConfigException.class, () -> CiliumPolicyParser.parseEnforcementMode("sometimes")).getMessage());
    }
}
