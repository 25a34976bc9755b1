package dev.nve.pcaptests.policy;

import java.util.ArrayList;
import java.util.List;

import static dev.nve.pcaptests.policy.PolicyFrames.ACK;
import static dev.nve.pcaptests.policy.PolicyFrames.PSH_ACK;
import static dev.nve.pcaptests.policy.PolicyFrames.SYN;
import static dev.nve.pcaptests.policy.PolicyFrames.SYN_ACK;
import static dev.nve.pcaptests.policy.PolicyFrames.arpReply;
import static dev.nve.pcaptests.policy.PolicyFrames.arpRequest;
import static dev.nve.pcaptests.policy.PolicyFrames.endpointIp;
import static dev.nve.pcaptests.policy.PolicyFrames.endpointMac;
import static dev.nve.pcaptests.policy.PolicyFrames.fromB;
import static dev.nve.pcaptests.policy.PolicyFrames.icmp;
import static dev.nve.pcaptests.policy.PolicyFrames.icmp6Echo;
import static dev.nve.pcaptests.policy.PolicyFrames.remoteTcp;
import static dev.nve.pcaptests.policy.PolicyFrames.tcp;
import static dev.nve.pcaptests.policy.PolicyFrames.tcp6;
import static dev.nve.pcaptests.policy.PolicyFrames.toRemoteTcp;
import static dev.nve.pcaptests.policy.PolicyFrames.udp;
import static dev.nve.pcaptests.policy.PolicyHost.IP_R1;
import static dev.nve.pcaptests.policy.PolicyHost.IP_R2;
import static dev.nve.pcaptests.policy.PolicyHost.IP_UNKNOWN;
import static dev.nve.pcaptests.policy.PolicyHost.R1;
import static dev.nve.pcaptests.policy.PolicyHost.R2;
import static dev.nve.pcaptests.policy.PolicyHost.UPLINK;
import static dev.nve.pcaptests.policy.PolicyHost.VNI;

/**
 * The inputs of the policy replay cases (config and frames). What each case must produce is in
 * its hand-written {@code expected.json}; the frame indexes there ({@code "c1#0"}) refer to the
 * order of the frames given to {@link PolicyCase#in} here. Within one replay batch the ports are
 * read in config order (uplink first, then endpoints as listed), so the side that opens a
 * connection is always listed before the side that answers.
 */
final class PolicyCases
{
    /** The study's example, verbatim. */
    static final String STUDY_EXAMPLE = """
        {"endpointSelector": {"matchLabels": {"id": "service1"}}, "ingress": [{"fromEndpoints": [{"matchLabels": {"id": "service1"}}], "toPorts": [{"ports": [{"protocol": "tcp", "port": "5201"}]}]}]}""";
    private static final String SERVICE1 = "{\"id\": \"service1\"}";
    private static final String SERVICE2 = "{\"id\": \"service2\"}";
    private static final String SERVER = "{\"app\": \"server\"}";

    private PolicyCases()
    {
    }

    static List<PolicyCase> all()
    {
        final List<PolicyCase> cases = new ArrayList<>();
        cases.add(studyExampleAllowed());
        cases.add(studyExampleDenied());
        cases.add(conntrackReply());
        cases.add(gbpRemote());
        cases.add(ipcacheWithoutGbp());
        cases.add(egressToEndpoints());
        cases.add(denyPrecedence());
        cases.add(portRange());
        cases.add(protocols());
        cases.add(icmpL3Only());
        cases.add(entityWorld());
        cases.add(entityHostOverGbp());
        cases.add(hostIdentityRefused());
        cases.add(entityAll());
        cases.add(enforcementAlways());
        cases.add(enforcementNever());
        cases.add(matchExpressions());
        cases.add(egressDeny());
        cases.add(conntrackFull());
        cases.add(gbpIdentityOutOfRange());
        cases.add(identityInVni());
        cases.add(arpUnfiltered());
        cases.add(midStreamPickUp());
        cases.add(ruleCounters());
        cases.add(flowsIpv6());
        return cases;
    }

    private static String security(final String... policies)
    {
        return "{\"policies\": [" + String.join(", ", policies) + "]}";
    }

    private static PolicyHost studyHost()
    {
        return PolicyHost.gbp(true).endpoint("c1", SERVICE1).endpoint("c2", SERVICE1).endpoint("c3", SERVICE2).security(security(STUDY_EXAMPLE));
    }

