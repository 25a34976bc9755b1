package dev.nve.dataplane.pipeline;

import dev.nve.dataplane.counter.DropReason;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;

import java.util.Arrays;
import java.util.List;

import static dev.nve.dataplane.pipeline.TestHost.BROADCAST;
import static dev.nve.dataplane.pipeline.TestHost.C1_MAC;
import static dev.nve.dataplane.pipeline.TestHost.C2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.C3_MAC;
import static dev.nve.dataplane.pipeline.TestHost.REMOTE2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.REMOTE200_MAC;
import static dev.nve.dataplane.pipeline.TestHost.udp4;
import static dev.nve.dataplane.pipeline.TestHost.vxlanFrom;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Garbage in never throws and never leaks. Random byte arrays, and truncated or corrupted
 * valid VXLAN frames, go to the uplink and to endpoint ports of the standard host one at a
 * time. For each frame: it is received once; it either is dropped exactly once and sends
 * nothing, or sends at least one frame and is not dropped — unless it was flooded, when each
 * flood target is either sent or dropped (at most 3: c2 + two VTEPs from c1). Stage and port
 * drop counts agree, and every frame is back in the pool.
 */
final class RobustnessPropertyTest
{
    private static final List<String> PORTS = List.of("uplink", "c1", "c3", "spare");

    record Case(String port, byte[] frame)
    {
        @Override
        public String toString()
        {
            return port + " " + frame.length + " bytes " + (frame.length <= 64 ? Arrays.toString(frame) : "");
        }
    }

    @Provide
    Arbitrary<Case> randomBytes()
    {
        final Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(300);
        // a known destination MAC now and then, so endpoint garbage also reaches bridge/flood/encap
        final Arbitrary<Long> dst = Arbitraries.of(-1L, -1L, -1L, C1_MAC, C2_MAC, C3_MAC, REMOTE2_MAC, REMOTE200_MAC, BROADCAST);
        return Combinators.combine(Arbitraries.of(PORTS), bytes, dst).as((port, frame, mac) ->
        {
            if (mac >= 0 && frame.length >= 6)
            {
                for (int i = 0; i < 6; i++)
                {
                    frame[i] = (byte)(mac >>> (40 - 8 * i));
                }
            }
            return new Case(port, frame);
        });
    }

    @Provide
    Arbitrary<byte[]> validVxlan()
    {
        final Arbitrary<Integer> vni = Arbitraries.of(100, 200, 300, 999);
        final Arbitrary<Long> innerDst = Arbitraries.of(C1_MAC, C2_MAC, C3_MAC, REMOTE2_MAC, BROADCAST, 0x02_00_00_00_0C_0CL);
        final Arbitrary<Integer> gbp = Arbitraries.of(-1, 0, 4242);
        final Arbitrary<Integer> payload = Arbitraries.integers().between(0, 200);
        final Arbitrary<Boolean> v6 = Arbitraries.of(false, true);
        return Combinators.combine(vni, innerDst, gbp, payload, v6).as((n, d, g, p, six) ->
            six ? vxlanFrom("2001:db8::2", "2001:db8::1", n, g, udp4(d, REMOTE2_MAC, 7, p))
                : vxlanFrom("198.18.0.2", "198.18.0.1", n, g, udp4(d, REMOTE2_MAC, 7, p)));
    }

    @Provide
    Arbitrary<Case> damagedVxlan()
    {
        final Arbitrary<Case> truncated = validVxlan().flatMap(f ->
            Combinators.combine(Arbitraries.of("uplink", "uplink", "uplink", "c1"), Arbitraries.integers().between(0, f.length))
                .as((port, n) -> new Case(port, Arrays.copyOf(f, n))));
        final Arbitrary<Case> corrupted = validVxlan().flatMap(f ->
            Combinators.combine(Arbitraries.integers().between(0, f.length - 1), Arbitraries.integers().between(1, 255))
                .as((at, x) ->
                {
                    final byte[] copy = f.clone();
                    copy[at] ^= x.byteValue();
                    return new Case("uplink", copy);
                }));
        final Arbitrary<Case> padded = validVxlan().flatMap(f ->
            Arbitraries.integers().between(1, 64).map(n -> new Case("uplink", Arrays.copyOf(f, f.length + n))));
        final Arbitrary<Case> onEndpoint = validVxlan().map(f -> new Case("c1", f));
        return Arbitraries.frequencyOf(Tuple.of(4, truncated), Tuple.of(4, corrupted), Tuple.of(1, padded), Tuple.of(1, onEndpoint));
    }

    @Property(tries = 300, shrinking = ShrinkingMode.BOUNDED)
    void randomBytesNeverThrowNorLeak(@ForAll("randomBytes") final Case first, @ForAll("randomBytes") final Case second, @ForAll final boolean gbp)
    {
        check(TestHost.Addressing.V4, gbp, first, second);
    }

    @Property(tries = 300, shrinking = ShrinkingMode.BOUNDED)
    void damagedVxlanNeverThrowsNorLeaks(@ForAll("damagedVxlan") final Case first, @ForAll("damagedVxlan") final Case second,
        @ForAll final boolean gbp)
    {
        // the host has an IPv4 and an IPv6 VTEP so both kinds of outer header reach decap
        check(TestHost.Addressing.V4, gbp, first, second);
    }

    private static void check(final TestHost.Addressing addressing, final boolean gbp, final Case... cases)
    {
        try (TestHost host = new TestHost(new dev.nve.dataplane.table.Tables.Sizes(8, 32, 8), 64, 64, 8, w ->
        {
            TestHost.configureStandard(w, addressing, gbp, 1500, "2001:db8::1");
        }, "spare"))
        {
            long rx = 0;
            for (final Case c : cases)
            {
                final long txBefore = host.totalTransmittedFrames();
                final long portDropsBefore = host.totalPortDrops();
                final long floodBefore = host.stage("flood").packets();
                host.send(c.port(), c.frame());
                host.run();
                rx++;
                final long tx = host.totalTransmittedFrames() - txBefore;
                final long drops = host.totalPortDrops() - portDropsBefore;
                final boolean flooded = host.stage("flood").packets() > floodBefore;
                assertEquals(rx, host.totalPortRx(), "received once: " + c);
                if (flooded)
                {
                    assertTrue(tx + drops >= 1 && tx + drops <= 3, "flooded: every target sent or dropped: tx=" + tx + " drops=" + drops + " " + c);
                }
                else
                {
                    assertEquals(1, tx + drops, "frames in == transmitted + dropped: tx=" + tx + " drops=" + drops + " " + c);
                }
                assertEquals(0, host.totalStageDrops(DropReason.NO_FREE_FRAME));
                assertEquals(host.totalStageDrops(), host.totalPortDrops(), "stage and port drop counts agree: " + c);
                assertEquals(host.totalTransmittedFrames(), host.totalPortTx());
                assertEquals(0, host.pool.inUse(), "no frame leaked: " + c);
                host.takeAll();
            }
        }
    }
}
