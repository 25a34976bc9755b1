package dev.nve.control.policy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nve.control.config.ConfigException;
import dev.nve.dataplane.policy.EnforcementMode;
import dev.nve.dataplane.policy.Entity;
import dev.nve.dataplane.policy.LabelSelector;
import dev.nve.dataplane.policy.LabelSelector.Operator;
import dev.nve.dataplane.policy.LabelSelector.Requirement;
import dev.nve.dataplane.policy.PeerRule;
import dev.nve.dataplane.policy.PolicyRule;
import dev.nve.dataplane.policy.PortRule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static dev.nve.control.policy.PolicyJson.array;
import static dev.nve.control.policy.PolicyJson.object;
import static dev.nve.control.policy.PolicyJson.onlySupported;
import static dev.nve.control.policy.PolicyJson.text;

/**
 * Reads Cilium network policies in their JSON form (docs/POLICY.md): one rule, an array of
 * rules, or a CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy object with {@code spec}
 * or {@code specs}. Every field nve does not implement (CIDRs, FQDNs, L7 rules, ICMP rules,
 * named ports, SCTP, other entities, node selectors, namespaces, ...) is refused with the
 * JSON path of the field, never ignored: a policy either means in nve what it means in
 * Cilium, or it is not loaded.
 */
public final class CiliumPolicyParser
{
    private static final ObjectMapper JSON = new ObjectMapper()
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Set<String> RULE_FIELDS = Set.of("endpointSelector", "ingress", "egress", "ingressDeny", "egressDeny", "description", "labels");
    private static final Set<String> INGRESS_FIELDS = Set.of("fromEndpoints", "fromEntities", "toPorts");
    private static final Set<String> EGRESS_FIELDS = Set.of("toEndpoints", "toEntities", "toPorts");
    private static final Set<String> PORT_RULE_FIELDS = Set.of("ports");
    private static final Set<String> PORT_FIELDS = Set.of("port", "endPort", "protocol");
    private static final Set<String> SELECTOR_FIELDS = Set.of("matchLabels", "matchExpressions");
    private static final Set<String> EXPRESSION_FIELDS = Set.of("key", "operator", "values");
    private static final Set<String> LABEL_FIELDS = Set.of("key", "value", "source");
    private static final Set<String> OBJECT_FIELDS = Set.of("apiVersion", "kind", "metadata", "spec", "specs");
    private static final Set<String> METADATA_FIELDS = Set.of("name", "labels", "annotations");

    private CiliumPolicyParser()
    {
    }

