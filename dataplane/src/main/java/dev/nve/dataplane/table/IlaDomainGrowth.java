package dev.nve.dataplane.table;

import java.util.Arrays;
import java.util.Map;

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

    /** {@code old} grown to the wanted locators, SIR prefixes and tenants, or a refusal saying what would go or change. */
    static IlaTable.Domain grow(final IlaTable.Domain old, final long[] localLocators, final long[] sirPrefixes, final Map<Integer, long[]> tenants,
        final long routerMac, final Iterable<IlaTable.Stored> mappings)
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
        final int[] vnids = Arrays.copyOf(old.tenantVnids(), old.tenantVnids().length + tenants.size());
        final long[] tenantPrefixes = Arrays.copyOf(old.tenantPrefixes(), old.tenantPrefixes().length + 2 * tenants.size());
        int count = old.tenantVnids().length;
        for (int i = 0; i < old.tenantVnids().length; i++)
        {
            final long[] kept = tenants.get(old.tenantVnids()[i]);
            if (kept == null || kept[0] != old.tenantPrefixes()[2 * i] || (kept[1] & 0xFFFF_FFFFL) != old.tenantPrefixes()[2 * i + 1])
            {
                throw new TableException("ILA tenant " + old.tenantVnids()[i] + " cannot go or change its SIR prefix while mappings exist");
            }
        }
        for (final Map.Entry<Integer, long[]> tenant : tenants.entrySet())
        {
            if (old.tenant(tenant.getKey()) < 0)
            {
                TableWriter.checkVnid(tenant.getKey());
                vnids[count] = tenant.getKey();
                tenantPrefixes[2 * count] = tenant.getValue()[0];
                tenantPrefixes[2 * count + 1] = tenant.getValue()[1] & 0xFFFF_FFFFL;
                count++;
            }
        }
        return new IlaTable.Domain(locators, prefixes, Arrays.copyOf(vnids, count), Arrays.copyOf(tenantPrefixes, 2 * count), routerMac, old.underlayPort());
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
