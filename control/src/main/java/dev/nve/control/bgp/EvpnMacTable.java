package dev.nve.control.bgp;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.dataplane.table.Macs;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The type-2 half of {@link EvpnLearner}: every accepted MAC/IP route by peer, the VTEP installed
 * per (VNI, MAC), and the (VNI, IP) → MAC proxy table. Kept apart so that the selection rules
 * (RFC 7432 §15) can be read in one place.
 * <p>
 * Selection: the highest MAC mobility sequence wins, so a route with a lower one than the
 * installed route's changes nothing; among equal sequences the installed VTEP stays, else the
 * lowest VTEP address (IPv4 before IPv6, then unsigned bytes) is chosen so that hosts agree.
 * A MAC that is a local endpoint here gets no FDB operation (the endpoint owns the entry); once
 * it stops being local, the best remote route is installed.
 * <p>
 * The proxy table becomes {@code neigh.add} / {@code neigh.del} operations, for ARP and ND
 * suppression; an IP advertised with two MACs proxies the one learned first.
 */
final class EvpnMacTable
{
    /** A route's identity (RFC 7432 §7.2: the label is not part of it) and who sent it. */
    record Key(String peer, RouteDistinguisher rd, long tag, long mac, InetAddress ip)
    {
    }

    private record Route(int vni, InetAddress vtep, long sequence)
    {
    }

    private record VniMac(int vni, long mac)
    {
    }

    private final Map<Key, Route> routes = new LinkedHashMap<>();
    private final Map<VniMac, Set<Key>> byMac = new LinkedHashMap<>();
    private final Map<VniMac, InetAddress> installed = new LinkedHashMap<>();
    private final Map<EvpnLearner.VniIp, Set<Key>> byIp = new LinkedHashMap<>();
    private final Map<EvpnLearner.VniIp, Long> proxy = new LinkedHashMap<>();
    private final Set<VniMac> local = new LinkedHashSet<>();

    /** The best remote route of a (VNI, MAC): its MAC mobility sequence and VTEP. */
    record Best(long sequence, InetAddress vtep)
    {
        /** Whether this route beats a local one with {@code sequence} at {@code vtep} (RFC 7432 §15.1: lower VTEP on a tie). */
        boolean beats(final long localSequence, final InetAddress localVtep)
        {
            return sequence > localSequence || sequence == localSequence && compare(vtep, localVtep) < 0;
        }
    }

    /** Records (or replaces) a route and adds the operations that follow from it. */
    void put(final Key key, final int vni, final InetAddress vtep, final long sequence, final List<ObjectNode> ops)
    {
        final Route route = new Route(vni, vtep, sequence);
        if (route.equals(routes.get(key)))
        {
            return; // the same route again (a re-advertisement, or relearning): nothing changes
        }
        final Route previous = forget(key);
        routes.put(key, route);
        final VniMac vm = new VniMac(vni, key.mac());
        byMac.computeIfAbsent(vm, k -> new LinkedHashSet<>()).add(key);
        if (key.ip() != null)
        {
            byIp.computeIfAbsent(new EvpnLearner.VniIp(vni, key.ip()), k -> new LinkedHashSet<>()).add(key);
        }
        if (previous != null && previous.vni() != vni)
        {
            reproxy(previous.vni(), key, ops);
            select(new VniMac(previous.vni(), key.mac()), ops);
        }
        select(vm, ops);
        reproxy(vni, key, ops);
    }

    /** Forgets a route, if known, and adds the operations: none, a fallback, or the deletion. */
    void remove(final Key key, final List<ObjectNode> ops)
    {
        final Route removed = forget(key);
        if (removed != null)
        {
            select(new VniMac(removed.vni(), key.mac()), ops);
            reproxy(removed.vni(), key, ops);
        }
    }

    /**
     * Marks a MAC as a local endpoint here, or no longer: while local its FDB entry is the
     * endpoint's (no operation); when it stops being local the best remote route is installed.
     */
    void local(final int vni, final long mac, final boolean isLocal, final List<ObjectNode> ops)
    {
        final VniMac vm = new VniMac(vni, mac);
        if (isLocal)
        {
            local.add(vm);
            installed.remove(vm); // the endpoint replaced whatever remote entry there was
        }
        else if (local.remove(vm))
        {
            select(vm, ops);
        }
    }

    /** What became of a received type-2 route: see {@link EvpnRouteView#state()}. */
    String state(final Key key)
    {
        final Route route = routes.get(key);
        if (route == null)
        {
            return "ignored";
        }
        final VniMac vm = new VniMac(route.vni(), key.mac());
        return local.contains(vm) ? "local here" : route.vtep().equals(installed.get(vm)) ? "installed" : "standby";
    }

    /** The best remote route of {@code (vni, mac)}, or null when no peer advertises it. */
    Best best(final int vni, final long mac)
    {
        final Route route = bestRoute(new VniMac(vni, mac), installed.get(new VniMac(vni, mac)));
        return route == null ? null : new Best(route.sequence(), route.vtep());
    }

