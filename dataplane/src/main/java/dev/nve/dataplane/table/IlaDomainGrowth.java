package dev.nve.dataplane.table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ILA domain while mappings exist: it may only grow. Mappings and ipcache zones refer to
 * locators, SIR prefixes and tenants by their index in the domain, so everything the domain had
 * must stay where it is, and what is new is appended. A new local locator must not be one that a
 * mapping already sends to a remote host (the mapping would change sides under the workers).
 */
final class IlaDomainGrowth
{
    private IlaDomainGrowth()
    {
    }

    /** {@code old} grown to the wanted locators, SIR prefixes and tenants (IPv6 only), or a refusal saying what would go or change. */
    static IlaTable.Domain grow(final IlaTable.Domain old, final long[] localLocators, final long[] sirPrefixes, final Map<Integer, long[]> tenants,
        final long routerMac, final Iterable<IlaTable.Stored> mappings)
    {
        return grow(old, localLocators, sirPrefixes, tenants, Map.of(), routerMac, mappings);
    }

    /**
     * {@code old} grown to the wanted locators, SIR prefixes and tenants, or a refusal saying what
     * would go or change. A tenant is one entry whether it has an IPv6 /96 ({@code tenants}),
     * IPv4 prefixes ({@code ipv4Tenants}) or both; what a tenant had must stay as it was, a
     * family it lacked may be added.
     */
    static IlaTable.Domain grow(final IlaTable.Domain old, final long[] localLocators, final long[] sirPrefixes, final Map<Integer, long[]> tenants,
        final Map<Integer, IlaTable.Ipv4Tenant> ipv4Tenants, final long routerMac, final Iterable<IlaTable.Stored> mappings)
    {
        if (routerMac != old.routerMac())
        {
            throw new TableException("the ILA router MAC cannot change while mappings exist");
        }
        final long[] locators = grown(old.localLocators(), localLocators, "locator");
        for (final long added : Arrays.copyOfRange(locators, old.localLocators().length, locators.length))
        {
            for (final IlaTable.Stored stored : mappings)
            {
                if (stored.mapping().locator() == added)
                {
                    throw new TableException("ILA locator " + Long.toHexString(added) + " cannot become local: mappings send to it as a remote host's");
                }
            }
        }
        final long[] prefixes = grown(old.sirPrefixes(), sirPrefixes, "SIR prefix");
        final Set<Integer> wanted = new LinkedHashSet<>(tenants.keySet());
        wanted.addAll(ipv4Tenants.keySet());
        final List<Integer> vnids = new ArrayList<>();
        for (int i = 0; i < old.tenantVnids().length; i++)
        {
            final int vnid = old.tenantVnids()[i];
            final long[] kept = tenants.get(vnid);
            if (!wanted.contains(vnid) || old.tenantHasIpv6(i) &&
                (kept == null || kept[0] != old.tenantPrefixes()[2 * i] || (kept[1] & 0xFFFF_FFFFL) != old.tenantPrefixes()[2 * i + 1]))
            {
                throw new TableException("ILA tenant " + vnid + " cannot go or change its SIR prefix while mappings exist");
            }
            if (old.tenantHasIpv4(i) && !old.ipv4Tenant(i).sameAs(ipv4Tenants.get(vnid)))
            {
                throw new TableException("ILA tenant " + vnid + " cannot drop or change its IPv4 prefixes or IPv4 SIR prefix while mappings exist");
            }
            vnids.add(vnid);
        }
        for (final int vnid : wanted)
        {
            if (!vnids.contains(vnid))
            {
                TableWriter.checkVnid(vnid);
                vnids.add(vnid);
            }
        }
        final int count = vnids.size();
        final int[] tenantVnids = new int[count];
        final long[] tenantPrefixes = new long[2 * count];
        final long[] ipv4Sir = new long[count];
        final List<int[]> ipv4Prefixes = new ArrayList<>();
        for (int t = 0; t < count; t++)
        {
            final int vnid = vnids.get(t);
            tenantVnids[t] = vnid;
            final long[] v6 = tenants.get(vnid);
            tenantPrefixes[2 * t] = v6 == null ? 0 : v6[0];
            tenantPrefixes[2 * t + 1] = v6 == null ? IlaTable.Domain.NO_IPV6 : v6[1] & 0xFFFF_FFFFL;
            final IlaTable.Ipv4Tenant v4 = ipv4Tenants.get(vnid);
            if (v4 != null)
            {
                ipv4Sir[t] = v4.sirPrefix();
                for (int p = 0; p < v4.addresses().length; p++)
                {
                    ipv4Prefixes.add(new int[] {t, v4.addresses()[p], IlaTable.Ipv4Tenant.mask(v4.lengths()[p])});
                }
            }
        }
        return new IlaTable.Domain(locators, prefixes, tenantVnids, tenantPrefixes, routerMac, old.underlayPort(), ipv4Sir,
            ipv4Prefixes.stream().mapToInt(x -> x[0]).toArray(), ipv4Prefixes.stream().mapToInt(x -> x[1]).toArray(),
            ipv4Prefixes.stream().mapToInt(x -> x[2]).toArray());
    }

    /** {@code old} followed by what {@code wanted} adds; refused when {@code wanted} misses one of {@code old}. */
    private static long[] grown(final long[] old, final long[] wanted, final String what)
    {
        final long[] result = Arrays.copyOf(old, old.length + wanted.length);
        int count = old.length;
        for (final long o : old)
        {
            if (Arrays.stream(wanted).noneMatch(w -> w == o))
            {
                throw new TableException("ILA " + what + " " + Long.toHexString(o) + " cannot go while mappings exist");
            }
        }
        for (final long w : wanted)
        {
            if (Arrays.stream(result, 0, count).noneMatch(r -> r == w))
            {
                result[count++] = w;
            }
        }
        return Arrays.copyOf(result, count);
    }

}
