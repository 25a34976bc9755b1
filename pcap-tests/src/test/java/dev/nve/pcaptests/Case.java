package dev.nve.pcaptests;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.wire.FrameBuilder;
import dev.nve.pcaptests.Frames.Frame;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.nve.dataplane.wire.Bytes.U16_BE;

/**
 * One replay case as the generator states it: config, input frames per port, and the model of
 * every frame each port must transmit, built independently of the dataplane (exact bytes for
 * frames delivered as they are; for encapsulation the outer headers a VTEP must write, rebuilt
 * with {@link FrameBuilder#vxlan} around the inner frame, only the UDP source port, a hash,
 * taken from the actual output), and the drops it must count.
 */
final class Case
{
    static final long BASE_TIME_NANOS = 1_767_225_600_000_000_000L; // 2026-01-01T00:00:00Z

    final String name;
    final String description;
    final Config config;
    final Map<String, List<Input>> inputs = new LinkedHashMap<>();
    final Map<String, List<Expect>> outputs = new LinkedHashMap<>();
    final Map<String, Map<String, Long>> drops = new TreeMap<>();
    final ObjectNode extraCounters = JsonNodeFactory.instance.objectNode();
    private final Map<Long, String> inputPorts = new LinkedHashMap<>();
    String error;
    /** Why the model deliberately differs from what the code does today (a reported bug), or null. */
    String knownBug;
    private long clock;

    Case(final String name, final String description, final Config config)
    {
        this.name = name;
        this.description = description;
        this.config = config;
    }

    record Input(long timestampNanos, byte[] bytes)
    {
    }

    /** Queues {@code frame} on {@code port}; returns its timestamp (outputs keep it). */
    long in(final String port, final byte[] frame)
    {
        final long ts = BASE_TIME_NANOS + (clock++) * 1_000_000L;
        inputs.computeIfAbsent(port, p -> new ArrayList<>()).add(new Input(ts, frame));
        inputPorts.put(ts, port);
        return ts;
    }

    /** The port the input with timestamp {@code ts} entered on. */
    String inputPort(final long ts)
    {
        return inputPorts.get(ts);
    }

    long in(final String port, final Frame frame)
    {
        return in(port, frame.bytes());
    }

    Case out(final String port, final Expect expect)
    {
        outputs.computeIfAbsent(port, p -> new ArrayList<>()).add(expect);
        return this;
    }

    /** {@code count} frames that entered on {@code inPort} are dropped with {@code reason}. */
    Case drop(final String inPort, final DropReason reason, final long count)
    {
        drops.computeIfAbsent(inPort, p -> new TreeMap<>()).merge(reason.name(), count, Long::sum);
        return this;
    }

    /** An extra exact counter, e.g. {@code counter(2, "stages", "vxlan-decap", "packets")}. */
    Case counter(final long value, final String... path)
    {
        ObjectNode node = extraCounters;
        for (int i = 0; i < path.length - 1; i++)
        {
            node = node.has(path[i]) ? (ObjectNode)node.get(path[i]) : node.putObject(path[i]);
        }
        node.put(path[path.length - 1], value);
        return this;
    }

    // ---- expected output frames ------------------------------------------------------------------

    /** A model of one transmitted frame. */
    sealed interface Expect permits Exact, Encap
    {
        long timestampNanos();

        /** Frames sharing a flow key must leave a port in input order. */
        String flow();

        /** The frame nve must transmit, given the actual one (for the hashed source port) or null. */
        byte[] model(byte[] actual);

        /** tshark oracle expectations; {@code protocols} is tshark's frame.protocols of the inner frame. */
        Map<String, String> checks(String innerProtocols);

        Frame frame();
    }

    /** Delivered exactly as it entered (local switching, decapsulation, flooding to endpoints). */
    record Exact(Frame frame, long timestampNanos, String flow) implements Expect
    {
        @Override
        public byte[] model(final byte[] actual)
        {
            return frame.bytes();
        }

        @Override
        public Map<String, String> checks(final String innerProtocols)
        {
            final Map<String, String> c = new LinkedHashMap<>();
            c.put("frame.len", Integer.toString(frame.length()));
            c.put("frame.protocols", innerProtocols);
            c.put("vxlan.vni", "");
            c.putAll(frame.fields());
            return c;
        }
    }

    /**
     * Encapsulated by this host: outer Ethernet from the underlay MAC to {@code nextHopMac}, outer
     * IP from {@code localVtep} to {@code remoteVtep} (DF, TTL 64, id 0; IPv6: hop limit 64),
     * UDP to 4789 with checksum 0 over IPv4 and a valid one over IPv6, VXLAN flags I (+G with
     * the policy id when {@code gbp >= 0}), then the inner frame unchanged.
     */
    record Encap(Frame frame, String nextHopMac, String underlayMac, String localVtep, String remoteVtep, int vni, int gbp,
        int udpPort, long timestampNanos, String flow) implements Expect
    {
        int headerLength()
        {
            return remoteVtep.contains(":") ? 70 : 50;
        }

        @Override
        public byte[] model(final byte[] actual)
        {
            int sourcePort = 49152;
            if (actual != null && actual.length >= headerLength())
            {
                sourcePort = MemorySegment.ofArray(actual).get(U16_BE, headerLength() - 16) & 0xFFFF;
            }
            // The source port is a hash of the inner flow: only its range is specified (RFC 7348
            // §5), which the oracle checks; everything else is rebuilt here.
            final byte[] expected = FrameBuilder.vxlan(Frames.mac(nextHopMac), Frames.mac(underlayMac), localVtep, remoteVtep, sourcePort, vni, gbp, frame.bytes());
            if (udpPort != 4789)
            {
                if (remoteVtep.contains(":"))
                {
                    throw new IllegalArgumentException("a custom VXLAN port is modelled over IPv4 only (the UDP checksum is 0 there)");
                }
                MemorySegment.ofArray(expected).set(U16_BE, headerLength() - 14, (short)udpPort);
            }
            return expected;
        }

        @Override
        public Map<String, String> checks(final String innerProtocols)
        {
            final boolean v6 = remoteVtep.contains(":");
            final Map<String, String> inner = frame.fields();
            final Map<String, String> c = new LinkedHashMap<>();
            c.put("frame.len", Integer.toString(frame.length() + headerLength()));
            c.put("frame.protocols", "eth:ethertype:" + (v6 ? "ipv6" : "ip") + ":udp:vxlan:" + innerProtocols);
            c.put("vxlan.vni", Integer.toString(vni));
            c.put("vxlan.flags", gbp >= 0 ? "0x8800" : "0x0800");
            c.put("vxlan.flag_i", "1");
            c.put("vxlan.flag_g", gbp >= 0 ? "1" : "0");
            c.put("vxlan.gbp", Integer.toString(Math.max(gbp, 0)));
            for (final Map.Entry<String, String> e : inner.entrySet())
            {
                final String outer = switch (e.getKey())
                {
                    case "eth.dst" -> nextHopMac;
                    case "eth.src" -> underlayMac;
                    case "ip.src" -> v6 ? null : localVtep;
                    case "ip.dst" -> v6 ? null : remoteVtep;
                    case "ipv6.src" -> v6 ? localVtep : null;
                    case "ipv6.dst" -> v6 ? remoteVtep : null;
                    case "udp.dstport" -> Integer.toString(udpPort);
                    default -> null;
                };
                c.put(e.getKey(), outer == null ? e.getValue() : e.getValue().isEmpty() ? outer : outer + "," + e.getValue());
            }
            return c;
        }
    }
}
