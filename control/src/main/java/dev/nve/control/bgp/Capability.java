package dev.nve.control.bgp;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A capability of an OPEN (RFC 5492): code, length, value. The two every EVPN session needs are
 * typed; the rest are kept raw so that the session layer can list what the peer offered.
 */
public sealed interface Capability
{
    int MULTIPROTOCOL = 1;
    int FOUR_OCTET_AS = 65;

    int code();

    /** Multiprotocol extensions (RFC 4760 §8): AFI (2 bytes), reserved, SAFI (1 byte). */
    record Multiprotocol(int afi, int safi) implements Capability
    {
        public Multiprotocol
        {
            if (afi < 0 || afi > 0xFFFF || safi < 0 || safi > 0xFF)
            {
                throw new IllegalArgumentException("AFI " + afi + " SAFI " + safi);
            }
        }

        public static Multiprotocol evpn()
        {
            return new Multiprotocol(EvpnCodec.AFI_L2VPN, EvpnCodec.SAFI_EVPN);
        }

        @Override
        public int code()
        {
            return MULTIPROTOCOL;
        }
    }

    /** Support for 4-octet AS numbers (RFC 6793 §3), carrying the speaker's own AS. */
    record FourOctetAs(long as) implements Capability
    {
        public FourOctetAs
        {
            if (as < 0 || as > 0xFFFF_FFFFL)
            {
                throw new IllegalArgumentException("AS " + as);
            }
        }

        @Override
        public int code()
        {
            return FOUR_OCTET_AS;
        }
    }

    record Unknown(int code, byte[] value) implements Capability
    {
        public Unknown
        {
            if (code < 0 || code > 0xFF)
            {
                throw new IllegalArgumentException("capability code " + code);
            }
            value = Objects.requireNonNull(value, "value").clone();
            if (value.length > 0xFF)
            {
                throw new IllegalArgumentException("capability value of " + value.length + " bytes");
            }
        }

        @Override
        public byte[] value()
        {
            return value.clone();
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Unknown u && code == u.code && Arrays.equals(value, u.value);
        }

        @Override
        public int hashCode()
        {
            return 31 * code + Arrays.hashCode(value);
        }

        @Override
        public String toString()
        {
            return "Unknown[code=" + code + ", value=" + HexFormat.of().formatHex(value) + "]";
        }
    }
}
