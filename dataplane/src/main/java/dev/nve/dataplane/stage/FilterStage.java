package dev.nve.dataplane.stage;

import dev.nve.dataplane.conntrack.ConntrackBatchLookup;
import dev.nve.dataplane.conntrack.ConntrackKey;
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
import dev.nve.dataplane.policy.PolicyVerdictCache;
import dev.nve.dataplane.policy.PolicyVerdict;
import dev.nve.dataplane.policy.VerdictGrants;
import dev.nve.dataplane.table.IpCache;
import dev.nve.dataplane.table.PortTable;
import dev.nve.dataplane.table.Tables;

import java.util.Arrays;

/**
 * Identity-based filtering with connection tracking, the Cilium model: runs after bridging and
 * ILA, when each frame's sender and receiver are known. A frame from a local endpoint is checked
 * against the sender's egress policy, a frame to a local endpoint against the receiver's ingress
 * policy (both for traffic between two local endpoints). Identities: a local endpoint's from its
 * port, a remote sender's from the VXLAN-GBP header, anything else from the ipcache of the
 * frame's zone (the network, or the ILA tenant), else WORLD.
 * <p>
 * Frames no enforced policy concerns, in either direction of their connection, pass untouched
 * and are not tracked (a frame whose replies will be checked is tracked). Otherwise the worker's
 * conntrack table is asked first: a reply of a tracked connection passes; a packet in the
 * opening direction needs every enforced check to allow it (also when tracked, so a policy
 * change takes effect on open connections, as in Cilium; a tracked connection's answer is kept
 * as a grant until the policy, the port table or the ipcache changes), and a new connection is
 * then tracked. Non-IP frames (ARP) are not filtered. Flooded frames (broadcast, multicast,
 * unknown unicast) are checked against the sender's egress policy only. One flow event per new
 * connection and per dropped packet.
 */
public final class FilterStage implements Stage
{
    /**
     * Zones (24 bits, the conntrack key's) of ILA traffic in the ipcache and conntrack: this
     * value for endpoints without a tenant (IID, LUID), plus 1 + the tenant's index in the ILA
     * domain for VIRT_UNI_V6 tenants. VXLAN zones are network indexes, far below.
     */
    public static final int ILA_ZONE = 0x80_0000;
    private static final int NOT_ENFORCED = PolicyVerdict.of(PolicyVerdict.NOT_ENFORCED, PolicyVerdict.NO_RULE);
    /** Entries of the per-port arrays: every value of a batch's (short) port ids, so no index is out of range. */
    private static final int PORT_IDS = 1 << 16;
    /** {@link #remoteSide}: the remote endpoint is the frame's source, its destination, or none (both endpoints are local). */
    private static final int REMOTE_SOURCE = 0;
    private static final int REMOTE_DESTINATION = 1;
    private static final int NO_REMOTE = -1;
    /** Grants per epoch ({@link VerdictGrants}); ids must fit the 24 bits a conntrack entry caches. */
    private static final int GRANTS = 1 << 16;
    /** {@link #epochIpCacheVersion} that no ipcache version equals: the next batch takes a new epoch. */
    private static final long STALE_EPOCH = -1L;
    /** {@link #grantKey} of a frame whose carried identity is out of range: never granted. */
    private static final long NO_GRANT_KEY = -1L;
    /** The key of {@link #replyGrant}: beyond every {@link #grantKey}. */
    private static final long REPLY_GRANT_KEY = 1L << 62;
    /** A grant's two rules when it counts none. */
    private static final long NO_RULES = (long)PolicyVerdict.NO_RULE << 32 | PolicyVerdict.NO_RULE;

