package dev.nve.pcaptests.afxdp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nve.pcaptests.interop.Netns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code demo/demo.sh --quick}, the short form of {@code ./nve demo}, with each step's outcome
 * checked in its results.json rather than its exit code alone: containers on two hosts reach
 * each other over nve's VXLAN, the other tenant with the same address does not, ILA rewrote the
 * packets both ways, the study's policy let TCP 5201 through and dropped 5202 with the reason
 * from {@code nve ctl monitor}, the four Figure 10 cases carried traffic, and the namespaces are
 * gone afterwards.
 */
@Timeout(value = 300)
final class DemoTest
{
    @TempDir
    Path dir;

    @Test
    void theQuickDemoShowsEveryStep() throws Exception
    {
        OverlayTopology.requireUsable();
        Netns.assumeUsable("iperf3", "iptables", "ping");
        final Path root = NveRunCommandTest.nveRoot();
        final Netns.Result run = Netns.host(Duration.ofSeconds(280), "env", "JAVA_HOME=" + System.getProperty("java.home"),
            root.resolve("demo/demo.sh").toString(), "--quick", "--out", dir.toString());
        System.out.println("DemoTest:\n" + run.stdout() + run.stderr());
        assertEquals(0, run.exitCode(), run.describe());
        final JsonNode results = new ObjectMapper().readTree(Files.readString(dir.resolve("results.json")));
        assertEquals("ok", results.get("result").asText());
        assertTrue(results.get("vxlan").get("ping_ms").asDouble() > 0 && results.get("vxlan").get("tcp_gbps").asDouble() > 0, results.toString());
        assertTrue(results.get("vxlan").get("tenant_isolation").asBoolean());
        assertTrue(results.get("ila").get("egress_rewrites").asInt() >= 3, results.toString());
        assertTrue(results.get("policy").get("allowed_tcp_5201_gbps").asDouble() > 0);
        assertTrue(results.get("policy").get("denied_tcp_5202").asText().startsWith("POLICY_DENIED 5202 INGRESS"), results.toString());
        final JsonNode cases = results.get("figure10");
        assertEquals(4, cases.size(), cases.toString());
        for (final JsonNode c : cases)
        {
            assertTrue(c.get("gbps").asDouble() > 0, c.toString());
        }
        assertTrue(cases.get(0).get("ping_ms").asDouble() > 0, "nve without a policy answers ping");
        assertTrue(cases.get(1).get("ping_ms").isNull() && cases.get(3).get("ping_ms").isNull(), "the study's rules drop ICMP");
        assertTrue(Files.readString(dir.resolve("figure10.svg")).startsWith("<svg"));
        final Netns.Result namespaces = Netns.host(Duration.ofSeconds(10), "ip", "netns", "list");
        assertFalse(namespaces.stdout().contains("nvd"), "the demo left namespaces behind: " + namespaces.stdout());
    }
}
