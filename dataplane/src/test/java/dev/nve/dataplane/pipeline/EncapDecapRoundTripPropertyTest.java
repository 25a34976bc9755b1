package dev.nve.dataplane.pipeline;

import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static dev.nve.dataplane.pipeline.TestHost.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * decap(encap(f)) == f: host A sends f from its endpoint c1 to remote MAC M; A's uplink output
 * is fed to host B's uplink; B has the endpoint d1 with MAC M and must deliver exactly f.
 * Over IPv4 and IPv6 underlays (including fd00:: addresses whose pseudo-header sum carries
 * past 32 bits), VXLAN-GBP on and off. B's batch identity is not visible from a port, so the
 * GBP policy id is checked on A's outer header.
 */
final class EncapDecapRoundTripPropertyTest
{
    private static final long A_UPLINK_MAC = 0x02_00_00_00_00_A1L;
    private static final long B_UPLINK_MAC = 0x02_00_00_00_00_B1L;
    private static final long C1_MAC = 0x02_00_00_00_01_01L;

    /** One random inner frame: Ethernet (optionally one 802.1Q tag), EtherType, payload. */
    record Inner(long dst, long src, int vlan, int etherType, byte[] payload)
    {
        byte[] bytes()
        {
            final int l2 = vlan >= 0 ? 18 : 14;
            final ByteBuffer b = ByteBuffer.allocate(l2 + payload.length);
            b.putShort((short)(dst >>> 32)).putInt((int)dst);
            b.putShort((short)(src >>> 32)).putInt((int)src);
            if (vlan >= 0)
            {
                b.putShort((short)0x8100).putShort((short)vlan);
            }
            b.putShort((short)etherType).put(payload);
            return b.array();
        }

        @Override
        public String toString()
        {
            return "Inner[dst=" + Long.toHexString(dst) + " src=" + Long.toHexString(src) + " vlan=" + vlan +
                " type=" + Integer.toHexString(etherType) + " payload=" + payload.length + "]";
        }
    }

    enum Underlay
    {
        V4("198.18.0.1", "198.18.0.2"),
        V4_HIGH("198.19.255.254", "198.19.255.253"),
        V6("2001:db8::1", "2001:db8::2"),
        V6_ULA("fd00::a", "fd00::b");

        final String a;
        final String b;

        Underlay(final String a, final String b)
        {
            this.a = a;
            this.b = b;
        }
    }

    @Provide
    Arbitrary<Inner> inner()
    {
        final Arbitrary<Long> unicast = Arbitraries.longs().between(1, 0xFFFF_FFFF_FFFFL)
            .map(m -> m & ~0x0100_0000_0000L)
            .filter(m -> m != 0 && m != C1_MAC && m != 0x02_00_00_00_0D_02L);
        final Arbitrary<Long> anyMac = Arbitraries.longs().between(0, 0xFFFF_FFFF_FFFFL);
        final Arbitrary<Integer> vlan = Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.just(-1)),
            net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 0xFFFF)));
        final Arbitrary<Integer> etherType = Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(2, Arbitraries.just(0x0800)),
            net.jqwik.api.Tuple.of(2, Arbitraries.just(0x86DD)),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(0x0806)),
            net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 0xFFFF)));
        final Arbitrary<byte[]> payload = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(1400 - 18);
        return Combinators.combine(unicast, anyMac, vlan, etherType, payload).as(Inner::new);
    }

    @Provide
    Arbitrary<Integer> identity()
    {
        return Arbitraries.integers().between(0, 0xFFFF).edgeCases(c -> c.includeOnly(0, 0xFFFF));
    }

    private static TestHost host(final Consumer<TableWriter> configure)
    {
        return new TestHost(new Tables.Sizes(4, 16, 4), 64, 64, 8, configure);
    }

    @Property(tries = 300, shrinking = ShrinkingMode.BOUNDED)
    void decapOfEncapIsTheOriginalFrame(@ForAll("inner") final Inner inner, @ForAll final Underlay underlay,
        @ForAll final boolean gbp, @ForAll("identity") final int identity)
    {
        final byte[] f = inner.bytes();
        assertTrue(f.length >= 14 && f.length <= 1400);
        final boolean v6 = underlay.a.contains(":");
        try (TestHost a = host(w ->
            {
                w.setUnderlay("uplink", A_UPLINK_MAC, 1500, 4789, List.of(ip(underlay.a)), -1);
                w.addRemoteVtep(ip(underlay.b), B_UPLINK_MAC);
                w.addNetwork(100, gbp);
                w.addEndpoint("c1", 100, C1_MAC, identity);
                w.addRemoteMac(100, inner.dst(), ip(underlay.b));
            });
            TestHost b = host(w ->
            {
                w.setUnderlay("uplink", B_UPLINK_MAC, 1500, 4789, List.of(ip(underlay.b)), -1);
                w.addRemoteVtep(ip(underlay.a), A_UPLINK_MAC);
                w.addNetwork(100, gbp);
                w.addEndpoint("d1", 100, inner.dst(), 7);
                w.addEndpoint("d2", 100, 0x02_00_00_00_0D_02L, 8);
            }))
        {
            final Map<String, List<byte[]>> fromA = a.exchange("c1", f);
            assertEquals(0, fromA.get("c1").size());
            assertEquals(1, fromA.get("uplink").size(), "A sends exactly one VXLAN frame");
            final byte[] wire = fromA.get("uplink").get(0);
            final Outer o = Outer.parse(wire);
            assertEquals(v6, o.ipv6());
            assertEquals(f.length + (v6 ? 70 : 50), wire.length);
            assertEquals(B_UPLINK_MAC, o.dstMac());
            assertEquals(ip(underlay.a), o.source());
            assertEquals(ip(underlay.b), o.destination());
            if (v6)
            {
                assertEquals(f.length + 16, o.payloadLength());
                assertTrue(o.udpChecksumValidV6(), "IPv6 UDP checksum verifies");
            }
            else
            {
                assertEquals(f.length + 36, o.totalLength());
                assertTrue(o.ipv4ChecksumValid(), "IPv4 header checksum verifies");
            }
            assertTrue(o.sourcePort() >= 49152);
            assertEquals(f.length + 16, o.udpLength());
            assertEquals(100, o.vni());
            assertEquals(gbp ? 0x88 : 0x08, o.vxlanFlags());
            assertEquals(gbp ? identity : 0, o.groupPolicyId(), "GBP policy id = endpoint identity");
            assertArrayEquals(f, o.inner());

            final Map<String, List<byte[]>> atB = b.exchange("uplink", wire);
            assertEquals(0, atB.get("uplink").size());
            assertEquals(0, atB.get("d2").size());
            assertEquals(1, atB.get("d1").size(), "B delivers to the endpoint with MAC M");
            assertArrayEquals(f, atB.get("d1").get(0), "B delivers exactly f");
            assertEquals(0, a.totalStageDrops() + b.totalStageDrops());
            assertEquals(0, a.pool.inUse());
            assertEquals(0, b.pool.inUse());
        }
    }
}