    static PolicyCase studyExampleAllowed()
    {
        return new PolicyCase("01-study-example-allowed", studyHost())
            .in("c1", tcp(1, 2, 40001, 5201, SYN, 0), tcp(1, 2, 40001, 5201, ACK, 0), tcp(1, 2, 40001, 5201, PSH_ACK, 100))
            .in("c2", tcp(2, 1, 5201, 40001, SYN_ACK, 0), tcp(2, 1, 5201, 40001, PSH_ACK, 50));
    }

    static PolicyCase studyExampleDenied()
    {
        return new PolicyCase("02-study-example-denied", studyHost())
            .in("c1", tcp(1, 2, 40002, 5202, SYN, 0), udp(1, 2, 40003, 5201, 20))
            .in("c3", tcp(3, 2, 40004, 5201, SYN, 0));
    }

    static PolicyCase conntrackReply()
    {
        final String server = """
            {"endpointSelector": {"matchLabels": {"app": "server"}},
             "ingress": [{"fromEndpoints": [{"matchLabels": {"app": "client"}}], "toPorts": [{"ports": [{"port": "80", "protocol": "TCP"}]}]}]}""";
        final String client = """
            {"endpointSelector": {"matchLabels": {"app": "client"}},
             "ingress": [{"fromEndpoints": [{"matchLabels": {"app": "admin"}}]}]}""";
        return new PolicyCase("03-conntrack-reply",
            PolicyHost.gbp(true).endpoint("c1", "{\"app\": \"client\"}").endpoint("c2", SERVER).security(security(server, client)))
            .in("c1", tcp(1, 2, 40010, 80, SYN, 0), tcp(1, 2, 40010, 80, ACK, 0), tcp(1, 2, 40010, 80, PSH_ACK, 30))
            .in("c2", tcp(2, 1, 80, 40010, SYN_ACK, 0), tcp(2, 1, 80, 40010, PSH_ACK, 60), tcp(2, 1, 40020, 80, SYN, 0),
                udp(2, 1, 80, 40010, 10));
    }

    static PolicyCase gbpRemote()
    {
        final String remote = """
            {"policies": [%s],
             "remoteEndpoints": [{"vni": 100, "ips": ["198.19.1.12"], "labels": {"id": "service2"}, "identity": 5002}]}""".formatted(STUDY_EXAMPLE);
        return new PolicyCase("04-gbp-remote-identity", PolicyHost.gbp(true).endpoint("c2", SERVICE1, 5001).security(remote))
            .in(UPLINK,
                fromB(VNI, 5001, remoteTcp(R1, IP_R1, 2, 41000, 5201, SYN)),
                fromB(VNI, 5002, remoteTcp(R2, IP_R2, 2, 41001, 5201, SYN)),
                fromB(VNI, 5001, remoteTcp(R1, IP_R1, 2, 41002, 5202, SYN)),
                fromB(VNI, 7777, remoteTcp(R1, IP_R1, 2, 41003, 5201, SYN)),
                fromB(VNI, -1, remoteTcp(R1, IP_R1, 2, 41004, 5201, SYN)))
            .in("c2", toRemoteTcp(2, R1, IP_R1, 5201, 41000, SYN_ACK));
    }

    static PolicyCase ipcacheWithoutGbp()
    {
        final String world = """
            {"endpointSelector": {"matchLabels": {"id": "service1"}},
             "ingress": [{"fromEntities": ["world"], "toPorts": [{"ports": [{"port": "8080", "protocol": "TCP"}]}]}]}""";
        final String sec = """
            {"policies": [%s, %s],
             "remoteEndpoints": [{"vni": 100, "ips": ["198.19.1.11"], "labels": {"id": "service1"}}]}""".formatted(STUDY_EXAMPLE, world);
        return new PolicyCase("05-ipcache-without-gbp", PolicyHost.gbp(false).endpoint("c2", SERVICE1).security(sec))
            .in(UPLINK,
                fromB(VNI, -1, remoteTcp(R1, IP_R1, 2, 41010, 5201, SYN)),
                fromB(VNI, -1, remoteTcp(R1, IP_UNKNOWN, 2, 41011, 5201, SYN)),
                fromB(VNI, -1, remoteTcp(R1, IP_UNKNOWN, 2, 41012, 8080, SYN)),
                fromB(VNI, -1, remoteTcp(R1, IP_R1, 2, 41013, 8080, SYN)),
                fromB(VNI, 5555, remoteTcp(R1, IP_R1, 2, 41014, 5201, SYN)));
    }