    // Per-frame work bits of one batch; SKIP: the filter leaves the frame alone.
    private static final byte SKIP = 0;
    private static final byte SRC_LOCAL = 1;
    private static final byte DST_LOCAL = 1 << 1;
    private static final byte EGRESS = 1 << 2;
    private static final byte INGRESS = 1 << 3;
    /** Per-port bits only: the replies of a connection of this endpoint are checked (its ingress as sender, its egress as receiver). */
    private static final byte REPLIES_CHECKED = 1 << 4;
    /** Bit n set: a frame with next n leaves through a port, so the filter looks at it. */
    private static final long LEAVING = 1L << Next.TRANSMIT | 1L << Next.VXLAN_ENCAP | 1L << Next.FLOOD;

    private final Tables tables;
    private final StageCounters counters;
    private final ConntrackTable conntrack;
    private final FlowEvents events;
    /** This worker's index for its own rule counters (RuleCounts), -1 for none. */
    private final int worker;
    private final PolicyVerdictCache verdicts = new PolicyVerdictCache();
    private final int[] batchRules;
    private final long[] batchRulePackets;
    private final long[] batchRuleBytes;
    private int batchRuleCount;

    // Per-frame state carried between the passes of one batch (see process).
    private final byte[] work;
    private final int[] zone;
    /** Each frame's tuple, parsed in place (preallocated, reused batch after batch). */
    private final FlowKey[] tuples;
    /** Each frame's conntrack key, computed once in parse (preallocated, reused batch after batch). */
    private final ConntrackKey[] keys;
    /** Conntrack lookup results of the lookup pass (see process). */
    private final long[] found;
    /** The frames parse did not skip, in frame order. */
    private final int[] trackedFrames;
    /** The conntrack lookup passes (see process). */
    private final ConntrackBatchLookup lookups;
    /** True once a frame of this batch created a connection: later lookup-pass results are redone. */
    private boolean createdInBatch;
    /**
     * The epoch of the grants ({@link ConntrackTable#nextVerdictEpoch}): a new one whenever the
     * policy, the port table or the ipcache changes, the three things a verdict depends on besides
     * the connection's tuple and the frame's grant key. They are read before the batch's first
     * use of each, so a change during a batch is seen at the next one. The policy and the port
     * table are watched by the per-port arrays' check ({@link #derivePorts} marks the epoch
     * stale), the ipcache here.
     */
    private long epoch;
    private long epochIpCacheVersion = STALE_EPOCH;
    private final VerdictGrants grants = new VerdictGrants(GRANTS);
    /**
     * The epoch's grant of replies, which pass whatever the policy says and count no rule: a
     * reply goes through the same few instructions as a packet with a grant, so the decision
     * pass has no branch on the frame's direction (random in real traffic) on its common path.
     */
    private int replyGrant;
    /** Per tracked frame (see resolveAll): the grant that lets it pass (replies: {@link #replyGrant}) or NONE. */
    private final int[] grantOf;
    /** The frames whose remote identity must be read from the ipcache (see resolveAll). */
    private final int[] uncachedFrames;
    /** The flow-event direction of the last {@link #check}. */
    private int checkedDirection;
    /** The egress rule the last {@link #check} counted before its ingress check, else NO_RULE. */
    private int checkedEgressRule;
    private final int[] srcIdentity;
    private final int[] dstIdentity;
    private long sink;
    /**
     * Per port id (the {@code & 0xFFFF} of a batch's port): the work bits of a frame from it
     * ({@link #SRC_LOCAL}, {@link #EGRESS}, {@link #REPLIES_CHECKED}) and to it
     * ({@link #DST_LOCAL}, {@link #INGRESS}, {@link #REPLIES_CHECKED}), 0 unless it is an
     * endpoint's, and its endpoint's identity ({@link Identities#UNKNOWN} for others), derived
     * from {@link #portsPolicy} and the port table at {@link #portsVersion} ({@link #derivePorts}).
     */
    private final byte[] portSrcWork = new byte[PORT_IDS];
    private final byte[] portDstWork = new byte[PORT_IDS];
    private final int[] portIdentity = new int[PORT_IDS];
    private PolicyTable portsPolicy;
    private long portsVersion = -1;

