package dev.nve.control.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.flow.FlowEvents;
import dev.nve.dataplane.flow.FlowKey;
import dev.nve.dataplane.policy.IdentityRegistry;
import dev.nve.dataplane.policy.PolicyTable;
import dev.nve.dataplane.table.IpCache;
import dev.nve.dataplane.table.Tables;

import java.time.Instant;
import java.util.Map;

/**
 * One flow event as a JSON object, in Hubble's vocabulary (verdict, drop_reason_desc, IP, l4,
 * source and destination with identity and labels), for {@code flows.jsonl} and the monitor.
 */
public final class FlowJson
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private FlowJson()
    {
    }

    public static ObjectNode toJson(final FlowEvents.FlowEvent event, final Tables tables, final IdentityRegistry identities, final PolicyTable policy)
    {
        final ObjectNode json = JSON.createObjectNode();
        json.put("time", Instant.ofEpochSecond(0, event.timeNanos()).toString());
        json.put("verdict", event.verdict() == FlowEvents.VERDICT_DROPPED ? "DROPPED" : "FORWARDED");
        if (event.verdict() == FlowEvents.VERDICT_DROPPED)
        {
            final DropReason reason = DropReason.ofCode(event.dropReason());
            json.put("drop_reason", event.dropReason());
            json.put("drop_reason_desc", reason == null ? "UNKNOWN" : reason.name());
        }
        final ObjectNode ip = json.putObject("IP");
        ip.put("source", address(event.ipVersion(), event.srcHigh(), event.srcLow()));
        ip.put("destination", address(event.ipVersion(), event.dstHigh(), event.dstLow()));
        ip.put("ipVersion", event.ipVersion() == 4 ? "IPv4" : "IPv6");
        final ObjectNode l4 = json.putObject("l4");
        l4.put("protocol", protocol(event.protocol()));
        l4.put("source_port", event.srcPort());
        l4.put("destination_port", event.dstPort());
        endpoint(json.putObject("source"), event.srcIdentity(), identities);
        endpoint(json.putObject("destination"), event.dstIdentity(), identities);
        json.put("traffic_direction", event.direction() == FlowEvents.DIRECTION_INGRESS ? "INGRESS" :
            event.direction() == FlowEvents.DIRECTION_EGRESS ? "EGRESS" : "UNKNOWN");
        if (event.ruleId() >= 0 && policy != null && event.ruleId() < policy.ruleNames().size())
        {
            json.put("policy_rule", policy.ruleNames().get(event.ruleId()));
        }
        json.put("in_port", tables.ports().name(event.inPort()));
        if (event.outPort() >= 0)
        {
            json.put("out_port", tables.ports().name(event.outPort()));
        }
        json.put("zone", event.zone());
        json.put("bytes", event.bytes());
        return json;
    }

    private static void endpoint(final ObjectNode node, final int identity, final IdentityRegistry identities)
    {
        node.put("identity", identity);
        final Map<String, String> labels = identities == null ? null : identities.labels(identity);
        final var array = node.putArray("labels");
        if (labels != null)
        {
            labels.forEach((k, v) -> array.add(k + "=" + v));
        }
    }

    static String protocol(final int protocol)
    {
        return switch (protocol)
        {
            case FlowKey.PROTOCOL_TCP -> "TCP";
            case FlowKey.PROTOCOL_UDP -> "UDP";
            case FlowKey.PROTOCOL_ICMP -> "ICMPv4";
            case FlowKey.PROTOCOL_ICMPV6 -> "ICMPv6";
            default -> Integer.toString(protocol);
        };
    }

    /**
     * Java writes every IPv6 group ("fd00:100:0:0:0:0:0:1"); Hubble, like RFC 5952, replaces the
     * longest run of two or more zero groups (the first of equal runs) with "::".
     */
    static String compressed(final String full)
    {
        final String[] groups = full.split(":");
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < groups.length; i++)
        {
            int j = i;
            while (j < groups.length && groups[j].equals("0"))
            {
                j++;
            }
            if (j - i > bestLength)
            {
                bestStart = i;
                bestLength = j - i;
            }
        }
        if (bestStart < 0)
        {
            return full;
        }
        return String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart)) + "::"
            + String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
    }

    static String address(final int version, final long high, final long low)
    {
        // An IPv4-mapped address comes back from InetAddress as the IPv4 address itself.
        return version == 4 ? IpCache.address(IpCache.V4_MAPPED_HIGH, IpCache.v4MappedLow((int)low)).getHostAddress()
            : compressed(IpCache.address(high, low).getHostAddress());
    }
}
