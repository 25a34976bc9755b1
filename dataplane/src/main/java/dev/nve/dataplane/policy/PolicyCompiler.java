package dev.nve.dataplane.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns rules into per-(endpoint, direction, peer, protocol class) port intervals, so that the
 * packet path never walks rules. Deny beats allow whatever the specificity; among rules of
 * the same kind the first in input order decides (its index is the verdict's rule id).
 * Rules naming no specific peer (entity {@code all}, L4-only rules) are merged into every
 * specific peer's intervals here, so one key answers a lookup.
 */
public final class PolicyCompiler
{
    private static final int FULL_RANGE_HIGH = 0xFFFF;

    /** A peer rule with its peers resolved against the registry, shared by all selected endpoints. */
    private record ResolvedPeers(int[] peers, boolean wildcard, PeerRule rule)
    {
    }

    /** A resolved peer rule as used by one rule in one section. */
    private record Contribution(ResolvedPeers peers, boolean deny, int ruleId)
    {
    }

    public CompiledPolicy compile(final List<PolicyRule> rules, final EnforcementMode mode, final IdentityRegistry identities)
    {
        if (rules == null || mode == null || identities == null)
        {
            throw new IllegalArgumentException("compile: rules, mode and identities are required");
        }
        if (rules.size() > PolicyVerdict.MAX_RULES)
        {
            throw new IllegalArgumentException("rules: " + rules.size() + " exceed the maximum of " + PolicyVerdict.MAX_RULES);
        }
        final List<String> names = new ArrayList<>(rules.size());
        for (int i = 0; i < rules.size(); i++)
        {
            if (rules.get(i) == null)
            {
                throw new IllegalArgumentException("rules[" + i + "]: null");
            }
            names.add(rules.get(i).name());
        }
        if (mode == EnforcementMode.NEVER)
        {
            return new CompiledPolicy(mode, names, Map.of());
        }
        final Map<LabelSelector, int[]> selected = new HashMap<>();
        final Map<Long, List<Contribution>> byEndpointDirection = new LinkedHashMap<>();
        for (int ruleId = 0; ruleId < rules.size(); ruleId++)
        {
            final PolicyRule rule = rules.get(ruleId);
            final int[] endpoints = selected.computeIfAbsent(rule.endpointSelector(), s -> select(s, identities));
            for (int direction = PolicyDirection.INGRESS; direction <= PolicyDirection.EGRESS; direction++)
            {
                final List<Contribution> section = new ArrayList<>();
                for (final PeerRule peerRule : rule.deny(direction))
                {
                    section.add(new Contribution(resolve(peerRule, identities, selected), true, ruleId));
                }
                for (final PeerRule peerRule : rule.allow(direction))
                {
                    section.add(new Contribution(resolve(peerRule, identities, selected), false, ruleId));
                }
                if (section.isEmpty())
                {
                    continue;
                }
                for (final int endpoint : endpoints)
                {
                    byEndpointDirection.computeIfAbsent((long)endpoint << 1 | direction, k -> new ArrayList<>()).addAll(section);
                }
            }
        }
        final Map<PolicyKey, List<PortInterval>> entries = new HashMap<>();
        for (final Map.Entry<Long, List<Contribution>> work : byEndpointDirection.entrySet())
        {
            emit((int)(work.getKey() >>> 1), (int)(work.getKey() & 1), work.getValue(), entries);
        }
        return new CompiledPolicy(mode, names, entries);
    }

    private static int[] select(final LabelSelector selector, final IdentityRegistry identities)
    {
        return identities.all().entrySet().stream()
            .filter(e -> selector.matches(e.getValue()))
            .mapToInt(Map.Entry::getKey)
            .toArray();
    }

    private static ResolvedPeers resolve(final PeerRule rule, final IdentityRegistry identities, final Map<LabelSelector, int[]> selected)
    {
        boolean wildcard = rule.anyPeer() && !rule.ports().isEmpty();
        final TreeSet<Integer> peers = new TreeSet<>();
        for (final Entity entity : rule.entities())
        {
            switch (entity)
            {
                case WORLD -> peers.add(Identities.WORLD);
                case HOST -> peers.add(Identities.HOST);
                case ALL -> wildcard = true;
            }
        }
        for (final LabelSelector selector : rule.endpoints())
        {
            for (final int peer : selected.computeIfAbsent(selector, s -> select(s, identities)))
            {
                peers.add(peer);
            }
        }
        return new ResolvedPeers(wildcard ? new int[0] : peers.stream().mapToInt(Integer::intValue).toArray(), wildcard, rule);
    }

    /** The keys of one (endpoint, direction): wildcard ones always, specific ones where they differ. */
    private static void emit(final int endpoint, final int direction, final List<Contribution> contributions, final Map<PolicyKey, List<PortInterval>> entries)
    {
        final List<Contribution> wildcard = new ArrayList<>();
        final Map<Integer, List<Contribution>> specific = new TreeMap<>();
        for (final Contribution contribution : contributions)
        {
            if (contribution.peers().wildcard())
            {
                wildcard.add(contribution);
            }
            for (final int peer : contribution.peers().peers())
            {
                specific.computeIfAbsent(peer, p -> new ArrayList<>()).add(contribution);
            }
        }
        final List<List<PortInterval>> wildcardIntervals = new ArrayList<>(ProtocolClass.COUNT);
        for (int protocolClass = 0; protocolClass < ProtocolClass.COUNT; protocolClass++)
        {
            final List<PortInterval> intervals = intervals(wildcard, protocolClass);
            wildcardIntervals.add(intervals);
            entries.put(new PolicyKey(endpoint, direction, PolicyKey.WILDCARD_PEER, protocolClass), intervals);
        }
        for (final Map.Entry<Integer, List<Contribution>> peer : specific.entrySet())
        {
            final List<Contribution> all = new ArrayList<>(peer.getValue());
            all.addAll(wildcard);
            for (int protocolClass = 0; protocolClass < ProtocolClass.COUNT; protocolClass++)
            {
                final List<PortInterval> intervals = intervals(all, protocolClass);
                if (!intervals.equals(wildcardIntervals.get(protocolClass)))
                {
                    entries.put(new PolicyKey(endpoint, direction, peer.getKey(), protocolClass), intervals);
                }
            }
        }
    }

    /**
     * Sorted, disjoint, merged intervals for one protocol class: a sweep over span starts and
     * ends that keeps the lowest active deny and allow rule ids.
     */
    private static List<PortInterval> intervals(final List<Contribution> contributions, final int protocolClass)
    {
        final List<long[]> spans = new ArrayList<>();
        for (final Contribution contribution : contributions)
        {
            final PeerRule rule = contribution.peers().rule();
            if (rule.ports().isEmpty())
            {
                spans.add(new long[] {0, FULL_RANGE_HIGH, contribution.deny() ? 1 : 0, contribution.ruleId()});
                continue;
            }
            for (final PortRule port : rule.ports())
            {
                if (port.covers(protocolClass))
                {
                    spans.add(new long[] {port.low(), port.high(), contribution.deny() ? 1 : 0, contribution.ruleId()});
                }
            }
        }
        if (spans.isEmpty())
        {
            return List.of();
        }
        // event: position (17 bits) << 32 | start (1) << 31 | deny (1) << 30 | rule id (24 bits);
        // at one position ends sort before starts, which the sweep does not depend on.
        final long[] events = new long[spans.size() * 2];
        int n = 0;
        for (final long[] span : spans)
        {
            final long kind = span[2] << 30 | span[3];
            events[n++] = span[0] << 32 | 1L << 31 | kind;
            events[n++] = (span[1] + 1) << 32 | kind;
        }
        Arrays.sort(events);
        final TreeMap<Integer, Integer> activeDenies = new TreeMap<>();
        final TreeMap<Integer, Integer> activeAllows = new TreeMap<>();
        final List<PortInterval> result = new ArrayList<>();
        int i = 0;
        while (i < events.length)
        {
            final int position = (int)(events[i] >>> 32);
            while (i < events.length && (int)(events[i] >>> 32) == position)
            {
                final long event = events[i++];
                final TreeMap<Integer, Integer> active = (event & 1L << 30) != 0 ? activeDenies : activeAllows;
                final int ruleId = (int)(event & PolicyVerdict.NO_RULE);
                if ((event & 1L << 31) != 0)
                {
                    active.merge(ruleId, 1, Integer::sum);
                }
                else
                {
                    active.merge(ruleId, -1, (a, b) -> a + b == 0 ? null : a + b);
                }
            }
            if (i == events.length || position > FULL_RANGE_HIGH)
            {
                break;
            }
            final int end = (int)(events[i] >>> 32) - 1;
            final int verdict;
            if (!activeDenies.isEmpty())
            {
                verdict = PolicyVerdict.of(PolicyVerdict.DENIED_BY_RULE, activeDenies.firstKey());
            }
            else if (!activeAllows.isEmpty())
            {
                verdict = PolicyVerdict.of(PolicyVerdict.ALLOWED, activeAllows.firstKey());
            }
            else
            {
                continue;
            }
            final PortInterval last = result.isEmpty() ? null : result.getLast();
            if (last != null && last.verdict() == verdict && last.high() + 1 == position)
            {
                result.set(result.size() - 1, new PortInterval(last.low(), end, verdict));
            }
            else
            {
                result.add(new PortInterval(position, end, verdict));
            }
        }
        return List.copyOf(result);
    }
}
