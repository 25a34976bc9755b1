package dev.nve.pcaptests.ila;

import dev.nve.dataplane.ila.Ip6;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The two hosts of the ILA replay suite and the independent model of what ILA must do to a
 * frame (the expected outputs are built from this, never from a dataplane run).
 * <pre>
 *   domain  router MAC 02:00:00:00:00:ee; SIR prefixes fd00:5::/64 (IID), 2001:db8:6::/64 (LUID);
 *           tenants VNID 100 and VNID 200, both fd00:77::/96
 *   host A  uplink 02:00:00:00:00:01 (gateway 02:00:00:00:00:fe), locators 2001:db8:a::/64 and
 *           2001:db8:a2::/64; a1, a6 ILA-only; a2 tenant 100, a3 tenant 200; l1, l2 in L2 VNI 100
 *   host B  uplink 02:00:00:00:00:02, locator 2001:db8:b::/64; b1 ILA-only; b2 tenant 100, b3 tenant 200
 *   host C  locator 2001:db8:c::/64, reached through next hop 02:00:00:00:00:0c (only mapped)
 * </pre>
 * Identifier ::b1/::b2/::b3/::b4 of each kind (IID, LUID, VIRT_UNI_V6 in either tenant) lives on B
 * with checksum mode adjust-transport/neutral-map/neutral-map-auto/no-action respectively.
 */
final class IlaModel
{
    static final String ROUTER = "02:00:00:00:00:ee";
    static final String A_UPLINK = "02:00:00:00:00:01";
    static final String B_UPLINK = "02:00:00:00:00:02";
    static final String GATEWAY = "02:00:00:00:00:fe";
    static final String C_NEXT_HOP = "02:00:00:00:00:0c";
    static final String A1 = "02:00:00:00:0a:01";
    static final String A2 = "02:00:00:00:0a:02";
    static final String A3 = "02:00:00:00:0a:03";
    static final String A6 = "02:00:00:00:0a:06";
    static final String L1 = "02:00:00:00:0a:11";
    static final String L2 = "02:00:00:00:0a:12";
    static final String B1 = "02:00:00:00:0b:01";
    static final String B2 = "02:00:00:00:0b:02";
    static final String B3 = "02:00:00:00:0b:03";
    static final String LOC_A = "2001:db8:a::";
    static final String LOC_A2 = "2001:db8:a2::";
    static final String LOC_B = "2001:db8:b::";
    static final String LOC_C = "2001:db8:c::";
    static final String SIR_IID = "fd00:5::";
    static final String SIR_LUID = "2001:db8:6::";
    static final String TENANT_PREFIX = "fd00:77::";
    static final int VNID_1 = 100;
    static final int VNID_2 = 200;

    static final String IID = "iid";
    static final String LUID = "luid";
    static final String VIRT = "virt-uni-v6";

    enum Mode
    {
        ADJUST_TRANSPORT, NEUTRAL_MAP, NEUTRAL_MAP_AUTO, NO_ACTION;

        String json()
        {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        boolean neutral()
        {
            return this == NEUTRAL_MAP || this == NEUTRAL_MAP_AUTO;
        }
    }

    /**
     * One mapping of the config: SIR address, type, tenant, locator, mode, owning endpoint
     * (local) or next-hop MAC (remote, null = the gateway).
     */
    record Mapping(String sir, String type, int vnid, String locator, Mode mode, String endpoint, String nextHop)
    {
        long high()
        {
            return Ip6.addr(sir)[0];
        }

        long low()
        {
            return Ip6.addr(sir)[1];
        }

        long locatorHigh()
        {
            return Ip6.addr(locator)[0];
        }

        /** The egress key: the low 64 bits, or for VIRT_UNI_V6 type 3, VNID, low 32 bits. */
        long key()
        {
            return type.equals(VIRT) ? (3L << 61) | ((long)vnid << 32) | (low() & 0xFFFF_FFFFL) : low();
        }