    static PolicyCase egressToEndpoints()
    {
        final String sec = """
            {"policies": [{"endpointSelector": {"matchLabels": {"app": "client"}},
               "egress": [{"toEndpoints": [{"matchLabels": {"app": "db"}}], "toPorts": [{"ports": [{"port": "5432", "protocol": "TCP"}]}]},
                          {"toEntities": ["world"], "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]}]}],
             "remoteEndpoints": [{"vni": 100, "ips": ["198.19.1.11"], "labels": {"app": "db"}}]}""";
        return new PolicyCase("06-egress-to-endpoints-and-world", PolicyHost.gbp(false).endpoint("c1", "{\"app\": \"client\"}").security(sec))
            .in("c1",
                toRemoteTcp(1, R1, IP_R1, 42000, 5432, SYN),
                toRemoteTcp(1, R1, IP_R1, 42001, 443, SYN),
                toRemoteTcp(1, R2, IP_UNKNOWN, 42002, 5432, SYN),
                toRemoteTcp(1, R2, IP_UNKNOWN, 42003, 443, SYN),
                udp(R1, endpointMac(1), endpointIp(1), IP_R1, 42004, 5432, 8));
    }

    static PolicyCase denyPrecedence()
    {
        final String policy = """
            {"endpointSelector": {"matchLabels": {"app": "server"}},
             "ingress": [{"fromEndpoints": [{}]}],
             "ingressDeny": [{"fromEndpoints": [{"matchLabels": {"id": "service2"}}], "toPorts": [{"ports": [{"port": "22", "protocol": "TCP"}]}]}]}""";
        return new PolicyCase("07-deny-precedence",
            PolicyHost.gbp(true).endpoint("c1", SERVICE1).endpoint("c2", SERVER).endpoint("c3", SERVICE2).security(security(policy)))
            .in("c1", tcp(1, 2, 43000, 22, SYN, 0))
            .in("c3", tcp(3, 2, 43001, 22, SYN, 0), tcp(3, 2, 43002, 80, SYN, 0));
    }

    static PolicyCase portRange()
    {
        final String policy = """
            {"endpointSelector": {"matchLabels": {"app": "server"}},
             "ingress": [{"fromEndpoints": [{"matchLabels": {"id": "service1"}}], "toPorts": [{"ports": [{"port": "8000", "endPort": 8010, "protocol": "TCP"}]}]}]}""";
        return new PolicyCase("08-port-range", PolicyHost.gbp(true).endpoint("c1", SERVICE1).endpoint("c2", SERVER).security(security(policy)))
            .in("c1", tcp(1, 2, 44000, 7999, SYN, 0), tcp(1, 2, 44001, 8000, SYN, 0), tcp(1, 2, 44002, 8005, SYN, 0),
                tcp(1, 2, 44003, 8010, SYN, 0), tcp(1, 2, 44004, 8011, SYN, 0));
    }

    static PolicyCase protocols()
    {
        final String policy = """
            {"endpointSelector": {"matchLabels": {"app": "server"}},
             "ingress": [{"fromEndpoints": [{"matchLabels": {"id": "service1"}}], "toPorts": [{"ports": [{"port": "53", "protocol": "ANY"}]}]},
                         {"fromEndpoints": [{"matchLabels": {"id": "service1"}}], "toPorts": [{"ports": [{"port": "80", "protocol": "TCP"}]}]},
                         {"fromEndpoints": [{"matchLabels": {"id": "service1"}}], "toPorts": [{"ports": [{"port": "5000", "protocol": "UDP"}]}]}]}""";
        return new PolicyCase("09-protocol-any-tcp-udp", PolicyHost.gbp(true).endpoint("c1", SERVICE1).endpoint("c2", SERVER).security(security(policy)))
            .in("c1", udp(1, 2, 45000, 53, 12), tcp(1, 2, 45001, 53, SYN, 0), udp(1, 2, 45002, 80, 12), tcp(1, 2, 45003, 80, SYN, 0),
                tcp(1, 2, 45004, 5000, SYN, 0), udp(1, 2, 45005, 5000, 12), icmp(1, 2, 8));
    }

