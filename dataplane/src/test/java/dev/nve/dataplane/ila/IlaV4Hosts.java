package dev.nve.dataplane.ila;

import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.table.IlaIdentifier;
import dev.nve.dataplane.table.IlaTable;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;

import java.util.List;
import java.util.Map;

/**
 * Two hosts with IPv4 ILA tenants (VIRT_V4). Tenants 300 and 400 both use 198.19.1.0/24 with
 * translated addresses under fd00:44::/64 (so a translated address is
 * fd00:44::4000:12c:c613:10b for tenant 300's 198.19.1.11).
 * <pre>
 *   A  locator 2001:db8:a::/64; a4 = 198.19.1.4 (tenant 300), a5 = 198.19.1.4 (tenant 400), a7 = 198.19.1.7 (tenant 300)
 *   B  locator 2001:db8:b::/64; b4 = 198.19.1.11 (tenant 300), b5 = 198.19.1.11 (tenant 400)
 * </pre>
 */
final class IlaV4Hosts
{
    static final long ROUTER_MAC = 0x02_00_00_00_00_EEL;
    static final long LOC_A = 0x2001_0DB8_000A_0000L;
    static final long LOC_B = 0x2001_0DB8_000B_0000L;
    static final long SIR4 = 0xFD00_0044_0000_0000L;
    static final int T1 = 300;
    static final int T2 = 400;
    static final long A4_MAC = 0x02_00_00_00_0A_04L;
    static final long A5_MAC = 0x02_00_00_00_0A_05L;
    static final long A7_MAC = 0x02_00_00_00_0A_07L;
    static final long B4_MAC = 0x02_00_00_00_0B_04L;
    static final long B5_MAC = 0x02_00_00_00_0B_05L;
    static final int A_IP = Ip4.addr("198.19.1.4");
    static final int A7_IP = Ip4.addr("198.19.1.7");
    static final int B_IP = Ip4.addr("198.19.1.11");

    private IlaV4Hosts()
    {
    }

    static Map<Integer, IlaTable.Ipv4Tenant> tenants()
    {
        final IlaTable.Ipv4Tenant t = new IlaTable.Ipv4Tenant(SIR4, new int[] {Ip4.addr("198.19.1.0")}, new int[] {24});
        return Map.of(T1, t, T2, new IlaTable.Ipv4Tenant(SIR4, new int[] {Ip4.addr("198.19.1.0")}, new int[] {24}));
    }

    static TestHost hostA(final int mtu)
    {
        return new TestHost(new Tables.Sizes(16, 64, 16, 64), 256, 256, 64, w -> configureA(w, mtu));
    }

    static TestHost hostB()
    {
        return new TestHost(new Tables.Sizes(16, 64, 16, 64), 256, 256, 64, IlaV4Hosts::configureB);
    }

    static void configureA(final TableWriter w, final int mtu)
    {
        w.setUnderlay("uplink", TestHost.UPLINK_MAC, mtu, 4789, List.of(TestHost.ip("198.18.0.1")), TestHost.GATEWAY_MAC);
        w.setIlaDomain(new long[] {LOC_A}, new long[0], Map.of(), tenants(), ROUTER_MAC);
        w.addEndpoint("a4", -1, A4_MAC, 0, T1);
        w.addEndpoint("a5", -1, A5_MAC, 0, T2);
        w.addEndpoint("a7", -1, A7_MAC, 0, T1);
        v4(w, T1, A_IP, LOC_A, "a4");
        v4(w, T2, A_IP, LOC_A, "a5");
        v4(w, T1, A7_IP, LOC_A, "a7");
        v4(w, T1, B_IP, LOC_B, null);
        v4(w, T2, B_IP, LOC_B, null);
    }

    static void configureB(final TableWriter w)
    {
        w.setUnderlay("uplink", 0x02_00_00_00_00_02L, 1500, 4789, List.of(TestHost.ip("198.18.0.2")), TestHost.GATEWAY_MAC);
        w.setIlaDomain(new long[] {LOC_B}, new long[0], Map.of(), tenants(), ROUTER_MAC);
        w.addEndpoint("b4", -1, B4_MAC, 0, T1);
        w.addEndpoint("b5", -1, B5_MAC, 0, T2);
        v4(w, T1, B_IP, LOC_B, "b4");
        v4(w, T2, B_IP, LOC_B, "b5");
        v4(w, T1, A_IP, LOC_A, null);
        v4(w, T2, A_IP, LOC_A, null);
        v4(w, T1, A7_IP, LOC_A, null);
    }

    static void v4(final TableWriter w, final int vnid, final int ipv4, final long locator, final String endpoint)
    {
        w.addIlaMapping(IlaIdentifier.TYPE_VIRT_V4, 0, ipv4 & 0xFFFF_FFFFL, vnid, locator, IlaTable.ChecksumMode.ADJUST_TRANSPORT, endpoint, -1);
    }

    static long source(final int vnid, final int ipv4)
    {
        return Ip4.virtV4(vnid, ipv4);
    }
}
