package dev.nve.dataplane.ila;

import dev.nve.dataplane.ila.IlaHosts.Sir;
import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.table.IlaIdentifier;
import dev.nve.dataplane.table.IlaTable;
import dev.nve.dataplane.table.IlaTable.ChecksumMode;
import dev.nve.dataplane.table.TableException;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties of the translation over random SIR prefixes, identifiers (every type, low words
 * biased to the edges 0x0000, 0x0001, 0xFFFE, 0xFFFF), locators, checksum modes and
 * TCP/UDP packets:
 * <ul>
 *   <li>neutral-map and neutral-map-auto keep the one's-complement sum of the 8 address words
 *       (equal modulo 0xFFFF, i.e. folded sums equal with 0x0000 ≡ 0xFFFF), never write 0xFFFF
 *       into the low word, keep the upper 48 identifier bits, and set the C bit only for
 *       neutral-map;</li>
 *   <li>SIR → ILA → SIR through the real stages (host A's egress, host B's ingress) is the
 *       identity on the packet apart from MACs and hop limit, and the transport checksum is
 *       valid after the round trip in every mode and on the wire for all but no-action;</li>
 *   <li>the identifiers differing only by low word 0x0000/0xFFFF collide exactly for local
 *       neutral mappings, and then the second is refused while the first keeps working.</li>
 * </ul>
 */
final class IlaPropertyTest
{
    static final long ROUTER_MAC = IlaHosts.ROUTER_MAC;
    static final long SRC_MAC = 0x02_00_00_00_0A_01L;
    static final long DST_MAC = 0x02_00_00_00_0B_01L;
    static final long DST2_MAC = 0x02_00_00_00_0B_02L;

    /** A random SIR address of a random type, with its domain. */
    record Target(Sir sir, long locatorA, long locatorB, ChecksumMode mode)
    {
        @Override
        public String toString()
        {
            return sir + " locA " + Ip6.text(locatorA, 0) + " locB " + Ip6.text(locatorB, 0) + " " + mode + " wire "
                + Long.toHexString(IlaHosts.wire(sir, locatorB, mode));
        }
    }

    /** Half the time one of the edge words 0x0000, 0x0001, 0xFFFE, 0xFFFF, else any word. */
    @Provide
    Arbitrary<Long> lowWord()
    {
        return Arbitraries.oneOf(Arbitraries.of(0x0000L, 0x0001L, 0xFFFEL, 0xFFFFL), Arbitraries.longs().between(0, 0xFFFF));
    }

    /** A /64 in fd00::/8 or 2001:db8::/32. */
    static Arbitrary<Long> prefix64()
    {
        return Arbitraries.oneOf(
            Arbitraries.longs().map(r -> 0xFD00_0000_0000_0000L | (r & 0x00FF_FFFF_FFFF_FFFFL)),
            Arbitraries.longs().map(r -> 0x2001_0DB8_0000_0000L | (r & 0xFFFF_FFFFL)));
    }

    @Provide
    Arbitrary<Sir> sir()
    {
        final Arbitrary<Integer> type = Arbitraries.of(IlaHosts.TYPE_IID, IlaHosts.TYPE_LUID, IlaHosts.TYPE_VIRT_UNI_V6);
        final Arbitrary<Long> bits = Arbitraries.longs();
        final Arbitrary<Integer> vnid = Arbitraries.integers().between(0, IlaIdentifier.MAX_VNID);
        return Combinators.combine(type, prefix64(), bits, lowWord(), vnid).as((t, high, random, low, v) -> switch (t)
        {
            case IlaHosts.TYPE_IID -> new Sir(t, high, (random & 0x0FFF_FFFF_FFFF_0000L) | low, -1);
            case IlaHosts.TYPE_LUID -> new Sir(t, high, (1L << 61) | (random & 0x0FFF_FFFF_FFFF_0000L) | low, -1);
            default -> new Sir(t, high, (random & 0xFFFF_FFFF_FFFF_0000L) | low, v);
        }).filter(s -> s.key() != 0);
    }

    @Provide
    Arbitrary<Target> target()
    {
        final Arbitrary<Long> locator = Arbitraries.longs().map(r -> 0x2001_0DB8_0000_0000L | (r & 0xFFFF_FFFFL));
        return Combinators.combine(sir(), locator, locator, Arbitraries.of(ChecksumMode.class))
            .as(Target::new)
            .filter(t -> t.locatorA() != t.locatorB() && t.locatorA() != t.sir().high() && t.locatorB() != t.sir().high());
    }

    @Provide
    Arbitrary<ChecksumMode> neutralMode()
    {
        return Arbitraries.of(ChecksumMode.NEUTRAL_MAP, ChecksumMode.NEUTRAL_MAP_AUTO);
    }

