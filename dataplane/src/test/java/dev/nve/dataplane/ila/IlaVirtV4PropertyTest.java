package dev.nve.dataplane.ila;

import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.table.IlaIdentifier;
import dev.nve.dataplane.table.IlaTable;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * VIRT_V4 round trip through the real stages: IPv4 from an endpoint on A, IPv6 on the underlay,
 * IPv4 at the endpoint on B is the original packet byte for byte except the MACs, TTL - 2 and
 * the recomputed header checksum, over random tenants, addresses, translated-address /64s,
 * ports, payload lengths, TOS and TTL, for TCP, UDP and ICMP echo. The wire frame equals the
 * independent model ({@link Ip4#toIpv6}) too.
 */
class IlaVirtV4PropertyTest
{
    private static final long ROUTER = 0x02_00_00_00_00_EEL;
    private static final long SRC_MAC = 0x02_00_00_00_0A_04L;
    private static final long DST_MAC = 0x02_00_00_00_0B_04L;

    @Provide
    Arbitrary<Long> sirPrefix()
    {
        return Arbitraries.longs().filter(x -> x != 0);
    }

    @Property(tries = 400)
    void ipv4ToIpv6ToIpv4IsTheIdentity(@ForAll @IntRange(min = 0, max = IlaIdentifier.MAX_VNID) final int vnid, @ForAll final int src,
        @ForAll final int dst, @ForAll("sirPrefix") final long sir4, @ForAll @IntRange(min = 0, max = 2) final int protocol,
        @ForAll @IntRange(min = 0, max = 1400) final int payload, @ForAll @IntRange(min = 0, max = 255) final int tos,
        @ForAll @IntRange(min = 3, max = 255) final int ttl, @ForAll @IntRange(min = 0, max = 65535) final int srcPort,
        @ForAll @IntRange(min = 0, max = 65535) final int dstPort)
    {
        Assume.that(src != dst);
        final long locA = 0x2001_0DB8_000A_0000L;
        final long locB = 0x2001_0DB8_000B_0000L;
        final Map<Integer, IlaTable.Ipv4Tenant> tenants = Map.of(vnid, new IlaTable.Ipv4Tenant(sir4, new int[] {0}, new int[] {0}));
        try (TestHost a = host(locA, tenants, vnid, "a", SRC_MAC, src, dst, locB);
            TestHost b = host(locB, tenants, vnid, "b", DST_MAC, dst, src, locA))
        {
            final Ip4.Builder p = Ip4.packet(src, dst).tos(tos).ttl(ttl);
            switch (protocol)
            {
                case 0 -> p.tcp(srcPort, dstPort, payload);
                case 1 -> p.udp(srcPort, dstPort, payload);
                default -> p.icmpEcho((srcPort & 1) == 0, dstPort, srcPort, payload);
            }
            final byte[] sent = p.frame(ROUTER, SRC_MAC);
            final List<byte[]> wire = a.exchange("a", sent).get("uplink");
            assertEquals(1, wire.size(), () -> "A dropped: " + a.counters.snapshot());
            assertArrayEquals(Ip4.toIpv6(sent, sir4, Ip4.virtV4(vnid, src), locB, Ip4.virtV4(vnid, dst), TestHost.GATEWAY_MAC, TestHost.UPLINK_MAC, -1),
                wire.get(0));
            final List<byte[]> delivered = b.exchange("uplink", wire.get(0)).get("b");
            assertEquals(1, delivered.size(), () -> "B dropped: " + b.counters.snapshot());
            final byte[] expected = Ip4.with(sent, DST_MAC, ROUTER, ttl - 2);
            assertArrayEquals(expected, delivered.get(0), () -> "sent      " + HexFormat.of().formatHex(sent) + "\ndelivered " + HexFormat.of().formatHex(delivered.get(0)));
        }
    }

    private static TestHost host(final long locator, final Map<Integer, IlaTable.Ipv4Tenant> tenants, final int vnid, final String port, final long mac,
        final int local, final int remote, final long remoteLocator)
    {
        return new TestHost(new Tables.Sizes(4, 16, 4, 16), 64, 64, 16, w -> configure(w, locator, tenants, vnid, port, mac, local, remote, remoteLocator));
    }

    private static void configure(final TableWriter w, final long locator, final Map<Integer, IlaTable.Ipv4Tenant> tenants, final int vnid, final String port,
        final long mac, final int local, final int remote, final long remoteLocator)
    {
        w.setUnderlay("uplink", TestHost.UPLINK_MAC, 1500, 4789, List.of(TestHost.ip("198.18.0.1")), TestHost.GATEWAY_MAC);
        w.setIlaDomain(new long[] {locator}, new long[0], Map.of(), tenants, ROUTER);
        w.addEndpoint(port, -1, mac, 0, vnid);
        w.addIlaMapping(IlaIdentifier.TYPE_VIRT_V4, 0, local & 0xFFFF_FFFFL, vnid, locator, IlaTable.ChecksumMode.ADJUST_TRANSPORT, port, -1);
        w.addIlaMapping(IlaIdentifier.TYPE_VIRT_V4, 0, remote & 0xFFFF_FFFFL, vnid, remoteLocator, IlaTable.ChecksumMode.ADJUST_TRANSPORT, null, -1);
    }
}
