package dev.nve.dataplane.ila;

import dev.nve.dataplane.ila.IlaHosts.Sir;
import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.table.IlaTable.ChecksumMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.nve.dataplane.ila.IlaHosts.A1_MAC;
import static dev.nve.dataplane.ila.IlaHosts.A_UPLINK_MAC;
import static dev.nve.dataplane.ila.IlaHosts.B1_MAC;
import static dev.nve.dataplane.ila.IlaHosts.GATEWAY_MAC;
import static dev.nve.dataplane.ila.IlaHosts.LOC_B;
import static dev.nve.dataplane.ila.IlaHosts.ROUTER_MAC;
import static dev.nve.dataplane.ila.IlaMatrixTest.hex;
import static dev.nve.dataplane.ila.IlaMatrixTest.nonZero;
import static dev.nve.dataplane.ila.IlaMatrixTest.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What ILA does to packets that are more than one IPv6 header and a transport header:
 * fragments (only the first carries the transport checksum; every fragment gets the new
 * destination), atomic fragments, extension headers before TCP/UDP, ICMPv6 errors quoting an
 * inner packet (only the outer packet is translated: the quote is left exactly as it is, and
 * since ingress restores the SIR address the receiver sees a quote that matches what it
 * sent), UDP checksum zero, and a UDP checksum that becomes zero.
 */
final class IlaHeadersTest
{
    static final Sir DEST = Sir.iid(0xB1);

    private static TestHost hostA(final ChecksumMode mode)
    {
        final TestHost a = IlaHosts.hostA();
        IlaHosts.map(a, DEST, LOC_B, mode, null);
        return a;
    }

    private static TestHost hostB(final ChecksumMode mode)
    {
        final TestHost b = IlaHosts.hostB();
        IlaHosts.map(b, DEST, LOC_B, mode, "b1");
        return b;
    }

    /** A's wire model of one frame: next hop, hop limit 63, B's locator and the wire identifier. */
    private static byte[] onWire(final byte[] sent, final ChecksumMode mode)
    {
        return Ip6.with(sent, GATEWAY_MAC, A_UPLINK_MAC, 63, LOC_B, IlaHosts.wire(DEST, LOC_B, mode));
    }

    private static byte[] atB(final byte[] sent)
    {
        return Ip6.with(sent, B1_MAC, ROUTER_MAC, 62, DEST.high(), DEST.low());
    }

    // ---- fragments -------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(ChecksumMode.class)
    void fragmentsFirstAdjustedNonFirstOnlyReaddressed(final ChecksumMode mode)
    {
        try (TestHost a = hostA(mode); TestHost b = hostB(mode))
        {
            final byte[] whole = Ip6.packet("fd00:5::a1", DEST.text()).udp(40_000, 4_000, 300).frame(ROUTER_MAC, A1_MAC);
            final List<byte[]> sent = Ip6.fragment(whole, 0x0BAD_CAFE, 0, 104, 208);
            final List<byte[]> wire = a.exchange("a1", sent.toArray(byte[][]::new)).get("uplink");
            assertEquals(3, wire.size(), () -> nonZero(a));

            // Model: every fragment re-addressed; with adjust-transport the first fragment carries
            // the checksum of the whole datagram over the new destination.
            final List<byte[]> model = new ArrayList<>();
            for (final byte[] f : sent)
            {
                model.add(onWire(f, mode));
            }
            if (mode == ChecksumMode.ADJUST_TRANSPORT)
            {
                final int checksum = Ip6.transportChecksum(Ip6.recomputed(onWire(whole, mode)));
                ByteBuffer.wrap(model.get(0)).putShort(Ip6.ETH + 48 + 6, (short)checksum);
            }
            for (int i = 0; i < 3; i++)
            {
                assertEquals(hex(model.get(i)), hex(wire.get(i)), "fragment " + i);
            }
            for (int i = 1; i < 3; i++)
            {
                assertEquals(hex(Arrays.copyOfRange(sent.get(i), Ip6.ETH + 40, sent.get(i).length)),
                    hex(Arrays.copyOfRange(wire.get(i), Ip6.ETH + 40, wire.get(i).length)), "non-first fragment payload untouched");
            }
            assertEquals(mode != ChecksumMode.NO_ACTION, Ip6.checksumValid(Ip6.reassemble(wire)), "reassembled on the wire");

            final List<byte[]> delivered = b.exchange("uplink", wire.toArray(byte[][]::new)).get("b1");
            assertEquals(3, delivered.size(), () -> nonZero(b));
            for (int i = 0; i < 3; i++)
            {
                assertEquals(hex(atB(sent.get(i))), hex(delivered.get(i)), "fragment " + i + " at B");
            }
            assertTrue(Ip6.checksumValid(Ip6.reassemble(delivered)));
        }
    }

