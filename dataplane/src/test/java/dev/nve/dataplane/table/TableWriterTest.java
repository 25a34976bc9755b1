package dev.nve.dataplane.table;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

import static dev.nve.dataplane.table.EncapTemplatesTest.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class TableWriterTest
{
    private static final long UPLINK_MAC = 0x02_00_00_00_00_01L;
    private static final long GATEWAY_MAC = 0x02_00_00_00_00_FEL;
    private static final long C1 = 0x02_00_00_00_01_01L;
    private static final long C2 = 0x02_00_00_00_01_02L;
    private static final long C3 = 0x02_00_00_00_02_03L;
    private static final long R1 = 0x02_00_00_00_0A_01L;
    private static final long R2 = 0x02_00_00_00_0A_02L;
    private static final InetAddress VTEP1 = ip("198.18.0.1");
    private static final InetAddress VTEP2 = ip("198.18.0.2");
    private static final InetAddress VTEP3 = ip("198.18.0.3");
    private static final InetAddress VTEP4 = ip("198.18.0.4");

    private Tables tables;
    private TableWriter writer;

    @BeforeEach
    void setUp()
    {
        open(new Tables.Sizes(8, 16, 4));
    }

    private void open(final Tables.Sizes sizes)
    {
        if (tables != null)
        {
            tables.close();
        }
        tables = new Tables(sizes);
        writer = new TableWriter(tables);
    }

    @AfterEach
    void close()
    {
        tables.close();
    }

    private void standard()
    {
        writer.setUnderlay("uplink", UPLINK_MAC, 1500, 4789, List.of(VTEP1, ip("2001:db8::1")), GATEWAY_MAC);
        writer.addRemoteVtep(VTEP2, 0x02_00_00_00_00_02L);
        writer.addRemoteVtep(VTEP3, 0x02_00_00_00_00_03L);
        writer.addNetwork(100, true);
        writer.addNetwork(200, false);
        writer.addEndpoint("c1", 100, C1, 1001);
        writer.addEndpoint("c2", 100, C2, 1002);
        writer.addEndpoint("c3", 200, C3, 2003);
    }

    /** Runs a request that must be refused with a TableException and checks nothing changed. */
    private void assertRefusedUnchanged(final String what, final Executable request)
    {
        final TableSnapshot before = TableSnapshot.of(tables);
        final TableException e = assertThrows(TableException.class, request, what);
        assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "refusal says why: " + what);
        assertEquals(before, TableSnapshot.of(tables), "tables unchanged after refusal: " + what);
    }

    private int fdb(final int vni, final long mac)
    {
        return tables.fdb().get(FdbTable.key(tables.networks().find(vni), mac));
    }

    private int network(final int vni)
    {
        return tables.networks().find(vni);
    }

    @Test
    void standardConfigurationProducesLocalEntriesAndFloodPorts()
    {
        standard();
        final PortTable ports = tables.ports();
        assertEquals(PortTable.ROLE_UNDERLAY, ports.role(ports.find("uplink")));
        assertEquals(tables.underlay().portId(), ports.find("uplink"));
        final int c1 = ports.find("c1");
        assertEquals(PortTable.ROLE_ENDPOINT, ports.role(c1));
        assertEquals(network(100), ports.network(c1));
        assertEquals(1001, ports.identity(c1));
        assertEquals(FdbTable.local(c1), fdb(100, C1));
        assertEquals(FdbTable.MISSING, fdb(200, C1), "a MAC is per network");
        assertArrayEquals(new int[] {c1, ports.find("c2")}, tables.networks().floodPorts(network(100)));
        assertArrayEquals(new int[] {ports.find("c3")}, tables.networks().floodPorts(network(200)));
    }

    @Test
    void likelyConfigurationMistakesAreRefused()
    {
        standard();
        assertRefusedUnchanged("second endpoint with the same MAC in one VNI", () -> writer.addEndpoint("c9", 100, C1, 9));
        assertRefusedUnchanged("our own VTEP in a flood list", () -> writer.addFloodVtep(100, VTEP1));
        assertRefusedUnchanged("our own VTEP as an FDB target", () -> writer.addRemoteMac(100, R1, VTEP1));
        try (Tables other = new Tables())
        {
            final TableWriter fresh = new TableWriter(other);
            assertThrows(TableException.class, () -> fresh.setUnderlay("uplink", 0x01_00_5E_00_00_01L, 1500, 4789, List.of(VTEP1), GATEWAY_MAC),
                "multicast underlay MAC");
            assertNull(other.underlay(), "refused underlay leaves none configured");
        }
        writer.addEndpoint("c4", 200, C1, 4);
        assertEquals(FdbTable.local(tables.ports().find("c4")), fdb(200, C1), "the same MAC in another VNI is fine");
    }

    @Test
    void vniOutOfRangeIsRefused()
    {
        standard();
        for (final int vni : new int[] {-1, 0x100_0000, Integer.MAX_VALUE, Integer.MIN_VALUE})
        {
            assertRefusedUnchanged("addNetwork " + vni, () -> writer.addNetwork(vni, false));
            assertRefusedUnchanged("addEndpoint " + vni, () -> writer.addEndpoint("c9", vni, 0x02_00_00_00_09_09L, 1));
            assertRefusedUnchanged("addRemoteMac " + vni, () -> writer.addRemoteMac(vni, R1, VTEP2));
            assertRefusedUnchanged("addFloodVtep " + vni, () -> writer.addFloodVtep(vni, VTEP2));
        }
        writer.addNetwork(0, false);
        writer.addNetwork(0xFF_FFFF, false);
        assertNotEquals(NetworkTable.MISSING, network(0xFF_FFFF));
    }

    @Test
    void unknownVniIsRefused()
    {
        standard();
        assertRefusedUnchanged("endpoint", () -> writer.addEndpoint("c9", 300, 0x02_00_00_00_09_09L, 1));
        assertRefusedUnchanged("remote MAC", () -> writer.addRemoteMac(300, R1, VTEP2));
        assertRefusedUnchanged("flood VTEP", () -> writer.addFloodVtep(300, VTEP2));
        assertRefusedUnchanged("remove MAC", () -> writer.removeMac(300, R1));
        assertRefusedUnchanged("remove flood VTEP", () -> writer.removeFloodVtep(300, VTEP2));
    }

    @Test
    void multicastBroadcastZeroAndOversizedMacsAreRefused()
    {
        standard();
        for (final long mac : new long[] {0x01_00_5E_00_00_01L, 0x33_33_00_00_00_01L, 0xFF_FF_FF_FF_FF_FFL, 0L, 0x1_02_00_00_00_00_01L, -1L})
        {
            assertRefusedUnchanged("endpoint MAC " + Long.toHexString(mac), () -> writer.addEndpoint("c9", 100, mac, 1));
            assertRefusedUnchanged("remote MAC " + Long.toHexString(mac), () -> writer.addRemoteMac(100, mac, VTEP2));
        }
        assertEquals(-1, tables.ports().find("c9"), "refused endpoint's port not created");
    }

    @Test
    void fdbFullIsRefusedButReplacingAnExistingEntryStillWorks()
    {
        open(new Tables.Sizes(4, 4, 4));
        standard(); // 3 local entries
        writer.addRemoteMac(100, R1, VTEP2); // 4th
        assertEquals(4, tables.fdb().size());
        assertRefusedUnchanged("5th remote MAC", () -> writer.addRemoteMac(100, R2, VTEP2));
        assertRefusedUnchanged("5th endpoint", () -> writer.addEndpoint("c4", 200, 0x02_00_00_00_02_04L, 1));
        assertEquals(-1, tables.ports().find("c4"));
        writer.addRemoteMac(100, R1, VTEP3); // move: same key
        assertEquals(VTEP3.getAddress()[3], tables.templates().segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE,
            EncapTemplates.slotOffset(FdbTable.templateOf(fdb(100, R1))) + EncapTemplates.HEADER_OFFSET + 14 + 19));
        assertEquals(4, tables.fdb().size());
        assertTrue(writer.removeMac(100, R1));
        writer.addRemoteMac(100, R2, VTEP2);
        assertEquals(4, tables.fdb().size());
    }

    @Test
    void gbpIdentityThatDoesNotFitSixteenBitsIsRefused()
    {
        standard();
        assertRefusedUnchanged("identity 65536", () -> writer.addEndpoint("c9", 100, 0x02_00_00_00_09_09L, 65536));
        assertRefusedUnchanged("identity -1", () -> writer.addEndpoint("c9", 100, 0x02_00_00_00_09_09L, -1));
        assertRefusedUnchanged("existing port, identity 70000", () -> writer.addEndpoint("c2", 100, C2, 70_000));
        assertEquals(1002, tables.ports().identity(tables.ports().find("c2")));
        writer.addEndpoint("c9", 100, 0x02_00_00_00_09_09L, 65535);
        assertEquals(65535, tables.ports().identity(tables.ports().find("c9")));
        // without GBP the identity is not carried in a 16-bit field
        writer.addEndpoint("c8", 200, 0x02_00_00_00_08_08L, 70_000);
        assertEquals(70_000, tables.ports().identity(tables.ports().find("c8")));
    }

    @Test
    void remoteMacReplacingALocalEndpointIsRefused()
    {
        standard();
        assertRefusedUnchanged("remote over local", () -> writer.addRemoteMac(100, C1, VTEP2));
        assertEquals(FdbTable.local(tables.ports().find("c1")), fdb(100, C1));
        // the same MAC in another network is another key
        writer.addRemoteMac(200, C1, VTEP2);
        assertTrue(FdbTable.isRemote(fdb(200, C1)));
    }

    @Test
    void localEndpointReplacesARemoteMacAndReleasesItsTemplate()
    {
        standard();
        writer.addRemoteMac(100, R1, VTEP2);
        final int template = FdbTable.templateOf(fdb(100, R1));
        writer.addEndpoint("c9", 100, R1, 9);
        assertEquals(FdbTable.local(tables.ports().find("c9")), fdb(100, R1));
        // capacity 4: the released slot must be available again
        writer.addRemoteMac(200, R2, VTEP2);
        writer.addRemoteMac(200, 0x02_00_00_00_0A_03L, VTEP3);
        writer.addRemoteMac(200, 0x02_00_00_00_0A_04L, VTEP4);
        writer.addRemoteMac(200, 0x02_00_00_00_0A_05L, ip("198.18.0.5"));
        assertEquals(template, FdbTable.templateOf(fdb(200, 0x02_00_00_00_0A_05L)), "released slot reused when the table is full");
    }

    @Test
    void underlayPortCannotBeAnEndpoint()
    {
        standard();
        assertRefusedUnchanged("uplink as endpoint", () -> writer.addEndpoint("uplink", 100, 0x02_00_00_00_09_09L, 1));
        assertRefusedUnchanged("second underlay", () -> writer.setUnderlay("uplink2", UPLINK_MAC, 1500, 4789, List.of(VTEP1), GATEWAY_MAC));
        assertRefusedUnchanged("no VTEPs", () -> writer.setUnderlay("uplink3", UPLINK_MAC, 1500, 4789, List.of(), GATEWAY_MAC));
    }

    @Test
    void remoteVtepChecks()
    {
        writer.setUnderlay("uplink", UPLINK_MAC, 1500, 4789, List.of(VTEP1), -1);
        writer.addNetwork(100, false);
        assertRefusedUnchanged("IPv6 remote without IPv6 VTEP", () -> writer.addRemoteVtep(ip("2001:db8::2"), 0x02_00_00_00_00_02L));
        assertRefusedUnchanged("local address as remote", () -> writer.addRemoteVtep(VTEP1, 0x02_00_00_00_00_02L));
        assertRefusedUnchanged("no next hop and no gateway", () -> writer.addRemoteMac(100, R1, VTEP2));
        assertRefusedUnchanged("flood: no next hop and no gateway", () -> writer.addFloodVtep(100, VTEP2));
        assertArrayEquals(new int[0], tables.networks().floodTemplates(network(100)));
        writer.addRemoteVtep(VTEP2, 0x02_00_00_00_00_02L);
        writer.addRemoteMac(100, R1, VTEP2);
        assertTrue(FdbTable.isRemote(fdb(100, R1)));
    }

    @Test
    void remoteEntriesNeedAnUnderlay()
    {
        writer.addNetwork(100, false);
        assertRefusedUnchanged("remote MAC", () -> writer.addRemoteMac(100, R1, VTEP2));
        assertRefusedUnchanged("flood VTEP", () -> writer.addFloodVtep(100, VTEP2));
        assertRefusedUnchanged("remote VTEP", () -> writer.addRemoteVtep(VTEP2, 0x02_00_00_00_00_02L));
    }

    @Test
    void templateTableFullIsRefusedAndChangesNothing()
    {
        standard();
        writer.addRemoteMac(100, R1, VTEP2);
        writer.addRemoteMac(100, R2, VTEP3);
        writer.addFloodVtep(200, VTEP2);
        writer.addFloodVtep(200, VTEP4);
        assertRefusedUnchanged("5th template (remote MAC)", () -> writer.addRemoteMac(100, 0x02_00_00_00_0A_09L, ip("198.18.0.9")));
        assertRefusedUnchanged("5th template (flood)", () -> writer.addFloodVtep(100, ip("198.18.0.9")));
        // existing (VTEP, VNI) pairs share their template: no new slot needed
        writer.addRemoteMac(100, 0x02_00_00_00_0A_09L, VTEP2);
        assertEquals(fdb(100, R1), fdb(100, 0x02_00_00_00_0A_09L));
    }

    @Test
    void templateIsSharedPerVtepAndVniAndReleasedAfterTheLastUser()
    {
        standard(); // template capacity 4
        writer.addRemoteMac(100, R1, VTEP2);
        writer.addRemoteMac(100, R2, VTEP2);
        writer.addFloodVtep(100, VTEP2);
        final int shared = FdbTable.templateOf(fdb(100, R1));
        assertEquals(shared, FdbTable.templateOf(fdb(100, R2)));
        assertArrayEquals(new int[] {shared}, tables.networks().floodTemplates(network(100)));
        writer.addRemoteMac(200, R1, VTEP2); // another VNI: another template
        assertNotEquals(shared, FdbTable.templateOf(fdb(200, R1)));
        writer.addRemoteMac(200, R2, VTEP3);
        writer.addRemoteMac(200, 0x02_00_00_00_0A_03L, VTEP4);
        // 4 templates in use: (2,100) (2,200) (3,200) (4,200)
        final InetAddress vtep5 = ip("198.18.0.5");
        assertRefusedUnchanged("full", () -> writer.addRemoteMac(100, 0x02_00_00_00_0A_05L, vtep5));

        assertTrue(writer.removeMac(100, R1));
        assertRefusedUnchanged("still used by R2 and the flood list", () -> writer.addRemoteMac(100, 0x02_00_00_00_0A_05L, vtep5));
        // moving R2 to VTEP3 would need a fifth template: refused, R2 keeps its entry
        assertRefusedUnchanged("move needs a new template", () -> writer.addRemoteMac(100, R2, VTEP3));
        assertEquals(shared, FdbTable.templateOf(fdb(100, R2)));
    }

    @Test
    void templateSlotIsReleasedWhenTheLastFdbAndFloodUserIsGone()
    {
        standard(); // template capacity 4
        writer.addRemoteMac(100, R1, VTEP2);
        writer.addRemoteMac(100, R2, VTEP2);
        writer.addFloodVtep(100, VTEP2);
        final int shared = FdbTable.templateOf(fdb(100, R1));
        writer.addRemoteMac(200, R1, VTEP2);
        writer.addRemoteMac(200, R2, VTEP3);
        writer.addRemoteMac(200, 0x02_00_00_00_0A_03L, VTEP4);
        final InetAddress vtep5 = ip("198.18.0.5");
        final long r5 = 0x02_00_00_00_0A_05L;

        assertTrue(writer.removeMac(100, R1));
        assertRefusedUnchanged("used by R2 and flood", () -> writer.addRemoteMac(100, r5, vtep5));
        assertTrue(writer.removeMac(100, R2));
        assertFalse(writer.removeMac(100, R2), "already gone");
        assertRefusedUnchanged("used by flood", () -> writer.addRemoteMac(100, r5, vtep5));
        assertTrue(writer.removeFloodVtep(100, VTEP2));
        assertFalse(writer.removeFloodVtep(100, VTEP2), "already gone");
        assertArrayEquals(new int[0], tables.networks().floodTemplates(network(100)));

        writer.addRemoteMac(100, r5, vtep5);
        assertEquals(shared, FdbTable.templateOf(fdb(100, r5)), "the released slot is reused");
        assertEquals(5, tables.templates().segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE,
            EncapTemplates.slotOffset(shared) + EncapTemplates.HEADER_OFFSET + 14 + 19), "rebuilt for the new VTEP");
    }

    @Test
    void floodVtepsAreDeduplicatedAndPublishedInOrder()
    {
        standard();
        writer.addFloodVtep(100, VTEP2);
        writer.addFloodVtep(100, VTEP3);
        writer.addFloodVtep(100, VTEP2);
        final int[] templates = tables.networks().floodTemplates(network(100));
        assertEquals(2, templates.length);
        assertEquals(2, Arrays.stream(templates).distinct().count());
        assertTrue(writer.removeFloodVtep(100, VTEP2));
        assertEquals(1, tables.networks().floodTemplates(network(100)).length);
        assertEquals(templates[1], tables.networks().floodTemplates(network(100))[0]);
    }

    /**
     * Declaring port c1 as an endpoint of another VNI must not leave it reachable from the old
     * one: either the request is refused (tables unchanged) or c1 leaves VNI 100 completely
     * (no FDB entry, not in the flood list). Today addEndpoint moves the port's role but keeps
     * the old (VNI 100, MAC) -> c1 FDB entry and c1 in VNI 100's flood ports: traffic of
     * tenant 100 reaches a port of tenant 200.
     */
    @Test
    void movingAnEndpointPortToAnotherVniLeavesNothingBehind()
    {
        standard();
        final int c1 = tables.ports().find("c1");
        final TableSnapshot before = TableSnapshot.of(tables);
        try
        {
            writer.addEndpoint("c1", 200, 0x02_00_00_00_02_01L, 2001);
        }
        catch (final TableException refused)
        {
            assertEquals(before, TableSnapshot.of(tables), "refused: nothing changed");
            return;
        }
        assertEquals(network(200), tables.ports().network(c1));
        assertEquals(FdbTable.MISSING, fdb(100, C1), "old FDB entry of c1 in VNI 100 removed");
        assertFalse(Arrays.stream(tables.networks().floodPorts(network(100))).anyMatch(p -> p == c1), "c1 not in VNI 100's flood list");
    }

    /**
     * A network's GBP setting and the templates of its VNI must agree: re-adding VNI 100 with
     * GBP off either is refused or rebuilds the templates without the G flag. Today the
     * network flips but existing templates keep sending G + policy id (and decap stops
     * reading them), so the two directions disagree.
     */
    @Test
    void changingGroupPolicyOfAnExistingNetworkKeepsTemplatesConsistent()
    {
        standard();
        writer.addRemoteMac(100, R1, VTEP2);
        final TableSnapshot before = TableSnapshot.of(tables);
        try
        {
            writer.addNetwork(100, false);
        }
        catch (final TableException refused)
        {
            assertEquals(before, TableSnapshot.of(tables));
            return;
        }
        final int template = FdbTable.templateOf(fdb(100, R1));
        assertEquals(tables.networks().groupPolicy(network(100)), (tables.templates().flags(template) & EncapTemplates.FLAG_GBP) != 0,
            "template GBP flag follows the network");
    }
}
