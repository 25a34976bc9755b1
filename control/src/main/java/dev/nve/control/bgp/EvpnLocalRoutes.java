package dev.nve.control.bgp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.dataplane.table.Macs;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What this host advertises now, kept in line with its networks and endpoints as they change
 * ({@link #apply}), with MAC mobility (RFC 7432 §15). Owned by the speaker's thread.
 * <p>
 * An endpoint added while a peer advertises its MAC moved here: it is advertised with the peer's
 * sequence + 1, so every host switches to us. A local endpoint whose MAC a peer advertises with a
 * higher sequence (or the same one from a lower VTEP) moved away: its routes are withdrawn and a
 * line is logged, while the endpoint itself stays until it is deleted here (the operator's or the
 * orchestrator's call); deleting it installs the peer's route. If the winning route goes away
 * while the endpoint is still here, the endpoint is advertised again, above the sequence that beat it.
 */
final class EvpnLocalRoutes
{
    /** Messages to send to every Established peer and operations for the tables, in that order of effect. */
    record Changes(List<BgpMessage.Update> updates, List<ObjectNode> ops)
    {
        boolean isEmpty()
        {
            return updates.isEmpty() && ops.isEmpty();
        }
    }

    private record VniMac(int vni, long mac)
    {
    }

    /** A local endpoint's advertisement state. */
    private static final class Advert
    {
        EvpnLocalState.Endpoint endpoint;
        long sequence;
        boolean advertised;
        /** The sequence that beat ours, or -1: where the next advertisement must start above. */
        long beatenBy = -1;

        Advert(final EvpnLocalState.Endpoint endpoint, final long sequence)
        {
            this.endpoint = endpoint;
            this.sequence = sequence;
        }
    }

    private final EvpnLocal local;
    private final EvpnLearner learner;
    private final Consumer<String> log;
    private final Map<VniMac, Advert> adverts = new LinkedHashMap<>();
    private final Set<Integer> unexportable = new LinkedHashSet<>();
    private Set<Integer> vnis = Set.of();

    EvpnLocalRoutes(final EvpnLocal local, final EvpnLearner learner, final Consumer<String> log)
    {
        this.local = local;
        this.learner = learner;
        this.log = log;
    }

    /** The local networks as of the latest {@link #apply}: what the learner accepts routes for. */
    boolean isLocalVni(final int vni)
    {
        return vnis.contains(vni);
    }

    /** Everything advertised now, for a peer that has just become Established: type 3 per VNI, then type 2 per endpoint. */
    List<BgpMessage.Update> all()
    {
        final List<BgpMessage.Update> updates = new ArrayList<>();
        vnis.stream().sorted().forEach(vni -> updates.add(EvpnAdvertiser.inclusiveMulticast(local, vni)));
        adverts.values().stream().filter(a -> a.advertised).forEach(a -> updates.add(advertise(a.endpoint, a.sequence)));
        return updates;
    }

    /** Endpoints advertised now, and those withheld because a peer's route for their MAC wins. */
    int advertisedEndpoints()
    {
        return (int)adverts.values().stream().filter(a -> a.advertised).count();
    }

    int withheldEndpoints()
    {
        return adverts.size() - advertisedEndpoints();
    }

    /** Our routes: a type 3 per VNI, then each endpoint's type-2 routes, advertised or withheld. */
    List<EvpnRouteView> describe()
    {
        final List<EvpnRouteView> views = new ArrayList<>();
        final String nextHop = local.vtep().getHostAddress();
        vnis.stream().sorted().forEach(vni -> views.add(new EvpnRouteView("local", "multicast", local.routeDistinguisher(vni).toString(), vni, "", nextHop,
            nextHop, 0, "advertised")));
        adverts.values().forEach(a ->
        {
            final String rd = local.routeDistinguisher(a.endpoint.vni()).toString();
            final String mac = Macs.format(a.endpoint.mac());
            final String state = a.advertised ? "advertised" : "withheld";
            views.add(new EvpnRouteView("local", "mac-ip", rd, a.endpoint.vni(), mac, "", nextHop, a.sequence, state));
            a.endpoint.ips().forEach(ip -> views.add(new EvpnRouteView("local", "mac-ip", rd, a.endpoint.vni(), mac, ip.getHostAddress(), nextHop,
                a.sequence, state)));
        });
        return views;
    }

    /** The NLRIs advertised now: a type-3 per VNI, and per advertised endpoint its MAC route and one per IP. */
    int routeCount()
    {
        return vnis.size() + adverts.values().stream().filter(a -> a.advertised).mapToInt(a -> 1 + a.endpoint.ips().size()).sum();
    }

    /**
     * Brings the advertisements in line with {@code next}: routes of new networks and endpoints,
     * withdrawals of those gone, the IP routes of an endpoint whose addresses changed.
     */
    Changes apply(final EvpnLocalState all)
    {
        final EvpnLocalState next = exportable(all);
        final List<BgpMessage.Update> updates = new ArrayList<>();
        final List<ObjectNode> ops = new ArrayList<>();
        final Set<Integer> added = new LinkedHashSet<>(next.vnis());
        added.removeAll(vnis);
        final Set<Integer> removed = new LinkedHashSet<>(vnis);
        removed.removeAll(next.vnis());
        final Map<VniMac, EvpnLocalState.Endpoint> wanted = new LinkedHashMap<>();
        next.endpoints().forEach(e -> wanted.put(new VniMac(e.vni(), e.mac()), e));

        for (final Map.Entry<VniMac, Advert> entry : List.copyOf(adverts.entrySet()))
        {
            final VniMac key = entry.getKey();
            final Advert advert = entry.getValue();
            final EvpnLocalState.Endpoint now = wanted.get(key);
            if (now == null)
            {
                adverts.remove(key);
                if (advert.advertised)
                {
                    updates.add(EvpnAdvertiser.withdrawMacIp(local, key.vni(), key.mac(), advert.endpoint.ips()));
                }
                if (!removed.contains(key.vni()))
                {
                    ops.addAll(learner.local(key.vni(), key.mac(), false));
                }
            }
            else if (!now.ips().equals(advert.endpoint.ips()))
            {
                final List<InetAddress> gone = new ArrayList<>(advert.endpoint.ips());
                gone.removeAll(now.ips());
                if (advert.advertised && !gone.isEmpty())
                {
                    updates.add(EvpnAdvertiser.withdrawIps(local, key.vni(), key.mac(), gone));
                }
                advert.endpoint = now;
                if (advert.advertised)
                {
                    updates.add(advertise(now, advert.sequence));
                }
            }
        }
        for (final int vni : removed)
        {
            learner.forgetVni(vni);
            updates.add(EvpnAdvertiser.withdrawInclusiveMulticast(local, vni));
        }
        final List<VniMac> arrived = new ArrayList<>();
        for (final Map.Entry<VniMac, EvpnLocalState.Endpoint> entry : wanted.entrySet())
        {
            if (!adverts.containsKey(entry.getKey()))
            {
                ops.addAll(learner.local(entry.getKey().vni(), entry.getKey().mac(), true));
                arrived.add(entry.getKey());
            }
        }
        vnis = Set.copyOf(next.vnis());
        if (!added.isEmpty())
        {
            ops.addAll(learner.relearn());
            added.stream().sorted().forEach(vni -> updates.add(EvpnAdvertiser.inclusiveMulticast(local, vni)));
        }
        for (final VniMac key : arrived)
        {
            final EvpnMacTable.Best remote = learner.best(key.vni(), key.mac());
            final Advert advert = new Advert(wanted.get(key), remote == null ? 0 : remote.sequence() + 1);
            adverts.put(key, advert);
            if (remote != null)
            {
                log.accept("MAC " + Macs.format(key.mac()) + " in VNI " + key.vni() + " moved here from VTEP " + remote.vtep().getHostAddress()
                    + " (its sequence " + remote.sequence() + "); advertising sequence " + advert.sequence);
            }
            advert.advertised = true;
            updates.add(advertise(advert.endpoint, advert.sequence));
        }
        return new Changes(updates, ops);
    }

    /**
     * After peers' routes for {@code macs} changed (an UPDATE, a lost session): withdraws the
     * local endpoints a peer now beats and advertises again those no peer beats any longer.
     * Null {@code macs} re-evaluates every local endpoint.
     */
    List<BgpMessage.Update> remoteChanged(final Set<Long> macs)
    {
        final List<BgpMessage.Update> updates = new ArrayList<>();
        adverts.forEach((key, advert) ->
        {
            if (macs != null && !macs.contains(key.mac()))
            {
                return;
            }
            final EvpnMacTable.Best remote = learner.best(key.vni(), key.mac());
            final boolean beaten = remote != null && remote.beats(advert.sequence, local.vtep());
            if (beaten && advert.advertised)
            {
                advert.advertised = false;
                advert.beatenBy = remote.sequence();
                updates.add(EvpnAdvertiser.withdrawMacIp(local, key.vni(), key.mac(), advert.endpoint.ips()));
                log.accept("MAC " + Macs.format(key.mac()) + " in VNI " + key.vni() + " moved to VTEP " + remote.vtep().getHostAddress() + " (sequence "
                    + remote.sequence() + " against ours " + advert.sequence + "); its routes are withdrawn here, the endpoint on this host stays "
                    + "until it is deleted");
            }
            else if (!beaten && !advert.advertised)
            {
                advert.sequence = Math.max(advert.sequence, Math.max(advert.beatenBy, remote == null ? -1 : remote.sequence()) + 1);
                advert.advertised = true;
                updates.add(advertise(advert.endpoint, advert.sequence));
                log.accept("MAC " + Macs.format(key.mac()) + " in VNI " + key.vni() + ": no peer's route wins any longer; advertising it again, sequence "
                    + advert.sequence);
            }
        });
        return updates;
    }

    /**
     * {@code state} without the VNIs that have no route target (a 4-octet AS and a VNI above
     * 65535 without configured ones: a network added at run time); each is logged once.
     */
    private EvpnLocalState exportable(final EvpnLocalState state)
    {
        final Set<Integer> vnis = new LinkedHashSet<>();
        for (final int vni : state.vnis())
        {
            try
            {
                local.routeTargets(vni);
                vnis.add(vni);
            }
            catch (final IllegalArgumentException e)
            {
                if (unexportable.add(vni))
                {
                    log.accept("VNI " + vni + " is neither advertised nor learned: " + e.getMessage());
                }
            }
        }
        return vnis.size() == state.vnis().size() ? state
            : new EvpnLocalState(vnis, state.endpoints().stream().filter(e -> vnis.contains(e.vni())).toList());
    }

    private BgpMessage.Update advertise(final EvpnLocalState.Endpoint endpoint, final long sequence)
    {
        return EvpnAdvertiser.macIp(local, endpoint.vni(), endpoint.mac(), endpoint.ips(), sequence);
    }
}