    static PolicyCase icmpL3Only()
    {
        final String policy = """
            {"endpointSelector": {"matchLabels": {"app": "server"}},
             "ingress": [{"fromEndpoints": [{"matchLabels": {"id": "service1"}}]}]}""";
        return new PolicyCase("10-icmp-l3-only-rule",
            PolicyHost.gbp(true).endpoint("c1", SERVICE1).endpoint("c2", SERVER).endpoint("c3", SERVICE2).security(security(policy)))
            .in("c1", icmp(1, 2, 8), tcp(1, 2, 46000, 9999, SYN, 0))
            .in("c2", icmp(2, 1, 0))
            .in("c3", icmp(3, 2, 8), udp(3, 2, 46001, 9999, 4));
    }

    static PolicyCase entityWorld()
    {
        final String sec = """
            {"policies": [{"endpointSelector": {"matchLabels": {"app": "server"}}, "ingress": [{"fromEntities": ["world"]}]}],
             "remoteEndpoints": [{"vni": 100, "ips": ["198.19.1.11"], "labels": {"app": "known"}}]}""";
        return new PolicyCase("11-from-entities-world", PolicyHost.gbp(false).endpoint("c1", SERVICE1).endpoint("c2", SERVER).security(sec))
            .in(UPLINK, fromB(VNI, -1, remoteTcp(R2, IP_UNKNOWN, 2, 47000, 80, SYN)), fromB(VNI, -1, remoteTcp(R1, IP_R1, 2, 47001, 80, SYN)))
            .in("c1", tcp(1, 2, 47002, 80, SYN, 0));
    }

    static PolicyCase entityHostOverGbp()
    {
        final String policy = """
            {"endpointSelector": {"matchLabels": {"app": "server"}}, "ingress": [{"fromEntities": ["host"]}]}""";
        return new PolicyCase("12-from-entities-host-not-from-overlay",
            PolicyHost.gbp(true).endpoint("c1", SERVICE1).endpoint("c2", SERVER).security(security(policy)))
            .in(UPLINK, fromB(VNI, 1, remoteTcp(R1, IP_R1, 2, 48000, 80, SYN)))
            .in("c1", tcp(1, 2, 48001, 80, SYN, 0));
    }

    static PolicyCase hostIdentityRefused()
    {
        return new PolicyCase("13-host-identity-refused-for-endpoint",
            PolicyHost.gbp(true).endpoint("c1", null, 1).endpoint("c2", SERVER).security(security(
                "{\"endpointSelector\": {\"matchLabels\": {\"app\": \"server\"}}, \"ingress\": [{\"fromEntities\": [\"host\"]}]}")))
            .in("c1", tcp(1, 2, 48100, 80, SYN, 0));
    }

    static PolicyCase entityAll()
    {
        final String policy = """
            {"endpointSelector": {"matchLabels": {"app": "server"}},
             "ingress": [{"fromEntities": ["all"], "toPorts": [{"ports": [{"port": "80", "protocol": "TCP"}]}]}]}""";
        return new PolicyCase("14-from-entities-all", PolicyHost.gbp(true).endpoint("c1", SERVICE2).endpoint("c2", SERVER).security(security(policy)))
            .in(UPLINK, fromB(VNI, -1, remoteTcp(R2, IP_UNKNOWN, 2, 49000, 80, SYN)), fromB(VNI, 7777, remoteTcp(R1, IP_R1, 2, 49001, 80, SYN)),
                fromB(VNI, 7777, remoteTcp(R1, IP_R1, 2, 49002, 81, SYN)))
            .in("c1", tcp(1, 2, 49003, 80, SYN, 0));
    }

    static PolicyCase enforcementAlways()
    {
        return new PolicyCase("15-enforcement-always-without-policies",
            PolicyHost.gbp(true).endpoint("c1", "{\"app\": \"a\"}").endpoint("c2", "{\"app\": \"b\"}").security("{\"enforcement\": \"always\"}"))
            .in("c1", arpRequest(1, 2), tcp(1, 2, 50000, 80, SYN, 0))
            .in("c2", arpReply(2, 1));
    }

