package dev.nve.dataplane.ila;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.table.IlaIdentifier;
import dev.nve.dataplane.table.IlaTable;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.Bytes;
import dev.nve.dataplane.wire.Checksum;
import dev.nve.dataplane.wire.FrameBuilder;
import dev.nve.dataplane.wire.Ipv6Header;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Two hosts, A (locator 2001:db8:a::/64) and B (2001:db8:b::/64), each with one endpoint in
 * SIR prefix fd00:5::/64: a TCP segment from A's endpoint to B's crosses the underlay with
 * B's locator and arrives at B's endpoint with the original SIR destination, for every
 * checksum mode; the transport checksum is checked by full recomputation where the mode
 * promises it.
 */
class IlaRoundTripTest
{
    static final long ROUTER_MAC = 0x02_00_00_00_00_EEL;
    static final long SIR = 0xFD00_0005_0000_0000L;
    static final long LOCATOR_A = 0x2001_0DB8_000A_0000L;
    static final long LOCATOR_B = 0x2001_0DB8_000B_0000L;
    static final long EP_A_MAC = 0x02_00_00_00_0A_01L;
    static final long EP_B_MAC = 0x02_00_00_00_0B_01L;
    static final long ID_A = 0x0000_0000_0000_0001L;
    static final long ID_B = 0x0000_0000_0000_0002L;

    static TestHost host(final long localLocator, final long epMac, final long localId, final long remoteLocator, final long remoteId, final IlaTable.ChecksumMode mode)
    {
        return new TestHost(new Tables.Sizes(16, 64, 16, 64), 64, 64, 32, w -> configure(w, localLocator, epMac, localId, remoteLocator, remoteId, mode));
    }

    static void configure(final TableWriter w, final long localLocator, final long epMac, final long localId, final long remoteLocator, final long remoteId,
        final IlaTable.ChecksumMode mode)
    {
        w.setUnderlay("uplink", TestHost.UPLINK_MAC, 1500, 4789, List.of(TestHost.ip("198.18.0.1")), TestHost.GATEWAY_MAC);
        w.setIlaDomain(new long[] {localLocator}, new long[] {SIR}, Map.of(), ROUTER_MAC);
        w.addEndpoint("ep", -1, epMac, 0, -1);
        w.addIlaMapping(IlaIdentifier.TYPE_IID, SIR, localId, -1, localLocator, mode, "ep", -1);
        w.addIlaMapping(IlaIdentifier.TYPE_IID, SIR, remoteId, -1, remoteLocator, mode, null, -1);
    }