    /**
     * @param conntrack this worker's connection table (one per worker: it is not thread-safe)
     * @param events this worker's flow-event ring, or null for none
     * @param worker this worker's index from {@link Tables#registerWorker()}, for rule counters of
     *     its own; -1 for none (its rule counts then go through atomic adds on an array all such
     *     stages share)
     */
    public FilterStage(final Tables tables, final StageCounters counters, final ConntrackTable conntrack, final FlowEvents events, final int batchCapacity,
        final int worker)
    {
        this.tables = tables;
        this.counters = counters;
        this.conntrack = conntrack;
        this.events = events;
        this.worker = worker;
        // A frame between two local endpoints is decided by two rules (egress, then ingress).
        this.batchRules = new int[2 * batchCapacity];
        this.batchRulePackets = new long[2 * batchCapacity];
        this.batchRuleBytes = new long[2 * batchCapacity];
        this.work = new byte[batchCapacity];
        this.zone = new int[batchCapacity];
        this.tuples = new FlowKey[batchCapacity];
        this.keys = new ConntrackKey[batchCapacity];
        for (int i = 0; i < batchCapacity; i++)
        {
            keys[i] = new ConntrackKey();
            tuples[i] = new FlowKey();
        }
        this.found = new long[batchCapacity];
        this.trackedFrames = new int[batchCapacity];
        this.lookups = new ConntrackBatchLookup(batchCapacity);
        this.srcIdentity = new int[batchCapacity];
        this.dstIdentity = new int[batchCapacity];
        this.uncachedFrames = new int[batchCapacity];
        this.grantOf = new int[batchCapacity];
        // Ids from MAX_PORTS up are never a port's: derivePorts leaves them at no role.
        Arrays.fill(portIdentity, Identities.UNKNOWN);
    }

    @Override
    public String name()
    {
        return "filter";
    }

    /**
     * Passes over the batch, so that the conntrack misses of a large table overlap instead of
     * queueing (as in BridgeStage): find which frames the filter concerns ({@link #routeAll});
     * parse them and compute their conntrack keys (once); prefetch every connection's home line
     * (or touch it, without a {@code LinePrefetcher}: {@link ConntrackBatchLookup}); look every
     * connection up in its home line ({@link ConntrackTable#lookupHome}), listing those whose
     * probe goes on; load their next line the same way and finish them (loops of lookups only,
     * so that these misses overlap too, and over the list, so without a branch per frame on the
     * random probe outcome); then resolve the remote identities of the frames in the opening
     * direction ({@link #resolveAll}); then decide, update or create, count and report frame
     * by frame, in frame order, exactly as a frame-by-frame loop would: a lookup result is
     * redone in the last pass only when an earlier frame of the batch created a connection
     * (nothing else moves or adds entries within a batch, and the lookup pass already used each
     * frame's own time). Before the last pass no table changes.
     * <p>
     * A connection allowed in the opening direction caches a grant id in its conntrack entry,
     * tagged with the epoch ({@link #renewEpoch}): its later packets with the same grant key
     * ({@link #grantKey}) count the grant's rules and skip the ipcache and the policy until the
     * policy, the port table or the ipcache changes. A frame refused by the policy is checked
     * again each time.
     */
    @Override
    public void process(final PacketBatch batch)
    {
        final PolicyTable policy = tables.policy();
        if (!policy.enforcesAnything())
        {
            return;
        }
        verdicts.use(policy);
        final int count = batch.count();
        batchRuleCount = 0;
        final PortTable ports = tables.ports();
        final long version = ports.version();
        if (policy != portsPolicy || version != portsVersion)
        {
            derivePorts(policy, ports, version);
        }
        routeAll(batch, count);
        final int tracked = parseAll(batch, count);
        if (tracked > 0)
        {
            sink = lookups.lookUp(conntrack, keys, trackedFrames, tracked, batch.timestampNanos, found);
            renewEpoch(tables.ipCache().version());
            resolveAll(batch, tracked);
            decideAll(batch, tracked);
            // The rules of the packets that went through grants; each packet adds at most two
            // entries, through a grant or through check, so the arrays have room.
            batchRuleCount = grants.drainCounts(batchRules, batchRulePackets, batchRuleBytes, batchRuleCount);
        }
        policy.addRuleCounts(worker, batchRules, batchRulePackets, batchRuleBytes, batchRuleCount);
        counters.flush();
    }

