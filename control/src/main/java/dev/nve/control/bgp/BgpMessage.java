package dev.nve.control.bgp;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/** The four BGP-4 messages (RFC 4271 §4), as values; {@link BgpCodec} puts them on the wire. */
public sealed interface BgpMessage
{
    int OPEN = 1;
    int UPDATE = 2;
    int NOTIFICATION = 3;
    int KEEPALIVE = 4;

    /** The message type code of the header. */
    int type();

    /**
     * OPEN (RFC 4271 §4.2). {@code myAs} is the speaker's real AS: the 4-octet capability's value
     * when present (the 2-byte field then says AS_TRANS for large ASes), else the 2-byte field.
     *
     * @param holdTime seconds, 0 (no keepalives) or at least 3
     */
    record Open(int version, long myAs, int holdTime, long bgpId, List<Capability> capabilities) implements BgpMessage
    {
        public static final int VERSION = 4;

        public Open
        {
            capabilities = List.copyOf(capabilities);
            if (version < 0 || version > 0xFF || holdTime < 0 || holdTime > 0xFFFF || bgpId < 0 || bgpId > 0xFFFF_FFFFL)
            {
                throw new IllegalArgumentException("OPEN version " + version + " hold time " + holdTime + " BGP id " + bgpId);
            }
            final Long announced = fourOctetAs(capabilities);
            final long limit = announced == null ? 0xFFFF : 0xFFFF_FFFFL;
            if (myAs < 0 || myAs > limit || announced != null && announced != myAs)
            {
                throw new IllegalArgumentException("my AS " + myAs + " does not match the 4-octet AS capability " + announced);
            }
        }

        /** The AS of the 4-octet AS capability, or null when the speaker did not offer it. */
        static Long fourOctetAs(final List<Capability> capabilities)
        {
            for (final Capability capability : capabilities)
            {
                if (capability instanceof Capability.FourOctetAs four)
                {
                    return four.as();
                }
            }
            return null;
        }

        /** Whether the speaker offered 4-octet AS numbers. */
        public boolean supportsFourOctetAs()
        {
            return fourOctetAs(capabilities) != null;
        }

        @Override
        public int type()
        {
            return OPEN;
        }
    }

    /**
     * UPDATE (RFC 4271 §4.3). IPv4 unicast prefixes sit in {@code withdrawn} and {@code nlri};
     * EVPN routes travel in the MP_REACH_NLRI / MP_UNREACH_NLRI attributes.
     */
    record Update(List<Ipv4Prefix> withdrawn, List<PathAttribute> attributes, List<Ipv4Prefix> nlri) implements BgpMessage
    {
        public Update
        {
            withdrawn = List.copyOf(withdrawn);
            attributes = List.copyOf(attributes);
            nlri = List.copyOf(nlri);
        }

        /** An UPDATE with only path attributes, as EVPN sends. */
        public static Update of(final List<PathAttribute> attributes)
        {
            return new Update(List.of(), attributes, List.of());
        }

        /** The attribute of the given type code, or null. */
        public PathAttribute attribute(final int typeCode)
        {
            return attributes.stream().filter(a -> a.typeCode() == typeCode).findFirst().orElse(null);
        }

        @Override
        public int type()
        {
            return UPDATE;
        }
    }

    /** An IPv4 prefix of the UPDATE's own fields: the length in bits and the bytes it covers. */
    record Ipv4Prefix(byte[] address, int length)
    {
        public Ipv4Prefix
        {
            address = Objects.requireNonNull(address, "address").clone();
            if (length < 0 || length > 32 || address.length != (length + 7) / 8)
            {
                throw new IllegalArgumentException("prefix of " + length + " bits with " + address.length + " address bytes");
            }
        }

        @Override
        public byte[] address()
        {
            return address.clone();
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Ipv4Prefix p && length == p.length && Arrays.equals(address, p.address);
        }

        @Override
        public int hashCode()
        {
            return 31 * length + Arrays.hashCode(address);
        }

        @Override
        public String toString()
        {
            final byte[] full = Arrays.copyOf(address, 4);
            return (full[0] & 0xFF) + "." + (full[1] & 0xFF) + "." + (full[2] & 0xFF) + "." + (full[3] & 0xFF) + "/" + length;
        }
    }

    /** NOTIFICATION (RFC 4271 §4.5): why the sender is closing the session. */
    record Notification(int code, int subcode, byte[] data) implements BgpMessage
    {
        public Notification
        {
            if (code < 0 || code > 0xFF || subcode < 0 || subcode > 0xFF)
            {
                throw new IllegalArgumentException("NOTIFICATION " + code + "/" + subcode);
            }
            data = Objects.requireNonNull(data, "data").clone();
        }

        /** The NOTIFICATION a decode failure asks for. */
        public static Notification of(final BgpDecodeException e)
        {
            return new Notification(e.notificationCode(), e.subcode(), new byte[0]);
        }

        @Override
        public byte[] data()
        {
            return data.clone();
        }

        @Override
        public int type()
        {
            return NOTIFICATION;
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Notification n && code == n.code && subcode == n.subcode && Arrays.equals(data, n.data);
        }

        @Override
        public int hashCode()
        {
            return Objects.hash(code, subcode, Arrays.hashCode(data));
        }

        @Override
        public String toString()
        {
            return "Notification[" + code + "/" + subcode + ", data=" + HexFormat.of().formatHex(data) + "]";
        }
    }

    /** KEEPALIVE (RFC 4271 §4.4): the header alone. */
    record Keepalive() implements BgpMessage
    {
        @Override
        public int type()
        {
            return KEEPALIVE;
        }
    }
}