    @ParameterizedTest
    @EnumSource(IlaTable.ChecksumMode.class)
    void tcpFromAToBKeepsTheSirAddressAndAValidChecksum(final IlaTable.ChecksumMode mode)
    {
        try (TestHost a = host(LOCATOR_A, EP_A_MAC, ID_A, LOCATOR_B, ID_B, mode);
            TestHost b = host(LOCATOR_B, EP_B_MAC, ID_B, LOCATOR_A, ID_A, mode))
        {
            final byte[] sent = FrameBuilder.ethernet(ROUTER_MAC, EP_A_MAC).ipv6("fd00:5::1", "fd00:5::2")
                .tcp(40000, 5201, FrameBuilder.TcpFlags.SYN).payload(32).build();
            final Map<String, List<byte[]>> fromA = a.exchange("ep", sent);
            assertEquals(1, fromA.get("uplink").size(), () -> "A drops: " + a.counters.snapshot());
            final byte[] onWire = fromA.get("uplink").get(0);
            final MemorySegment w = MemorySegment.ofArray(onWire);
            assertEquals(LOCATOR_B, w.get(Bytes.U64_BE, 14 + Ipv6Header.DESTINATION_OFFSET));
            assertEquals(TestHost.GATEWAY_MAC, Bytes.mac48(w, 0));
            assertEquals(TestHost.UPLINK_MAC, Bytes.mac48(w, 6));
            assertEquals(63, w.get(Bytes.U8, 14 + Ipv6Header.HOP_LIMIT_OFFSET));
            final long wireId = w.get(Bytes.U64_BE, 14 + Ipv6Header.DESTINATION_OFFSET + 8);
            switch (mode)
            {
                case ADJUST_TRANSPORT ->
                {
                    assertEquals(ID_B, wireId);
                    assertEquals(0xFFFF, tcpChecksumSum(onWire));
                }
                case NEUTRAL_MAP, NEUTRAL_MAP_AUTO ->
                {
                    assertEquals(mode == IlaTable.ChecksumMode.NEUTRAL_MAP, IlaIdentifier.checksumNeutral(wireId));
                    assertEquals(0xFFFF, tcpChecksumSum(onWire), "neutral mapping keeps the checksum valid on the wire");
                }
                case NO_ACTION ->
                {
                    assertEquals(ID_B, wireId);
                    assertNotEquals(0xFFFF, tcpChecksumSum(onWire));
                }
                default -> throw new AssertionError();
            }

            final Map<String, List<byte[]>> atB = b.exchange("uplink", onWire);
            assertEquals(1, atB.get("ep").size(), () -> "B drops: " + b.counters.snapshot());
            final byte[] delivered = atB.get("ep").get(0);
            final MemorySegment d = MemorySegment.ofArray(delivered);
            assertEquals(EP_B_MAC, Bytes.mac48(d, 0));
            assertEquals(ROUTER_MAC, Bytes.mac48(d, 6));
            assertEquals(62, d.get(Bytes.U8, 14 + Ipv6Header.HOP_LIMIT_OFFSET));
            // Everything but MACs and hop limit is the original packet, checksum included.
            final byte[] expected = sent.clone();
            final MemorySegment e = MemorySegment.ofArray(expected);
            Bytes.putMac48(e, 0, EP_B_MAC);
            Bytes.putMac48(e, 6, ROUTER_MAC);
            e.set(Bytes.U8, 14 + Ipv6Header.HOP_LIMIT_OFFSET, (byte)62);
            assertArrayEquals(expected, delivered);
        }
    }

    @ParameterizedTest
    @EnumSource(IlaTable.ChecksumMode.class)
    void unknownIdentifierIsDroppedOnBothSides(final IlaTable.ChecksumMode mode)
    {
        try (TestHost a = host(LOCATOR_A, EP_A_MAC, ID_A, LOCATOR_B, ID_B, mode))
        {
            final byte[] toUnknown = FrameBuilder.ethernet(ROUTER_MAC, EP_A_MAC).ipv6("fd00:5::1", "fd00:5::99").udp(1, 2).payload(8).build();
            a.exchange("ep", toUnknown);
            final byte[] fromUnderlay = FrameBuilder.ethernet(TestHost.UPLINK_MAC, TestHost.GATEWAY_MAC).ipv6("fd00:5::2", "2001:db8:a::99").udp(1, 2).payload(8).build();
            a.exchange("uplink", fromUnderlay);
            assertEquals(2, a.counters.snapshot().get("stage/ila-egress/drop/" + DropReason.ILA_UNKNOWN_IDENTIFIER.name()) +
                a.counters.snapshot().get("stage/ila-ingress/drop/" + DropReason.ILA_UNKNOWN_IDENTIFIER.name()));
        }
    }

    /** Folded one's-complement sum over the TCP pseudo header and segment: 0xFFFF when valid. */
    static int tcpChecksumSum(final byte[] frame)
    {
        final MemorySegment s = MemorySegment.ofArray(frame);
        final int tcpLength = frame.length - 14 - 40;
        return Checksum.fold(Checksum.ipv6PseudoHeaderSum(s, 14, 6, tcpLength) + Checksum.sum(s, 54, tcpLength));
    }
}
