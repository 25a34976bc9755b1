package dev.nve.dataplane.stage;

import dev.nve.dataplane.conntrack.ConntrackTable;
import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.flow.FlowEvents;
import dev.nve.dataplane.flow.FlowKey;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.policy.Identities;
import dev.nve.dataplane.policy.PolicyDirection;
import dev.nve.dataplane.policy.PolicyTable;
import dev.nve.dataplane.policy.PolicyVerdict;
import dev.nve.dataplane.table.IpCache;
import dev.nve.dataplane.table.PortTable;
import dev.nve.dataplane.table.Tables;

/**
 * The frame-by-frame FilterStage before it was batched, kept as the reference its batched
 * form must match exactly (FilterStageBatchingTest). Identity-based filtering with connection tracking, the Cilium model: runs after bridging and
 * ILA, when each frame's sender and receiver are known. A frame from a local endpoint is checked
 * against the sender's egress policy, a frame to a local endpoint against the receiver's ingress
 * policy (both for traffic between two local endpoints). Identities: a local endpoint's from its
 * port, a remote sender's from the VXLAN-GBP header, anything else from the ipcache of the
 * frame's zone (the network, or the ILA tenant), else WORLD.
 * <p>
 * Frames no enforced policy concerns, in either direction of their connection, pass untouched
 * and are not tracked. Otherwise the worker's
 * conntrack table is asked first: a reply of a tracked connection passes; a packet in the
 * opening direction needs every enforced check to allow it (also when tracked, so a policy
 * change takes effect on open connections, as in Cilium), and a new connection is then tracked. Non-IP frames (ARP) are
 * not filtered. Flooded frames (broadcast, multicast, unknown unicast) are checked against the
 * sender's egress policy only. One flow event per new connection and per dropped packet.
 */
final class SequentialFilterReference implements Stage
{
    private static final int NOT_ENFORCED = PolicyVerdict.of(PolicyVerdict.NOT_ENFORCED, PolicyVerdict.NO_RULE);

    private final Tables tables;
    private final StageCounters counters;
    private final ConntrackTable conntrack;
    private final FlowEvents events;
    private final FlowKey key = new FlowKey();
    private final int[] batchRules;
    private final long[] batchRulePackets;
    private final long[] batchRuleBytes;
    private int batchRuleCount;

    /**
     * @param conntrack this worker's connection table (one per worker: it is not thread-safe)
     * @param events this worker's flow-event ring, or null for none
     */
    SequentialFilterReference(final Tables tables, final StageCounters counters, final ConntrackTable conntrack, final FlowEvents events, final int batchCapacity)
    {
        this.tables = tables;
        this.counters = counters;
        this.conntrack = conntrack;
        this.events = events;
        // A frame between two local endpoints is decided by two rules (egress, then ingress).
        this.batchRules = new int[2 * batchCapacity];
        this.batchRulePackets = new long[2 * batchCapacity];
        this.batchRuleBytes = new long[2 * batchCapacity];
    }

    @Override
    public String name()
    {
        return "filter";
    }

