package dev.nve.pcaptests.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The host config of a policy case (docs/CONFIG.md): host A (underlay {@code uplink},
 * 198.18.0.1) with remote VTEP B (198.18.0.2) behind which r1 and r2 live, one tenant network
 * VNI 100, the case's endpoints and its {@code security} section. Policies are written as JSON
 * text, so the study's example appears verbatim.
 */
final class PolicyHost
{
    static final ObjectMapper JSON = new ObjectMapper();

    static final String UPLINK = "uplink";
    static final String MAC_A = "02:00:00:00:00:01";
    static final String MAC_B = "02:00:00:00:00:02";
    static final String VTEP_A = "198.18.0.1";
    static final String VTEP_B = "198.18.0.2";
    static final int VNI = 100;

    static final String R1 = "02:00:00:00:0b:01";
    static final String R2 = "02:00:00:00:0b:02";
    static final String IP_R1 = "198.19.1.11";
    static final String IP_R2 = "198.19.1.12";
    /** A tenant address no ipcache entry names: WORLD. */
    static final String IP_UNKNOWN = "198.19.1.99";

    private final ObjectNode network;
    private final ArrayNode endpoints = JSON.createArrayNode();
    private ObjectNode security;

    private PolicyHost(final boolean gbp, final boolean identityInVni)
    {
        network = JSON.createObjectNode();
        network.put("vni", VNI);
        if (gbp)
        {
            network.put("gbp", true);
        }
        if (identityInVni)
        {
            network.put("identityInVni", true);
        }
    }

    /** A host whose network carries identities in VXLAN-GBP ({@code gbp}) or not at all. */
    static PolicyHost gbp(final boolean gbp)
    {
        return new PolicyHost(gbp, false);
    }

    /** The Cilium-compatible mode: the VNI on the wire is the sender's identity. */
    static PolicyHost identityInVni()
    {
        return new PolicyHost(false, true);
    }

    /**
     * A local endpoint: port and name {@code port}, MAC 02:00:00:00:01:0N and 198.19.1.N (and
     * fd00:100::N) for N the port's digit; {@code labels} JSON object text or null; {@code identity} or null.
     */
    PolicyHost endpoint(final String port, final String labels, final Integer identity)
    {
        final int n = port.charAt(port.length() - 1) - '0';
        final ObjectNode e = endpoints.addObject();
        e.put("name", port);
        e.put("port", port);
        e.put("vni", VNI);
        e.put("mac", PolicyFrames.endpointMac(n));
        e.putArray("ips").add(PolicyFrames.endpointIp(n)).add(PolicyFrames.endpointIp6(n));
        if (labels != null)
        {
            e.set("labels", parse(labels));
        }
        if (identity != null)
        {
            e.put("identity", identity);
        }
        return this;
    }

    PolicyHost endpoint(final String port, final String labels)
    {
        return endpoint(port, labels, null);
    }

    /** The {@code security} section as JSON text. */
    PolicyHost security(final String json)
    {
        security = (ObjectNode)parse(json);
        return this;
    }

    ObjectNode json()
    {
        final ObjectNode root = JSON.createObjectNode();
        final ObjectNode underlay = root.putObject("underlay");
        underlay.put("port", UPLINK);
        underlay.put("mac", MAC_A);
        underlay.putArray("vteps").add(VTEP_A);
        final ObjectNode b = root.putArray("remoteVteps").addObject();
        b.put("address", VTEP_B);
        b.put("mac", MAC_B);
        root.putArray("networks").add(network.deepCopy());
        root.set("endpoints", endpoints.deepCopy());
        final ArrayNode fdb = root.putArray("fdb");
        for (final String mac : new String[] {R1, R2})
        {
            final ObjectNode f = fdb.addObject();
            f.put("vni", VNI);
            f.put("mac", mac);
            f.put("vtep", VTEP_B);
        }
        if (security != null)
        {
            root.set("security", security.deepCopy());
        }
        return root;
    }

    static JsonNode parse(final String json)
    {
        try
        {
            return JSON.readTree(json);
        }
        catch (final JsonProcessingException e)
        {
            throw new IllegalArgumentException("bad JSON in a case: " + json, e);
        }
    }
}
