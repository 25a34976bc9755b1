package dev.nve.dataplane.policy;

import dev.nve.dataplane.table.LongIntHashTable;

import java.util.Arrays;

/**
 * One worker's memo of {@link PolicyTable#lookup} answers, direct-mapped and on the heap (512
 * KiB for 32,768 entries, so it stays in the core's L2: with 4,096 entries traffic spread over
 * ~17,000 (identity, port) pairs missed most of the time, and the opening direction of
 * FilterStageBenchmark with 100,000 rules took 90 ns per packet instead of 83, docs/BENCHMARKS.md;
 * the few entries of ordinary traffic stay in L1 either way): a host's packets come from few
 * (endpoint identity, direction, peer identity, protocol class, port) combinations, and the
 * opening direction of every tracked connection is checked again on every packet. A policy
 * table is immutable and replaced whole on a change, so an answer stays right for as long as
 * the table it came from is the current one; {@link #use} forgets everything when the table
 * changes. The answers are the table's own, rule ids included, so the per-rule counts do not
 * change either. Identities above 24 bits are not remembered (the table answers them with its
 * defaults).
 * <p>
 * Packet path: allocates nothing, throws nothing; not thread-safe (one per worker).
 */
public final class PolicyVerdictCache
{
    private static final int ENTRIES = 32768;
    private static final int MASK = ENTRIES - 1;
    /** Never a key: keys have bits 49-63 clear. */
    private static final long EMPTY = -1L;

    /** endpoint identity (bits 0-23), direction (24), peer identity (25-48) */
    private final long[] identities = new long[ENTRIES];
    /** protocol class (bits 16-17), port (0-15) */
    private final int[] protocolPorts = new int[ENTRIES];
    private final int[] verdicts = new int[ENTRIES];
    private PolicyTable table;

    public PolicyVerdictCache()
    {
        Arrays.fill(identities, EMPTY);
    }

    /** The table of this batch's lookups: when it is not the one the answers came from, they are forgotten. */
    public void use(final PolicyTable current)
    {
        if (current != table)
        {
            table = current;
            Arrays.fill(identities, EMPTY);
        }
    }

    /** {@link PolicyTable#lookup} of the table given to {@link #use}, from memory when it was asked before. */
    public int lookup(final int endpointIdentity, final int direction, final int peerIdentity, final int ipProtocol, final int destinationPort)
    {
        if (((endpointIdentity | peerIdentity) & ~Identities.MAX) != 0)
        {
            return table.lookup(endpointIdentity, direction, peerIdentity, ipProtocol, destinationPort);
        }
        final int protocolClass = ProtocolClass.of(ipProtocol);
        final int port = protocolClass == ProtocolClass.OTHER ? 0 : destinationPort & 0xFFFF;
        final long key = endpointIdentity | (long)(direction & 1) << 24 | (long)peerIdentity << 25;
        final int protocolPort = protocolClass << 16 | port;
        final int at = (int)LongIntHashTable.hash(key ^ (long)protocolPort << 49 ^ (long)protocolPort) & MASK;
        if (identities[at] == key && protocolPorts[at] == protocolPort)
        {
            return verdicts[at];
        }
        final int verdict = table.lookup(endpointIdentity, direction, peerIdentity, ipProtocol, destinationPort);
        identities[at] = key;
        protocolPorts[at] = protocolPort;
        verdicts[at] = verdict;
        return verdict;
    }
}
