package dev.nve.dataplane.ila;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.ila.IlaHosts.Sir;
import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.table.IlaEgressTable;
import dev.nve.dataplane.table.IlaTable;
import dev.nve.dataplane.table.IlaTable.ChecksumMode;
import dev.nve.dataplane.table.TableException;
import dev.nve.dataplane.table.Tables;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Map;

import static dev.nve.dataplane.ila.IlaHosts.A1_MAC;
import static dev.nve.dataplane.ila.IlaHosts.A6_MAC;
import static dev.nve.dataplane.ila.IlaHosts.A_UPLINK_MAC;
import static dev.nve.dataplane.ila.IlaHosts.GATEWAY_MAC;
import static dev.nve.dataplane.ila.IlaHosts.LOC_A;
import static dev.nve.dataplane.ila.IlaHosts.LOC_A2;
import static dev.nve.dataplane.ila.IlaHosts.LOC_B;
import static dev.nve.dataplane.ila.IlaHosts.ROUTER_MAC;
import static dev.nve.dataplane.ila.IlaHosts.SIR_IID;
import static dev.nve.dataplane.ila.IlaHosts.SIR_LUID;
import static dev.nve.dataplane.ila.IlaHosts.TENANT_HIGH;
import static dev.nve.dataplane.ila.IlaHosts.TYPE_IID;
import static dev.nve.dataplane.ila.IlaHosts.TYPE_LUID;
import static dev.nve.dataplane.ila.IlaHosts.TYPE_VIRT_UNI_V6;
import static dev.nve.dataplane.ila.IlaHosts.VNID_1;
import static dev.nve.dataplane.ila.IlaMatrixTest.hex;
import static dev.nve.dataplane.ila.IlaMatrixTest.nonZero;
import static dev.nve.dataplane.ila.IlaMatrixTest.only;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the ILA table refuses (and that a refusal changes nothing), and replacing mappings:
 * a new locator takes effect at once, the ingress reverse of a local identifier stays exact
 * and the old wire identifier stops being accepted.
 */
final class IlaTableTest
{
    private static final long LOC_C = 0x2001_0DB8_000C_0000L;
    private static final long LOC_D = 0x2001_0DB8_000D_0000L;

    private static byte[] toB1(final String dst)
    {
        return Ip6.packet("fd00:5::a1", dst).udp(7, 8, 16).frame(ROUTER_MAC, A1_MAC);
    }

    // ---- refusals ------------------------------------------------------------------------------

    @Test
    void refusesMappingsThatCannotBeRight()
    {
        try (TestHost a = IlaHosts.hostA())
        {
            final var w = a.writer;
            final var m = ChecksumMode.ADJUST_TRANSPORT;
            assertRefused("is not configured", () -> w.addIlaMapping(TYPE_IID, 0xFD00_0009_0000_0000L, 0xB1, -1, LOC_B, m, null, -1));
            assertRefused("type field", () -> w.addIlaMapping(TYPE_IID, SIR_IID, 0x2000_0000_0000_00B1L, -1, LOC_B, m, null, -1));
            assertRefused("type field", () -> w.addIlaMapping(TYPE_LUID, SIR_LUID, 0x0000_0000_0000_00B1L, -1, LOC_B, m, null, -1));
            assertRefused("type field", () -> w.addIlaMapping(TYPE_IID, SIR_IID, 0x8000_0000_0000_00B1L, -1, LOC_B, m, null, -1));
            assertRefused("C bit", () -> w.addIlaMapping(TYPE_IID, SIR_IID, 0x1000_0000_0000_00B1L, -1, LOC_B, m, null, -1));
            assertRefused("C bit", () -> w.addIlaMapping(TYPE_LUID, SIR_LUID, 0x3000_0000_0000_00B1L, -1, LOC_B, m, null, -1));
            assertRefused("no ILA tenant with VNID 300", () -> w.addIlaMapping(TYPE_VIRT_UNI_V6, TENANT_HIGH, 0xB1, 300, LOC_B, m, null, -1));
            assertRefused("not in the /96 SIR prefix", () -> w.addIlaMapping(TYPE_VIRT_UNI_V6, TENANT_HIGH, 0x0000_0001_0000_00B1L, VNID_1, LOC_B, m, null, -1));
            assertRefused("not in the /96 SIR prefix", () -> w.addIlaMapping(TYPE_VIRT_UNI_V6, SIR_IID, 0xB1, VNID_1, LOC_B, m, null, -1));
            assertRefused("reserved", () -> w.addIlaMapping(TYPE_IID, SIR_IID, 0, -1, LOC_B, m, null, -1));
            assertRefused("needs the endpoint port", () -> w.addIlaMapping(TYPE_IID, SIR_IID, 0xA1, -1, LOC_A, m, null, -1));
            assertRefused("is not in ILA tenant", () -> w.addIlaMapping(TYPE_VIRT_UNI_V6, TENANT_HIGH, 0xA2, VNID_1, LOC_A, m, "a3", -1));
            assertEquals(0, a.tables.ila().size(), "refusals leave the table empty");
        }
    }

