package dev.nve.dataplane.ila;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.ila.IlaHosts.Sir;
import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.policy.EnforcementMode;
import dev.nve.dataplane.policy.Identities;
import dev.nve.dataplane.policy.IdentityRegistry;
import dev.nve.dataplane.policy.LabelSelector;
import dev.nve.dataplane.policy.PeerRule;
import dev.nve.dataplane.policy.PolicyCompiler;
import dev.nve.dataplane.policy.PolicyRule;
import dev.nve.dataplane.policy.PolicyTable;
import dev.nve.dataplane.policy.PortRule;
import dev.nve.dataplane.stage.FilterStage;
import dev.nve.dataplane.table.IlaTable.ChecksumMode;
import dev.nve.dataplane.table.TableWriter;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.nve.dataplane.ila.IlaHosts.A2_MAC;
import static dev.nve.dataplane.ila.IlaHosts.A3_MAC;
import static dev.nve.dataplane.ila.IlaHosts.B2_MAC;
import static dev.nve.dataplane.ila.IlaHosts.B3_MAC;
import static dev.nve.dataplane.ila.IlaHosts.B_UPLINK_MAC;
import static dev.nve.dataplane.ila.IlaHosts.LOC_A;
import static dev.nve.dataplane.ila.IlaHosts.LOC_B;
import static dev.nve.dataplane.ila.IlaHosts.ROUTER_MAC;
import static dev.nve.dataplane.ila.IlaHosts.VNID_1;
import static dev.nve.dataplane.ila.IlaHosts.VNID_2;
import static dev.nve.dataplane.ila.IlaMatrixTest.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Identity filtering of ILA traffic, which has no header to carry an identity: the receiver
 * looks the source address up in the ipcache of the ILA tenant. Both tenants use the same SIR
 * prefix and the same sender address fd00:77::a2, with a different identity in each tenant, so
 * only the tenant (from the VNID in the identifier) tells them apart.
 */
final class IlaPolicyTest
{
    private static final Map<String, String> WEB = Map.of("app", "web");
    private static final Map<String, String> CLIENT = Map.of("app", "client");
    private static final Map<String, String> OTHER = Map.of("app", "other");

    /** Host B with web servers b2 (tenant 100) and b3 (tenant 200) and the policy "web accepts TCP 80 from client". */
    private static void configureB(final TableWriter w)
    {
        IlaHosts.underlayAndDomain(w, B_UPLINK_MAC, "198.18.0.2", new long[] {LOC_B});
        w.addEndpoint("b2", -1, B2_MAC, Identities.derive(WEB), VNID_1);
        w.addEndpoint("b3", -1, B3_MAC, Identities.derive(WEB), VNID_2);
        final IdentityRegistry registry = new IdentityRegistry();
        registry.register(WEB);
        registry.register(CLIENT);
        registry.register(OTHER);
        w.setIpIdentity(FilterStage.ilaZone(w.tables(), VNID_1), ip("fd00:77::a2"), Identities.derive(CLIENT));
        w.setIpIdentity(FilterStage.ilaZone(w.tables(), VNID_2), ip("fd00:77::a2"), Identities.derive(OTHER));
        final PolicyRule rule = new PolicyRule("web-from-client", LabelSelector.of(WEB),
            List.of(new PeerRule(List.of(LabelSelector.of(CLIENT)), Set.of(), List.of(new PortRule(6, 80, 0)))), List.of(), List.of(), List.of());
        w.setPolicy(PolicyTable.of(new PolicyCompiler().compile(List.of(rule), EnforcementMode.DEFAULT, registry)));
    }

    @Test
    void theIlaTenantsIpcacheNamesTheSenderAndThePolicyDecides()
    {
        final ChecksumMode mode = ChecksumMode.ADJUST_TRANSPORT;
        final Sir b1InTenant1 = Sir.virt(VNID_1, 0xB1);
        final Sir b1InTenant2 = Sir.virt(VNID_2, 0xB1);
        final Sir a2 = Sir.virt(VNID_1, 0xA2);
        try (TestHost a = IlaHosts.hostA(); TestHost b = IlaHosts.host(IlaPolicyTest::configureB))
        {
            IlaHosts.map(a, b1InTenant1, LOC_B, mode, null);
            IlaHosts.map(a, b1InTenant2, LOC_B, mode, null);
            IlaHosts.map(b, b1InTenant1, LOC_B, mode, "b2");
            IlaHosts.map(b, b1InTenant2, LOC_B, mode, "b3");
            IlaHosts.map(b, a2, LOC_A, mode, null);

            // Tenant 100: fd00:77::a2 is a client, port 80 is allowed, port 81 is not.
            final byte[] allowed = Ip6.packet("fd00:77::a2", "fd00:77::b1").tcp(1_111, 80, 20).frame(ROUTER_MAC, A2_MAC);
            final byte[] wrongPort = Ip6.packet("fd00:77::a2", "fd00:77::b1").tcp(1_112, 81, 20).frame(ROUTER_MAC, A2_MAC);
            only(b.exchange("uplink", only(a.exchange("a2", allowed), "uplink", a)), "b2", b);
            assertNothingDelivered(b, b.exchange("uplink", only(a.exchange("a2", wrongPort), "uplink", a)));
            assertEquals(1, b.stageDrops("filter", DropReason.POLICY_DENIED));

            // Tenant 200: the same address is "other": denied on the same port.
            final byte[] otherTenant = Ip6.packet("fd00:77::a2", "fd00:77::b1").tcp(2_222, 80, 20).frame(ROUTER_MAC, A3_MAC);
            assertNothingDelivered(b, b.exchange("uplink", only(a.exchange("a3", otherTenant), "uplink", a)));
            assertEquals(2, b.stageDrops("filter", DropReason.POLICY_DENIED));

            // The web server's answer to the allowed connection goes out (b2 has no egress policy),
            // and the tracked connection lets the client's next packet in too.
            final byte[] answer = Ip6.packet("fd00:77::b1", "fd00:77::a2").tcp(80, 1_111, 20).frame(ROUTER_MAC, B2_MAC);
            only(b.exchange("b2", answer), "uplink", b);
            only(b.exchange("uplink", only(a.exchange("a2", allowed), "uplink", a)), "b2", b);
            assertEquals(2, b.stageDrops("filter", DropReason.POLICY_DENIED));
            assertTrue(b.pipeline.filter().conntrack().size() >= 1, "the allowed connection is tracked");
        }
    }

    private static void assertNothingDelivered(final TestHost host, final Map<String, List<byte[]>> out)
    {
        out.forEach((port, frames) -> assertEquals(0, frames.size(), () -> port + " transmitted"));
    }

    private static InetAddress ip(final String text)
    {
        try
        {
            return InetAddress.getByName(text);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalArgumentException(text, e);
        }
    }
}