    static PolicyCase enforcementNever()
    {
        final String policy = """
            {"endpointSelector": {"matchLabels": {"app": "server"}},
             "ingress": [{"fromEndpoints": [{"matchLabels": {"app": "nobody"}}]}],
             "ingressDeny": [{"fromEndpoints": [{"matchLabels": {"id": "service1"}}]}]}""";
        return new PolicyCase("16-enforcement-never-ignores-deny",
            PolicyHost.gbp(true).endpoint("c1", SERVICE1).endpoint("c2", SERVER).security("{\"enforcement\": \"never\", \"policies\": [" + policy + "]}"))
            .in("c1", tcp(1, 2, 51000, 80, SYN, 0), udp(1, 2, 51001, 53, 8));
    }

    static PolicyCase matchExpressions()
    {
        final String policy = """
            {"endpointSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]},
             "ingress": [
               {"fromEndpoints": [{"matchExpressions": [{"key": "env", "operator": "In", "values": ["dev", "test"]}]}], "toPorts": [{"ports": [{"port": "1001", "protocol": "TCP"}]}]},
               {"fromEndpoints": [{"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]}], "toPorts": [{"ports": [{"port": "1002", "protocol": "TCP"}]}]},
               {"fromEndpoints": [{"matchExpressions": [{"key": "team", "operator": "Exists"}]}], "toPorts": [{"ports": [{"port": "1003", "protocol": "TCP"}]}]},
               {"fromEndpoints": [{"matchExpressions": [{"key": "team", "operator": "DoesNotExist"}]}], "toPorts": [{"ports": [{"port": "1004", "protocol": "TCP"}]}]}]}""";
        return new PolicyCase("17-match-expressions",
            PolicyHost.gbp(true).endpoint("c1", "{\"env\": \"dev\", \"team\": \"a\"}").endpoint("c2", "{\"tier\": \"web\"}").endpoint("c3", "{\"env\": \"prod\"}")
                .security(security(policy)))
            .in("c1", tcp(1, 2, 52000, 1001, SYN, 0), tcp(1, 2, 52001, 1002, SYN, 0), tcp(1, 2, 52002, 1003, SYN, 0), tcp(1, 2, 52003, 1004, SYN, 0))
            .in("c3", tcp(3, 2, 52010, 1001, SYN, 0), tcp(3, 2, 52011, 1002, SYN, 0), tcp(3, 2, 52012, 1003, SYN, 0), tcp(3, 2, 52013, 1004, SYN, 0));
    }

    static PolicyCase egressDeny()
    {
        final String policy = """
            {"endpointSelector": {"matchLabels": {"id": "service1"}},
             "egress": [{"toEntities": ["all"]}],
             "egressDeny": [{"toEndpoints": [{"matchLabels": {"app": "db"}}], "toPorts": [{"ports": [{"port": "5432", "protocol": "TCP"}]}]}]}""";
        return new PolicyCase("18-egress-deny",
            PolicyHost.gbp(true).endpoint("c1", SERVICE1).endpoint("c2", "{\"app\": \"db\"}").endpoint("c3", SERVICE2).security(security(policy)))
            .in("c1", tcp(1, 2, 53000, 5432, SYN, 0), tcp(1, 2, 53001, 80, SYN, 0), tcp(1, 3, 53002, 5432, SYN, 0));
    }

    static PolicyCase conntrackFull()
    {
        final String policy = """
            {"endpointSelector": {"matchLabels": {"app": "server"}},
             "ingress": [{"fromEndpoints": [{"matchLabels": {"id": "service1"}}], "toPorts": [{"ports": [{"protocol": "UDP"}]}]}]}""";
        final PolicyCase c = new PolicyCase("19-conntrack-full",
            PolicyHost.gbp(true).endpoint("c1", SERVICE1).endpoint("c2", SERVER).security("{\"conntrackEntries\": 16, \"policies\": [" + policy + "]}"));
        for (int flow = 0; flow < 18; flow++)
        {
            c.in("c1", udp(1, 2, 2000 + flow, 7000, 8));
        }
        return c.in("c1", udp(1, 2, 2000, 7000, 8)).in("c2", udp(2, 1, 7000, 2000, 8));
    }