    /**
     * Neutral-map folds the SIR's low word into the wire identifier's low word, and 0x0000 and
     * 0xFFFF are the same number in one's complement: two local identifiers that differ only by
     * those low words would share a wire identifier, so the second is refused and the first
     * keeps working. Without a neutral mode (the wire identifier is the SIR identifier) or for
     * remote identifiers (no ingress entry here) both are accepted.
     */
    @ParameterizedTest
    @EnumSource(ChecksumMode.class)
    void lowWordZeroAndFfffCollideOnlyForLocalNeutralMappings(final ChecksumMode mode)
    {
        final Sir zero = Sir.iid(0x0000_0000_00A1_0000L);
        final Sir ones = Sir.iid(0x0000_0000_00A1_FFFFL);
        final boolean neutral = mode == ChecksumMode.NEUTRAL_MAP || mode == ChecksumMode.NEUTRAL_MAP_AUTO;
        try (TestHost a = IlaHosts.hostA())
        {
            IlaHosts.map(a, zero, LOC_A, mode, "a1");
            if (neutral)
            {
                assertEquals(IlaHosts.wire(zero, LOC_A, mode), IlaHosts.wire(ones, LOC_A, mode));
                assertRefused("0x0000 and 0xFFFF", () -> IlaHosts.map(a, ones, LOC_A, mode, "a6"));
                assertEquals(1, a.tables.ila().size());
            }
            else
            {
                IlaHosts.map(a, ones, LOC_A, mode, "a6");
            }
            // Both directions still exact for the first (and the second where accepted).
            for (final Sir sir : neutral ? List.of(zero) : List.of(zero, ones))
            {
                final long wire = IlaHosts.wire(sir, LOC_A, mode);
                final byte[] in = Ip6.packet("fd00:5::b1", Ip6.text(LOC_A, wire)).udp(1, 2, 12).frame(A_UPLINK_MAC, GATEWAY_MAC);
                final String owner = sir == zero ? "a1" : "a6";
                final byte[] delivered = only(a.exchange("uplink", in), owner, a);
                assertEquals(sir.text(), Ip6.dst(delivered));
            }
            // The same pair as remote identifiers is fine in every mode.
            assertDoesNotThrow(() -> IlaHosts.map(a, Sir.iid(0x0000_0000_00B1_0000L), LOC_B, mode, null));
            assertDoesNotThrow(() -> IlaHosts.map(a, Sir.iid(0x0000_0000_00B1_FFFFL), LOC_B, mode, null));
        }
    }

    // ---- replacement ---------------------------------------------------------------------------

    @Test
    void replacingARemoteLocatorTakesEffect()
    {
        try (TestHost a = IlaHosts.hostA())
        {
            final Sir b1 = Sir.iid(0xB1);
            IlaHosts.map(a, b1, LOC_B, ChecksumMode.NEUTRAL_MAP, null);
            assertEquals(LOC_B, Ip6.dstHigh(only(a.exchange("a1", toB1("fd00:5::b1")), "uplink", a)));
            IlaHosts.map(a, b1, LOC_C, ChecksumMode.ADJUST_TRANSPORT, null);
            final byte[] wire = only(a.exchange("a1", toB1("fd00:5::b1")), "uplink", a);
            assertEquals(LOC_C, Ip6.dstHigh(wire));
            assertEquals(0xB1, Ip6.dstLow(wire));
            assertTrue(Ip6.checksumValid(wire));
            assertEquals(1, a.tables.ila().size());
        }
    }

