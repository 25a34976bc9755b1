package dev.nve.dataplane.policy;

/** The protocol classes a policy distinguishes: TCP and UDP by port, everything else (ICMP, ICMPv6, ...) as one class without ports. */
public final class ProtocolClass
{
    public static final int TCP = 0;
    public static final int UDP = 1;
    public static final int OTHER = 2;
    public static final int COUNT = 3;

    private ProtocolClass()
    {
    }

    /** The class of an IP protocol number (IPv4 protocol, IPv6 next header). */
    public static int of(final int ipProtocol)
    {
        return ipProtocol == 6 ? TCP : ipProtocol == 17 ? UDP : OTHER;
    }
}
