package dev.nve.dataplane.table;

import dev.nve.dataplane.wire.VxlanHeader;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class NetworkTableTest
{
    @Test
    void indexesStartAtOneAndFindMapsVniToIndex()
    {
        try (NetworkTable networks = new NetworkTable(4))
        {
            assertEquals(NetworkTable.MISSING, networks.find(100));
            final int a = networks.add(100, false);
            final int b = networks.add(200, true);
            assertEquals(1, a);
            assertEquals(2, b);
            assertEquals(a, networks.find(100));
            assertEquals(b, networks.find(200));
            assertEquals(100, networks.vni(a));
            assertEquals(200, networks.vni(b));
            assertFalse(networks.groupPolicy(a));
            assertTrue(networks.groupPolicy(b));
            assertEquals(2, networks.size());
            assertEquals(NetworkTable.MISSING, networks.find(300));
        }
    }

    @Test
    void vniZeroAndTheLargestVniAreUsable()
    {
        try (NetworkTable networks = new NetworkTable(4))
        {
            final int zero = networks.add(0, false);
            final int max = networks.add(VxlanHeader.MAX_VNI, false);
            assertEquals(zero, networks.find(0));
            assertEquals(max, networks.find(VxlanHeader.MAX_VNI));
            assertEquals(0, networks.vni(zero));
            assertEquals(VxlanHeader.MAX_VNI, networks.vni(max));
        }
    }

    @Test
    void addingAnExistingVniReturnsTheSameIndex()
    {
        try (NetworkTable networks = new NetworkTable(2))
        {
            final int a = networks.add(100, false);
            assertEquals(a, networks.add(100, true));
            assertTrue(networks.groupPolicy(a));
            assertEquals(1, networks.size());
        }
    }

    @Test
    void fullTableReturnsMinusOne()
    {
        try (NetworkTable networks = new NetworkTable(2))
        {
            networks.add(1, false);
            networks.add(2, false);
            assertEquals(-1, networks.add(3, false));
            assertEquals(NetworkTable.MISSING, networks.find(3));
            assertEquals(2, networks.size());
            assertEquals(2, networks.add(2, false), "existing VNI still found when full");
        }
    }

    @Test
    void floodTargetsDefaultToEmptyAndArePublishedAsCopies()
    {
        try (NetworkTable networks = new NetworkTable(2))
        {
            final int n = networks.add(100, false);
            assertArrayEquals(new int[0], networks.floodPorts(n));
            assertArrayEquals(new int[0], networks.floodTemplates(n));
            final int[] ports = {1, 2};
            final int[] templates = {5};
            networks.setFloodPorts(n, ports);
            networks.setFloodTemplates(n, templates);
            ports[0] = 99;
            templates[0] = 99;
            assertArrayEquals(new int[] {1, 2}, networks.floodPorts(n));
            assertArrayEquals(new int[] {5}, networks.floodTemplates(n));
            final int[] published = networks.floodPorts(n);
            networks.setFloodPorts(n, new int[] {3});
            assertArrayEquals(new int[] {1, 2}, published, "a reader's array is never changed in place");
            assertArrayEquals(new int[] {3}, networks.floodPorts(n));
        }
    }
}
