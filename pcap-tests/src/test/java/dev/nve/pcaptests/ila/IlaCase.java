package dev.nve.pcaptests.ila;

import dev.nve.dataplane.ila.Ip6;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.dataplane.counter.DropReason;
import dev.nve.pcaptests.ila.IlaModel.Mapping;
import dev.nve.pcaptests.ila.IlaModel.Mode;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One ILA replay case as the model states it: host A's config, the frames entering each port,
 * every frame each port must transmit (built by {@link IlaModel}, with the tshark field values
 * it must show) and the drops; optionally the reverse half: host B's config, into whose uplink
 * A's uplink output is replayed, and what B must deliver.
 */
final class IlaCase
{
    static final long BASE_TIME_NANOS = 1_767_225_600_000_000_000L; // 2026-01-01T00:00:00Z

    /** What tshark must find in a frame, besides addresses: which transport checksums it has. */
    enum Shape
    {
        TCP, UDP, UDP_ZERO, ICMP, ICMP_ERROR_QUOTING_UDP, FRAGMENT, FRAGMENT_LAST_UDP
    }

    record Input(long timestampNanos, byte[] bytes)
    {
    }

    record Output(long timestampNanos, byte[] bytes, Map<String, String> checks)
    {
    }

    /** One side of a case: what the host's ports transmit and what it drops. */
    static final class Side
    {
        final ObjectNode config;
        final Map<String, List<Output>> outputs = new TreeMap<>();
        final Map<String, Map<String, Long>> portDrops = new TreeMap<>();
        final Map<String, Long> stagePackets = new TreeMap<>();

        Side(final ObjectNode config)
        {
            this.config = config;
        }

        void out(final String port, final long ts, final byte[] bytes, final Shape shape, final boolean good)
        {
            outputs.computeIfAbsent(port, p -> new ArrayList<>()).add(new Output(ts, bytes, checks(bytes, shape, good)));
        }

        /** A frame with its tshark expectations given directly (the VIRT_V4 cases, whose frames are IPv4 on one side). */
        void out(final String port, final long ts, final byte[] bytes, final Map<String, String> checks)
        {
            outputs.computeIfAbsent(port, p -> new ArrayList<>()).add(new Output(ts, bytes, checks));
        }

        void drop(final String inPort, final DropReason reason)
        {
            portDrops.computeIfAbsent(inPort, p -> new TreeMap<>()).merge(reason.name(), 1L, Long::sum);
        }

        void stage(final String stage)
        {
            stagePackets.merge(stage, 1L, Long::sum);
        }

        List<String> ports()
        {
            final List<String> ports = new ArrayList<>();
            ports.add(config.get("underlay").get("port").asText());
            config.get("endpoints").forEach(e -> ports.add(e.get("port").asText()));
            return ports;
        }
    }

    final String name;
    final String description;
    final Side a;
    Side b;
    String knownBug;
    /** Replay must refuse the config with a message containing this, or null. */
    String error;
    final Map<String, List<Input>> inputs = new LinkedHashMap<>();
    private long clock;

    IlaCase(final String name, final String description, final ObjectNode configA)
    {
        this.name = name;
        this.description = description;
        this.a = new Side(configA);
    }

    IlaCase reverse(final ObjectNode configB)
    {
        b = new Side(configB);
        return this;
    }

    IlaCase knownBug(final String text)
    {
        knownBug = text;
        return this;
    }

    long in(final String port, final byte[] frame)
    {
        final long ts = BASE_TIME_NANOS + (clock++) * 1_000_000L;
        inputs.computeIfAbsent(port, p -> new ArrayList<>()).add(new Input(ts, frame));
        return ts;
    }

    // ---- the common patterns -------------------------------------------------------------------

    /**
     * {@code sender} (an endpoint port of A with MAC {@code senderMac}) routes {@code original}
     * to {@code target}'s SIR address, which lives on B: A's uplink sends it to the gateway with
     * B's locator and the wire identifier, hop limit - 1, the transport checksum recomputed for
     * adjust-transport; B delivers the original to {@code target}'s endpoint, hop limit - 2.
     */
    void toB(final String sender, final byte[] original, final Mapping target, final Shape shape)
    {
        final long ts = in(sender, original);
        a.stage("ila-egress");
        final byte[] wire = egress(original, target);
        a.out("uplink", ts, wire, shape, target.mode() != Mode.NO_ACTION);
        if (b != null)
        {
            b.stage("ila-ingress");
            b.out(target.endpoint() != null ? target.endpoint() : ownerOnB(target), ts, atOwner(original, target, ownerMac(target)), shape, true);
        }
    }

    /** Fragments of one datagram to {@code target} (on B); only the first carries the transport header. */
    void fragmentsToB(final String sender, final byte[] whole, final List<byte[]> fragments, final Mapping target)
    {
        final boolean adjust = target.mode() == Mode.ADJUST_TRANSPORT;
        final int checksum = Ip6.transportChecksum(Ip6.recomputed(readdressed(whole, target)));
        for (int i = 0; i < fragments.size(); i++)
        {
            final byte[] f = fragments.get(i);
            final long ts = in(sender, f);
            a.stage("ila-egress");
            final byte[] wire = readdressed(f, target);
            if (i == 0 && adjust)
            {
                final Ip6.Walk w = Ip6.walk(wire);
                ByteBuffer.wrap(wire).putShort(Ip6.ETH + w.transportOffset() + Ip6.checksumOffset(w.protocol()), (short)checksum);
            }
            final Shape shape = i + 1 < fragments.size() ? Shape.FRAGMENT : Shape.FRAGMENT_LAST_UDP;
            a.out("uplink", ts, wire, shape, target.mode() != Mode.NO_ACTION);
            if (b != null)
            {
                b.stage("ila-ingress");
                b.out(ownerOnB(target), ts, atOwner(f, target, ownerMac(target)), shape, true);
            }
        }
    }

