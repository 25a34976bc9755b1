package dev.nve.dataplane.table;

import dev.nve.dataplane.wire.Bytes;
import dev.nve.dataplane.wire.Checksum;
import dev.nve.dataplane.wire.EthernetHeader;
import dev.nve.dataplane.wire.Ipv4Header;
import dev.nve.dataplane.wire.Ipv6Header;
import dev.nve.dataplane.wire.UdpHeader;
import dev.nve.dataplane.wire.VxlanHeader;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayDeque;

import static dev.nve.dataplane.wire.Bytes.U16_BE;
import static dev.nve.dataplane.wire.Bytes.U32_BE;
import static dev.nve.dataplane.wire.Bytes.U8;

/**
 * Outer-header templates for VXLAN encapsulation, one per (remote VTEP, VNI), built when the
 * first FDB or flood entry needs it, so that encapsulation is one copy plus the length,
 * checksum and source-port fields.
 * <pre>
 *  slot (128 bytes), index 0 unused:
 *   0: u8  header length (50 IPv4, 70 IPv6)     1: u8 flags (bit 0 IPv6, bit 1 GBP, bit 2 VNI = identity)
 *   2: u16 underlay port id (native order)      4: u32 partial sum (native order): IPv4
 *      header with zero length and checksum, or IPv6 pseudo header (addresses, next header)
 *   8: u32 VNI (native)   12: u32 underlay IP MTU (native)
 *  32: the header bytes: Ethernet | IPv4 or IPv6 | UDP | VXLAN, network byte order
 * </pre>
 * Released slots are reused oldest first, which keeps a just-freed template intact while a
 * worker may still be encapsulating with it.
 */
public final class EncapTemplates implements AutoCloseable
{
    public static final int SLOT_SIZE = 128;
    public static final int HEADER_OFFSET = 32;
    public static final int IPV4_HEADERS_LENGTH = EthernetHeader.HEADER_LENGTH + Ipv4Header.MIN_HEADER_LENGTH + UdpHeader.HEADER_LENGTH + VxlanHeader.HEADER_LENGTH;
    public static final int IPV6_HEADERS_LENGTH = EthernetHeader.HEADER_LENGTH + Ipv6Header.HEADER_LENGTH + UdpHeader.HEADER_LENGTH + VxlanHeader.HEADER_LENGTH;
    public static final int FLAG_IPV6 = 1;
    public static final int FLAG_GBP = 2;
    /** The VNI field carries the sender's identity, written per frame (Cilium-compatible mode). */
    public static final int FLAG_VNI_IDENTITY = 4;
    private static final int LENGTH_OFFSET = 0;
    private static final int FLAGS_OFFSET = 1;
    private static final int PORT_OFFSET = 2;
    private static final int PARTIAL_SUM_OFFSET = 4;
    private static final int VNI_OFFSET = 8;
    private static final int MTU_OFFSET = 12;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment slots;
    private final int capacity;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private int nextUnused = 1;

    public EncapTemplates(final int capacity)
    {
        this.capacity = capacity;
        this.slots = arena.allocate((long)(capacity + 1) * SLOT_SIZE, 64);
    }

    public MemorySegment segment()
    {
        return slots;
    }

    public static long slotOffset(final int template)
    {
        return (long)template * SLOT_SIZE;
    }

    public int headerLength(final int template)
    {
        return slots.get(U8, slotOffset(template) + LENGTH_OFFSET) & 0xFF;
    }

    public int flags(final int template)
    {
        return slots.get(U8, slotOffset(template) + FLAGS_OFFSET) & 0xFF;
    }

    public int underlayPort(final int template)
    {
        return slots.get(ValueLayout.JAVA_SHORT, slotOffset(template) + PORT_OFFSET) & 0xFFFF;
    }

    public long partialSum(final int template)
    {
        return slots.get(ValueLayout.JAVA_INT, slotOffset(template) + PARTIAL_SUM_OFFSET) & 0xFFFF_FFFFL;
    }

    public int vni(final int template)
    {
        return slots.get(ValueLayout.JAVA_INT, slotOffset(template) + VNI_OFFSET);
    }

    public int mtu(final int template)
    {
        return slots.get(ValueLayout.JAVA_INT, slotOffset(template) + MTU_OFFSET);
    }

    /**
     * Builds a template (control thread).
     *
     * @return its index (>= 1), or -1 when all slots are in use.
     */
    public int create(final Underlay underlay, final InetAddress remoteVtep, final long nextHopMac, final int vni, final boolean gbp)
    {
        return create(underlay, remoteVtep, nextHopMac, vni, gbp, false);
    }

