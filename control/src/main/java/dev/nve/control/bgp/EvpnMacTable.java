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

    /** Records (or replaces) a route and adds the operations that follow from it. */
    void put(final Key key, final int vni, final InetAddress vtep, final long sequence, final List<ObjectNode> ops)
    {
        final Route previous = forget(key);
        routes.put(key, new Route(vni, vtep, sequence));
        final VniMac vm = new VniMac(vni, key.mac());
        byMac.computeIfAbsent(vm, k -> new LinkedHashSet<>()).add(key);
        if (key.ip() != null)
        {
            final EvpnLearner.VniIp vi = new EvpnLearner.VniIp(vni, key.ip());
            byIp.computeIfAbsent(vi, k -> new LinkedHashSet<>()).add(key);
            proxy.put(vi, key.mac());
        }
        if (previous != null && previous.vni() != vni)
        {
            select(new VniMac(previous.vni(), key.mac()), ops);
        }
        select(vm, ops);
    }

    /** Forgets a route, if known, and adds the operations: none, a fallback, or the deletion. */
    void remove(final Key key, final List<ObjectNode> ops)
    {
        final Route removed = forget(key);
        if (removed != null)
        {
            select(new VniMac(removed.vni(), key.mac()), ops);
        }
    }

    /** Forgets all routes of {@code peer}, then reselects each MAC they touched. */
    void removePeer(final String peer, final List<ObjectNode> ops)
    {
        final Set<VniMac> touched = new LinkedHashSet<>();
        for (final Key key : List.copyOf(routes.keySet()))
        {
            if (key.peer().equals(peer))
            {
                touched.add(new VniMac(forget(key).vni(), key.mac()));
            }
        }
        touched.forEach(vm -> select(vm, ops));
    }

    Map<EvpnLearner.VniIp, Long> proxy()
    {
        return Collections.unmodifiableMap(proxy);
    }

    /** Drops a route and its index entries without touching the tables; the caller reselects. */
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
                proxy.remove(vi);
            }
            else
            {
                proxy.put(vi, sameIp.iterator().next().mac());
            }
        }
        return removed;
    }

    /** Installs the best route of one (VNI, MAC), adding an operation only when the VTEP changes. */
    private void select(final VniMac vm, final List<ObjectNode> ops)
    {
        final InetAddress current = installed.get(vm);
        final List<Route> candidates = byMac.getOrDefault(vm, Set.of()).stream().map(routes::get).toList();
        final long best = candidates.stream().mapToLong(Route::sequence).max().orElse(-1);
        InetAddress chosen = null;
        for (final Route candidate : candidates)
        {
            if (candidate.sequence() == best && (chosen == null || candidate.vtep().equals(current)
                || !chosen.equals(current) && compare(candidate.vtep(), chosen) < 0))
            {
                chosen = candidate.vtep();
            }
        }
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

    private static int compare(final InetAddress a, final InetAddress b)
    {
        final byte[] x = a.getAddress();
        final byte[] y = b.getAddress();
        return x.length != y.length ? Integer.compare(x.length, y.length) : Arrays.compareUnsigned(x, y);
    }
}
