package dev.nve.dataplane.stage;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.table.FdbTable;
import dev.nve.dataplane.table.LongIntHashTable;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.EthernetHeader;

/**
 * L2 forwarding inside a network by {@code (network, destination MAC)}: a local endpoint port
 * gets the frame as is, a remote MAC sends it to encapsulation with the precomputed template,
 * and broadcast, multicast and unknown unicast go to flooding. Frames that came from the
 * overlay are never sent back into it (split horizon). No MAC learning: the control plane
 * (config, control socket, EVPN) owns the FDB.
 * <p>
 * Lookups are done in three passes over the batch (hash all keys, touch all buckets, then
 * resolve) so that the cache misses of a large FDB overlap instead of queueing.
 */
public final class BridgeStage implements Stage
{
    private final Tables tables;
    private final StageCounters counters;
    private final long[] keys;
    private final long[] hashes;
    private final int[] values;
    private long sink;

    public BridgeStage(final Tables tables, final StageCounters counters, final int batchCapacity)
    {
        this.tables = tables;
        this.counters = counters;
        this.keys = new long[batchCapacity];
        this.hashes = new long[batchCapacity];
        this.values = new int[batchCapacity];
    }

    @Override
    public String name()
    {
        return "bridge";
    }

    @Override
    public void process(final PacketBatch batch)
    {
        final FdbTable fdb = tables.fdb();
        final int count = batch.count();
        for (int i = 0; i < count; i++)
        {
            if (batch.next[i] != Next.BRIDGE)
            {
                continue;
            }
            counters.packet();
            final long destination = EthernetHeader.destinationMac(batch.segment(), batch.address[i]);
            if (EthernetHeader.isMulticast(destination))
            {
                batch.next[i] = Next.FLOOD;
                keys[i] = 0;
                continue;
            }
            final long key = FdbTable.key(batch.network[i], destination);
            keys[i] = key;
            hashes[i] = LongIntHashTable.hash(key);
        }
        long touched = 0;
        for (int i = 0; i < count; i++)
        {
            if (batch.next[i] == Next.BRIDGE)
            {
                touched += fdb.touch(hashes[i]);
            }
        }
        sink = touched;
        fdb.getBatch(batch.next, Next.BRIDGE, keys, hashes, values, count);
        for (int i = 0; i < count; i++)
        {
            if (batch.next[i] != Next.BRIDGE)
            {
                continue;
            }
            final int value = values[i];
            if (value == FdbTable.MISSING)
            {
                batch.next[i] = Next.FLOOD;
            }
            else if (FdbTable.isRemote(value))
            {
                if (batch.fromOverlay[i])
                {
                    drop(batch, i, DropReason.SPLIT_HORIZON);
                }
                else
                {
                    batch.encapTemplate[i] = FdbTable.templateOf(value);
                    batch.next[i] = Next.VXLAN_ENCAP;
                }
            }
            else
            {
                final int port = FdbTable.portOf(value);
                if (port == batch.inPort[i])
                {
                    drop(batch, i, DropReason.SAME_PORT);
                }
                else
                {
                    batch.transmit(i, port);
                }
            }
        }
        counters.flush();
    }

    /** Keeps the bucket touches observable so the JIT cannot remove them. */
    public long sink()
    {
        return sink;
    }

    private void drop(final PacketBatch batch, final int i, final DropReason reason)
    {
        batch.drop(i, reason);
        counters.drop(reason);
    }
}
