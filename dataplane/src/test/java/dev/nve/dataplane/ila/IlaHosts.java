package dev.nve.dataplane.ila;

import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.table.IlaTable.ChecksumMode;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Two ILA hosts for the tests, and the expected wire form of an identifier computed here,
 * independently of {@code IlaTable} (modular arithmetic, not the dataplane's folding).
 * <pre>
 *   domain: router MAC 02:00:00:00:00:ee; SIR prefixes fd00:5::/64 (IID) and 2001:db8:6::/64
 *           (LUID); tenants VNID 100 and VNID 200, both with SIR prefix fd00:77::/96
 *   host A: uplink 02:00:00:00:00:01 (gateway 02:00:00:00:00:fe), locators 2001:db8:a::/64 and
 *           2001:db8:a2::/64; ILA-only endpoints a1 (MAC ..:0a:01) and a6 (..:0a:06); a2 in
 *           tenant 100 (..:0a:02), a3 in tenant 200 (..:0a:03); l1, l2 in L2 network VNI 100
 *   host B: uplink 02:00:00:00:00:02, locator 2001:db8:b::/64; b1 ILA-only (..:0b:01), b2 in
 *           tenant 100 (..:0b:02), b3 in tenant 200 (..:0b:03)
 * </pre>
 */
final class IlaHosts
{
    static final long ROUTER_MAC = 0x02_00_00_00_00_EEL;
    static final long A_UPLINK_MAC = 0x02_00_00_00_00_01L;
    static final long B_UPLINK_MAC = 0x02_00_00_00_00_02L;
    static final long GATEWAY_MAC = TestHost.GATEWAY_MAC;
    static final long SIR_IID = 0xFD00_0005_0000_0000L;
    static final long SIR_LUID = 0x2001_0DB8_0006_0000L;
    static final long TENANT_HIGH = 0xFD00_0077_0000_0000L;
    static final long TENANT_LOW32 = 0;
    static final int VNID_1 = 100;
    static final int VNID_2 = 200;
    static final long LOC_A = 0x2001_0DB8_000A_0000L;
    static final long LOC_A2 = 0x2001_0DB8_00A2_0000L;
    static final long LOC_B = 0x2001_0DB8_000B_0000L;
    static final long A1_MAC = 0x02_00_00_00_0A_01L;
    static final long A2_MAC = 0x02_00_00_00_0A_02L;
    static final long A3_MAC = 0x02_00_00_00_0A_03L;
    static final long A6_MAC = 0x02_00_00_00_0A_06L;
    static final long L1_MAC = 0x02_00_00_00_0A_11L;
    static final long L2_MAC = 0x02_00_00_00_0A_12L;
    static final long B1_MAC = 0x02_00_00_00_0B_01L;
    static final long B2_MAC = 0x02_00_00_00_0B_02L;
    static final long B3_MAC = 0x02_00_00_00_0B_03L;

    static final int TYPE_IID = 0;
    static final int TYPE_LUID = 1;
    static final int TYPE_VIRT_UNI_V6 = 3;

    private IlaHosts()
    {
    }

    /** A SIR address with its identifier type and (VIRT_UNI_V6) tenant. */
    record Sir(int type, long high, long low, int vnid)
    {
        static Sir iid(final long identifier)
        {
            return new Sir(TYPE_IID, SIR_IID, identifier, -1);
        }

        static Sir luid(final long lowBits)
        {
            return new Sir(TYPE_LUID, SIR_LUID, (1L << 61) | lowBits, -1);
        }

        static Sir virt(final int vnid, final int hostPart)
        {
            return new Sir(TYPE_VIRT_UNI_V6, TENANT_HIGH, (TENANT_LOW32 << 32) | (hostPart & 0xFFFF_FFFFL), vnid);
        }

        String text()
        {
            return Ip6.text(high, low);
        }

        /** The identifier the egress lookup uses (VIRT_UNI_V6: type, VNID, low 32 bits). */
        long key()
        {
            return type == TYPE_VIRT_UNI_V6 ? (3L << 61) | ((long)vnid << 32) | (low & 0xFFFF_FFFFL) : low;
        }

        @Override
        public String toString()
        {
            return (type == TYPE_IID ? "IID " : type == TYPE_LUID ? "LUID " : "VIRT_UNI_V6/" + vnid + " ") + text();
        }
    }

    /**
     * The identifier on the wire for {@code sir} mapped to {@code locator}: the egress key, with
     * the C bit for neutral-map, and for both neutral modes the low 16 bits chosen so that the
     * address's word sum is unchanged modulo 0xFFFF, as a value in [0x0000, 0xFFFE].
     */
    static long wire(final Sir sir, final long locator, final ChecksumMode mode)
    {
        long id = sir.key();
        if (mode == ChecksumMode.NEUTRAL_MAP)
        {
            id |= 1L << 60;
        }
        if (mode == ChecksumMode.NEUTRAL_MAP || mode == ChecksumMode.NEUTRAL_MAP_AUTO)
        {
            final long target = Ip6.addressResidue(sir.high(), sir.low());
            final long rest = (Ip6.words(locator) + Ip6.words(id & ~0xFFFFL)) % 0xFFFF;
            id = (id & ~0xFFFFL) | ((target - rest + 0xFFFF) % 0xFFFF);
        }
        return id;
    }

    static void underlayAndDomain(final TableWriter w, final long uplinkMac, final String vtep, final long[] locators)
    {
        w.setUnderlay("uplink", uplinkMac, 1500, 4789, List.of(TestHost.ip(vtep)), GATEWAY_MAC);
        final Map<Integer, long[]> tenants = new LinkedHashMap<>();
        tenants.put(VNID_1, new long[] {TENANT_HIGH, TENANT_LOW32});
        tenants.put(VNID_2, new long[] {TENANT_HIGH, TENANT_LOW32});
        w.setIlaDomain(locators, new long[] {SIR_IID, SIR_LUID}, tenants, ROUTER_MAC);
    }

    static void configureA(final TableWriter w)
    {
        underlayAndDomain(w, A_UPLINK_MAC, "198.18.0.1", new long[] {LOC_A, LOC_A2});
        w.addEndpoint("a1", -1, A1_MAC, 0, -1);
        w.addEndpoint("a2", -1, A2_MAC, 0, VNID_1);
        w.addEndpoint("a3", -1, A3_MAC, 0, VNID_2);
        w.addEndpoint("a6", -1, A6_MAC, 0, -1);
        w.addNetwork(100, false);
        w.addEndpoint("l1", 100, L1_MAC, 0);
        w.addEndpoint("l2", 100, L2_MAC, 0);
    }

    static void configureB(final TableWriter w)
    {
        underlayAndDomain(w, B_UPLINK_MAC, "198.18.0.2", new long[] {LOC_B});
        w.addEndpoint("b1", -1, B1_MAC, 0, -1);
        w.addEndpoint("b2", -1, B2_MAC, 0, VNID_1);
        w.addEndpoint("b3", -1, B3_MAC, 0, VNID_2);
    }

    static TestHost hostA()
    {
        return host(IlaHosts::configureA);
    }

    static TestHost hostB()
    {
        return host(IlaHosts::configureB);
    }

    static TestHost host(final Consumer<TableWriter> configure)
    {
        return new TestHost(new Tables.Sizes(16, 64, 16, 256), 128, 128, 32, configure);
    }

    /** Maps {@code sir} to {@code locator}; {@code endpoint} names the owner when the locator is the host's own. */
    static void map(final TestHost host, final Sir sir, final long locator, final ChecksumMode mode, final String endpoint)
    {
        host.writer.addIlaMapping(sir.type(), sir.high(), sir.low(), sir.vnid(), locator, mode, endpoint, -1);
    }

    /** The endpoint port of host A that sends to {@code sir}: a2 for tenant 100, a3 for tenant 200, else a1. */
    static String senderA(final Sir sir)
    {
        return sir.type() != TYPE_VIRT_UNI_V6 ? "a1" : sir.vnid() == VNID_1 ? "a2" : "a3";
    }

    static long senderMacA(final Sir sir)
    {
        return switch (senderA(sir))
        {
            case "a2" -> A2_MAC;
            case "a3" -> A3_MAC;
            default -> A1_MAC;
        };
    }

    /** The source SIR address of host A's sender for {@code sir}'s type. */
    static String sourceA(final Sir sir)
    {
        return switch (sir.type())
        {
            case TYPE_IID -> "fd00:5::a1";
            case TYPE_LUID -> "2001:db8:6::2000:0:0:a1";
            default -> "fd00:77::a2";
        };
    }

    /** The endpoint port of host B that owns {@code sir}: b2 for tenant 100, b3 for tenant 200, else b1. */
    static String ownerB(final Sir sir)
    {
        return sir.type() != TYPE_VIRT_UNI_V6 ? "b1" : sir.vnid() == VNID_1 ? "b2" : "b3";
    }

    static long ownerMacB(final Sir sir)
    {
        return switch (ownerB(sir))
        {
            case "b2" -> B2_MAC;
            case "b3" -> B3_MAC;
            default -> B1_MAC;
        };
    }
}