    @Override
    public void process(final PacketBatch batch)
    {
        final PolicyTable policy = tables.policy();
        if (!policy.enforcesAnything())
        {
            return;
        }
        final PortTable ports = tables.ports();
        final int count = batch.count();
        batchRuleCount = 0;
        for (int i = 0; i < count; i++)
        {
            final byte next = batch.next[i];
            if (next != Next.TRANSMIT && next != Next.VXLAN_ENCAP && next != Next.FLOOD)
            {
                continue;
            }
            final int inPort = batch.inPort[i];
            final boolean srcLocal = ports.role(inPort) == PortTable.ROLE_ENDPOINT;
            final boolean dstLocal = next == Next.TRANSMIT && ports.role(batch.outPort[i]) == PortTable.ROLE_ENDPOINT;
            final int srcLocalIdentity = srcLocal ? ports.identity(inPort) : Identities.UNKNOWN;
            final int dstLocalIdentity = dstLocal ? ports.identity(batch.outPort[i]) : Identities.UNKNOWN;
            final boolean egress = srcLocal && policy.enforced(srcLocalIdentity, PolicyDirection.EGRESS);
            final boolean ingress = dstLocal && policy.enforced(dstLocalIdentity, PolicyDirection.INGRESS);
            final boolean repliesChecked = srcLocal && policy.enforced(srcLocalIdentity, PolicyDirection.INGRESS)
                || dstLocal && policy.enforced(dstLocalIdentity, PolicyDirection.EGRESS);
            if (!egress && !ingress && !repliesChecked)
            {
                continue;
            }
            counters.packet();
            final int parsed = key.parse(batch.segment(), batch.address[i], batch.length[i]);
            if (parsed == FlowKey.NOT_IP)
            {
                continue;
            }
            if (parsed == FlowKey.INVALID)
            {
                drop(batch, i, DropReason.INVALID_PACKET);
                continue;
            }
            if (batch.viaIla[i] && next == Next.TRANSMIT && !dstLocal)
            {
                // Left through ILA egress: the destination was rewritten; the peer is the SIR address.
                key.dstHigh = batch.sirDestinationHigh[i];
                key.dstLow = batch.sirDestinationLow[i];
            }
            final int zone = zone(batch, i, ports, srcLocal ? inPort : batch.outPort[i]);
            if (!srcLocal && batch.srcIdentity[i] == Identities.HOST)
            {
                // As Cilium's overlay program: a remote node never presents the host identity
                // (its host traffic is remote-node), so a header claiming it is refused, never let
                // in as this host.
                drop(batch, i, DropReason.INVALID_IDENTITY);
                event(batch, i, Identities.HOST, dstLocalIdentity, zone, PolicyVerdict.NO_RULE, FlowEvents.VERDICT_DROPPED,
                    ingress ? FlowEvents.DIRECTION_INGRESS : FlowEvents.DIRECTION_NONE, DropReason.INVALID_IDENTITY.code());
                continue;
            }
            final long now = batch.timestampNanos[i];
            final long found = conntrack.lookup(zone, key.version, key.srcHigh, key.srcLow, key.dstHigh, key.dstLow, key.srcPort, key.dstPort, key.protocol, now);
            if (found >= 0 && ConntrackTable.direction(found) == ConntrackTable.REPLY)
            {
                // Replies of an allowed connection pass whatever the policy says (stateful).
                conntrack.update(found, key.tcpFlags, now);
                continue;
            }
            final int srcIdentity = srcLocal ? srcLocalIdentity : remoteSource(batch, i, zone);
            final int dstIdentity = dstLocal ? dstLocalIdentity : peer(zone, key.dstHigh, FilterStage.mapped(key.version, key.dstLow));
            final int port = key.protocol == FlowKey.PROTOCOL_TCP || key.protocol == FlowKey.PROTOCOL_UDP ? key.dstPort : 0;
            int verdict = NOT_ENFORCED;
            int direction = FlowEvents.DIRECTION_NONE;
            if (egress)
            {
                verdict = policy.lookup(srcIdentity, PolicyDirection.EGRESS, dstIdentity, key.protocol, port);
                direction = FlowEvents.DIRECTION_EGRESS;
            }
            if (ingress && (!egress || PolicyVerdict.isAllowed(verdict)))
            {
                if (egress)
                {
                    countRule(PolicyVerdict.ruleId(verdict), batch.length[i]);
                }
                verdict = policy.lookup(dstIdentity, PolicyDirection.INGRESS, srcIdentity, key.protocol, port);
                direction = FlowEvents.DIRECTION_INGRESS;
            }
            countRule(PolicyVerdict.ruleId(verdict), batch.length[i]);
            if (!PolicyVerdict.isAllowed(verdict))
            {
                final DropReason reason = PolicyVerdict.kind(verdict) == PolicyVerdict.DENIED_BY_RULE ? DropReason.POLICY_DENY : DropReason.POLICY_DENIED;
                drop(batch, i, reason);
                event(batch, i, srcIdentity, dstIdentity, zone, PolicyVerdict.ruleId(verdict), FlowEvents.VERDICT_DROPPED, direction, reason.code());
                continue;
            }
            if (found >= 0)
            {
                // The opening direction is re-checked on every packet, as Cilium does, so that
                // a policy change also cuts connections it no longer allows.
                conntrack.update(found, key.tcpFlags, now);
                continue;
            }
            final long created = conntrack.create(zone, key.version, key.srcHigh, key.srcLow, key.dstHigh, key.dstLow, key.srcPort, key.dstPort,
                key.protocol, key.tcpFlags, now);
            if (created < 0)
            {
                drop(batch, i, DropReason.CT_MAP_INSERTION_FAILED);
                event(batch, i, srcIdentity, dstIdentity, zone, PolicyVerdict.ruleId(verdict), FlowEvents.VERDICT_DROPPED, direction,
                    DropReason.CT_MAP_INSERTION_FAILED.code());
                continue;
            }
            conntrack.update(created, key.tcpFlags, now);
            event(batch, i, srcIdentity, dstIdentity, zone, PolicyVerdict.ruleId(verdict), FlowEvents.VERDICT_FORWARDED, direction, 0);
        }
        policy.addRuleCounts(-1, batchRules, batchRulePackets, batchRuleBytes, batchRuleCount);
        counters.flush();
    }

