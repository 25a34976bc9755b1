package dev.nve.dataplane.table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a worker could read from a {@link Tables}, captured for "a refused request
 * changes nothing" checks: FDB entries, networks and their flood targets, port roles, and the
 * raw bytes of every encapsulation template slot.
 */
public record TableSnapshot(Map<Long, Integer> fdb, int fdbSize, List<String> networks, List<String> ports, byte[] templates)
{
    public static TableSnapshot of(final Tables tables)
    {
        final Map<Long, Integer> fdb = new TreeMap<>();
        tables.fdb().forEach(fdb::put);
        final List<String> networks = new ArrayList<>();
        final NetworkTable n = tables.networks();
        for (int i = 1; i <= n.size(); i++)
        {
            networks.add(i + ": vni=" + n.vni(i) + " gbp=" + n.groupPolicy(i) + " find=" + n.find(n.vni(i)) +
                " ports=" + Arrays.toString(n.floodPorts(i)) + " templates=" + Arrays.toString(n.floodTemplates(i)));
        }
        final List<String> ports = new ArrayList<>();
        final PortTable p = tables.ports();
        for (int i = 0; i < p.count(); i++)
        {
            ports.add(i + ": " + p.name(i) + " role=" + p.role(i) + " network=" + p.network(i) + " identity=" + p.identity(i));
        }
        return new TableSnapshot(fdb, tables.fdb().size(), networks, ports, tables.templates().segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof TableSnapshot s && fdb.equals(s.fdb) && fdbSize == s.fdbSize && networks.equals(s.networks) &&
            ports.equals(s.ports) && Arrays.equals(templates, s.templates);
    }

    @Override
    public int hashCode()
    {
        return fdb.hashCode();
    }

    @Override
    public String toString()
    {
        return "fdb=" + fdb + " size=" + fdbSize + " networks=" + networks + " ports=" + ports + " templates(hash)=" + Arrays.hashCode(templates);
    }
}