    // ---- (a) neutral-map keeps the address sum ---------------------------------------------------

    @Property(tries = 5000)
    void neutralMappingKeepsTheAddressSum(@ForAll("target") final Target t, @ForAll("neutralMode") final ChecksumMode mode)
    {
        final Sir s = t.sir();
        final IlaTable.Mapping m = new IlaTable.Mapping(s.type(), s.high(), s.low(), s.vnid(), t.locatorB(), mode, 0, 0x02_00_00_00_00_02L);
        final long wire = IlaTable.wireIdentifier(m);
        assertEquals(Ip6.addressResidue(s.high(), s.low()), Ip6.addressResidue(t.locatorB(), wire), "one's-complement sum of the address words");
        assertEquals(fold(Ip6.words(s.high()) + Ip6.words(s.low())) % 0xFFFF, fold(Ip6.words(t.locatorB()) + Ip6.words(wire)) % 0xFFFF, "folded sums");
        assertNotEquals(0xFFFF, wire & 0xFFFF, "0xFFFF is never produced");
        assertEquals(s.key() & 0xEFFF_FFFF_FFFF_0000L, wire & 0xEFFF_FFFF_FFFF_0000L, "type and identifier bits kept");
        assertEquals(mode == ChecksumMode.NEUTRAL_MAP, IlaIdentifier.checksumNeutral(wire), "C bit");
        assertEquals(IlaHosts.wire(s, t.locatorB(), mode), wire, "independent model");
    }

    /** Folds a sum of 16-bit words the RFC 1071 way (end-around carry). */
    private static int fold(final long sum)
    {
        long s = sum;
        while (s > 0xFFFF)
        {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int)s;
    }

    @Property(tries = 2000)
    void canonicalAdditionRoundTrips(@ForAll @IntRange(min = 0, max = 0xFFFE) final int word, @ForAll @IntRange(min = 0, max = 0xFFFF) final int delta)
    {
        final int there = IlaIdentifier.addCanonical(word, delta);
        assertNotEquals(0xFFFF, there);
        assertEquals(word, IlaIdentifier.addCanonical(there, ~delta & 0xFFFF), "adding d then ~d is the identity on [0, 0xFFFE]");
        assertEquals((word + delta) % 0xFFFF, there, "one's-complement sum, canonical");
    }

    // ---- (b) SIR -> ILA -> SIR through the stages ------------------------------------------------

    @Property(tries = 600)
    void roundTripThroughTheStagesIsTheIdentity(@ForAll("target") final Target t, @ForAll final boolean tcp,
        @ForAll @IntRange(min = 0, max = 300) final int payload, @ForAll @IntRange(min = 3, max = 255) final int hopLimit,
        @ForAll @IntRange(min = 1, max = 65535) final int port, @ForAll final long sourceLow)
    {
        final Sir s = t.sir();
        try (TestHost a = host(s, t.locatorA(), SRC_MAC); TestHost b = host(s, t.locatorB(), DST_MAC))
        {
            a.writer.addIlaMapping(s.type(), s.high(), s.low(), s.vnid(), t.locatorB(), t.mode(), null, -1);
            b.writer.addIlaMapping(s.type(), s.high(), s.low(), s.vnid(), t.locatorB(), t.mode(), "ep", -1);
            final long srcLow = s.type() == IlaHosts.TYPE_VIRT_UNI_V6 ? (s.low() & 0xFFFF_FFFF_0000_0000L) | (sourceLow & 0xFFFF_FFFFL) : sourceLow;
            final Ip6.Builder builder = Ip6.packet(s.high(), srcLow, s.high(), s.low()).hopLimit(hopLimit);
            final byte[] sent = (tcp ? builder.tcp(port, 443, Ip6.payload(payload)) : builder.udp(port, 53, Ip6.payload(payload))).frame(ROUTER_MAC, SRC_MAC);

            final Map<String, List<byte[]>> fromA = a.exchange("ep", sent);
            assertEquals(1, fromA.get("uplink").size(), () -> "A: " + IlaMatrixTest.nonZero(a));
            final byte[] wire = fromA.get("uplink").get(0);
            assertEquals(t.locatorB(), Ip6.dstHigh(wire));
            assertEquals(IlaHosts.wire(s, t.locatorB(), t.mode()), Ip6.dstLow(wire));
            assertEquals(hopLimit - 1, Ip6.hopLimit(wire));
            if (t.mode() != ChecksumMode.NO_ACTION)
            {
                assertTrue(Ip6.checksumValid(wire), "transport checksum valid on the wire");
            }
            if (t.mode() == ChecksumMode.NEUTRAL_MAP || t.mode() == ChecksumMode.NEUTRAL_MAP_AUTO)
            {
                assertEquals(Ip6.addressResidue(s.high(), s.low()), Ip6.addressResidue(Ip6.dstHigh(wire), Ip6.dstLow(wire)));
            }

            final Map<String, List<byte[]>> atB = b.exchange("uplink", wire);
            assertEquals(1, atB.get("ep").size(), () -> "B: " + IlaMatrixTest.nonZero(b));
            final byte[] delivered = atB.get("ep").get(0);
            final HexFormat hex = HexFormat.of();
            assertEquals(hex.formatHex(Ip6.with(sent, DST_MAC, ROUTER_MAC, hopLimit - 2, s.high(), s.low())), hex.formatHex(delivered),
                "SIR -> ILA -> SIR is the identity");
            assertTrue(Ip6.checksumValid(delivered));
        }
    }