        /**
         * The identifier on the wire: the key, with the C bit for neutral-map and for the neutral
         * modes the low word that keeps the address's word sum modulo 0xFFFF, in [0, 0xFFFE].
         */
        long wire()
        {
            long id = key();
            if (mode == Mode.NEUTRAL_MAP)
            {
                id |= 1L << 60;
            }
            if (mode.neutral())
            {
                final long target = Ip6.addressResidue(high(), low());
                final long rest = (Ip6.words(locatorHigh()) + Ip6.words(id & ~0xFFFFL)) % 0xFFFF;
                id = (id & ~0xFFFFL) | ((target - rest + 0xFFFF) % 0xFFFF);
            }
            return id;
        }

        String wireText()
        {
            return Ip6.rfc5952(locatorHigh(), wire());
        }

        ObjectNode json()
        {
            final ObjectNode m = JsonNodeFactory.instance.objectNode();
            m.put("sir", sir);
            m.put("type", type);
            if (type.equals(VIRT))
            {
                m.put("vnid", vnid);
            }
            m.put("locator", locator + "/64");
            m.put("checksum", mode.json());
            if (endpoint != null)
            {
                m.put("endpoint", endpoint);
            }
            if (nextHop != null)
            {
                m.put("nextHopMac", nextHop);
            }
            return m;
        }
    }

    static Mapping iid(final String sir, final String locator, final Mode mode, final String endpoint)
    {
        return new Mapping(sir, IID, -1, locator, mode, endpoint, null);
    }

    static Mapping luid(final String sir, final String locator, final Mode mode, final String endpoint)
    {
        return new Mapping(sir, LUID, -1, locator, mode, endpoint, null);
    }

    static Mapping virt(final int vnid, final String sir, final String locator, final Mode mode, final String endpoint)
    {
        return new Mapping(sir, VIRT, vnid, locator, mode, endpoint, null);
    }

    // ---- the identifiers of the suite -------------------------------------------------------------

    private static final Mode[] BY_INDEX = Mode.values();

    /** Identifier ::bN (N = 1..4, mode N-1) of {@code type} on host B; endpoint set when {@code local}. */
    static Mapping onB(final String type, final int vnid, final int n, final boolean local)
    {
        final Mode mode = BY_INDEX[n - 1];
        return switch (type)
        {
            case IID -> iid("fd00:5::b" + n, LOC_B, mode, local ? "b1" : null);
            case LUID -> luid("2001:db8:6::2000:0:0:b" + n, LOC_B, mode, local ? "b1" : null);
            default -> virt(vnid, "fd00:77::b" + n, LOC_B, mode, local ? (vnid == VNID_1 ? "b2" : "b3") : null);
        };
    }

    static List<Mapping> bIdentifiers(final boolean local)
    {
        final List<Mapping> all = new ArrayList<>();
        for (int n = 1; n <= 4; n++)
        {
            all.add(onB(IID, -1, n, local));
            all.add(onB(LUID, -1, n, local));
            all.add(onB(VIRT, VNID_1, n, local));
            all.add(onB(VIRT, VNID_2, n, local));
        }
        return all;
    }

    /** A's local identifiers: a1 (adjust), a7 (neutral-map), a8 (neutral-map-auto), a9 (no-action) on a1, a6 on a6, LUID a1, and tenant addresses fd00:77::a2 in both tenants. */
    static List<Mapping> aIdentifiers(final boolean local)
    {
        final String loc = LOC_A;
        return List.of(
            iid("fd00:5::a1", loc, Mode.ADJUST_TRANSPORT, local ? "a1" : null),
            iid("fd00:5::a7", loc, Mode.NEUTRAL_MAP, local ? "a1" : null),
            iid("fd00:5::a8", loc, Mode.NEUTRAL_MAP_AUTO, local ? "a1" : null),
            iid("fd00:5::a9", loc, Mode.NO_ACTION, local ? "a1" : null),
            iid("fd00:5::a6", loc, Mode.ADJUST_TRANSPORT, local ? "a6" : null),
            luid("2001:db8:6::2000:0:0:a1", loc, Mode.NEUTRAL_MAP, local ? "a1" : null),
            virt(VNID_1, "fd00:77::a2", loc, Mode.ADJUST_TRANSPORT, local ? "a2" : null),
            virt(VNID_2, "fd00:77::a2", loc, Mode.NEUTRAL_MAP, local ? "a3" : null));
    }

    static final Mapping C1 = new Mapping("fd00:5::c1", IID, -1, LOC_C, Mode.ADJUST_TRANSPORT, null, C_NEXT_HOP);

