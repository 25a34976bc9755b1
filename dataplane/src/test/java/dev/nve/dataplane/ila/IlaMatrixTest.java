package dev.nve.dataplane.ila;

import dev.nve.dataplane.ila.IlaHosts.Sir;
import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.table.IlaTable.ChecksumMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.nve.dataplane.ila.IlaHosts.A_UPLINK_MAC;
import static dev.nve.dataplane.ila.IlaHosts.GATEWAY_MAC;
import static dev.nve.dataplane.ila.IlaHosts.LOC_B;
import static dev.nve.dataplane.ila.IlaHosts.ROUTER_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every identifier type (IID, LUID, VIRT_UNI_V6) × every checksum mode × TCP, UDP and ICMPv6:
 * host A's endpoint sends to a SIR address that lives on host B; A's uplink output must be
 * exactly the model (next-hop MACs, hop limit - 1, destination = B's locator + the wire
 * identifier computed independently, transport checksum recomputed from scratch for
 * adjust-transport, untouched otherwise); that frame fed to B's uplink must come out at the
 * owning endpoint as the original packet byte for byte, apart from MACs and hop limit.
 */
final class IlaMatrixTest
{
    static Stream<Arguments> matrix()
    {
        final List<Sir> sirs = List.of(Sir.iid(0xB1), Sir.luid(0xB1), Sir.virt(IlaHosts.VNID_1, 0xB1), Sir.virt(IlaHosts.VNID_2, 0xB1));
        final List<Arguments> all = new ArrayList<>();
        for (final Sir sir : sirs)
        {
            for (final ChecksumMode mode : ChecksumMode.values())
            {
                for (final int protocol : new int[] {Ip6.TCP, Ip6.UDP, Ip6.ICMPV6})
                {
                    all.add(Arguments.of(sir, mode, protocol));
                }
            }
        }
        return all.stream();
    }

    static byte[] packet(final Sir sir, final int protocol)
    {
        final Ip6.Builder b = Ip6.packet(IlaHosts.sourceA(sir), sir.text());
        switch (protocol)
        {
            case Ip6.TCP -> b.tcp(40_001, 443, 37);
            case Ip6.UDP -> b.udp(40_002, 53, 64);
            default -> b.icmpv6Echo(0x77, 3, 56);
        }
        return b.frame(ROUTER_MAC, IlaHosts.senderMacA(sir));
    }

    @ParameterizedTest(name = "{0} {1} protocol {2}")
    @MethodSource("matrix")
    void egressThenIngressIsExact(final Sir sir, final ChecksumMode mode, final int protocol)
    {
        try (TestHost a = IlaHosts.hostA(); TestHost b = IlaHosts.hostB())
        {
            IlaHosts.map(a, sir, LOC_B, mode, null);
            IlaHosts.map(b, sir, LOC_B, mode, IlaHosts.ownerB(sir));
            final byte[] sent = packet(sir, protocol);
            assertTrue(Ip6.checksumValid(sent));

            final Map<String, List<byte[]>> fromA = a.exchange(IlaHosts.senderA(sir), sent);
            final byte[] wire = only(fromA, "uplink", a);
            final long wireId = IlaHosts.wire(sir, LOC_B, mode);
            byte[] model = Ip6.with(sent, GATEWAY_MAC, A_UPLINK_MAC, 63, LOC_B, wireId);
            if (mode == ChecksumMode.ADJUST_TRANSPORT)
            {
                model = Ip6.recomputed(model);
            }
            assertEquals(hex(model), hex(wire), "wire frame (dst " + Ip6.dst(wire) + ", model " + Ip6.dst(model) + ")");
            if (mode == ChecksumMode.NO_ACTION)
            {
                assertFalse(Ip6.checksumValid(wire), "no-action leaves the SIR checksum, invalid for the locator address");
            }
            else
            {
                assertTrue(Ip6.checksumValid(wire), mode + " keeps the transport checksum valid on the wire");
            }
            if (mode == ChecksumMode.NEUTRAL_MAP || mode == ChecksumMode.NEUTRAL_MAP_AUTO)
            {
                assertEquals(Ip6.addressResidue(sir.high(), sir.low()), Ip6.addressResidue(LOC_B, wireId), "neutral: address sum unchanged");
                assertEquals(mode == ChecksumMode.NEUTRAL_MAP, (wireId & (1L << 60)) != 0, "C bit");
            }

            final Map<String, List<byte[]>> atB = b.exchange("uplink", wire);
            final byte[] delivered = only(atB, IlaHosts.ownerB(sir), b);
            assertEquals(hex(Ip6.with(sent, IlaHosts.ownerMacB(sir), ROUTER_MAC, 62, sir.high(), sir.low())), hex(delivered),
                "delivered frame = original apart from MACs and hop limit");
            assertTrue(Ip6.checksumValid(delivered));
        }
    }

    /** The one frame {@code port} transmitted, and nothing on any other port. */
    static byte[] only(final Map<String, List<byte[]>> out, final String port, final TestHost host)
    {
        for (final Map.Entry<String, List<byte[]>> e : out.entrySet())
        {
            final int expected = e.getKey().equals(port) ? 1 : 0;
            assertEquals(expected, e.getValue().size(), () -> e.getKey() + " transmitted " + e.getValue().size() + " frames; counters " + nonZero(host));
        }
        return out.get(port).get(0);
    }

    static String nonZero(final TestHost host)
    {
        final StringBuilder s = new StringBuilder();
        host.counters.snapshot().forEach((k, v) ->
        {
            if (v != 0 && k.contains("drop"))
            {
                s.append(k).append('=').append(v).append(' ');
            }
        });
        return s.toString();
    }

    static String hex(final byte[] b)
    {
        return HexFormat.of().formatHex(b);
    }
}