    /**
     * A local identifier moves from locator 2001:db8:a:: to 2001:db8:a2:: (both ours), then to
     * host B, then back: each time the new wire identifier restores exactly the SIR address and
     * the old one is no longer accepted.
     */
    @ParameterizedTest
    @EnumSource(ChecksumMode.class)
    void replacingALocalMappingKeepsTheReverseExact(final ChecksumMode mode)
    {
        final Sir a1 = Sir.iid(0x0000_0000_00A1_0000L);
        try (TestHost a = IlaHosts.hostA())
        {
            IlaHosts.map(a, a1, LOC_A, mode, "a1");
            final byte[] first = inbound(LOC_A, IlaHosts.wire(a1, LOC_A, mode));
            assertEquals(a1.text(), Ip6.dst(only(a.exchange("uplink", first), "a1", a)));

            IlaHosts.map(a, a1, LOC_A2, mode, "a1");
            final byte[] second = inbound(LOC_A2, IlaHosts.wire(a1, LOC_A2, mode));
            final byte[] delivered = only(a.exchange("uplink", second), "a1", a);
            assertEquals(a1.text(), Ip6.dst(delivered));
            final byte[] expected = Ip6.with(second, A1_MAC, ROUTER_MAC, 63, a1.high(), a1.low());
            assertEquals(hex(mode == ChecksumMode.ADJUST_TRANSPORT ? Ip6.recomputed(expected) : expected), hex(delivered));
            nothing(a, a.exchange("uplink", first));
            final long dropped = a.stageDrops("ila-ingress", DropReason.ILA_UNKNOWN_IDENTIFIER) + a.stageDrops("ila-ingress", DropReason.ILA_LOCATOR_MISMATCH);
            assertEquals(1, dropped, "the old locator/wire identifier is refused");

            // Moved to host B: egress from another local endpoint now goes to the uplink, ingress stops.
            IlaHosts.map(a, a1, LOC_B, mode, null);
            final byte[] fromA6 = Ip6.packet("fd00:5::a6", a1.text()).udp(9, 9, 10).frame(ROUTER_MAC, A6_MAC);
            assertEquals(LOC_B, Ip6.dstHigh(only(a.exchange("a6", fromA6), "uplink", a)));
            nothing(a, a.exchange("uplink", second));

            // And back: local again.
            IlaHosts.map(a, a1, LOC_A, mode, "a1");
            assertEquals(a1.text(), Ip6.dst(only(a.exchange("uplink", first), "a1", a)));
            assertEquals(1, a.tables.ila().size());
        }
    }

    private static byte[] inbound(final long locator, final long wire)
    {
        return Ip6.packet("fd00:5::b1", Ip6.text(locator, wire)).udp(1, 2, 12).frame(A_UPLINK_MAC, GATEWAY_MAC);
    }

    private static void nothing(final TestHost host, final Map<String, List<byte[]>> out)
    {
        out.forEach((port, frames) -> assertEquals(0, frames.size(), () -> port + " transmitted; " + nonZero(host)));
    }

    /**
     * A mapping in a full table can still be replaced (a locator change must not need a free
     * slot). IlaTable.put allocates the new entry before it frees the old one; with every entry
     * in use that allocation runs past the entry array.
     */
    @Test
    void replacingAMappingInAFullTable()
    {
        try (TestHost a = new TestHost(new Tables.Sizes(16, 64, 16, 4), 64, 64, 32, IlaHosts::configureA))
        {
            for (int i = 1; i <= 4; i++)
            {
                IlaHosts.map(a, Sir.iid(0xB0 + i), LOC_B, ChecksumMode.ADJUST_TRANSPORT, null);
            }
            assertRefused("full", () -> IlaHosts.map(a, Sir.iid(0xB9), LOC_B, ChecksumMode.ADJUST_TRANSPORT, null));
            assertDoesNotThrow(() -> IlaHosts.map(a, Sir.iid(0xB1), LOC_C, ChecksumMode.ADJUST_TRANSPORT, null));
            assertEquals(LOC_C, Ip6.dstHigh(only(a.exchange("a1", toB1("fd00:5::b1")), "uplink", a)));
            assertEquals(LOC_B, Ip6.dstHigh(only(a.exchange("a1", toB1("fd00:5::b2")), "uplink", a)));
        }
    }