    static PolicyCase gbpIdentityOutOfRange()
    {
        return new PolicyCase("20-gbp-identity-out-of-range",
            PolicyHost.gbp(true).endpoint("c1", SERVICE1).endpoint("c2", "{\"app\": \"big\"}", 70000).security(security(STUDY_EXAMPLE)))
            .in("c1", tcp(1, 2, 54000, 5201, SYN, 0));
    }

    static PolicyCase identityInVni()
    {
        final String sec = """
            {"policies": [{"endpointSelector": {"matchLabels": {"id": "service1"}},
               "ingress": [{"fromEndpoints": [{"matchLabels": {"id": "client"}}], "toPorts": [{"ports": [{"port": "5201", "protocol": "TCP"}]}]}]}],
             "remoteEndpoints": [{"vni": 100, "ips": ["198.19.1.11"], "labels": {"id": "client"}, "identity": 4001}]}""";
        return new PolicyCase("21-identity-in-vni", PolicyHost.identityInVni().endpoint("c2", SERVICE1, 3001).security(sec))
            .in(UPLINK, fromB(4001, -1, remoteTcp(R1, IP_R1, 2, 55000, 5201, SYN)), fromB(4002, -1, remoteTcp(R1, IP_R1, 2, 55001, 5201, SYN)),
                fromB(4001, -1, remoteTcp(R1, IP_R1, 2, 55002, 5202, SYN)))
            .in("c2", toRemoteTcp(2, R1, IP_R1, 5201, 55000, SYN_ACK));
    }

    static PolicyCase arpUnfiltered()
    {
        final String policy = """
            {"endpointSelector": {}, "ingress": [{}], "egress": [{}]}""";
        return new PolicyCase("22-arp-unfiltered", PolicyHost.gbp(true).endpoint("c1", SERVICE1).endpoint("c2", SERVER).security(security(policy)))
            .in("c1", arpRequest(1, 2), udp(1, 2, 56000, 9, 4))
            .in("c2", arpReply(2, 1));
    }

    static PolicyCase midStreamPickUp()
    {
        return new PolicyCase("23-tcp-mid-stream-pick-up", PolicyHost.gbp(true).endpoint("c1", SERVICE1).endpoint("c2", SERVICE1).security(security(STUDY_EXAMPLE)))
            .in("c1", tcp(1, 2, 57000, 5201, PSH_ACK, 20), tcp(1, 2, 57001, 5202, PSH_ACK, 20))
            .in("c2", tcp(2, 1, 5201, 57000, ACK, 0));
    }

    static PolicyCase ruleCounters()
    {
        final String web = """
            {"labels": ["rule=allow-web"], "endpointSelector": {"matchLabels": {"app": "server"}},
             "ingress": [{"fromEndpoints": [{}], "toPorts": [{"ports": [{"port": "80", "protocol": "TCP"}]}]}]}""";
        final String ssh = """
            {"labels": ["rule=deny-ssh"], "endpointSelector": {"matchLabels": {"app": "server"}},
             "ingressDeny": [{"fromEndpoints": [{"matchLabels": {"id": "service2"}}], "toPorts": [{"ports": [{"port": "22", "protocol": "TCP"}]}]}]}""";
        final String unused = """
            {"labels": ["rule=unused"], "endpointSelector": {"matchLabels": {"app": "server"}},
             "ingress": [{"fromEndpoints": [{"matchLabels": {"app": "nobody"}}]}]}""";
        return new PolicyCase("24-per-rule-counters",
            PolicyHost.gbp(true).endpoint("c1", SERVICE1).endpoint("c2", SERVER).endpoint("c3", SERVICE2).security(security(web, ssh, unused)))
            .in("c1", tcp(1, 2, 58000, 80, SYN, 0), tcp(1, 2, 58000, 80, PSH_ACK, 46))
            .in("c3", tcp(3, 2, 58001, 22, SYN, 0), tcp(3, 2, 58002, 23, SYN, 0));
    }

    static PolicyCase flowsIpv6()
    {
        return new PolicyCase("25-flows-jsonl-ipv6", PolicyHost.gbp(true).endpoint("c1", SERVICE1).endpoint("c2", SERVICE1).security(security(STUDY_EXAMPLE)))
            .in("c1", tcp6(1, 2, 59000, 5201, SYN), tcp6(1, 2, 59001, 5202, SYN), icmp6Echo(1, 2));
    }
}
