package dev.nve.pcaptests.policy;

import dev.nve.dataplane.table.Macs;
import dev.nve.dataplane.wire.Bytes;
import dev.nve.dataplane.wire.EthernetHeader;
import dev.nve.dataplane.wire.FrameBuilder;
import dev.nve.dataplane.wire.FrameBuilder.TcpFlags;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Input frames of the policy cases: local endpoint N has MAC 02:00:00:00:01:0N, 198.19.1.N and
 * fd00:100::N; remote senders arrive in VXLAN (with or without GBP) from VTEP B.
 */
final class PolicyFrames
{
    static final int SYN = TcpFlags.SYN;
    static final int SYN_ACK = TcpFlags.SYN | TcpFlags.ACK;
    static final int ACK = TcpFlags.ACK;
    static final int PSH_ACK = TcpFlags.PSH | TcpFlags.ACK;
    static final String BROADCAST = "ff:ff:ff:ff:ff:ff";

    private PolicyFrames()
    {
    }

    static String endpointMac(final int n)
    {
        return "02:00:00:00:01:0" + n;
    }

    static String endpointIp(final int n)
    {
        return "198.19.1." + n;
    }

    static String endpointIp6(final int n)
    {
        return "fd00:100::" + n;
    }

    static byte[] tcp(final String dstMac, final String srcMac, final String src, final String dst, final int srcPort, final int dstPort,
        final int flags, final int payload)
    {
        return FrameBuilder.ethernet(Macs.parse(dstMac), Macs.parse(srcMac)).ipv4(src, dst).tcp(srcPort, dstPort, flags).payload(payload).build();
    }

    /** TCP between local endpoints {@code from} and {@code to} (IPv4). */
    static byte[] tcp(final int from, final int to, final int srcPort, final int dstPort, final int flags, final int payload)
    {
        return tcp(endpointMac(to), endpointMac(from), endpointIp(from), endpointIp(to), srcPort, dstPort, flags, payload);
    }

    static byte[] tcp6(final int from, final int to, final int srcPort, final int dstPort, final int flags)
    {
        return tcp(endpointMac(to), endpointMac(from), endpointIp6(from), endpointIp6(to), srcPort, dstPort, flags, 0);
    }

    static byte[] udp(final String dstMac, final String srcMac, final String src, final String dst, final int srcPort, final int dstPort, final int payload)
    {
        return FrameBuilder.ethernet(Macs.parse(dstMac), Macs.parse(srcMac)).ipv4(src, dst).udp(srcPort, dstPort).payload(payload).build();
    }

    static byte[] udp(final int from, final int to, final int srcPort, final int dstPort, final int payload)
    {
        return udp(endpointMac(to), endpointMac(from), endpointIp(from), endpointIp(to), srcPort, dstPort, payload);
    }

    /** ICMP (IPv4) of {@code type} (8 echo request, 0 echo reply), identifier 0x42. */
    static byte[] icmp(final int from, final int to, final int type)
    {
        return FrameBuilder.ethernet(Macs.parse(endpointMac(to)), Macs.parse(endpointMac(from))).ipv4(endpointIp(from), endpointIp(to))
            .icmpType(type).payload(16).build();
    }

    static byte[] icmp6Echo(final int from, final int to)
    {
        return FrameBuilder.ethernet(Macs.parse(endpointMac(to)), Macs.parse(endpointMac(from))).ipv6(endpointIp6(from), endpointIp6(to))
            .icmpEcho().payload(16).build();
    }

    /** ARP request, broadcast: who has 198.19.1.{@code to}, tell endpoint {@code from}. */
    static byte[] arpRequest(final int from, final int to)
    {
        return arp(BROADCAST, 1, endpointMac(from), endpointIp(from), "00:00:00:00:00:00", endpointIp(to));
    }

    /** ARP reply, unicast from endpoint {@code from} to endpoint {@code to}. */
    static byte[] arpReply(final int from, final int to)
    {
        return arp(endpointMac(to), 2, endpointMac(from), endpointIp(from), endpointMac(to), endpointIp(to));
    }

    private static byte[] arp(final String dstMac, final int operation, final String senderMac, final String senderIp, final String targetMac,
        final String targetIp)
    {
        final byte[] a = new byte[28];
        final MemorySegment s = MemorySegment.ofArray(a);
        s.set(Bytes.U16_BE, 0, (short)1);
        s.set(Bytes.U16_BE, 2, (short)EthernetHeader.TYPE_IPV4);
        s.set(Bytes.U8, 4, (byte)6);
        s.set(Bytes.U8, 5, (byte)4);
        s.set(Bytes.U16_BE, 6, (short)operation);
        Bytes.putMac48(s, 8, Macs.parse(senderMac));
        System.arraycopy(address(senderIp), 0, a, 14, 4);
        Bytes.putMac48(s, 18, Macs.parse(targetMac));
        System.arraycopy(address(targetIp), 0, a, 24, 4);
        return FrameBuilder.ethernet(Macs.parse(dstMac), Macs.parse(senderMac)).etherType(EthernetHeader.TYPE_ARP).payload(a).build();
    }

    /** {@code inner} in VXLAN from VTEP B to us; {@code gbp} the Group Policy ID or -1 for plain VXLAN. */
    static byte[] fromB(final int vni, final int gbp, final byte[] inner)
    {
        return FrameBuilder.vxlan(Macs.parse(PolicyHost.MAC_A), Macs.parse(PolicyHost.MAC_B), PolicyHost.VTEP_B, PolicyHost.VTEP_A, 50000, vni, gbp, inner);
    }

    /** TCP from a remote sender (MAC {@code srcMac}, IP {@code src}) to local endpoint {@code to}. */
    static byte[] remoteTcp(final String srcMac, final String src, final int to, final int srcPort, final int dstPort, final int flags)
    {
        return tcp(endpointMac(to), srcMac, src, endpointIp(to), srcPort, dstPort, flags, 0);
    }

    /** TCP from local endpoint {@code from} to a remote receiver (MAC {@code dstMac}, IP {@code dst}). */
    static byte[] toRemoteTcp(final int from, final String dstMac, final String dst, final int srcPort, final int dstPort, final int flags)
    {
        return tcp(dstMac, endpointMac(from), endpointIp(from), dst, srcPort, dstPort, flags, 0);
    }

    private static byte[] address(final String literal)
    {
        try
        {
            return InetAddress.getByName(literal).getAddress();
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