    /** A new grant epoch when the ipcache is not the current epoch's, or {@link #derivePorts} made it stale. */
    private void renewEpoch(final long ipCacheVersion)
    {
        if (ipCacheVersion != epochIpCacheVersion)
        {
            epoch = conntrack.nextVerdictEpoch();
            grants.clear();
            replyGrant = grants.find(REPLY_GRANT_KEY, NO_RULES);
            epochIpCacheVersion = ipCacheVersion;
        }
    }

    /** Keeps the table touches observable so the JIT cannot remove them. */
    public long sink()
    {
        return sink;
    }

    /**
     * The per-port work bits and identities for {@code policy} and the port table at
     * {@code version} (read before the roles and fields, so a change after it is seen at the
     * next batch): when either changed, not per batch. Policy probes for each endpoint port.
     */
    private void derivePorts(final PolicyTable policy, final PortTable ports, final long version)
    {
        for (int port = 0; port < PortTable.MAX_PORTS; port++)
        {
            final boolean endpoint = ports.role(port) == PortTable.ROLE_ENDPOINT;
            final int identity = endpoint ? ports.identity(port) : Identities.UNKNOWN;
            final boolean egress = endpoint && policy.enforced(identity, PolicyDirection.EGRESS);
            final boolean ingress = endpoint && policy.enforced(identity, PolicyDirection.INGRESS);
            portIdentity[port] = identity;
            portSrcWork[port] = !endpoint ? 0 : (byte)(SRC_LOCAL | (egress ? EGRESS : 0) | (ingress ? REPLIES_CHECKED : 0));
            portDstWork[port] = !endpoint ? 0 : (byte)(DST_LOCAL | (ingress ? INGRESS : 0) | (egress ? REPLIES_CHECKED : 0));
        }
        portsPolicy = policy;
        portsVersion = version;
        // Identities and enforced checks may have changed: the grants of the current epoch go.
        epochIpCacheVersion = STALE_EPOCH;
    }

    /**
     * First pass: which frames are filtered (their work bits) and their local identities, from
     * the per-port arrays: a frame is filtered when a check applies to it in either direction of
     * its connection (a frame whose replies will be checked is tracked). Only a frame to
     * TRANSMIT has a local receiver. Two array loads per frame instead of the per-batch route
     * memo this replaced (a hash per frame, refilled with policy probes every batch): the pass
     * went from 5.5-6.5 to ~3 ns per packet (docs/BENCHMARKS.md).
     */
    private void routeAll(final PacketBatch batch, final int count)
    {
        // Arrays in locals: C2 does not trust final instance fields.
        final byte[] nexts = batch.next;
        final short[] inPorts = batch.inPort;
        final short[] outPorts = batch.outPort;
        final byte[] work = this.work;
        final int[] srcIdentity = this.srcIdentity;
        final int[] dstIdentity = this.dstIdentity;
        final byte[] portSrcWork = this.portSrcWork;
        final byte[] portDstWork = this.portDstWork;
        final int[] portIdentity = this.portIdentity;
        for (int i = 0; i < count; i++)
        {
            final byte next = nexts[i];
            // One test, not one per value: which of them a frame has follows its direction.
            if ((LEAVING >>> next & 1) == 0)
            {
                work[i] = SKIP;
                continue;
            }
            final int in = inPorts[i] & 0xFFFF;
            final boolean transmit = next == Next.TRANSMIT;
            final int out = transmit ? outPorts[i] & 0xFFFF : 0;
            final int bits = portSrcWork[in] | (transmit ? portDstWork[out] : 0);
            work[i] = (bits & (EGRESS | INGRESS | REPLIES_CHECKED)) == 0 ? SKIP : (byte)(bits & (SRC_LOCAL | DST_LOCAL | EGRESS | INGRESS));
            srcIdentity[i] = portIdentity[in];
            dstIdentity[i] = transmit ? portIdentity[out] : Identities.UNKNOWN;
        }
    }