    /**
     * {@code original} was sent on host B by an endpoint to {@code local}, an identifier of
     * host A: B's egress model puts it on A's uplink (from the gateway, hop limit - 1, A's
     * locator and the wire identifier); A delivers the original to {@code port}, hop limit - 2.
     */
    void fromB(final byte[] original, final Mapping local, final String port, final String portMac, final Shape shape)
    {
        byte[] wire = Ip6.with(original, IlaModel.mac(IlaModel.A_UPLINK), IlaModel.mac(IlaModel.GATEWAY), Ip6.hopLimit(original) - 1,
            local.locatorHigh(), local.wire());
        if (local.mode() == Mode.ADJUST_TRANSPORT)
        {
            wire = Ip6.recomputed(wire);
        }
        final long ts = in("uplink", wire);
        a.stage("ila-ingress");
        a.out(port, ts, atOwner(original, local, IlaModel.mac(portMac)), shape, true);
    }

    /** The model of A's egress for a whole packet (not a fragment). */
    static byte[] egress(final byte[] original, final Mapping target)
    {
        final byte[] wire = readdressed(original, target);
        return target.mode() == Mode.ADJUST_TRANSPORT ? Ip6.recomputed(wire) : wire;
    }

    /** Next-hop MACs, hop limit - 1, locator and wire identifier; transport untouched. */
    static byte[] readdressed(final byte[] original, final Mapping target)
    {
        final long nextHop = IlaModel.mac(target.nextHop() != null ? target.nextHop() : IlaModel.GATEWAY);
        return Ip6.with(original, nextHop, IlaModel.mac(IlaModel.A_UPLINK), Ip6.hopLimit(original) - 1, target.locatorHigh(), target.wire());
    }

    /** The original packet as the owner of {@code target} receives it after two routers. */
    static byte[] atOwner(final byte[] original, final Mapping target, final long ownerMac)
    {
        return Ip6.with(original, ownerMac, IlaModel.mac(IlaModel.ROUTER), Ip6.hopLimit(original) - 2, target.high(), target.low());
    }

    static String ownerOnB(final Mapping target)
    {
        return switch (target.type())
        {
            case IlaModel.VIRT -> target.vnid() == IlaModel.VNID_1 ? "b2" : "b3";
            default -> "b1";
        };
    }

    static long ownerMac(final Mapping target)
    {
        return IlaModel.mac(switch (ownerOnB(target))
        {
            case "b2" -> IlaModel.B2;
            case "b3" -> IlaModel.B3;
            default -> IlaModel.B1;
        });
    }

    // ---- tshark expectations ---------------------------------------------------------------------

    /** tshark statuses (Wireshark's proto_checksum_enum_e). */
    static final String BAD = "0";
    static final String GOOD = "1";
    static final String ILLEGAL = "4";

    /**
     * The tshark fields of one frame: MACs, every IPv6 source, destination and hop limit (the
     * quoted packet of an ICMPv6 error too) and every transport checksum status, Good where the
     * model says the checksum is valid, Bad where not.
     */
    static Map<String, String> checks(final byte[] frame, final Shape shape, final boolean good)
    {
        final Map<String, String> c = new LinkedHashMap<>();
        c.put("eth.dst", IlaModel.macText(Ip6.mac(frame, 0)));
        c.put("eth.src", IlaModel.macText(Ip6.mac(frame, 6)));
        final ByteBuffer b = ByteBuffer.wrap(frame);
        String src = Ip6.rfc5952(b.getLong(Ip6.ETH + 8), b.getLong(Ip6.ETH + 16));
        String dst = Ip6.rfc5952(b.getLong(Ip6.ETH + 24), b.getLong(Ip6.ETH + 32));
        String hlim = Integer.toString(Ip6.hopLimit(frame));
        if (shape == Shape.ICMP_ERROR_QUOTING_UDP)
        {
            final int inner = Ip6.ETH + Ip6.walk(frame).transportOffset() + 8;
            src += "," + Ip6.rfc5952(b.getLong(inner + 8), b.getLong(inner + 16));
            dst += "," + Ip6.rfc5952(b.getLong(inner + 24), b.getLong(inner + 32));
            hlim += "," + (frame[inner + 7] & 0xFF);
        }
        c.put("ipv6.src", src);
        c.put("ipv6.dst", dst);
        c.put("ipv6.hlim", hlim);
        final String status = good ? GOOD : BAD;
        c.put("tcp.checksum.status", shape == Shape.TCP ? status : "");
        c.put("udp.checksum.status", switch (shape)
        {
            case UDP, FRAGMENT_LAST_UDP -> status;
            case UDP_ZERO -> ILLEGAL;
            case ICMP_ERROR_QUOTING_UDP -> GOOD; // the quote is left as it is, its own checksum still valid
            default -> "";
        });
        if (shape == Shape.UDP_ZERO)
        {
            c.put("udp.checksum", "0x0000");
        }
        c.put("icmpv6.checksum.status", shape == Shape.ICMP || shape == Shape.ICMP_ERROR_QUOTING_UDP ? status : "");
        return c;
    }
}
