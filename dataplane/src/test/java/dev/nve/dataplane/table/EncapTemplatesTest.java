package dev.nve.dataplane.table;

import dev.nve.dataplane.wire.Checksum;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class EncapTemplatesTest
{
    private static final long UPLINK_MAC = 0x02_00_00_00_00_01L;
    private static final long GATEWAY_MAC = 0x02_00_00_00_00_FEL;
    private static final long VTEP2_MAC = 0x02_00_00_00_00_02L;
    private static final long REMOTE_MAC = 0x02_00_00_00_0A_02L;

    private final Tables tables = new Tables(new Tables.Sizes(16, 64, 8));
    private final TableWriter writer = new TableWriter(tables);

    @AfterEach
    void close()
    {
        tables.close();
    }

    static InetAddress ip(final String literal)
    {
        try
        {
            return InetAddress.getByName(literal);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalArgumentException(e);
        }
    }

    private void underlay(final int mtu, final String... vteps)
    {
        writer.setUnderlay("uplink", UPLINK_MAC, mtu, 4789, java.util.Arrays.stream(vteps).map(EncapTemplatesTest::ip).toList(), GATEWAY_MAC);
    }

    private int templateOf(final int vni, final long mac)
    {
        final int value = tables.fdb().get(FdbTable.key(tables.networks().find(vni), mac));
        assertTrue(value != FdbTable.MISSING && FdbTable.isRemote(value), "remote FDB entry");
        return FdbTable.templateOf(value);
    }

    private byte[] header(final int template)
    {
        final EncapTemplates t = tables.templates();
        return t.segment().asSlice(EncapTemplates.slotOffset(template) + EncapTemplates.HEADER_OFFSET, t.headerLength(template)).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Reference one's-complement sum (independent of {@link Checksum}), folded to 16 bits. */
    static int foldedSum(final byte[] bytes, final int offset, final int length, final long extra)
    {
        long sum = extra;
        for (int i = 0; i < length; i += 2)
        {
            final int hi = bytes[offset + i] & 0xFF;
            final int lo = i + 1 < length ? bytes[offset + i + 1] & 0xFF : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)sum;
    }

    private static byte[] concat(final byte[]... parts)
    {
        final ByteBuffer b = ByteBuffer.allocate(java.util.Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (final byte[] p : parts)
        {
            b.put(p);
        }
        return b.array();
    }

    private static byte[] mac(final long mac)
    {
        return java.util.Arrays.copyOfRange(ByteBuffer.allocate(8).putLong(mac).array(), 2, 8);
    }

    private static byte[] bytes(final int... values)
    {
        final byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++)
        {
            b[i] = (byte)values[i];
        }
        return b;
    }

    @Test
    void ipv4TemplateHasEveryOuterField()
    {
        underlay(1500, "198.18.0.1", "2001:db8::1");
        writer.addRemoteVtep(ip("198.18.0.2"), VTEP2_MAC);
        writer.addNetwork(100, false);
        writer.addRemoteMac(100, REMOTE_MAC, ip("198.18.0.2"));
        final int t = templateOf(100, REMOTE_MAC);
        assertTrue(t >= 1, "template indexes start at 1");

        final byte[] expected = concat(
            mac(VTEP2_MAC), mac(UPLINK_MAC), bytes(0x08, 0x00),
            bytes(0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 64, 17, 0x00, 0x00), ip("198.18.0.1").getAddress(), ip("198.18.0.2").getAddress(),
            bytes(0x00, 0x00, 0x12, 0xB5, 0x00, 0x00, 0x00, 0x00),
            bytes(0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 100, 0x00));
        assertEquals(EncapTemplates.IPV4_HEADERS_LENGTH, expected.length);
        final EncapTemplates templates = tables.templates();
        assertEquals(50, templates.headerLength(t));
        assertArrayEquals(expected, header(t));
        assertEquals(0, templates.flags(t));
        assertEquals(tables.underlay().portId(), templates.underlayPort(t));
        assertEquals(100, templates.vni(t));
        assertEquals(1500, templates.mtu(t));
    }

    /**
     * The partial sum must let encap compute a correct header checksum for any total length.
     * With 198.18.x.x addresses the unfolded sum of the five header words exceeds 2^32; the
     * template stores it truncated to 32 bits (EncapTemplates.create, the PARTIAL_SUM_OFFSET
     * store), which loses the carries. Fails until the sum is folded before it is stored.
     */
    @ParameterizedTest
    @CsvSource({"198.18.0.1, 198.18.0.2", "198.18.0.1, 198.19.255.254", "198.19.1.1, 198.18.0.3"})
    void ipv4PartialSumGivesAValidHeaderChecksumForAnyLength(final String local, final String remote)
    {
        underlay(9000, local);
        writer.addNetwork(100, false);
        writer.addRemoteMac(100, REMOTE_MAC, ip(remote));
        final int t = templateOf(100, REMOTE_MAC);
        final byte[] h = header(t);
        assertEquals(GATEWAY_MAC, ByteBuffer.wrap(concat(bytes(0, 0), java.util.Arrays.copyOfRange(h, 0, 6))).getLong(),
            "undeclared VTEP: the gateway MAC is the next hop");
        assertEquals(foldedSum(h, 14, 20, 0), Checksum.fold(tables.templates().partialSum(t)), "partial sum over the template header");
        for (final int totalLength : new int[] {50, 64, 1500, 9000})
        {
            final byte[] ipHeader = java.util.Arrays.copyOfRange(h, 14, 34);
            ipHeader[2] = (byte)(totalLength >>> 8);
            ipHeader[3] = (byte)totalLength;
            final int checksum = Checksum.finish(tables.templates().partialSum(t) + totalLength);
            ipHeader[10] = (byte)(checksum >>> 8);
            ipHeader[11] = (byte)checksum;
            assertEquals(0xFFFF, foldedSum(ipHeader, 0, 20, 0), "header checksum verifies for total length " + totalLength);
        }
    }

    @ParameterizedTest
    @CsvSource({"2001:db8::1, 2001:db8::2", "fd00::1, fd00::2", "fd00:ffff:ffff::1, fd00:ffff:ffff::2"})
    void ipv6TemplateHasEveryOuterFieldAndThePseudoHeaderSum(final String local, final String remote)
    {
        underlay(1500, "198.18.0.1", local);
        writer.addNetwork(200, true);
        writer.addRemoteMac(200, REMOTE_MAC, ip(remote));
        final int t = templateOf(200, REMOTE_MAC);
        final byte[] expected = concat(
            mac(GATEWAY_MAC), mac(UPLINK_MAC), bytes(0x86, 0xDD),
            bytes(0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 17, 64), ip(local).getAddress(), ip(remote).getAddress(),
            bytes(0x00, 0x00, 0x12, 0xB5, 0x00, 0x00, 0x00, 0x00),
            bytes(0x88, 0x00, 0x00, 0x00, 0x00, 0x00, 200, 0x00));
        assertEquals(EncapTemplates.IPV6_HEADERS_LENGTH, expected.length);
        final EncapTemplates templates = tables.templates();
        assertEquals(70, templates.headerLength(t));
        assertArrayEquals(expected, header(t));
        assertEquals(EncapTemplates.FLAG_IPV6 | EncapTemplates.FLAG_GBP, templates.flags(t));
        assertEquals(200, templates.vni(t));
        // pseudo header without the length: source, destination, next header (RFC 8200 §8.1)
        assertEquals(foldedSum(header(t), 14 + 8, 32, 17), Checksum.fold(templates.partialSum(t)), "IPv6 pseudo-header partial sum");
    }

    @Test
    void gbpNetworkSetsTheGFlagAndAZeroPolicyIdInTheTemplate()
    {
        underlay(1500, "198.18.0.1");
        writer.addNetwork(100, true);
        writer.addRemoteMac(100, REMOTE_MAC, ip("198.18.0.2"));
        final int t = templateOf(100, REMOTE_MAC);
        final byte[] h = header(t);
        assertEquals(EncapTemplates.FLAG_GBP, tables.templates().flags(t));
        assertArrayEquals(bytes(0x88, 0x00, 0x00, 0x00, 0x00, 0x00, 100, 0x00), java.util.Arrays.copyOfRange(h, 42, 50));
    }

    @Test
    void slotsAreExhaustedThenReusedOldestFirst()
    {
        final Underlay u = new Underlay(0, UPLINK_MAC, 1500, 4789, List.of(ip("198.18.0.1")));
        try (EncapTemplates templates = new EncapTemplates(3))
        {
            assertEquals(1, templates.create(u, ip("198.18.0.2"), VTEP2_MAC, 1, false));
            assertEquals(2, templates.create(u, ip("198.18.0.3"), VTEP2_MAC, 1, false));
            assertEquals(3, templates.create(u, ip("198.18.0.4"), VTEP2_MAC, 1, false));
            assertEquals(-1, templates.create(u, ip("198.18.0.5"), VTEP2_MAC, 1, false));
            templates.release(3);
            templates.release(1);
            assertEquals(3, templates.create(u, ip("198.18.0.6"), VTEP2_MAC, 7, false));
            assertEquals(7, templates.vni(3));
            assertEquals(1, templates.create(u, ip("198.18.0.7"), VTEP2_MAC, 8, false));
            assertEquals(-1, templates.create(u, ip("198.18.0.8"), VTEP2_MAC, 9, false));
            assertEquals(3, templates.capacity());
        }
    }

    @Test
    void aRemoteOfAFamilyWithoutLocalVtepIsRefused()
    {
        final Underlay u = new Underlay(0, UPLINK_MAC, 1500, 4789, List.of(ip("198.18.0.1")));
        try (EncapTemplates templates = new EncapTemplates(2))
        {
            final MemorySegment before = MemorySegment.ofArray(templates.segment().toArray(ValueLayout.JAVA_BYTE));
            assertThrows(IllegalArgumentException.class, () -> templates.create(u, ip("2001:db8::2"), VTEP2_MAC, 1, false));
            assertEquals(-1, before.mismatch(templates.segment()), "nothing written");
            assertEquals(1, templates.create(u, ip("198.18.0.2"), VTEP2_MAC, 1, false), "no slot consumed by the refusal");
        }
    }
}