    /**
     * Forgets the routes of {@code vni} and what they installed, without operations: the network
     * is gone here, and its entries went with it. The learner relearns them if it comes back.
     */
    void forgetVni(final int vni)
    {
        routes.entrySet().removeIf(e -> e.getValue().vni() == vni);
        byMac.keySet().removeIf(vm -> vm.vni() == vni);
        installed.keySet().removeIf(vm -> vm.vni() == vni);
        local.removeIf(vm -> vm.vni() == vni);
        byIp.keySet().removeIf(vi -> vi.vni() == vni);
        proxy.keySet().removeIf(vi -> vi.vni() == vni);
    }

    /** Forgets all routes of {@code peer}, then reselects each MAC they touched. */
    void removePeer(final String peer, final List<ObjectNode> ops)
    {
        final Set<VniMac> touched = new LinkedHashSet<>();
        final Map<Key, Integer> ipRoutes = new LinkedHashMap<>();
        for (final Key key : List.copyOf(routes.keySet()))
        {
            if (key.peer().equals(peer))
            {
                final int vni = forget(key).vni();
                touched.add(new VniMac(vni, key.mac()));
                if (key.ip() != null)
                {
                    ipRoutes.put(key, vni);
                }
            }
        }
        touched.forEach(vm -> select(vm, ops));
        ipRoutes.forEach((key, vni) -> reproxy(vni, key, ops));
    }

    Map<EvpnLearner.VniIp, Long> proxy()
    {
        return Collections.unmodifiableMap(proxy);
    }

    /** Drops a route and its index entries without touching the tables; the caller reselects and reproxies. */
    private Route forget(final Key key)
    {
        final Route removed = routes.remove(key);
        if (removed == null)
        {
            return null;
        }
        final VniMac vm = new VniMac(removed.vni(), key.mac());
        final Set<Key> sameMac = byMac.get(vm);
        sameMac.remove(key);
        if (sameMac.isEmpty())
        {
            byMac.remove(vm);
        }
        if (key.ip() != null)
        {
            final EvpnLearner.VniIp vi = new EvpnLearner.VniIp(removed.vni(), key.ip());
            final Set<Key> sameIp = byIp.get(vi);
            sameIp.remove(key);
            if (sameIp.isEmpty())
            {
                byIp.remove(vi);
            }
        }
        return removed;
    }

    /**
     * Brings the proxy entry of {@code key}'s IP in {@code vni} in line with the routes for it
     * (the MAC of the first one learned, or none), with an operation only when that changes it.
     */
    private void reproxy(final int vni, final Key key, final List<ObjectNode> ops)
    {
        if (key.ip() == null)
        {
            return;
        }
        final EvpnLearner.VniIp vi = new EvpnLearner.VniIp(vni, key.ip());
        final Set<Key> sameIp = byIp.get(vi);
        final Long wanted = sameIp == null ? null : sameIp.iterator().next().mac();
        final Long before = wanted == null ? proxy.remove(vi) : proxy.put(vi, wanted);
        final ObjectNode params = JsonNodeFactory.instance.objectNode().put("vni", vni).put("ip", key.ip().getHostAddress());
        if (wanted == null && before != null)
        {
            ops.add(EvpnLearner.op("neigh.del", params));
        }
        else if (wanted != null && !wanted.equals(before))
        {
            ops.add(EvpnLearner.op("neigh.add", params.put("mac", Macs.format(wanted))));
        }
    }

    /** Installs the best route of one (VNI, MAC), adding an operation only when the VTEP changes. */
    private void select(final VniMac vm, final List<ObjectNode> ops)
    {
        if (local.contains(vm))
        {
            return;
        }
        final InetAddress current = installed.get(vm);
        final Route best = bestRoute(vm, current);
        final InetAddress chosen = best == null ? null : best.vtep();
        if (chosen == null ? current == null : chosen.equals(current))
        {
            return;
        }
        final ObjectNode params = JsonNodeFactory.instance.objectNode().put("vni", vm.vni()).put("mac", Macs.format(vm.mac()));
        if (chosen == null)
        {
            installed.remove(vm);
            ops.add(EvpnLearner.op("fdb.del", params));
        }
        else
        {
            installed.put(vm, chosen);
            ops.add(EvpnLearner.op("fdb.add", params.put("vtep", chosen.getHostAddress())));
        }
    }

    /** The highest sequence; among equals {@code current} if it is one, else the lowest VTEP. Null without routes. */
    private Route bestRoute(final VniMac vm, final InetAddress current)
    {
        Route chosen = null;
        for (final Key key : byMac.getOrDefault(vm, Set.of()))
        {
            final Route candidate = routes.get(key);
            if (chosen == null || candidate.sequence() > chosen.sequence() || candidate.sequence() == chosen.sequence()
                && !chosen.vtep().equals(current) && (candidate.vtep().equals(current) || compare(candidate.vtep(), chosen.vtep()) < 0))
            {
                chosen = candidate;
            }
        }
        return chosen;
    }

    static int compare(final InetAddress a, final InetAddress b)
    {
        final byte[] x = a.getAddress();
        final byte[] y = b.getAddress();
        return x.length != y.length ? Integer.compare(x.length, y.length) : Arrays.compareUnsigned(x, y);
    }
}