    /**
     * Second pass: the tuples, zones and conntrack keys of the frames routeAll marked; lists
     * those it can track in {@link #trackedFrames} and returns their number (the later passes
     * read work bits only through that list). The loop and the per-frame work are one method:
     * a per-frame method was too large for C2 to inline, so it cost a call per frame, and the
     * loop inlined into {@link #process} made C2 give up inlining the decision pass (its node
     * budget).
     */
    private int parseAll(final PacketBatch batch, final int count)
    {
        final PortTable ports = tables.ports();
        int tracked = 0;
        int filtered = 0;
        for (int i = 0; i < count; i++)
        {
            trackedFrames[tracked] = i;
            final byte w = work[i];
            if (w == SKIP)
            {
                continue;
            }
            final byte next = batch.next[i];
            final boolean srcLocal = (w & SRC_LOCAL) != 0;
            final boolean dstLocal = (w & DST_LOCAL) != 0;
            filtered++;
            final FlowKey key = tuples[i];
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
                ilaTuple(batch, i, key);
            }
            final int z = zone(batch, i, ports, srcLocal);
            zone[i] = z;
            if (key.version == 4)
            {
                keys[i].ofIpv4(z, key.srcLow, key.dstLow, key.srcPort, key.dstPort, key.protocol);
            }
            else
            {
                keys[i].of(z, key.version, key.srcHigh, key.srcLow, key.dstHigh, key.dstLow, key.srcPort, key.dstPort, key.protocol);
            }
            tracked++;
        }
        counters.packets(filtered);
        return tracked;
    }

    /**
     * The tuple {@code key} of frame {@code i}, which left through ILA egress: the destination was
     * rewritten, the peer is the SIR address it was sent to.
     */
    private void ilaTuple(final PacketBatch batch, final int i, final FlowKey key)
    {
        key.dstHigh = batch.sirDestinationHigh[i];
        key.dstLow = batch.sirDestinationLow[i];
        if (batch.fromIpv4[i])
        {
            // Translated from IPv4 (VIRT_V4): the connection is the IPv4 one the endpoint
            // opened (and the replies come back as), both addresses in their low 32 bits.
            key.version = 4;
            key.protocol = key.protocol == FlowKey.PROTOCOL_ICMPV6 ? FlowKey.PROTOCOL_ICMP : key.protocol;
            key.srcHigh = 0;
            key.srcLow &= 0xFFFF_FFFFL;
            key.dstHigh = 0;
            key.dstLow &= 0xFFFF_FFFFL;
        }
    }

    /**
     * Last pass: conntrack, policy, counters and events of the tracked frames, frame by frame
     * in frame order. The rare outcomes (a refused identity, a drop, a new connection) are
     * methods of their own; the common path (a tracked connection) is in the loop itself. As a
     * per-frame method it was sometimes compiled on its own first (while the set-up's first
     * batches ran) and then too large to inline: a call per frame, and a JMH fork in three 5-50%
     * slower.
     */
    private void decideAll(final PacketBatch batch, final int tracked)
    {
        createdInBatch = false;
        for (int n = 0; n < tracked; n++)
        {
            final int i = trackedFrames[n];
            final int w = work[i];
            // One test, rarely true: (w & SRC_LOCAL) == 0 alone follows the frame's direction.
            if (((w & SRC_LOCAL) | (batch.srcIdentity[i] ^ Identities.HOST)) == 0)
            {
                refuseHostIdentity(batch, i, w);
                continue;
            }
            final long now = batch.timestampNanos[i];
            long found = this.found[i];
            if (createdInBatch)
            {
                found = conntrack.lookup(keys[i], now);
            }
            final int grant = grantOf[i];
            if (grant >= 0)
            {
                // A reply, or allowed in this epoch for this grant key: the same verdict as
                // below, found without the branch on the direction.
                grants.count(grant, batch.length[i]);
                conntrack.update(found, tuples[i].tcpFlags, now);
                continue;
            }
            if (found >= 0 && ConntrackTable.direction(found) == ConntrackTable.REPLY)
            {
                // Replies of an allowed connection pass whatever the policy says (stateful);
                // here, one whose connection an earlier frame of the batch opened.
                conntrack.update(found, tuples[i].tcpFlags, now);
                continue;
            }
            final int verdict = check(batch, i, w);
            if (!PolicyVerdict.isAllowed(verdict))
            {
                deny(batch, i, verdict);
                continue;
            }
            if (found >= 0)
            {
                // The opening direction is checked on every packet, as Cilium does (through a
                // grant within an epoch), so that a policy change also cuts connections it no
                // longer allows.
                conntrack.update(found, tuples[i].tcpFlags, now);
                grant(batch, found, i, verdict);
                continue;
            }
            open(batch, i, w, verdict, now);
        }
    }

    /**
     * The enforced policy checks of a frame in the opening direction (egress, then ingress if
     * egress allowed it), rules counted; the verdict of the last check, its direction in
     * {@link #checkedDirection}. The policy table answers through the worker's
     * {@link PolicyVerdictCache}: the same answers, mostly without touching the table.
     */
    private int check(final PacketBatch batch, final int i, final int w)
    {
        final boolean egress = (w & EGRESS) != 0;
        final boolean ingress = (w & INGRESS) != 0;
        final int source = srcIdentity[i];
        final int destination = dstIdentity[i];
        // The policy ignores the port of protocols other than TCP and UDP itself.
        final FlowKey tuple = tuples[i];
        final int port = tuple.dstPort;
        int verdict = NOT_ENFORCED;
        int direction = FlowEvents.DIRECTION_NONE;
        int egressRule = PolicyVerdict.NO_RULE;
        if (egress)
        {
            verdict = verdicts.lookup(source, PolicyDirection.EGRESS, destination, tuple.protocol, port);
            direction = FlowEvents.DIRECTION_EGRESS;
        }
        if (ingress && (!egress || PolicyVerdict.isAllowed(verdict)))
        {
            if (egress)
            {
                egressRule = PolicyVerdict.ruleId(verdict);
                countRule(egressRule, batch.length[i]);
            }
            verdict = verdicts.lookup(destination, PolicyDirection.INGRESS, source, tuple.protocol, port);
            direction = FlowEvents.DIRECTION_INGRESS;
        }
        countRule(PolicyVerdict.ruleId(verdict), batch.length[i]);
        checkedDirection = direction;
        checkedEgressRule = egressRule;
        return verdict;
    }

    /**
     * Caches in connection {@code entry} the grant of frame {@code i}, which the last
     * {@link #check} allowed with {@code verdict}: its later packets in this epoch with the same
     * grant key count the same rules without a check. Nothing when the grants are full.
     */
    private void grant(final PacketBatch batch, final long entry, final int i, final int verdict)
    {
        final int w = work[i];
        final long key = grantKey(batch, i, w, carriedIdentity(batch, i, w));
        if (key == NO_GRANT_KEY)
        {
            return;
        }
        final int id = grants.find(key, (long)checkedEgressRule << 32 | PolicyVerdict.ruleId(verdict));
        if (id != VerdictGrants.NONE)
        {
            conntrack.cacheVerdict(entry, id, epoch);
        }
    }

    /**
     * What a verdict depends on besides the connection's tuple and the epoch's tables: the local
     * endpoints' ports (their identities and enforced checks; a connection's tuple does not name
     * them, so another port sending the same tuple is checked on its own) and the identity the
     * remote sender carried ({@link #carriedIdentity}). {@link #NO_GRANT_KEY} for a carried
     * identity beyond 24 bits. Computed in resolveAll, and again in {@link #grant} (the slow
     * path), rather than kept per frame.
     */
    private static long grantKey(final PacketBatch batch, final int i, final int w, final int carried)
    {
        final long in = (w & SRC_LOCAL) != 0 ? batch.inPort[i] & 0xFFFF : 0xFFFF;
        final long out = (w & DST_LOCAL) != 0 ? batch.outPort[i] & 0xFFFF : 0xFFFF;
        return (carried & ~Identities.MAX) != 0 ? NO_GRANT_KEY : in | out << 16 | (long)carried << 32;
    }

    /** The identity a remote sender brought in the frame (VXLAN-GBP), else {@link Identities#UNKNOWN}. */
    private static int carriedIdentity(final PacketBatch batch, final int i, final int w)
    {
        final int claimed = batch.srcIdentity[i];
        return (w & SRC_LOCAL) == 0 && claimed > Identities.UNKNOWN ? claimed : Identities.UNKNOWN;
    }

    /** As Cilium's overlay program: a remote node never presents the host identity (its host traffic is remote-node), so a header claiming it is refused, never let in as this host. */
    private void refuseHostIdentity(final PacketBatch batch, final int i, final int w)
    {
        srcIdentity[i] = Identities.HOST;
        drop(batch, i, DropReason.INVALID_IDENTITY);
        event(batch, i, PolicyVerdict.NO_RULE, FlowEvents.VERDICT_DROPPED, (w & INGRESS) != 0 ? FlowEvents.DIRECTION_INGRESS : FlowEvents.DIRECTION_NONE,
            DropReason.INVALID_IDENTITY.code());
    }

    private void deny(final PacketBatch batch, final int i, final int verdict)
    {
        final DropReason reason = PolicyVerdict.kind(verdict) == PolicyVerdict.DENIED_BY_RULE ? DropReason.POLICY_DENY : DropReason.POLICY_DENIED;
        drop(batch, i, reason);
        event(batch, i, PolicyVerdict.ruleId(verdict), FlowEvents.VERDICT_DROPPED, checkedDirection, reason.code());
    }

    /** A new connection the policy allowed: tracked (with the peer identity resolveAll read from the ipcache), or dropped when the table is full. */
    private void open(final PacketBatch batch, final int i, final int w, final int verdict, final long now)
    {
        final long created = conntrack.create(keys[i], tuples[i].tcpFlags, now);
        createdInBatch = true;
        if (created < 0)
        {
            drop(batch, i, DropReason.CT_MAP_INSERTION_FAILED);
            event(batch, i, PolicyVerdict.ruleId(verdict), FlowEvents.VERDICT_DROPPED, checkedDirection, DropReason.CT_MAP_INSERTION_FAILED.code());
            return;
        }
        conntrack.update(created, tuples[i].tcpFlags, now);
        grant(batch, created, i, verdict);
        event(batch, i, PolicyVerdict.ruleId(verdict), FlowEvents.VERDICT_FORWARDED, checkedDirection, 0);
    }

    /**
     * After the lookups, for the frames in the opening direction: their grant keys, and the
     * grants cached in their connections' entries that are valid for them (this epoch, the same
     * key), which spare them the check; for the others, the identity of the remote side
     * (routeAll set the local ones; replies need none): carried in the frame (VXLAN-GBP), else
     * listed and read from the ipcache in a loop of its own ({@link #lookUpUncached}), so that
     * the ipcache path stays out of the per-frame loops. A frame whose connection an earlier
     * frame of the batch creates was a miss here, so it is checked (with the same identities).
     */
    private void resolveAll(final PacketBatch batch, final int tracked)
    {
        int uncached = 0;
        for (int n = 0; n < tracked; n++)
        {
            final int i = trackedFrames[n];
            final long found = this.found[i];
            if (found >= 0 && ConntrackTable.direction(found) == ConntrackTable.REPLY)
            {
                grantOf[i] = replyGrant;
                continue;
            }
            final int w = work[i];
            // Asked only for the opening direction, where the remote side is steady; across both
            // directions it alternates with them.
            final int side = remoteSide(w);
            final int carried = carriedIdentity(batch, i, w);
            final long key = grantKey(batch, i, w, carried);
            final int cached = conntrack.cachedVerdict(found, epoch);
            final int grant = grants.matches(cached, key) ? cached : VerdictGrants.NONE;
            grantOf[i] = grant;
            if (grant >= 0 || side == NO_REMOTE)
            {
                continue;
            }
            if (carried != Identities.UNKNOWN)
            {
                srcIdentity[i] = carried;
            }
            else
            {
                uncachedFrames[uncached++] = i;
            }
        }
        if (uncached > 0)
        {
            lookUpUncached(uncached);
        }
    }

    /** The ipcache identities of {@link #resolveAll}'s uncached frames. */
    private void lookUpUncached(final int uncached)
    {
        for (int n = 0; n < uncached; n++)
        {
            final int i = uncachedFrames[n];
            final FlowKey tuple = tuples[i];
            if (remoteSide(work[i]) == REMOTE_SOURCE)
            {
                srcIdentity[i] = peer(zone[i], tuple.srcHigh, mapped(tuple.version, tuple.srcLow));
            }
            else
            {
                dstIdentity[i] = peer(zone[i], tuple.dstHigh, mapped(tuple.version, tuple.dstLow));
            }
        }
    }

    /**
     * The remote endpoint of a filtered frame with work bits {@code w}: {@link #REMOTE_SOURCE},
     * {@link #REMOTE_DESTINATION} or {@link #NO_REMOTE}. One at most: a frame is filtered only
     * with a local side (routeAll).
     */
    private static int remoteSide(final int w)
    {
        return (w & SRC_LOCAL) == 0 ? REMOTE_SOURCE : (w & DST_LOCAL) == 0 ? REMOTE_DESTINATION : NO_REMOTE;
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

    /** The frame's zone: its network, or for ILA traffic its local endpoint's (the sender when {@code srcLocal}) tenant's. */
    private int zone(final PacketBatch batch, final int i, final PortTable ports, final boolean srcLocal)
    {
        if (!batch.viaIla[i])
        {
            return batch.network[i];
        }
        return ilaZone(tables, ports.ilaTenant(srcLocal ? batch.inPort[i] : batch.outPort[i]));
    }

    /** The zone of an ILA endpoint with tenant VNID {@code vnid} (-1: none). */
    public static int ilaZone(final Tables tables, final int vnid)
    {
        final int tenant = vnid < 0 ? -1 : tables.ila().domain().tenant(vnid);
        return ILA_ZONE + 1 + tenant;
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

    private void event(final PacketBatch batch, final int i, final int rule, final int verdict, final int direction, final int reason)
    {
        if (events != null)
        {
            final FlowKey tuple = tuples[i];
            events.write(batch.timestampNanos[i], srcIdentity[i], dstIdentity[i], zone[i], rule, verdict, tuple.version, tuple.protocol, direction, reason,
                tuple.srcPort, tuple.dstPort, batch.inPort[i], verdict == FlowEvents.VERDICT_DROPPED ? -1 : outPort(batch, i), batch.length[i],
                tuple.srcHigh, tuple.srcLow, tuple.dstHigh, tuple.dstLow);
        }
    }

    /** The low half of an address in ipcache form: IPv4 (low 32 bits here) becomes ::ffff:a.b.c.d. */
    static long mapped(final int version, final long low)
    {
        return version == 4 ? IpCache.v4MappedLow((int)low) : low;
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