    /**
     * Expires idle connections; the worker calls it when it has nothing else to do, so garbage
     * collection never runs inside a batch.
     *
     * @return the number of connections removed
     */
    public int collectGarbage(final long nowNanos, final int maxSlots)
    {
        return conntrack.size() == 0 ? 0 : conntrack.sweep(nowNanos, maxSlots);
    }

    public ConntrackTable conntrack()
    {
        return conntrack;
    }

    private int zone(final PacketBatch batch, final int i, final PortTable ports, final int localPort)
    {
        if (!batch.viaIla[i])
        {
            return batch.network[i];
        }
        return FilterStage.ilaZone(tables, ports.ilaTenant(localPort));
    }

    /** A remote sender: the GBP policy id when it carried one, else the ipcache, else WORLD. */
    private int remoteSource(final PacketBatch batch, final int i, final int zone)
    {
        final int carried = batch.srcIdentity[i];
        if (carried > Identities.UNKNOWN)
        {
            return carried;
        }
        return peer(zone, key.srcHigh, FilterStage.mapped(key.version, key.srcLow));
    }

    private int peer(final int zone, final long high, final long low)
    {
        final int identity = tables.ipCache().lookup(zone, high, low);
        return identity == IpCache.MISSING ? Identities.WORLD : identity;
    }

    private void countRule(final int rule, final int bytes)
    {
        if (rule == PolicyVerdict.NO_RULE)
        {
            return;
        }
        for (int r = 0; r < batchRuleCount; r++)
        {
            if (batchRules[r] == rule)
            {
                batchRulePackets[r]++;
                batchRuleBytes[r] += bytes;
                return;
            }
        }
        if (batchRuleCount < batchRules.length)
        {
            batchRules[batchRuleCount] = rule;
            batchRulePackets[batchRuleCount] = 1;
            batchRuleBytes[batchRuleCount] = bytes;
            batchRuleCount++;
        }
    }

    private void event(final PacketBatch batch, final int i, final int srcIdentity, final int dstIdentity, final int zone, final int rule,
        final int verdict, final int direction, final int reason)
    {
        if (events != null)
        {
            events.write(batch.timestampNanos[i], srcIdentity, dstIdentity, zone, rule, verdict, key.version, key.protocol, direction, reason,
                key.srcPort, key.dstPort, batch.inPort[i], verdict == FlowEvents.VERDICT_DROPPED ? -1 : outPort(batch, i), batch.length[i],
                key.srcHigh, key.srcLow, key.dstHigh, key.dstLow);
        }
    }

    /** The port a forwarded frame leaves on: encap has not run yet, but its port is the underlay's; a flood has none. */
    private int outPort(final PacketBatch batch, final int i)
    {
        return batch.next[i] == Next.VXLAN_ENCAP ? tables.underlay().portId() : batch.next[i] == Next.TRANSMIT ? batch.outPort[i] : -1;
    }

    private void drop(final PacketBatch batch, final int i, final DropReason reason)
    {
        batch.drop(i, reason);
        counters.drop(reason);
    }
}