    /**
     * Changing the checksum mode of a local identifier in a full table changes its wire
     * identifier: the new one must be accepted on ingress. The ingress index briefly needs one
     * key more than its capacity (new wire identifier put before the old one is removed), and
     * the refused put is not noticed.
     */
    @Test
    void changingTheModeOfALocalMappingInAFullTable()
    {
        try (TestHost a = new TestHost(new Tables.Sizes(16, 64, 16, 4), 64, 64, 32, IlaHosts::configureA))
        {
            final Sir[] local = {Sir.iid(0xA1), Sir.iid(0xA2), Sir.iid(0xA3), Sir.iid(0xA4)};
            for (final Sir sir : local)
            {
                IlaHosts.map(a, sir, LOC_A, ChecksumMode.ADJUST_TRANSPORT, "a1");
            }
            assertDoesNotThrow(() -> IlaHosts.map(a, local[0], LOC_A, ChecksumMode.NEUTRAL_MAP, "a1"));
            final byte[] in = inbound(LOC_A, IlaHosts.wire(local[0], LOC_A, ChecksumMode.NEUTRAL_MAP));
            final byte[] delivered = only(a.exchange("uplink", in), "a1", a);
            assertEquals(local[0].text(), Ip6.dst(delivered));
        }
    }

    /**
     * A worker copies a mapping out of its slot while the control thread rewrites that slot
     * (a replacement rewrites in place) and inserts and removes a neighbour in the same probe
     * run: every copy the worker keeps must be one whole mapping of the key, the old or the new
     * one ("a worker sees the old or the new mapping, never a mix", IlaTable.put), whether its
     * batch validated against the table's write sequence or fell back to the per-slot seqlock.
     * Two mappings that differ in every field, so that a copy mixing them is seen.
     */
    @Test
    void aWorkersCopyOfAMappingIsNeverAMix() throws Exception
    {
        try (IlaTable table = new IlaTable(4, 1))
        {
            table.domain(new IlaTable.Domain(new long[] {LOC_A}, new long[] {SIR_IID}, new int[0], new long[0], ROUTER_MAC, 1));
            final IlaTable.Mapping x = new IlaTable.Mapping(TYPE_IID, SIR_IID, 0xB1, -1, LOC_B, ChecksumMode.NEUTRAL_MAP, 1, 0x02_00_00_00_0B_0BL);
            final IlaTable.Mapping y = new IlaTable.Mapping(TYPE_IID, SIR_IID, 0xB1, -1, LOC_C, ChecksumMode.ADJUST_TRANSPORT, 2, 0x02_00_00_00_0C_0CL);
            final IlaTable.Mapping neighbour = new IlaTable.Mapping(TYPE_IID, SIR_IID, 0xB2, -1, LOC_D, ChecksumMode.NO_ACTION, 3, 0x02_00_00_00_0D_0DL);
            final IlaEgressTable egress = table.egress();
            final long key = IlaTable.egressKey(x);
            final long hash = dev.nve.dataplane.table.LongIntHashTable.hash(key);
            final long[][] expected = new long[2][];
            table.put(x, false);
            expected[0] = copy(egress, key, hash, true);
            table.put(y, false);
            expected[1] = copy(egress, key, hash, true);
            assertTrue(!java.util.Arrays.equals(expected[0], expected[1]));
            final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            final java.util.concurrent.atomic.AtomicReference<String> mixed = new java.util.concurrent.atomic.AtomicReference<>();
            final long[] reads = new long[3];
            final Thread worker = new Thread(() ->
            {
                final long[] result = new long[IlaEgressTable.RESULT_LONGS];
                for (long n = 0; !stop.get() && mixed.get() == null; n++)
                {
                    final boolean found;
                    if ((n & 1) == 0)
                    {
                        final long begin = egress.readBegin();
                        final boolean unchecked = egress.lookup(key, hash, result, 0);
                        if (egress.validate(begin))
                        {
                            found = unchecked;
                        }
                        else
                        {
                            reads[2]++;
                            found = egress.lookupChecked(key, hash, result, 0);
                        }
                    }
                    else
                    {
                        found = egress.lookupChecked(key, hash, result, 0);
                    }
                    reads[(int)(n & 1)]++;
                    if (!found || !java.util.Arrays.equals(result, expected[0]) && !java.util.Arrays.equals(result, expected[1]))
                    {
                        mixed.compareAndSet(null, "read " + n + " found=" + found + ": " + java.util.Arrays.toString(result) + ", expected "
                            + java.util.Arrays.toString(expected[0]) + " or " + java.util.Arrays.toString(expected[1]));
                    }
                }
            });
            worker.start();
            for (int round = 0; round < 400_000 && mixed.get() == null; round++)
            {
                table.put((round & 1) == 0 ? x : y, false);
                if ((round & 7) == 0)
                {
                    table.put(neighbour, false);
                }
                else if ((round & 7) == 4)
                {
                    table.remove(TYPE_IID, SIR_IID, 0xB2, -1);
                }
            }
            stop.set(true);
            worker.join();
            assertEquals(null, mixed.get());
            assertTrue(reads[0] > 0 && reads[1] > 0, "the worker read both ways: " + java.util.Arrays.toString(reads));
        }
    }

