package dev.nve.dataplane.stage;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.table.NetworkTable;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.EthernetHeader;
import dev.nve.dataplane.wire.UdpHeader;
import dev.nve.dataplane.wire.VxlanHeader;

/**
 * Strips the outer Ethernet/IP/UDP/VXLAN headers (RFC 7348). Requires the I flag, maps the
 * VNI to a configured network (unknown VNI: dropped, INVALID_VNI) and, where the network has
 * VXLAN-GBP on and the G flag is set, hands the Group Policy ID on as the source identity.
 * Reserved bits are ignored as RFC 7348 §5 asks. The inner frame is not moved: only its
 * start offset and length change.
 */
public final class VxlanDecapStage implements Stage
{
    private static final int OUTER_UDP_AND_VXLAN = UdpHeader.HEADER_LENGTH + VxlanHeader.HEADER_LENGTH;

    private final Tables tables;
    private final StageCounters counters;
    private final UdpHeader udp = new UdpHeader();
    private final VxlanHeader vxlan = new VxlanHeader();

    public VxlanDecapStage(final Tables tables, final StageCounters counters)
    {
        this.tables = tables;
        this.counters = counters;
    }

    @Override
    public String name()
    {
        return "vxlan-decap";
    }

    @Override
    public void process(final PacketBatch batch)
    {
        final NetworkTable networks = tables.networks();
        final int count = batch.count();
        // Frames of a batch mostly share a VNI: look it up once per run of equal VNIs. A table
        // change is then seen from the next batch on, as by any batch-at-a-time reader.
        int lastVni = -1;
        int lastNetwork = NetworkTable.MISSING;
        // Cilium-compatible mode: every VNI is the sender's identity in the one tenant network.
        final int identityNetwork = networks.identityNetwork();
        for (int i = 0; i < count; i++)
        {
            if (batch.next[i] != Next.VXLAN_DECAP)
            {
                continue;
            }
            counters.packet();
            final long frame = batch.address[i];
            final int l4 = batch.l4Offset[i];
            udp.wrap(batch.segment(), frame + l4);
            final int udpLength = udp.length();
            if (udpLength < OUTER_UDP_AND_VXLAN || l4 + udpLength > batch.length[i])
            {
                // Classify bounded the frame by the IP length: a UDP length outside it lies.
                drop(batch, i, DropReason.INVALID_PACKET);
                continue;
            }
            vxlan.wrap(batch.segment(), frame + l4 + UdpHeader.HEADER_LENGTH);
            if (!vxlan.vniValid())
            {
                drop(batch, i, DropReason.VXLAN_FLAGS_INVALID);
                continue;
            }
            final int vni = vxlan.vni();
            if (identityNetwork != NetworkTable.MISSING)
            {
                lastVni = vni;
                lastNetwork = identityNetwork;
            }
            else if (vni != lastVni)
            {
                lastVni = vni;
                lastNetwork = networks.find(vni);
            }
            final int network = lastNetwork;
            if (network == NetworkTable.MISSING)
            {
                drop(batch, i, DropReason.INVALID_VNI);
                continue;
            }
            final int innerLength = udpLength - OUTER_UDP_AND_VXLAN;
            if (innerLength < EthernetHeader.HEADER_LENGTH)
            {
                drop(batch, i, DropReason.TRUNCATED);
                continue;
            }
            batch.srcIdentity[i] = identityNetwork != NetworkTable.MISSING ? vni :
                networks.groupPolicy(network) && vxlan.hasGroupPolicy() ? vxlan.groupPolicyId() : PacketBatch.NO_IDENTITY;
            batch.network[i] = network;
            batch.address[i] = frame + l4 + OUTER_UDP_AND_VXLAN;
            batch.length[i] = innerLength;
            batch.fromOverlay[i] = true;
            batch.next[i] = Next.BRIDGE;
        }
        counters.flush();
    }

    private void drop(final PacketBatch batch, final int i, final DropReason reason)
    {
        batch.drop(i, reason);
        counters.drop(reason);
    }
}
