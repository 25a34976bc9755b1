package dev.nve.bench.policy;

import dev.nve.dataplane.policy.EnforcementMode;
import dev.nve.dataplane.policy.Entity;
import dev.nve.dataplane.policy.IdentityRegistry;
import dev.nve.dataplane.policy.LabelSelector;
import dev.nve.dataplane.policy.PeerRule;
import dev.nve.dataplane.policy.PolicyCompiler;
import dev.nve.dataplane.policy.PolicyDirection;
import dev.nve.dataplane.policy.PolicyRule;
import dev.nve.dataplane.policy.PolicyTable;
import dev.nve.dataplane.policy.PortRule;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@link PolicyTable#lookup} for 10, 1,000 and 100,000 rules, 64 precomputed random flows per
 * invocation (one batch), one operation = one lookup. 1,000 identities; rule r selects
 * endpoint r mod 1000 and allows (every tenth rule: denies) TCP to port 1000 + r / 1000 from
 * a peer that differs per rule, plus one L4-only rule (any peer, UDP 53) per 100 rules. Flows
 * are drawn from the rules so that every parameter looks up enforced endpoints: the rule's own
 * peer and port (hit), the next port (default deny), another identity (wildcard fallback),
 * UDP 53 and ICMP. {@link #lookup} looks flows up one after the other (touching all home slots
 * first, as BridgeStage does with the FDB, was measured and gave nothing here).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PolicyLookupBenchmark
{
    static final int BATCH = 64;
    static final int IDENTITIES = 1000;
    static final int FLOWS = 1 << 16;

    @Param({"10", "1000", "100000"})
    public int rules;

    private PolicyTable table;
    private final int[] endpoints = new int[FLOWS];
    private final int[] directions = new int[FLOWS];
    private final int[] peers = new int[FLOWS];
    private final int[] protocols = new int[FLOWS];
    private final int[] ports = new int[FLOWS];
    private int cursor;

    static int identity(final int index)
    {
        return 256 + index;
    }

    static int peerOf(final int rule)
    {
        return (rule % IDENTITIES + 1 + rule / IDENTITIES) % IDENTITIES;
    }

    static int portOf(final int rule)
    {
        return 1000 + rule / IDENTITIES;
    }

    static LabelSelector app(final int index)
    {
        return LabelSelector.of(Map.of("app", "app" + index));
    }

    @Setup(Level.Trial)
    public void setUp()
    {
        final IdentityRegistry identities = new IdentityRegistry();
        for (int i = 0; i < IDENTITIES; i++)
        {
            identities.register(Map.of("app", "app" + i), identity(i));
        }
        final List<PolicyRule> policy = new ArrayList<>(rules);
        for (int r = 0; r < rules; r++)
        {
            final PeerRule peer = r % 100 == 99
                ? new PeerRule(List.of(), Set.of(), List.of(new PortRule(PortRule.UDP, 53, 0)))
                : new PeerRule(List.of(app(peerOf(r))), Set.of(), List.of(new PortRule(PortRule.TCP, portOf(r), 0)));
            final List<PeerRule> section = List.of(peer);
            policy.add(r % 10 == 9
                ? new PolicyRule("rule-" + r, app(r % IDENTITIES), List.of(), List.of(), section, List.of())
                : new PolicyRule("rule-" + r, app(r % IDENTITIES), section, List.of(), List.of(), List.of()));
        }
        policy.add(new PolicyRule("world-https", LabelSelector.ALL_ENDPOINTS,
            List.of(new PeerRule(List.of(), Set.of(Entity.WORLD), List.of(new PortRule(PortRule.TCP, 443, 0)))), List.of(), List.of(), List.of()));
        table = PolicyTable.of(new PolicyCompiler().compile(policy, EnforcementMode.DEFAULT, identities));
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < FLOWS; i++)
        {
            final int r = random.nextInt(rules);
            endpoints[i] = identity(r % IDENTITIES);
            directions[i] = PolicyDirection.INGRESS;
            peers[i] = identity(peerOf(r));
            protocols[i] = 6;
            ports[i] = portOf(r);
            switch (random.nextInt(8))
            {
                case 0 -> ports[i]++;
                case 1 -> peers[i] = identity(random.nextInt(IDENTITIES));
                case 2 -> {
                    protocols[i] = 17;
                    ports[i] = 53;
                }
                case 3 -> protocols[i] = 1;
                default -> {
                }
            }
        }
        System.out.println("\n" + rules + " rules: " + table.keyCount() + " keys, " + table.bytes() + " bytes off-heap");
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int lookup()
    {
        final int at = cursor;
        int sum = 0;
        for (int i = 0; i < BATCH; i++)
        {
            final int f = (at + i) & (FLOWS - 1);
            sum += table.lookup(endpoints[f], directions[f], peers[f], protocols[f], ports[f]);
        }
        cursor = (at + BATCH) & (FLOWS - 1);
        return sum;
    }
}
