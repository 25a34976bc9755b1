package dev.nve.dataplane.policy;

import java.util.List;

/**
 * One Cilium rule: the endpoints it applies to and its four sections. A non-empty section
 * (even {@code [{}]}) makes the selected endpoints default-deny in that direction in
 * {@link EnforcementMode#DEFAULT}; an empty one is as if absent (Cilium tests {@code len > 0}).
 */
public record PolicyRule(
    String name,
    LabelSelector endpointSelector,
    List<PeerRule> ingress,
    List<PeerRule> egress,
    List<PeerRule> ingressDeny,
    List<PeerRule> egressDeny)
{
    public PolicyRule
    {
        if (name == null || name.isEmpty())
        {
            throw new IllegalArgumentException("rule name: required");
        }
        if (endpointSelector == null)
        {
            throw new IllegalArgumentException("rule " + name + ": endpointSelector required");
        }
        ingress = ingress == null ? List.of() : List.copyOf(ingress);
        egress = egress == null ? List.of() : List.copyOf(egress);
        ingressDeny = ingressDeny == null ? List.of() : List.copyOf(ingressDeny);
        egressDeny = egressDeny == null ? List.of() : List.copyOf(egressDeny);
    }

    /** The allow section of a direction ({@link PolicyDirection}). */
    public List<PeerRule> allow(final int direction)
    {
        return direction == PolicyDirection.INGRESS ? ingress : egress;
    }

    /** The deny section of a direction ({@link PolicyDirection}). */
    public List<PeerRule> deny(final int direction)
    {
        return direction == PolicyDirection.INGRESS ? ingressDeny : egressDeny;
    }
}