    public static List<PolicyRule> load(final Path file) throws ConfigException
    {
        final String text;
        try
        {
            text = Files.readString(file);
        }
        catch (final NoSuchFileException e)
        {
            throw new ConfigException(file + ": no such file");
        }
        catch (final IOException e)
        {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
        try
        {
            return parse(text);
        }
        catch (final ConfigException e)
        {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }

    public static List<PolicyRule> parse(final String json) throws ConfigException
    {
        final JsonNode root;
        try
        {
            root = JSON.readTree(json);
        }
        catch (final JsonProcessingException e)
        {
            throw new ConfigException("policy: invalid JSON at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr()
                + ": " + e.getOriginalMessage());
        }
        return parse(root);
    }

    /** The rules of a parsed document, in document order (a rule's index is its rule id). */
    public static List<PolicyRule> parse(final JsonNode root) throws ConfigException
    {
        final List<PolicyRule> rules = new ArrayList<>();
        if (root == null || root.isMissingNode() || root.isNull())
        {
            throw new ConfigException("policy: empty document");
        }
        if (root.isArray())
        {
            for (int i = 0; i < root.size(); i++)
            {
                document(root.get(i), "policy[" + i + "]", rules);
            }
        }
        else
        {
            document(root, "policy", rules);
        }
        return List.copyOf(rules);
    }

    /** "default", "always" or "never" (Cilium's --enable-policy). */
    public static EnforcementMode parseEnforcementMode(final String text) throws ConfigException
    {
        try
        {
            return EnforcementMode.parse(text);
        }
        catch (final IllegalArgumentException e)
        {
            throw new ConfigException(e.getMessage());
        }
    }

    private static void document(final JsonNode node, final String path, final List<PolicyRule> rules) throws ConfigException
    {
        object(node, path);
        if (!node.has("kind") && !node.has("apiVersion") && !node.has("spec") && !node.has("specs"))
        {
            rules.add(rule(node, path, null, rules.size()));
            return;
        }
        onlySupported(node, path, OBJECT_FIELDS);
        final String kind = text(node, path, "kind");
        if (!kind.equals("CiliumNetworkPolicy") && !kind.equals("CiliumClusterwideNetworkPolicy"))
        {
            throw new ConfigException(path + ".kind: \"" + kind + "\" not supported (expected CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy)");
        }
        final String apiVersion = text(node, path, "apiVersion");
        if (!apiVersion.equals("cilium.io/v2"))
        {
            throw new ConfigException(path + ".apiVersion: \"" + apiVersion + "\" not supported (expected cilium.io/v2)");
        }
        String name = null;
        final JsonNode metadata = node.get("metadata");
        if (metadata != null)
        {
            onlySupported(object(metadata, path + ".metadata"), path + ".metadata", METADATA_FIELDS);
            if (metadata.has("name"))
            {
                name = text(metadata, path + ".metadata", "name");
            }
        }
        if (node.has("spec") == node.has("specs"))
        {
            throw new ConfigException(path + ": needs exactly one of spec and specs");
        }
        if (node.has("spec"))
        {
            rules.add(rule(node.get("spec"), path + ".spec", name, rules.size()));
            return;
        }
        final JsonNode specs = array(node, path, "specs");
        for (int i = 0; i < specs.size(); i++)
        {
            rules.add(rule(specs.get(i), path + ".specs[" + i + "]", name == null ? null : name + "/" + i, rules.size()));
        }
    }

    private static PolicyRule rule(final JsonNode node, final String path, final String objectName, final int index) throws ConfigException
    {
        onlySupported(object(node, path), path, RULE_FIELDS);
        if (node.has("description"))
        {
            text(node, path, "description");
        }
        String name = objectName == null ? "policy-" + index : objectName;
        final JsonNode labels = array(node, path, "labels");
        for (int i = 0; i < labels.size(); i++)
        {
            final String label = ruleLabel(labels.get(i), path + ".labels[" + i + "]");
            if (i == 0)
            {
                name = label;
            }
        }
        if (!node.has("endpointSelector"))
        {
            throw new ConfigException(path + ".endpointSelector: required");
        }
        final LabelSelector endpoints = selector(node.get("endpointSelector"), path + ".endpointSelector");
        return new PolicyRule(name, endpoints,
            peerRules(node, path, "ingress", true),
            peerRules(node, path, "egress", false),
            peerRules(node, path, "ingressDeny", true),
            peerRules(node, path, "egressDeny", false));
    }

    /** A rule label: {"key": k, "value": v, "source": s} or "key=value"; returned as the rule-name text. */
    private static String ruleLabel(final JsonNode node, final String path) throws ConfigException
    {
        if (node.isTextual())
        {
            if (node.asText().isEmpty())
            {
                throw new ConfigException(path + ": empty label");
            }
            return node.asText();
        }
        onlySupported(object(node, path), path, LABEL_FIELDS);
        final String key = text(node, path, "key");
        if (key.isEmpty())
        {
            throw new ConfigException(path + ".key: empty");
        }
        final String value = node.has("value") ? text(node, path, "value") : "";
        final String source = node.has("source") ? text(node, path, "source") : "";
        final String prefix = source.isEmpty() || source.equals("unspec") ? "" : source + ":";
        return prefix + key + (value.isEmpty() ? "" : "=" + value);
    }

    private static List<PeerRule> peerRules(final JsonNode rule, final String path, final String field, final boolean ingress) throws ConfigException
    {
        final JsonNode section = array(rule, path, field);
        final List<PeerRule> peers = new ArrayList<>();
        for (int i = 0; i < section.size(); i++)
        {
            peers.add(peerRule(section.get(i), path + "." + field + "[" + i + "]", ingress));
        }
        return peers;
    }

    private static PeerRule peerRule(final JsonNode node, final String path, final boolean ingress) throws ConfigException
    {
        onlySupported(object(node, path), path, ingress ? INGRESS_FIELDS : EGRESS_FIELDS);
        final String endpointsField = ingress ? "fromEndpoints" : "toEndpoints";
        final String entitiesField = ingress ? "fromEntities" : "toEntities";
        final JsonNode selectors = array(node, path, endpointsField);
        final List<LabelSelector> endpoints = new ArrayList<>();
        for (int i = 0; i < selectors.size(); i++)
        {
            endpoints.add(selector(selectors.get(i), path + "." + endpointsField + "[" + i + "]"));
        }
        final JsonNode entityNames = array(node, path, entitiesField);
        final Set<Entity> entities = EnumSet.noneOf(Entity.class);
        for (int i = 0; i < entityNames.size(); i++)
        {
            entities.add(entity(entityNames.get(i), path + "." + entitiesField + "[" + i + "]"));
        }
        final JsonNode toPorts = array(node, path, "toPorts");
        final List<PortRule> ports = new ArrayList<>();
        for (int i = 0; i < toPorts.size(); i++)
        {
            final String portsPath = path + ".toPorts[" + i + "]";
            onlySupported(object(toPorts.get(i), portsPath), portsPath, PORT_RULE_FIELDS);
            final JsonNode list = array(toPorts.get(i), portsPath, "ports");
            if (list.isEmpty())
            {
                // An entry without ports has no clear meaning; all ports is said by omitting toPorts.
                throw new ConfigException(portsPath + ".ports: required (omit toPorts to allow all ports)");
            }
            for (int p = 0; p < list.size(); p++)
            {
                ports.add(port(list.get(p), portsPath + ".ports[" + p + "]"));
            }
        }
        return new PeerRule(endpoints, entities, ports);
    }

    private static Entity entity(final JsonNode node, final String path) throws ConfigException
    {
        if (!node.isTextual())
        {
            throw new ConfigException(path + ": expected a string");
        }
        return switch (node.asText())
        {
            case "world" -> Entity.WORLD;
            case "host" -> Entity.HOST;
            case "all" -> Entity.ALL;
            default -> throw new ConfigException(path + ": entity \"" + node.asText() + "\" not supported (supported: world, host, all)");
        };
    }

    private static PortRule port(final JsonNode node, final String path) throws ConfigException
    {
        onlySupported(object(node, path), path, PORT_FIELDS);
        int protocol = PortRule.ANY;
        if (node.has("protocol"))
        {
            final String name = text(node, path, "protocol");
            protocol = switch (name.toUpperCase(Locale.ROOT))
            {
                case "TCP" -> PortRule.TCP;
                case "UDP" -> PortRule.UDP;
                case "ANY" -> PortRule.ANY;
                case "SCTP" -> throw new ConfigException(path + ".protocol: SCTP not supported (supported: TCP, UDP, ANY)");
                default -> throw new ConfigException(path + ".protocol: \"" + name + "\" not supported (supported: TCP, UDP, ANY)");
            };
        }
        int port = 0;
        final JsonNode portNode = node.get("port");
        if (portNode != null && !portNode.isNull())
        {
            port = portNumber(portNode, path + ".port");
        }
        int endPort = 0;
        final JsonNode endNode = node.get("endPort");
        if (endNode != null && !endNode.isNull())
        {
            if (!endNode.isIntegralNumber() || !endNode.canConvertToInt())
            {
                throw new ConfigException(path + ".endPort: expected an integer");
            }
            endPort = endNode.asInt();
            if (port == 0)
            {
                throw new ConfigException(path + ".endPort: needs a port");
            }
            if (endPort < port || endPort > 65535)
            {
                throw new ConfigException(path + ".endPort: " + endPort + " out of range [" + port + " (port), 65535]");
            }
        }
        return new PortRule(protocol, port, endPort);
    }

    /** A port as Cilium writes it: a string ("5201") or a number, 1..65535; names are refused. */
    private static int portNumber(final JsonNode node, final String path) throws ConfigException
    {
        final long value;
        if (node.isTextual())
        {
            final String text = node.asText();
            if (!text.matches("[0-9]{1,5}"))
            {
                throw new ConfigException(path + ": \"" + text + "\" not supported (named ports are not supported; expected a number 1..65535)");
            }
            value = Long.parseLong(text);
        }
        else if (node.isIntegralNumber() && node.canConvertToLong())
        {
            value = node.asLong();
        }
        else
        {
            throw new ConfigException(path + ": expected a port number (string or integer)");
        }
        if (value < 1 || value > 65535)
        {
            throw new ConfigException(path + ": " + value + " out of range [1, 65535]");
        }
        return (int)value;
    }

    private static LabelSelector selector(final JsonNode node, final String path) throws ConfigException
    {
        onlySupported(object(node, path), path, SELECTOR_FIELDS);
        final Map<String, String> matchLabels = new LinkedHashMap<>();
        final JsonNode labels = node.get("matchLabels");
        if (labels != null && !labels.isNull())
        {
            object(labels, path + ".matchLabels");
            for (final Map.Entry<String, JsonNode> label : labels.properties())
            {
                final String labelPath = path + ".matchLabels." + label.getKey();
                if (label.getKey().isEmpty() || label.getKey().endsWith(":"))
                {
                    throw new ConfigException(labelPath + ": empty label key");
                }
                if (!label.getValue().isTextual())
                {
                    throw new ConfigException(labelPath + ": expected a string");
                }
                matchLabels.put(label.getKey(), label.getValue().asText());
            }
        }
        final JsonNode expressions = array(node, path, "matchExpressions");
        final List<Requirement> requirements = new ArrayList<>();
        for (int i = 0; i < expressions.size(); i++)
        {
            requirements.add(requirement(expressions.get(i), path + ".matchExpressions[" + i + "]"));
        }
        return new LabelSelector(matchLabels, requirements);
    }

    private static Requirement requirement(final JsonNode node, final String path) throws ConfigException
    {
        onlySupported(object(node, path), path, EXPRESSION_FIELDS);
        final String key = text(node, path, "key");
        if (key.isEmpty() || key.endsWith(":"))
        {
            throw new ConfigException(path + ".key: empty label key");
        }
        final String operatorName = text(node, path, "operator");
        final Operator operator = switch (operatorName)
        {
            case "In" -> Operator.IN;
            case "NotIn" -> Operator.NOT_IN;
            case "Exists" -> Operator.EXISTS;
            case "DoesNotExist" -> Operator.DOES_NOT_EXIST;
            default -> throw new ConfigException(path + ".operator: unknown operator \"" + operatorName + "\" (expected In, NotIn, Exists or DoesNotExist)");
        };
        final JsonNode valueNodes = array(node, path, "values");
        final List<String> values = new ArrayList<>();
        for (int i = 0; i < valueNodes.size(); i++)
        {
            if (!valueNodes.get(i).isTextual())
            {
                throw new ConfigException(path + ".values[" + i + "]: expected a string");
            }
            values.add(valueNodes.get(i).asText());
        }
        final boolean needsValues = operator == Operator.IN || operator == Operator.NOT_IN;
        if (needsValues && values.isEmpty())
        {
            throw new ConfigException(path + ".values: operator " + operatorName + " needs at least one value");
        }
        if (!needsValues && !values.isEmpty())
        {
            throw new ConfigException(path + ".values: operator " + operatorName + " takes no values");
        }
        return new Requirement(key, operator, values);
    }
}