    /** As {@link #create(Underlay, InetAddress, long, int, boolean)}; {@code vniIdentity}: the stage writes the sender's identity as VNI. */
    public int create(final Underlay underlay, final InetAddress remoteVtep, final long nextHopMac, final int vni, final boolean gbp,
        final boolean vniIdentity)
    {
        final InetAddress local = underlay.localVtepFor(remoteVtep);
        if (local == null)
        {
            throw new IllegalArgumentException("no local VTEP address of the same family as " + remoteVtep.getHostAddress());
        }
        final int template;
        if (!free.isEmpty() && (nextUnused > capacity || free.size() > capacity / 4))
        {
            template = free.pollFirst();
        }
        else if (nextUnused <= capacity)
        {
            template = nextUnused++;
        }
        else
        {
            return -1;
        }
        final long slot = slotOffset(template);
        final long h = slot + HEADER_OFFSET;
        slots.asSlice(slot, SLOT_SIZE).fill((byte)0);
        final boolean ipv6 = remoteVtep instanceof Inet6Address;
        Bytes.putMac48(slots, h + EthernetHeader.DESTINATION_OFFSET, nextHopMac);
        Bytes.putMac48(slots, h + EthernetHeader.SOURCE_OFFSET, underlay.mac());
        final long ip = h + EthernetHeader.HEADER_LENGTH;
        final long udp;
        final long partialSum;
        if (!ipv6)
        {
            slots.set(U16_BE, h + EthernetHeader.ETHER_TYPE_OFFSET, (short)EthernetHeader.TYPE_IPV4);
            slots.set(U8, ip + Ipv4Header.VERSION_IHL_OFFSET, (byte)0x45);
            slots.set(U16_BE, ip + Ipv4Header.FLAGS_FRAGMENT_OFFSET, (short)0x4000); // DF: we never fragment
            slots.set(U8, ip + Ipv4Header.TTL_OFFSET, (byte)64);
            slots.set(U8, ip + Ipv4Header.PROTOCOL_OFFSET, (byte)Ipv4Header.PROTOCOL_UDP);
            MemorySegment.copy(local.getAddress(), 0, slots, U8, ip + Ipv4Header.SOURCE_OFFSET, 4);
            MemorySegment.copy(remoteVtep.getAddress(), 0, slots, U8, ip + Ipv4Header.DESTINATION_OFFSET, 4);
            partialSum = Checksum.sum(slots, ip, Ipv4Header.MIN_HEADER_LENGTH);
            udp = ip + Ipv4Header.MIN_HEADER_LENGTH;
        }
        else
        {
            slots.set(U16_BE, h + EthernetHeader.ETHER_TYPE_OFFSET, (short)EthernetHeader.TYPE_IPV6);
            slots.set(U32_BE, ip, 0x6000_0000);
            slots.set(U8, ip + Ipv6Header.NEXT_HEADER_OFFSET, (byte)Ipv6Header.NH_UDP);
            slots.set(U8, ip + Ipv6Header.HOP_LIMIT_OFFSET, (byte)64);
            MemorySegment.copy(local.getAddress(), 0, slots, U8, ip + Ipv6Header.SOURCE_OFFSET, 16);
            MemorySegment.copy(remoteVtep.getAddress(), 0, slots, U8, ip + Ipv6Header.DESTINATION_OFFSET, 16);
            partialSum = Checksum.sum(slots, ip + Ipv6Header.SOURCE_OFFSET, 32) + Ipv6Header.NH_UDP;
            udp = ip + Ipv6Header.HEADER_LENGTH;
        }
        slots.set(U16_BE, udp + UdpHeader.DESTINATION_PORT_OFFSET, (short)underlay.vxlanPort());
        VxlanHeader.write(slots, udp + UdpHeader.HEADER_LENGTH, vni, gbp, 0);
        slots.set(U8, slot + LENGTH_OFFSET, (byte)(ipv6 ? IPV6_HEADERS_LENGTH : IPV4_HEADERS_LENGTH));
        slots.set(U8, slot + FLAGS_OFFSET, (byte)((ipv6 ? FLAG_IPV6 : 0) | (gbp ? FLAG_GBP : 0) | (vniIdentity ? FLAG_VNI_IDENTITY : 0)));
        slots.set(ValueLayout.JAVA_SHORT, slot + PORT_OFFSET, (short)underlay.portId());
        // Folded: the unfolded sum of addresses can exceed 32 bits, and the stage adds to it.
        slots.set(ValueLayout.JAVA_INT, slot + PARTIAL_SUM_OFFSET, Checksum.fold(partialSum));
        slots.set(ValueLayout.JAVA_INT, slot + VNI_OFFSET, vni);
        slots.set(ValueLayout.JAVA_INT, slot + MTU_OFFSET, underlay.mtu());
        return template;
    }

    /** Returns a slot for reuse (control thread), after nothing references it any more. */
    public void release(final int template)
    {
        free.addLast(template);
    }

    public int capacity()
    {
        return capacity;
    }

    /** Slots {@link #create} can still hand out. */
    public int available()
    {
        return free.size() + capacity + 1 - nextUnused;
    }


    @Override
    public void close()
    {
        arena.close();
    }
}
