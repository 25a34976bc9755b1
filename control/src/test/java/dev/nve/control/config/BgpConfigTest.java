package dev.nve.control.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import dev.nve.control.bgp.ExtendedCommunity;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code bgp} section: parsed strictly, so a bad value fails at load and names its field. */
final class BgpConfigTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UNDERLAY = "\"underlay\": {\"port\": \"uplink\", \"mac\": \"02:00:00:00:00:01\", \"vteps\": [%s]}";

    private static HostConfig parse(final String bgp) throws Exception
    {
        return parse(bgp, "\"198.18.0.1\"");
    }

    private static HostConfig parse(final String bgp, final String vteps) throws Exception
    {
        return HostConfig.parse(JSON.readTree("{" + UNDERLAY.formatted(vteps) + (bgp == null ? "" : ", \"bgp\": " + bgp) + "}"));
    }

    private static String refusal(final String bgp) throws Exception
    {
        return assertThrows(ConfigException.class, () -> parse(bgp)).getMessage();
    }

    @Test
    void parsesTheSectionWithDefaults() throws Exception
    {
        final BgpConfig b = parse("{\"as\": 4200000000, \"routerId\": \"198.18.1.1\", \"peers\": [{\"address\": \"198.18.1.9\", \"as\": 65000}]}").bgp();
        assertEquals(4_200_000_000L, b.as());
        assertEquals(InetAddress.getByName("198.18.1.1"), b.routerId());
        assertEquals(90, b.holdTime());
        assertEquals(new BgpConfig.Peer(InetAddress.getByName("198.18.1.9"), 65000, 179), b.peers().getFirst());
        final BgpConfig explicit = parse("{\"as\": 65000, \"routerId\": \"198.18.1.1\", \"holdTime\": 9, \"peers\": [{\"address\": \"198.18.1.9\", \"as\": 65000, \"port\": 1179}]}").bgp();
        assertEquals(9, explicit.holdTime());
        assertEquals(1179, explicit.peers().getFirst().port());
        assertNull(parse(null).bgp(), "optional");
    }

    @Test
    void routeTargetsPerVni() throws Exception
    {
        final BgpConfig b = parse("{\"as\": 65000, \"routerId\": \"198.18.1.1\", \"peers\": [{\"address\": \"198.18.1.9\", \"as\": 65000}],"
            + " \"routeTargets\": {\"100\": [\"65000:100\", \"4200000000:7\", \"198.18.1.1:9\"]}}").bgp();
        assertEquals("[65000:100, 4200000000:7, 198.18.1.1:9]", b.routeTargets().get(100).toString());
        assertEquals(List.of(ExtendedCommunity.TYPE_AS2, ExtendedCommunity.TYPE_AS4, ExtendedCommunity.TYPE_IPV4),
            b.routeTargets().get(100).stream().map(ExtendedCommunity.RouteTarget::type).toList());
        final String peers = "\"as\": 65000, \"routerId\": \"198.18.1.1\", \"peers\": [{\"address\": \"198.18.1.9\", \"as\": 65000}]";
        assertTrue(refusal("{" + peers + ", \"routeTargets\": {\"0\": [\"65000:1\"]}}").startsWith("bgp.routeTargets.0: the key must be a VNI"));
        assertTrue(refusal("{" + peers + ", \"routeTargets\": {\"100\": []}}").startsWith("bgp.routeTargets.100: expected a non-empty array"));
        assertTrue(refusal("{" + peers + ", \"routeTargets\": {\"100\": [\"65000\"]}}").startsWith("bgp.routeTargets.100[0]: \"65000\" is not"));
        assertTrue(refusal("{" + peers + ", \"routeTargets\": {\"100\": [\"4200000000:70000\"]}}").startsWith("bgp.routeTargets.100[0]: route target"),
            "a 4-octet AS leaves 2 octets for the number");
        assertTrue(refusal("{" + peers + ", \"routeTargets\": {\"100\": [\"198.18.1:9\"]}}").contains("is not an IPv4 address"));

        final String wideAs = "\"bgp\": {\"as\": 4200000000, \"routerId\": \"198.18.1.1\", \"peers\": [{\"address\": \"198.18.1.9\", \"as\": 4200000000}]";
        final String network = "\"networks\": [{\"vni\": 70000}]";
        final String noTargets = assertThrows(ConfigException.class,
            () -> HostConfig.parse(JSON.readTree("{" + UNDERLAY.formatted("\"198.18.0.1\"") + ", " + network + ", " + wideAs + "}}"))).getMessage();
        assertTrue(noTargets.startsWith("bgp.routeTargets: VNI 70000 needs route targets"), noTargets);
        assertEquals(1, HostConfig.parse(JSON.readTree("{" + UNDERLAY.formatted("\"198.18.0.1\"") + ", " + network + ", " + wideAs
            + ", \"routeTargets\": {\"70000\": [\"4200000000:7\"]}}}")).bgp().routeTargets().size());
    }

    @Test
    void refusesBadValuesNamingTheField() throws Exception
    {
        final String peers = "\"peers\": [{\"address\": \"198.18.1.9\", \"as\": 65000}]";
        assertTrue(refusal("{\"as\": 0, \"routerId\": \"198.18.1.1\", " + peers + "}").startsWith("bgp.as: "));
        assertTrue(refusal("{\"as\": 4294967296, \"routerId\": \"198.18.1.1\", " + peers + "}").startsWith("bgp.as: "));
        assertTrue(refusal("{\"as\": 65000, \"routerId\": \"fd00::1\", " + peers + "}").startsWith("bgp.routerId: "));
        assertTrue(refusal("{\"as\": 65000, \"routerId\": \"198.18.1.1\", \"holdTime\": 2, " + peers + "}").startsWith("bgp.holdTime: "));
        assertTrue(refusal("{\"as\": 65000, \"routerId\": \"198.18.1.1\", \"peers\": []}").startsWith("bgp.peers: "));
        assertTrue(refusal("{\"as\": 65000, \"routerId\": \"198.18.1.1\", \"peers\": [{\"address\": \"198.18.1.9\"}]}").startsWith("bgp.peers[0].as: "));
        assertTrue(refusal("{\"as\": 65000, \"routerId\": \"198.18.1.1\", \"peers\": [{\"address\": \"198.18.1.9\", \"as\": 1, \"port\": 0}]}")
            .startsWith("bgp.peers[0].port: "));
        assertTrue(refusal("{\"as\": 65000, \"routerId\": \"198.18.1.1\", \"peers\": [{\"address\": \"198.18.1.9\", \"as\": 1}, {\"address\": \"198.18.1.9\", \"as\": 2}]}")
            .contains("given twice"));
        assertTrue(refusal("{\"as\": 65000, \"routerId\": \"198.18.1.1\", \"asn\": 1, " + peers + "}").contains("asn"));
        final String noVtep = assertThrows(ConfigException.class,
            () -> parse("{\"as\": 65000, \"routerId\": \"198.18.1.1\", " + peers + "}", "")).getMessage();
        assertTrue(noVtep.startsWith("bgp: needs underlay.vteps"), noVtep);
    }
}
