package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HexFormat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VxlanHeaderTest
{
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] dirty(final int length)
    {
        final byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte)0xFF);
        return bytes;
    }

    @Test
    void readsPlainVxlan()
    {
        final VxlanHeader vxlan = new VxlanHeader().wrap(MemorySegment.ofArray(HEX.parseHex("08000000" + "001234" + "00")), 0);
        assertEquals(VxlanHeader.FLAG_I, vxlan.flags());
        assertTrue(vxlan.vniValid());
        assertFalse(vxlan.hasGroupPolicy());
        assertEquals(0x1234, vxlan.vni());
    }

    @Test
    void reservedBitsIgnoredOnReceive()
    {
        // RFC 7348 §5: reserved bits are ignored; the low byte after the VNI must not leak into it.
        final VxlanHeader vxlan = new VxlanHeader().wrap(MemorySegment.ofArray(HEX.parseHex("0f" + "ffffff" + "abcdef" + "ff")), 0);
        assertTrue(vxlan.vniValid());
        assertFalse(vxlan.hasGroupPolicy());
        assertEquals(0xABCDEF, vxlan.vni());
    }

    @Test
    void flagIAbsent()
    {
        final VxlanHeader vxlan = new VxlanHeader().wrap(MemorySegment.ofArray(HEX.parseHex("80000001" + "000001" + "00")), 0);
        assertFalse(vxlan.vniValid());
        assertTrue(vxlan.hasGroupPolicy());
    }

    @Test
    void readsGroupPolicy()
    {
        final VxlanHeader vxlan = new VxlanHeader().wrap(MemorySegment.ofArray(HEX.parseHex("00" + "88" + "00" + "002a" + "000064" + "00")), 1);
        assertEquals(0x88, vxlan.flags());
        assertTrue(vxlan.vniValid());
        assertTrue(vxlan.hasGroupPolicy());
        assertEquals(42, vxlan.groupPolicyId());
        assertEquals(100, vxlan.vni());
    }

    @Test
    void writeWithoutGbp()
    {
        final byte[] bytes = dirty(10);
        final MemorySegment segment = MemorySegment.ofArray(bytes);
        VxlanHeader.write(segment, 1, VxlanHeader.MAX_VNI, false, 0xBEEF);
        assertArrayEquals(HEX.parseHex("ff" + "08" + "00" + "0000" + "ffffff" + "00" + "ff"), segment.toArray(ValueLayout.JAVA_BYTE));
        final VxlanHeader vxlan = new VxlanHeader().wrap(segment, 1);
        assertEquals(0x08, vxlan.flags());
        assertFalse(vxlan.hasGroupPolicy());
        assertEquals(0, vxlan.groupPolicyId());
        assertEquals(0xFF_FFFF, vxlan.vni());
    }

    @Test
    void writeWithGbp()
    {
        final MemorySegment segment = MemorySegment.ofArray(dirty(8));
        VxlanHeader.write(segment, 0, 0xABCDEF, true, VxlanHeader.MAX_GROUP_POLICY_ID);
        assertArrayEquals(HEX.parseHex("88" + "00" + "ffff" + "abcdef" + "00"), segment.toArray(ValueLayout.JAVA_BYTE));
        final VxlanHeader vxlan = new VxlanHeader().wrap(segment, 0);
        assertEquals(0x88, vxlan.flags());
        assertTrue(vxlan.vniValid());
        assertTrue(vxlan.hasGroupPolicy());
        assertEquals(0xFFFF, vxlan.groupPolicyId());
        assertEquals(0xABCDEF, vxlan.vni());
    }

    @Test
    void writeVniZero()
    {
        final MemorySegment segment = MemorySegment.ofArray(dirty(8));
        VxlanHeader.write(segment, 0, 0, true, 1);
        final VxlanHeader vxlan = new VxlanHeader().wrap(segment, 0);
        assertEquals(0, vxlan.vni());
        assertEquals(1, vxlan.groupPolicyId());
    }

    @Test
    void groupPolicyIdSetter()
    {
        final MemorySegment segment = MemorySegment.ofArray(new byte[8]);
        VxlanHeader.write(segment, 0, 7, true, 1);
        final VxlanHeader vxlan = new VxlanHeader().wrap(segment, 0);
        vxlan.groupPolicyId(0x8001);
        assertEquals(0x8001, vxlan.groupPolicyId());
        assertEquals(7, vxlan.vni());
        assertEquals(0x88, vxlan.flags());
    }

    @Property
    void writeThenReadBack(@ForAll @IntRange(min = 0, max = VxlanHeader.MAX_VNI) final int vni, @ForAll final boolean gbp,
        @ForAll @IntRange(min = 0, max = VxlanHeader.MAX_GROUP_POLICY_ID) final int groupPolicyId)
    {
        final MemorySegment segment = MemorySegment.ofArray(dirty(VxlanHeader.HEADER_LENGTH + 3));
        VxlanHeader.write(segment, 3, vni, gbp, groupPolicyId);
        final VxlanHeader vxlan = new VxlanHeader().wrap(segment, 3);
        assertEquals(gbp ? 0x88 : 0x08, vxlan.flags());
        assertTrue(vxlan.vniValid());
        assertEquals(gbp, vxlan.hasGroupPolicy());
        assertEquals(gbp ? groupPolicyId : 0, vxlan.groupPolicyId());
        assertEquals(vni, vxlan.vni());
        assertEquals(0, segment.get(ValueLayout.JAVA_BYTE, 3 + VxlanHeader.GBP_FLAGS_OFFSET));
        assertEquals(0, segment.get(ValueLayout.JAVA_BYTE, 3 + VxlanHeader.HEADER_LENGTH - 1));
    }
}
