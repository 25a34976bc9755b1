package dev.nve.dataplane.policy;

import java.util.List;
import java.util.Set;

/**
 * One entry of an ingress, egress, ingressDeny or egressDeny section: peers (endpoint selectors
 * and entities, a union) and ports.
 * <ul>
 *   <li>{@code ports} empty: every port of every protocol, ICMP included (an L3-only rule).</li>
 *   <li>No endpoints and no entities but ports: any peer on those ports (an L4-only rule).</li>
 *   <li>Everything empty ({@code {}}): matches nothing, but still makes its section non-empty,
 *       which puts the selected endpoints into default deny (Cilium's {@code ingress: [{}]}).</li>
 * </ul>
 */
public record PeerRule(List<LabelSelector> endpoints, Set<Entity> entities, List<PortRule> ports)
{
    public static final PeerRule EMPTY = new PeerRule(List.of(), Set.of(), List.of());

    public PeerRule
    {
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        entities = entities == null ? Set.of() : Set.copyOf(entities);
        ports = ports == null ? List.of() : List.copyOf(ports);
    }

    /** True when the rule names no peer and so applies to every peer (needs ports to match anything). */
    public boolean anyPeer()
    {
        return endpoints.isEmpty() && entities.isEmpty();
    }
}
