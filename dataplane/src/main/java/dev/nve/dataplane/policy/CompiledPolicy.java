package dev.nve.dataplane.policy;

import java.util.List;
import java.util.Map;

/**
 * A policy compiled for a set of identities (heap form, the input of {@link PolicyTable}).
 * For every enforced (endpoint, direction) there is a wildcard-peer key per protocol class;
 * a specific peer has a key only where its intervals differ from the wildcard's (wildcard
 * rules already merged in). Intervals are sorted and disjoint; a port in no interval is
 * denied by default. An (endpoint, direction) without keys gets {@link #missingVerdict()}.
 */
public record CompiledPolicy(EnforcementMode mode, List<String> ruleNames, Map<PolicyKey, List<PortInterval>> entries)
{
    public CompiledPolicy
    {
        ruleNames = List.copyOf(ruleNames);
        entries = Map.copyOf(entries);
    }

    /** NOT_ENFORCED, or DENIED_BY_DEFAULT in ALWAYS mode. */
    public int missingVerdict()
    {
        return PolicyVerdict.of(mode == EnforcementMode.ALWAYS ? PolicyVerdict.DENIED_BY_DEFAULT : PolicyVerdict.NOT_ENFORCED, PolicyVerdict.NO_RULE);
    }

    /** The verdict by walking the heap form; what {@link PolicyTable#lookup} must answer too. */
    public int evaluate(final int endpointIdentity, final int direction, final int peerIdentity, final int ipProtocol, final int destinationPort)
    {
        if (endpointIdentity < 0 || endpointIdentity > Identities.MAX || (direction != PolicyDirection.INGRESS && direction != PolicyDirection.EGRESS))
        {
            return missingVerdict();
        }
        final int protocolClass = ProtocolClass.of(ipProtocol);
        final int port = protocolClass == ProtocolClass.OTHER ? 0 : destinationPort & 0xFFFF;
        List<PortInterval> intervals = null;
        if (peerIdentity >= 0 && peerIdentity <= Identities.MAX)
        {
            intervals = entries.get(new PolicyKey(endpointIdentity, direction, peerIdentity, protocolClass));
        }
        if (intervals == null)
        {
            intervals = entries.get(new PolicyKey(endpointIdentity, direction, PolicyKey.WILDCARD_PEER, protocolClass));
        }
        if (intervals == null)
        {
            return missingVerdict();
        }
        for (final PortInterval interval : intervals)
        {
            if (interval.contains(port))
            {
                return interval.verdict();
            }
        }
        return PolicyVerdict.of(PolicyVerdict.DENIED_BY_DEFAULT, PolicyVerdict.NO_RULE);
    }
}
