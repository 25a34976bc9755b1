package dev.nve.dataplane.policy;

import java.util.List;
import java.util.Map;

/**
 * The obviously-correct evaluator the compiled table is checked against: for one flow it walks
 * every rule, with the semantics written down once more from the Cilium documentation. It
 * shares nothing with {@link PolicyCompiler} but the model records and
 * {@link LabelSelector#matches}.
 */
final class ReferencePolicy
{
    /** A verdict kind ({@link PolicyVerdict} constants) and the deciding rule index, or -1. */
    record Expected(int kind, int rule)
    {
    }

    private ReferencePolicy()
    {
    }

    static Expected evaluate(final List<PolicyRule> rules, final EnforcementMode mode, final IdentityRegistry identities,
        final int endpoint, final boolean ingress, final int peer, final int ipProtocol, final int port)
    {
        if (mode == EnforcementMode.NEVER)
        {
            return new Expected(PolicyVerdict.NOT_ENFORCED, -1);
        }
        final Map<String, String> endpointLabels = identities.labels(endpoint);
        boolean enforced = mode == EnforcementMode.ALWAYS;
        int firstDeny = -1;
        int firstAllow = -1;
        for (int i = 0; i < rules.size(); i++)
        {
            final PolicyRule rule = rules.get(i);
            if (endpointLabels == null || !rule.endpointSelector().matches(endpointLabels))
            {
                continue;
            }
            final List<PeerRule> allows = ingress ? rule.ingress() : rule.egress();
            final List<PeerRule> denies = ingress ? rule.ingressDeny() : rule.egressDeny();
            if (!allows.isEmpty() || !denies.isEmpty())
            {
                enforced = true;
            }
            for (final PeerRule deny : denies)
            {
                if (firstDeny < 0 && applies(deny, identities, peer, ipProtocol, port))
                {
                    firstDeny = i;
                }
            }
            for (final PeerRule allow : allows)
            {
                if (firstAllow < 0 && applies(allow, identities, peer, ipProtocol, port))
                {
                    firstAllow = i;
                }
            }
        }
        if (!enforced)
        {
            return new Expected(PolicyVerdict.NOT_ENFORCED, -1);
        }
        if (firstDeny >= 0)
        {
            return new Expected(PolicyVerdict.DENIED_BY_RULE, firstDeny);
        }
        if (firstAllow >= 0)
        {
            return new Expected(PolicyVerdict.ALLOWED, firstAllow);
        }
        return new Expected(PolicyVerdict.DENIED_BY_DEFAULT, -1);
    }

    private static boolean applies(final PeerRule rule, final IdentityRegistry identities, final int peer, final int ipProtocol, final int port)
    {
        return peerMatches(rule, identities, peer) && portMatches(rule, ipProtocol, port);
    }

    private static boolean peerMatches(final PeerRule rule, final IdentityRegistry identities, final int peer)
    {
        if (rule.endpoints().isEmpty() && rule.entities().isEmpty())
        {
            return !rule.ports().isEmpty();
        }
        if (rule.entities().contains(Entity.ALL))
        {
            return true;
        }
        if (rule.entities().contains(Entity.WORLD) && peer == 2)
        {
            return true;
        }
        if (rule.entities().contains(Entity.HOST) && peer == 1)
        {
            return true;
        }
        final Map<String, String> peerLabels = identities.labels(peer);
        for (final LabelSelector selector : rule.endpoints())
        {
            if (peerLabels != null && selector.matches(peerLabels))
            {
                return true;
            }
        }
        return false;
    }

    private static boolean portMatches(final PeerRule rule, final int ipProtocol, final int port)
    {
        if (rule.ports().isEmpty())
        {
            return true;
        }
        for (final PortRule p : rule.ports())
        {
            final boolean protocolOk = ipProtocol == 6 && (p.protocol() == 0 || p.protocol() == 6)
                || ipProtocol == 17 && (p.protocol() == 0 || p.protocol() == 17);
            final boolean portOk = p.port() == 0
                || (p.endPort() == 0 ? port == p.port() : port >= p.port() && port <= p.endPort());
            if (protocolOk && portOk)
            {
                return true;
            }
        }
        return false;
    }
}