    private static long[] copy(final IlaEgressTable egress, final long key, final long hash, final boolean checked)
    {
        final long[] result = new long[IlaEgressTable.RESULT_LONGS];
        assertTrue(checked ? egress.lookupChecked(key, hash, result, 0) : egress.lookup(key, hash, result, 0));
        return result;
    }

    /**
     * IID identifiers are looked up by the low 64 bits alone. A packet to the same identifier
     * in another configured SIR prefix must not be translated as if it were the mapped SIR
     * address: it would arrive at the owner with a destination it was not sent to, and for
     * adjust-transport with a checksum fixed for the wrong address.
     */
    @ParameterizedTest
    @EnumSource(ChecksumMode.class)
    void identifierInAnotherSirPrefixIsNotTranslated(final ChecksumMode mode)
    {
        try (TestHost a = IlaHosts.hostA())
        {
            IlaHosts.map(a, Sir.iid(0xB1), LOC_B, mode, null);
            final byte[] other = Ip6.packet("fd00:5::a1", "2001:db8:6::b1").udp(7, 8, 16).frame(ROUTER_MAC, A1_MAC);
            final Map<String, List<byte[]>> out = a.exchange("a1", other);
            nothing(a, out);
            assertEquals(1, a.totalStageDrops(), "dropped with a counted reason");
        }
    }

    @Test
    void removeStopsBothDirections()
    {
        try (TestHost a = IlaHosts.hostA())
        {
            final Sir a1 = Sir.iid(0xA1);
            IlaHosts.map(a, a1, LOC_A, ChecksumMode.NEUTRAL_MAP, "a1");
            IlaHosts.map(a, Sir.iid(0xB1), LOC_B, ChecksumMode.NEUTRAL_MAP, null);
            assertTrue(a.writer.removeIlaMapping(TYPE_IID, SIR_IID, 0xA1, -1));
            assertTrue(a.writer.removeIlaMapping(TYPE_IID, SIR_IID, 0xB1, -1));
            assertEquals(false, a.writer.removeIlaMapping(TYPE_IID, SIR_IID, 0xB1, -1));
            nothing(a, a.exchange("uplink", inbound(LOC_A, IlaHosts.wire(a1, LOC_A, ChecksumMode.NEUTRAL_MAP))));
            nothing(a, a.exchange("a1", toB1("fd00:5::b1")));
            assertEquals(2, a.totalStageDrops(DropReason.ILA_UNKNOWN_IDENTIFIER));
            assertEquals(0, a.tables.ila().size());
        }
    }

    /** The memory target: 1,000,000 mappings in at most 64 MiB off-heap. */
    @Test
    void oneMillionMappingsFitIn64MiB()
    {
        try (IlaTable table = new IlaTable(1_000_000))
        {
            final long bytes = table.offHeapBytes();
            assertTrue(bytes <= 64L << 20, "IlaTable(1,000,000) takes " + bytes + " bytes (" + bytes / 1048576.0 + " MiB) off-heap, target <= 64 MiB");
        }
    }

    private static void assertRefused(final String messagePart, final Runnable action)
    {
        final TableException e = assertThrows(TableException.class, action::run);
        assertTrue(e.getMessage().contains(messagePart), () -> "message \"" + e.getMessage() + "\" lacks \"" + messagePart + "\"");
    }
}