    /**
     * Local identifiers that differ only by low word 0x0000/0xFFFF: in a neutral mode they
     * share a wire identifier and the second insert is refused (whichever comes first wins and
     * keeps round-tripping); otherwise both are accepted and both round-trip.
     */
    @Property(tries = 300)
    void zeroAndFfffCollideOnlyInNeutralModes(@ForAll("target") final Target t, @ForAll final boolean ffffFirst)
    {
        final Sir s = t.sir();
        final Sir zero = new Sir(s.type(), s.high(), s.low() & ~0xFFFFL, s.vnid());
        final Sir ones = new Sir(s.type(), s.high(), s.low() | 0xFFFFL, s.vnid());
        Assume.that(zero.key() != 0);
        final Sir first = ffffFirst ? ones : zero;
        final Sir second = ffffFirst ? zero : ones;
        final boolean neutral = t.mode() == ChecksumMode.NEUTRAL_MAP || t.mode() == ChecksumMode.NEUTRAL_MAP_AUTO;
        try (TestHost b = host(s, t.locatorB(), DST_MAC))
        {
            b.writer.addIlaMapping(first.type(), first.high(), first.low(), first.vnid(), t.locatorB(), t.mode(), "ep", -1);
            if (neutral)
            {
                assertThrows(TableException.class,
                    () -> b.writer.addIlaMapping(second.type(), second.high(), second.low(), second.vnid(), t.locatorB(), t.mode(), "ep2", -1));
            }
            else
            {
                b.writer.addIlaMapping(second.type(), second.high(), second.low(), second.vnid(), t.locatorB(), t.mode(), "ep2", -1);
            }
            for (final Sir sir : neutral ? List.of(first) : List.of(first, second))
            {
                final long wire = IlaHosts.wire(sir, t.locatorB(), t.mode());
                final byte[] in = Ip6.packet(0x2001_0DB8_FFFF_0000L, 1, t.locatorB(), wire).udp(1, 2, 10).frame(0x02_00_00_00_00_02L, IlaHosts.GATEWAY_MAC);
                final Map<String, List<byte[]>> out = b.exchange("uplink", in);
                final String owner = sir == first ? "ep" : "ep2";
                assertEquals(1, out.get(owner).size(), () -> IlaMatrixTest.nonZero(b));
                assertEquals(sir.text(), Ip6.dst(out.get(owner).get(0)));
            }
        }
    }

    /** One host whose ILA domain is {@code sir}'s prefix (or tenant), locator {@code locator}, endpoints "ep" and "ep2". */
    private static TestHost host(final Sir sir, final long locator, final long endpointMac)
    {
        return new TestHost(new Tables.Sizes(1, 16, 1, 8), 16, 16, 8, w -> configure(w, sir, locator, endpointMac));
    }

    private static void configure(final TableWriter w, final Sir sir, final long locator, final long endpointMac)
    {
        w.setUnderlay("uplink", endpointMac == SRC_MAC ? 0x02_00_00_00_00_01L : 0x02_00_00_00_00_02L, 1500, 4789,
            List.of(TestHost.ip("198.18.0.1")), IlaHosts.GATEWAY_MAC);
        final boolean virt = sir.type() == IlaHosts.TYPE_VIRT_UNI_V6;
        w.setIlaDomain(new long[] {locator}, virt ? new long[0] : new long[] {sir.high()},
            virt ? Map.of(sir.vnid(), new long[] {sir.high(), sir.low() >>> 32}) : Map.of(), ROUTER_MAC);
        w.addEndpoint("ep", -1, endpointMac, 0, virt ? sir.vnid() : -1);
        w.addEndpoint("ep2", -1, endpointMac == SRC_MAC ? SRC_MAC + 1 : DST2_MAC, 0, virt ? sir.vnid() : -1);
    }
}
