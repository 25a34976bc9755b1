package dev.nve.pcaptests;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds a host config (docs/CONFIG.md) as JSON, keys in the documented order. */
final class Config
{
    private final ObjectNode root = JsonNodeFactory.instance.objectNode();
    private final ObjectNode underlay;
    private final Set<String> endpointPorts = new LinkedHashSet<>();

    private Config(final String port, final String mac, final String... vteps)
    {
        underlay = root.putObject("underlay");
        underlay.put("port", port);
        underlay.put("mac", mac);
        final ArrayNode v = underlay.putArray("vteps");
        for (final String vtep : vteps)
        {
            v.add(vtep);
        }
    }

    static Config underlay(final String port, final String mac, final String... vteps)
    {
        return new Config(port, mac, vteps);
    }

    Config mtu(final int mtu)
    {
        return underlayField("mtu", mtu);
    }

    Config vxlanPort(final int port)
    {
        return underlayField("vxlanPort", port);
    }

    Config gatewayMac(final String mac)
    {
        underlay.put("gatewayMac", mac);
        return this;
    }

    private Config underlayField(final String name, final int value)
    {
        // keep the documented key order: port, mac, mtu, vxlanPort, vteps, gatewayMac
        final ObjectNode copy = underlay.deepCopy();
        underlay.removeAll();
        copy.properties().forEach(e ->
        {
            if (e.getKey().equals("vteps") && !copy.has(name))
            {
                underlay.put(name, value);
            }
            underlay.set(e.getKey(), e.getValue());
        });
        if (!underlay.has(name))
        {
            underlay.put(name, value);
        }
        return this;
    }

    Config remoteVtep(final String address, final String mac)
    {
        final ObjectNode r = array("remoteVteps").addObject();
        r.put("address", address);
        r.put("mac", mac);
        return this;
    }

    Config network(final int vni, final boolean gbp, final String... flood)
    {
        final ObjectNode n = array("networks").addObject();
        n.put("vni", vni);
        if (gbp)
        {
            n.put("gbp", true);
        }
        if (flood.length > 0)
        {
            final ArrayNode f = n.putArray("flood");
            for (final String vtep : flood)
            {
                f.add(vtep);
            }
        }
        return this;
    }

    /**
     * An endpoint named after its port. {@code vni} -1 leaves the field out (an endpoint in no
     * L2 network); {@code identity} null leaves the field out (default 0); {@code labels} may be empty.
     */
    Config endpoint(final String port, final int vni, final String mac, final List<String> ips, final Integer identity,
        final Map<String, String> labels)
    {
        final ObjectNode e = array("endpoints").addObject();
        e.put("name", port);
        e.put("port", port);
        if (vni >= 0)
        {
            e.put("vni", vni);
        }
        e.put("mac", mac);
        final ArrayNode ipArray = e.putArray("ips");
        ips.forEach(ipArray::add);
        if (!labels.isEmpty())
        {
            final ObjectNode l = e.putObject("labels");
            new java.util.TreeMap<>(labels).forEach(l::put); // sorted: Map.of has no stable order

        }
        if (identity != null)
        {
            e.put("identity", identity);
        }
        endpointPorts.add(port);
        return this;
    }

    Config endpoint(final String port, final int vni, final String mac, final String... ips)
    {
        return endpoint(port, vni, mac, List.of(ips), null, Map.of());
    }

    Config fdb(final int vni, final String mac, final String vtep)
    {
        final ObjectNode f = array("fdb").addObject();
        f.put("vni", vni);
        f.put("mac", mac);
        f.put("vtep", vtep);
        return this;
    }

    private ArrayNode array(final String name)
    {
        if (!root.has(name))
        {
            // documented order: underlay, remoteVteps, networks, endpoints, fdb
            final List<String> order = List.of("underlay", "remoteVteps", "networks", "endpoints", "fdb");
            final ObjectNode copy = root.deepCopy();
            root.removeAll();
            for (final String key : order)
            {
                if (copy.has(key))
                {
                    root.set(key, copy.get(key));
                }
                else if (key.equals(name))
                {
                    root.putArray(name);
                }
            }
        }
        return (ArrayNode)root.get(name);
    }

    String underlayPort()
    {
        return underlay.get("port").asText();
    }

    int vxlanPortValue()
    {
        return underlay.path("vxlanPort").asInt(4789);
    }

    /** Every port of the config: the underlay first, then endpoint ports. */
    List<String> ports()
    {
        final List<String> ports = new ArrayList<>();
        ports.add(underlayPort());
        ports.addAll(endpointPorts);
        return ports;
    }

    ObjectNode json()
    {
        return root;
    }
}