    // ---- configs -------------------------------------------------------------------------------

    static ObjectNode hostA()
    {
        final List<Mapping> mappings = new ArrayList<>(aIdentifiers(true));
        mappings.addAll(bIdentifiers(false));
        mappings.add(C1);
        return hostA(mappings);
    }

    static ObjectNode hostA(final List<Mapping> mappings)
    {
        final ObjectNode root = JsonNodeFactory.instance.objectNode();
        final ObjectNode u = root.putObject("underlay");
        u.put("port", "uplink");
        u.put("mac", A_UPLINK);
        u.putArray("vteps").add("198.18.0.1");
        u.put("gatewayMac", GATEWAY);
        root.putArray("networks").addObject().put("vni", 100);
        final ArrayNode endpoints = root.putArray("endpoints");
        endpoint(endpoints, "a1", -1, A1, -1, "fd00:5::a1", "fd00:5::a7", "fd00:5::a8", "fd00:5::a9", "2001:db8:6::2000:0:0:a1");
        endpoint(endpoints, "a2", -1, A2, VNID_1, "fd00:77::a2");
        endpoint(endpoints, "a3", -1, A3, VNID_2, "fd00:77::a2");
        endpoint(endpoints, "a6", -1, A6, -1, "fd00:5::a6");
        endpoint(endpoints, "l1", 100, L1, -1, "fd00:100::11");
        endpoint(endpoints, "l2", 100, L2, -1, "fd00:100::12");
        ila(root, List.of(LOC_A, LOC_A2), mappings);
        return root;
    }

    static ObjectNode hostB()
    {
        final List<Mapping> mappings = new ArrayList<>(bIdentifiers(true));
        mappings.addAll(aIdentifiers(false));
        final ObjectNode root = JsonNodeFactory.instance.objectNode();
        final ObjectNode u = root.putObject("underlay");
        u.put("port", "uplink");
        u.put("mac", B_UPLINK);
        u.putArray("vteps").add("198.18.0.2");
        u.put("gatewayMac", GATEWAY);
        final ArrayNode endpoints = root.putArray("endpoints");
        endpoint(endpoints, "b1", -1, B1, -1, "fd00:5::b1", "2001:db8:6::2000:0:0:b1");
        endpoint(endpoints, "b2", -1, B2, VNID_1, "fd00:77::b1");
        endpoint(endpoints, "b3", -1, B3, VNID_2, "fd00:77::b1");
        ila(root, List.of(LOC_B), mappings);
        return root;
    }

    private static void endpoint(final ArrayNode endpoints, final String port, final int vni, final String mac, final int tenant, final String... ips)
    {
        final ObjectNode e = endpoints.addObject();
        e.put("name", port);
        e.put("port", port);
        if (vni >= 0)
        {
            e.put("vni", vni);
        }
        e.put("mac", mac);
        final ArrayNode a = e.putArray("ips");
        for (final String ip : ips)
        {
            a.add(ip);
        }
        if (tenant >= 0)
        {
            e.put("ilaTenant", tenant);
        }
    }

    private static void ila(final ObjectNode root, final List<String> locators, final List<Mapping> mappings)
    {
        final ObjectNode ila = root.putObject("ila");
        ila.put("routerMac", ROUTER);
        final ArrayNode l = ila.putArray("locators");
        locators.forEach(x -> l.add(x + "/64"));
        ila.putArray("sirPrefixes").add(SIR_IID + "/64").add(SIR_LUID + "/64");
        final ArrayNode tenants = ila.putArray("tenants");
        tenants.addObject().put("vnid", VNID_1).put("sirPrefix", TENANT_PREFIX + "/96");
        tenants.addObject().put("vnid", VNID_2).put("sirPrefix", TENANT_PREFIX + "/96");
        final ArrayNode m = ila.putArray("mappings");
        mappings.forEach(x -> m.add(x.json()));
    }

    static long mac(final String text)
    {
        return Long.parseLong(text.replace(":", ""), 16);
    }

    static String macText(final long mac)
    {
        final StringBuilder s = new StringBuilder();
        for (int i = 5; i >= 0; i--)
        {
            s.append(String.format("%02x", (mac >>> (8 * i)) & 0xFF));
            if (i > 0)
            {
                s.append(':');
            }
        }
        return s.toString();
    }
}