    @ParameterizedTest
    @EnumSource(ChecksumMode.class)
    void atomicFragmentIsAdjustedLikeAWholePacket(final ChecksumMode mode)
    {
        try (TestHost a = hostA(mode); TestHost b = hostB(mode))
        {
            for (final Ip6.Builder builder : List.of(
                Ip6.packet("fd00:5::a1", DEST.text()).udp(40_000, 4_000, 40),
                Ip6.packet("fd00:5::a1", DEST.text()).tcp(40_000, 4_000, 40)))
            {
                final byte[] sent = Ip6.atomicFragment(builder.frame(ROUTER_MAC, A1_MAC), 7);
                assertTrue(Ip6.checksumValid(sent));
                final byte[] wire = only(a.exchange("a1", sent), "uplink", a);
                final byte[] model = mode == ChecksumMode.ADJUST_TRANSPORT ? Ip6.recomputed(onWire(sent, mode)) : onWire(sent, mode);
                assertEquals(hex(model), hex(wire));
                assertEquals(mode != ChecksumMode.NO_ACTION, Ip6.checksumValid(wire));
                assertEquals(hex(atB(sent)), hex(only(b.exchange("uplink", wire), "b1", b)));
            }
        }
    }

    // ---- extension headers ---------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(ChecksumMode.class)
    void extensionHeadersBeforeTcpAndUdp(final ChecksumMode mode)
    {
        final long[] sir = {DEST.high(), DEST.low()};
        try (TestHost a = hostA(mode); TestHost b = hostB(mode))
        {
            final List<Ip6.Builder> builders = new ArrayList<>();
            for (final boolean tcp : new boolean[] {true, false})
            {
                builders.add(transport(Ip6.packet("fd00:5::a1", DEST.text()).options(Ip6.HOP_BY_HOP), tcp));
                builders.add(transport(Ip6.packet("fd00:5::a1", DEST.text()).options(Ip6.DEST_OPTIONS), tcp));
                builders.add(transport(Ip6.packet("fd00:5::a1", DEST.text()).segmentRouting(0, sir), tcp));
                builders.add(transport(Ip6.packet("fd00:5::a1", DEST.text()).options(Ip6.HOP_BY_HOP).options(Ip6.DEST_OPTIONS)
                    .segmentRouting(0, sir).options(Ip6.DEST_OPTIONS), tcp));
            }
            for (final Ip6.Builder builder : builders)
            {
                final byte[] sent = builder.frame(ROUTER_MAC, A1_MAC);
                final byte[] wire = only(a.exchange("a1", sent), "uplink", a);
                final byte[] model = mode == ChecksumMode.ADJUST_TRANSPORT ? Ip6.recomputed(onWire(sent, mode)) : onWire(sent, mode);
                assertEquals(hex(model), hex(wire));
                assertEquals(mode != ChecksumMode.NO_ACTION, Ip6.checksumValid(wire));
                final byte[] delivered = only(b.exchange("uplink", wire), "b1", b);
                assertEquals(hex(atB(sent)), hex(delivered));
            }
        }
    }

    private static Ip6.Builder transport(final Ip6.Builder b, final boolean tcp)
    {
        return tcp ? b.tcp(40_000, 80, 33) : b.udp(40_000, 53, 33);
    }

    /**
     * A Segment Routing Header with segments left: the destination is the active segment (here
     * a SIR address) and the transport checksum covers the final destination, Segment List[0]
     * (RFC 8200 §8.1, RFC 8754 §4.2). Rewriting the active segment must leave that checksum
     * alone, so it must still verify on the wire; dropping with a counted reason would also be
     * acceptable, corrupting it is not.
     */
    @ParameterizedTest
    @EnumSource(ChecksumMode.class)
    void routingHeaderWithSegmentsLeftKeepsTheFinalDestinationChecksum(final ChecksumMode mode)
    {
        final long[] sir = {DEST.high(), DEST.low()};
        final long[] last = Ip6.addr("2001:db8:ff::1");
        try (TestHost a = hostA(mode); TestHost b = hostB(mode))
        {
            final byte[] sent = Ip6.packet("fd00:5::a1", DEST.text()).segmentRouting(1, last, sir).udp(40_000, 53, 33).frame(ROUTER_MAC, A1_MAC);
            assertTrue(Ip6.checksumValid(sent));
            final Map<String, List<byte[]>> out = a.exchange("a1", sent);
            if (out.get("uplink").isEmpty())
            {
                assertEquals(1, a.totalStageDrops(), "dropped without a counted reason");
                return;
            }
            final byte[] wire = out.get("uplink").get(0);
            assertTrue(Ip6.checksumValid(wire), "the checksum over the final destination was changed: " + Integer.toHexString(Ip6.transportChecksum(sent))
                + " -> " + Integer.toHexString(Ip6.transportChecksum(wire)));
            assertEquals(hex(onWire(sent, mode)), hex(wire));
            final byte[] delivered = only(b.exchange("uplink", wire), "b1", b);
            assertEquals(hex(atB(sent)), hex(delivered));
        }
    }

