package dev.nve.control.bgp;

/**
 * One 8-byte extended community (RFC 4360, RFC 7153 registries): the kinds EVPN needs as typed
 * records, everything else as the raw 64-bit value (big-endian: type byte in the top bits).
 */
public sealed interface ExtendedCommunity
{
    /** The community as its 8 wire bytes, big-endian. */
    long value();

    /**
     * Route target (sub-type 0x02) of type 0x00 (2-octet AS : 4-octet number), 0x01 (IPv4 :
     * 2-octet number) or 0x02 (4-octet AS : 2-octet number); {@code toString} is {@code 65000:101}.
     */
    record RouteTarget(int type, long global, long local) implements ExtendedCommunity
    {
        public RouteTarget
        {
            final boolean wideGlobal = type == TYPE_IPV4 || type == TYPE_AS4;
            if (type != TYPE_AS2 && !wideGlobal)
            {
                throw new IllegalArgumentException("route target type " + type);
            }
            if (global < 0 || global > (wideGlobal ? 0xFFFF_FFFFL : 0xFFFF) || local < 0 || local > (wideGlobal ? 0xFFFF : 0xFFFF_FFFFL))
            {
                throw new IllegalArgumentException("route target " + global + ":" + local + " does not fit type " + type);
            }
        }

        /** The usual {@code AS:number} form with a 2-octet AS. */
        public static RouteTarget as2(final int as, final long number)
        {
            return new RouteTarget(TYPE_AS2, as, number);
        }

        /**
         * {@code AS:number} or {@code IPv4:number}, as operators write them: an AS up to 65535
         * takes a 4-octet number (type 0x00), a wider one a 2-octet number (type 0x02); an IPv4
         * administrator a 2-octet number (type 0x01).
         *
         * @throws IllegalArgumentException saying what does not fit
         */
        public static RouteTarget parse(final String text)
        {
            final int colon = text.lastIndexOf(':');
            if (colon <= 0 || colon == text.length() - 1)
            {
                throw new IllegalArgumentException("\"" + text + "\" is not ADMINISTRATOR:NUMBER");
            }
            final String admin = text.substring(0, colon);
            final long number = unsigned(text.substring(colon + 1), text);
            if (admin.contains("."))
            {
                final String[] octets = admin.split("\\.", -1);
                long address = 0;
                for (final String octet : octets)
                {
                    final long value = unsigned(octet, text);
                    if (octets.length != 4 || value > 255)
                    {
                        throw new IllegalArgumentException("\"" + text + "\": " + admin + " is not an IPv4 address");
                    }
                    address = address << 8 | value;
                }
                return new RouteTarget(TYPE_IPV4, address, number);
            }
            final long as = unsigned(admin, text);
            return new RouteTarget(as <= 0xFFFF ? TYPE_AS2 : TYPE_AS4, as, number);
        }

        private static long unsigned(final String digits, final String text)
        {
            if (digits.isEmpty() || digits.length() > 10 || !digits.chars().allMatch(c -> c >= '0' && c <= '9'))
            {
                throw new IllegalArgumentException("\"" + text + "\": " + digits + " is not a number");
            }
            return Long.parseLong(digits);
        }

        @Override
        public long value()
        {
            final long head = (long) type << 56 | (long) SUBTYPE_ROUTE_TARGET << 48;
            return type == TYPE_AS2 ? head | global << 32 | local : head | global << 16 | local;
        }

        @Override
        public String toString()
        {
            return type == TYPE_IPV4 ? (global >>> 24) + "." + (global >>> 16 & 0xFF) + "." + (global >>> 8 & 0xFF) + "." + (global & 0xFF) + ":" + local
                : global + ":" + local;
        }
    }

    /** BGP encapsulation (RFC 9012 §4.1, type 0x03 sub-type 0x0c): tunnel type 8 is VXLAN. */
    record Encapsulation(int tunnelType) implements ExtendedCommunity
    {
        public static final int VXLAN = 8;

        public Encapsulation
        {
            if (tunnelType < 0 || tunnelType > 0xFFFF)
            {
                throw new IllegalArgumentException("tunnel type " + tunnelType);
            }
        }

        @Override
        public long value()
        {
            return (long) TYPE_OPAQUE << 56 | (long) SUBTYPE_ENCAPSULATION << 48 | tunnelType;
        }
    }

    /**
     * MAC mobility (RFC 7432 §7.7, type 0x06 sub-type 0x00): flags (bit 0 = sticky), a reserved
     * byte, and the sequence number that orders moves of one MAC.
     */
    record MacMobility(int flags, long sequence) implements ExtendedCommunity
    {
        public MacMobility
        {
            if (flags < 0 || flags > 0xFF || sequence < 0 || sequence > 0xFFFF_FFFFL)
            {
                throw new IllegalArgumentException("MAC mobility flags " + flags + " sequence " + sequence);
            }
        }

        public boolean sticky()
        {
            return (flags & 1) != 0;
        }

        @Override
        public long value()
        {
            return (long) TYPE_EVPN << 56 | (long) SUBTYPE_MAC_MOBILITY << 48 | (long) flags << 40 | sequence;
        }
    }

    /** Any other community, kept whole. */
    record Raw(long value) implements ExtendedCommunity
    {
        @Override
        public String toString()
        {
            return String.format("Raw[%016x]", value);
        }
    }

    int TYPE_AS2 = 0x00;
    int TYPE_IPV4 = 0x01;
    int TYPE_AS4 = 0x02;
    int TYPE_OPAQUE = 0x03;
    int TYPE_EVPN = 0x06;
    int SUBTYPE_ROUTE_TARGET = 0x02;
    int SUBTYPE_ENCAPSULATION = 0x0c;
    int SUBTYPE_MAC_MOBILITY = 0x00;

    /** The typed form of 8 wire bytes read big-endian; never fails, unknown kinds stay {@link Raw}. */
    static ExtendedCommunity of(final long value)
    {
        final int type = (int) (value >>> 56);
        final int subtype = (int) (value >>> 48) & 0xFF;
        final long low48 = value & 0xFFFF_FFFF_FFFFL;
        if (subtype == SUBTYPE_ROUTE_TARGET && type == TYPE_AS2)
        {
            return new RouteTarget(type, low48 >>> 32, low48 & 0xFFFF_FFFFL);
        }
        if (subtype == SUBTYPE_ROUTE_TARGET && (type == TYPE_IPV4 || type == TYPE_AS4))
        {
            return new RouteTarget(type, low48 >>> 16, low48 & 0xFFFF);
        }
        if (type == TYPE_OPAQUE && subtype == SUBTYPE_ENCAPSULATION && (low48 >>> 16) == 0)
        {
            return new Encapsulation((int) (low48 & 0xFFFF));
        }
        if (type == TYPE_EVPN && subtype == SUBTYPE_MAC_MOBILITY && (low48 >>> 32 & 0xFF) == 0)
        {
            return new MacMobility((int) (low48 >>> 40), low48 & 0xFFFF_FFFFL);
        }
        return new Raw(value);
    }
}
