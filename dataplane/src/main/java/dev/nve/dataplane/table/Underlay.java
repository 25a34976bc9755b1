package dev.nve.dataplane.table;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * This host's underlay: the port VXLAN leaves and arrives on, its MAC and IP MTU, and the
 * local VTEP addresses (IPv4 and IPv6) that decapsulation accepts. Immutable: a change
 * replaces the whole object, so a worker reads one consistent version.
 */
public final class Underlay
{
    private final int portId;
    private final long mac;
    private final int mtu;
    private final int vxlanPort;
    private final List<InetAddress> vteps;
    private final int[] ipv4Vteps;
    private final long[] ipv6VtepWords;

    public Underlay(final int portId, final long mac, final int mtu, final int vxlanPort, final List<InetAddress> vteps)
    {
        if (mtu < 576 || mtu > 9216)
        {
            throw new IllegalArgumentException("underlay MTU out of range [576, 9216]: " + mtu);
        }
        if (vxlanPort < 1 || vxlanPort > 65535)
        {
            throw new IllegalArgumentException("VXLAN UDP port out of range: " + vxlanPort);
        }
        this.portId = portId;
        this.mac = mac;
        this.mtu = mtu;
        this.vxlanPort = vxlanPort;
        this.vteps = List.copyOf(vteps);
        this.ipv4Vteps = vteps.stream().filter(a -> a instanceof Inet4Address)
            .mapToInt(a -> ByteBuffer.wrap(a.getAddress()).getInt()).toArray();
        this.ipv6VtepWords = vteps.stream().filter(a -> a instanceof Inet6Address)
            .flatMapToLong(a ->
            {
                final ByteBuffer b = ByteBuffer.wrap(a.getAddress());
                return java.util.stream.LongStream.of(b.getLong(), b.getLong());
            }).toArray();
    }

    public int portId()
    {
        return portId;
    }

    public long mac()
    {
        return mac;
    }

    /** IP MTU: the largest outer IP packet the underlay carries. */
    public int mtu()
    {
        return mtu;
    }

    public int vxlanPort()
    {
        return vxlanPort;
    }

    public List<InetAddress> vteps()
    {
        return vteps;
    }

    /** The local address to send from towards {@code remote}: the first of the same family. */
    public InetAddress localVtepFor(final InetAddress remote)
    {
        for (final InetAddress vtep : vteps)
        {
            if (vtep.getClass() == remote.getClass())
            {
                return vtep;
            }
        }
        return null;
    }

    public boolean isLocalVtepV4(final int address)
    {
        for (final int vtep : ipv4Vteps)
        {
            if (vtep == address)
            {
                return true;
            }
        }
        return false;
    }

    public boolean isLocalVtepV6(final long high, final long low)
    {
        for (int i = 0; i < ipv6VtepWords.length; i += 2)
        {
            if (ipv6VtepWords[i] == high && ipv6VtepWords[i + 1] == low)
            {
                return true;
            }
        }
        return false;
    }
}