    // ---- ICMPv6 errors -------------------------------------------------------------------------

    /**
     * a1 reports an error about a packet B sent it (Destination Unreachable / port unreachable
     * and Packet Too Big): the outer destination is translated, the ICMPv6 checksum treated
     * like any transport checksum, the quoted packet (B's SIR addresses) left byte for byte.
     */
    @ParameterizedTest
    @EnumSource(ChecksumMode.class)
    void icmpv6ErrorOuterTranslatedQuoteLeftAsIs(final ChecksumMode mode)
    {
        try (TestHost a = hostA(mode); TestHost b = hostB(mode))
        {
            final byte[] invoking = Ip6.packet(DEST.text(), "fd00:5::a1").udp(5_353, 33_434, 24).build();
            for (final int[] typeCode : new int[][] {{1, 4}, {2, 0}, {3, 0}})
            {
                final byte[] sent = Ip6.packet("fd00:5::a1", DEST.text()).icmpv6Error(typeCode[0], typeCode[1], invoking).frame(ROUTER_MAC, A1_MAC);
                final byte[] wire = only(a.exchange("a1", sent), "uplink", a);
                final byte[] model = mode == ChecksumMode.ADJUST_TRANSPORT ? Ip6.recomputed(onWire(sent, mode)) : onWire(sent, mode);
                assertEquals(hex(model), hex(wire));
                assertEquals(hex(invoking), hex(Arrays.copyOfRange(wire, Ip6.ETH + 48, wire.length)), "quoted packet unchanged");
                assertEquals(mode != ChecksumMode.NO_ACTION, Ip6.checksumValid(wire));
                assertEquals(hex(atB(sent)), hex(only(b.exchange("uplink", wire), "b1", b)));
            }
        }
    }

    // ---- UDP checksum zero -----------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(ChecksumMode.class)
    void udpChecksumZeroStaysZero(final ChecksumMode mode)
    {
        try (TestHost a = hostA(mode); TestHost b = hostB(mode))
        {
            final byte[] sent = Ip6.packet("fd00:5::a1", DEST.text()).udp(40_000, 4_789, 50).zeroUdpChecksum().frame(ROUTER_MAC, A1_MAC);
            assertEquals(0, Ip6.transportChecksum(sent));
            final byte[] wire = only(a.exchange("a1", sent), "uplink", a);
            assertEquals(0, Ip6.transportChecksum(wire), "a zero UDP checksum means none: it stays zero");
            assertEquals(hex(onWire(sent, mode)), hex(wire));
            final byte[] delivered = only(b.exchange("uplink", wire), "b1", b);
            assertEquals(hex(atB(sent)), hex(delivered));
        }
    }

    /**
     * A UDP datagram whose adjusted checksum comes out as 0x0000 must carry 0xFFFF (RFC 8200
     * §8.1: zero is "no checksum"); a TCP segment in the same position carries either form.
     * The payload's last word is chosen so that the sum over the translated packet is 0 mod 0xFFFF.
     */
    @Test
    void adjustedUdpChecksumOfZeroIsSentAsFfff()
    {
        final ChecksumMode mode = ChecksumMode.ADJUST_TRANSPORT;
        try (TestHost a = hostA(mode); TestHost b = hostB(mode))
        {
            final byte[] payload = Ip6.payload(40);
            payload[38] = 0;
            payload[39] = 0;
            final byte[] probe = onWire(Ip6.packet("fd00:5::a1", DEST.text()).udp(40_000, 53, payload).frame(ROUTER_MAC, A1_MAC), mode);
            probe[Ip6.ETH + 40 + 6] = 0;
            probe[Ip6.ETH + 40 + 7] = 0;
            final long sum = Ip6.words(probe, Ip6.ETH + 8, 32) + Ip6.UDP + 48 + Ip6.words(probe, Ip6.ETH + 40, 48);
            final int word = (int)((0xFFFF - sum % 0xFFFF) % 0xFFFF);
            payload[38] = (byte)(word >>> 8);
            payload[39] = (byte)word;
            final byte[] sent = Ip6.packet("fd00:5::a1", DEST.text()).udp(40_000, 53, payload).frame(ROUTER_MAC, A1_MAC);
            assertTrue(Ip6.checksumValid(sent));
            final byte[] wire = only(a.exchange("a1", sent), "uplink", a);
            assertEquals(0xFFFF, Ip6.transportChecksum(wire), "adjusted UDP checksum 0 is sent as 0xFFFF");
            assertTrue(Ip6.checksumValid(wire));
            final byte[] delivered = only(b.exchange("uplink", wire), "b1", b);
            assertEquals(hex(atB(sent)), hex(delivered));
        }
    }
}
