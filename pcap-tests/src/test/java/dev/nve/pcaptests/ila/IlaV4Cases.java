package dev.nve.pcaptests.ila;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.ila.Ip4;
import dev.nve.dataplane.ila.Ip6;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.nve.pcaptests.ila.IlaModel.mac;

/**
 * The VIRT_V4 cases of the ILA replay suite: IPv4 tenants 300 and 400 (both 198.19.1.0/24,
 * translated addresses under fd00:44::/64) added to the suite's hosts; A has a4 = 198.19.1.4
 * (tenant 300) and a5 = 198.19.1.4 (tenant 400), B has b4 = 198.19.1.11 (300) and
 * b5 = 198.19.1.11 (400). Expected frames come from {@link Ip4}'s model (checksums from
 * scratch); tshark checks the addresses, TTL / hop limit, the IPv4 header checksum and every
 * transport checksum on both sides.
 */
final class IlaV4Cases
{
    static final String SIR4 = "fd00:44::";
    static final int T1 = 300;
    static final int T2 = 400;
    static final String A4 = "02:00:00:00:0a:04";
    static final String A5 = "02:00:00:00:0a:05";
    static final String B4 = "02:00:00:00:0b:04";
    static final String B5 = "02:00:00:00:0b:05";
    static final int A_IP = Ip4.addr("198.19.1.4");
    static final int B_IP = Ip4.addr("198.19.1.11");

    /** What tshark must find in a frame's transport. */
    enum Kind
    {
        TCP, UDP, ICMP, FRAGMENT, FRAGMENT_LAST_UDP
    }

    private IlaV4Cases()
    {
    }

    static List<IlaCase> all(final int first)
    {
        int n = first;
        final List<IlaCase> cases = new ArrayList<>();
        cases.add(tcp(String.format("%02d", n++)));
        cases.add(udp(String.format("%02d", n++)));
        cases.add(udpZero(String.format("%02d", n++)));
        cases.add(icmpEcho(String.format("%02d", n++)));
        cases.add(fragments(String.format("%02d", n++)));
        cases.add(options(String.format("%02d", n++)));
        cases.add(twoTenants(String.format("%02d", n++)));
        cases.add(unknown(String.format("%02d", n++)));
        cases.add(ttl(String.format("%02d", n++)));
        cases.add(notTranslated(String.format("%02d", n)));
        return cases;
    }

    // ---- hosts ---------------------------------------------------------------------------------

    static ObjectNode hostA()
    {
        final ObjectNode root = IlaModel.hostA();
        addTenants(root);
        endpoint(root, "a4", A4, T1, "198.19.1.4");
        endpoint(root, "a5", A5, T2, "198.19.1.4");
        final ArrayNode m = (ArrayNode)root.get("ila").get("mappings");
        m.add(mapping("198.19.1.4", T1, IlaModel.LOC_A, "a4"));
        m.add(mapping("198.19.1.4", T2, IlaModel.LOC_A, "a5"));
        m.add(mapping("198.19.1.11", T1, IlaModel.LOC_B, null));
        m.add(mapping("198.19.1.11", T2, IlaModel.LOC_B, null));
        return root;
    }

    static ObjectNode hostB()
    {
        final ObjectNode root = IlaModel.hostB();
        addTenants(root);
        endpoint(root, "b4", B4, T1, "198.19.1.11");
        endpoint(root, "b5", B5, T2, "198.19.1.11");
        final ArrayNode m = (ArrayNode)root.get("ila").get("mappings");
        m.add(mapping("198.19.1.11", T1, IlaModel.LOC_B, "b4"));
        m.add(mapping("198.19.1.11", T2, IlaModel.LOC_B, "b5"));
        m.add(mapping("198.19.1.4", T1, IlaModel.LOC_A, null));
        m.add(mapping("198.19.1.4", T2, IlaModel.LOC_A, null));
        return root;
    }

    private static void addTenants(final ObjectNode root)
    {
        final ArrayNode tenants = (ArrayNode)root.get("ila").get("tenants");
        for (final int vnid : new int[] {T1, T2})
        {
            final ObjectNode t = tenants.addObject().put("vnid", vnid);
            t.putArray("ipv4Prefixes").add("198.19.1.0/24");
            t.put("ipv4SirPrefix", SIR4 + "/64");
        }
    }

    private static void endpoint(final ObjectNode root, final String port, final String mac, final int tenant, final String ip)
    {
        final ObjectNode e = ((ArrayNode)root.get("endpoints")).addObject();
        e.put("name", port).put("port", port).put("mac", mac);
        e.putArray("ips").add(ip);
        e.put("ilaTenant", tenant);
    }

    private static ObjectNode mapping(final String ipv4, final int vnid, final String locator, final String endpoint)
    {
        final ObjectNode m = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        m.put("sir", ipv4).put("type", "virt-v4").put("vnid", vnid).put("locator", locator + "/64");
        if (endpoint != null)
        {
            m.put("endpoint", endpoint);
        }
        return m;
    }

    // ---- the model of one crossing ---------------------------------------------------------------

    static long sirHigh()
    {
        return Ip6.addr(SIR4)[0];
    }

    static long loc(final String locator)
    {
        return Ip6.addr(locator)[0];
    }

    /**
     * {@code sender} (tenant {@code vnid}) sends IPv4 {@code frame} to an address on B: A's uplink
     * sends the model's IPv6; B (reverse half) delivers the model's IPv4 to {@code receiver}.
     * {@code whole6}/{@code whole4}: a first fragment's transport checksum (of the whole datagram), else -1.
     */
    static void toB(final IlaCase c, final String sender, final int vnid, final byte[] frame, final Kind kind, final String receiver, final String receiverMac,
        final int whole6, final int whole4)
    {
        final int src = ByteBuffer.wrap(frame).getInt(Ip4.ETH + 12);
        final int dst = ByteBuffer.wrap(frame).getInt(Ip4.ETH + 16);
        final long ts = c.in(sender, frame);
        c.a.stage("ila-egress");
        final byte[] wire = Ip4.toIpv6(frame, sirHigh(), Ip4.virtV4(vnid, src), loc(IlaModel.LOC_B), Ip4.virtV4(vnid, dst), mac(IlaModel.GATEWAY),
            mac(IlaModel.A_UPLINK), whole6);
        c.a.out("uplink", ts, wire, checks6(wire, kind));
        if (c.b != null)
        {
            c.b.stage("ila-ingress");
            final byte[] delivered = Ip4.toIpv4(wire, src, dst, mac(receiverMac), mac(IlaModel.ROUTER), whole4);
            c.b.out(receiver, ts, delivered, checks4(delivered, kind));
        }
    }

    /** B's endpoint (tenant {@code vnid}) sent IPv4 {@code original} to a4/a5: it arrives on A's uplink as B's egress makes it; A delivers IPv4. */
    static void fromB(final IlaCase c, final int vnid, final byte[] original, final Kind kind, final String receiver, final String receiverMac)
    {
        final int src = ByteBuffer.wrap(original).getInt(Ip4.ETH + 12);
        final int dst = ByteBuffer.wrap(original).getInt(Ip4.ETH + 16);
        final byte[] wire = Ip4.toIpv6(original, sirHigh(), Ip4.virtV4(vnid, src), loc(IlaModel.LOC_A), Ip4.virtV4(vnid, dst), mac(IlaModel.A_UPLINK),
            mac(IlaModel.GATEWAY), -1);
        final long ts = c.in("uplink", wire);
        c.a.stage("ila-ingress");
        final byte[] delivered = Ip4.toIpv4(wire, src, dst, mac(receiverMac), mac(IlaModel.ROUTER), -1);
        c.a.out(receiver, ts, delivered, checks4(delivered, kind));
    }

    // ---- tshark expectations ---------------------------------------------------------------------

    static Map<String, String> checks6(final byte[] frame, final Kind kind)
    {
        final Map<String, String> c = new LinkedHashMap<>();
        c.put("eth.dst", IlaModel.macText(Ip6.mac(frame, 0)));
        c.put("eth.src", IlaModel.macText(Ip6.mac(frame, 6)));
        c.put("ip.src", "");
        c.put("ipv6.src", Ip6.rfc5952(Ip6.srcHigh(frame), Ip6.srcLow(frame)));
        c.put("ipv6.dst", Ip6.rfc5952(Ip6.dstHigh(frame), Ip6.dstLow(frame)));
        c.put("ipv6.hlim", Integer.toString(Ip6.hopLimit(frame)));
        c.put("ipv6.tclass", String.format("0x%08x", (ByteBuffer.wrap(frame).getInt(Ip4.ETH) >>> 20) & 0xFF));
        transport(c, kind, "icmpv6.checksum.status");
        return c;
    }

    static Map<String, String> checks4(final byte[] frame, final Kind kind)
    {
        final Map<String, String> c = new LinkedHashMap<>();
        c.put("eth.dst", IlaModel.macText(Ip6.mac(frame, 0)));
        c.put("eth.src", IlaModel.macText(Ip6.mac(frame, 6)));
        c.put("ipv6.src", "");
        c.put("ip.src", Ip4.text(ByteBuffer.wrap(frame).getInt(Ip4.ETH + 12)));
        c.put("ip.dst", Ip4.text(ByteBuffer.wrap(frame).getInt(Ip4.ETH + 16)));
        c.put("ip.ttl", Integer.toString(frame[Ip4.ETH + 8] & 0xFF));
        c.put("ip.dsfield", String.format("0x%02x", frame[Ip4.ETH + 1] & 0xFF));
        c.put("ip.checksum.status", IlaCase.GOOD);
        transport(c, kind, "icmp.checksum.status");
        return c;
    }

    private static void transport(final Map<String, String> c, final Kind kind, final String icmp)
    {
        c.put("tcp.checksum.status", kind == Kind.TCP ? IlaCase.GOOD : "");
        c.put("udp.checksum.status", kind == Kind.UDP || kind == Kind.FRAGMENT_LAST_UDP ? IlaCase.GOOD : "");
        c.put(icmp, kind == Kind.ICMP ? IlaCase.GOOD : "");
    }

    private static long router()
    {
        return mac(IlaModel.ROUTER);
    }

    // ---- cases ---------------------------------------------------------------------------------

    private static IlaCase tcp(final String number)
    {
        final IlaCase c = new IlaCase(number + "-virt-v4-tcp",
            "IPv4 tenant 300: a4 (198.19.1.4) sends TCP to 198.19.1.11 (on B) with TOS 0x28 and 0xb8: the uplink sends IPv6 from fd00:44::4000:12c:c613:104 "
                + "(the tenant's IPv4 /64 and VIRT_V4(300, source)) to 2001:db8:b:0:4000:12c:c613:10b (B's locator, VIRT_V4(300, destination)), "
                + "traffic class = TOS, hop limit 63, TCP checksum moved to the IPv6 pseudo header (Good). Reverse: B delivers IPv4 to b4, TTL 62, "
                + "header and TCP checksums Good, otherwise the original packet.",
            hostA()).reverse(hostB());
        toB(c, "a4", T1, Ip4.packet(A_IP, B_IP).tos(0x28).tcp(40_001, 443, 40).frame(router(), mac(A4)), Kind.TCP, "b4", B4, -1, -1);
        toB(c, "a4", T1, Ip4.packet(A_IP, B_IP).tos(0xB8).tcp(40_002, 443, 0).frame(router(), mac(A4)), Kind.TCP, "b4", B4, -1, -1);
        return c;
    }

    private static IlaCase udp(final String number)
    {
        final IlaCase c = new IlaCase(number + "-virt-v4-udp",
            "IPv4 tenant 300: a4 sends UDP (payloads 64 and 1 byte) to 198.19.1.11: translated to IPv6 with the UDP checksum moved to the IPv6 "
                + "pseudo header (Good on the wire); B delivers the original IPv4 (TTL 62, checksums Good).",
            hostA()).reverse(hostB());
        toB(c, "a4", T1, Ip4.packet(A_IP, B_IP).udp(41_001, 4_000, 64).frame(router(), mac(A4)), Kind.UDP, "b4", B4, -1, -1);
        toB(c, "a4", T1, Ip4.packet(A_IP, B_IP).udp(41_002, 4_001, 1).frame(router(), mac(A4)), Kind.UDP, "b4", B4, -1, -1);
        return c;
    }

    private static IlaCase udpZero(final String number)
    {
        final IlaCase c = new IlaCase(number + "-virt-v4-udp-checksum-zero",
            "IPv4 UDP without checksum (0, legal in IPv4) from a4: IPv6 requires one (RFC 8200 §8.1), so nve computes it over the whole datagram "
                + "(RFC 7915 §4.5) and tshark finds it Good on the wire; B delivers IPv4 carrying that (valid) checksum.",
            hostA()).reverse(hostB());
        toB(c, "a4", T1, Ip4.packet(A_IP, B_IP).udp(41_003, 4_000, 33).zeroUdpChecksum().frame(router(), mac(A4)), Kind.UDP, "b4", B4, -1, -1);
        return c;
    }

    private static IlaCase icmpEcho(final String number)
    {
        final IlaCase c = new IlaCase(number + "-virt-v4-icmp-echo",
            "ICMP echo request a4 → 198.19.1.11 becomes ICMPv6 echo request (type 128, checksum now over the IPv6 pseudo header, Good) and B delivers an "
                + "ICMP echo request again (type 8, checksum Good); the echo reply b4 → a4 arrives on A's uplink as ICMPv6 echo reply (129) and A "
                + "delivers ICMP echo reply (type 0) to a4.",
            hostA()).reverse(hostB());
        toB(c, "a4", T1, Ip4.packet(A_IP, B_IP).icmpEcho(true, 0x4242, 1, 56).frame(router(), mac(A4)), Kind.ICMP, "b4", B4, -1, -1);
        fromB(c, T1, Ip4.packet(B_IP, A_IP).icmpEcho(false, 0x4242, 1, 56).frame(router(), mac(B4)), Kind.ICMP, "a4", A4);
        return c;
    }

    private static IlaCase fragments(final String number)
    {
        final IlaCase c = new IlaCase(number + "-virt-v4-fragment",
            "An IPv4 UDP datagram (DF clear, ID 0x5a5a) in three fragments from a4: each becomes IPv6 with a Fragment header (ID 0x00005a5a, same offset "
                + "and M flag, RFC 7915 §4.1), the first fragment's UDP checksum moved to the IPv6 pseudo header (tshark reassembles: Good); B turns "
                + "them back into the same IPv4 fragments (DF clear, ID, offsets, MF) that reassemble with a Good checksum.",
            hostA()).reverse(hostB());
        final byte[] whole = Ip4.packet(A_IP, B_IP).df(false).id(0x5A5A).udp(41_004, 4_000, 300).frame(router(), mac(A4));
        final List<byte[]> parts = Ip4.fragment(whole, 0, 104, 208);
        final int whole6 = Ip4.ipv6TransportChecksum(Ip4.toIpv6(whole, sirHigh(), Ip4.virtV4(T1, A_IP), loc(IlaModel.LOC_B), Ip4.virtV4(T1, B_IP), 0, 0, -1));
        final int whole4 = Ip4.ipv4TransportChecksum(whole);
        for (int k = 0; k < parts.size(); k++)
        {
            toB(c, "a4", T1, parts.get(k), k + 1 < parts.size() ? Kind.FRAGMENT : Kind.FRAGMENT_LAST_UDP, "b4", B4, k == 0 ? whole6 : -1, k == 0 ? whole4 : -1);
        }
        return c;
    }

    private static IlaCase options(final String number)
    {
        final IlaCase c = new IlaCase(number + "-virt-v4-ipv4-options",
            "IPv4 with options (Record Route; a Router Alert) from a4 to 198.19.1.11: IPv6 has no place for them, nve drops the packet as "
                + "ILA_IPV4_OPTIONS rather than translate it without them; the same packet without options passes.",
            hostA());
        c.in("a4", Ip4.packet(A_IP, B_IP).options((byte)7, (byte)7, (byte)4, (byte)0, (byte)0, (byte)0, (byte)0).udp(41_005, 4_000, 16).frame(router(), mac(A4)));
        c.a.stage("ila-egress");
        c.a.drop("a4", DropReason.ILA_IPV4_OPTIONS);
        c.in("a4", Ip4.packet(A_IP, B_IP).options((byte)0x94, (byte)4, (byte)0, (byte)0).tcp(41_006, 80, 16).frame(router(), mac(A4)));
        c.a.stage("ila-egress");
        c.a.drop("a4", DropReason.ILA_IPV4_OPTIONS);
        toB(c, "a4", T1, Ip4.packet(A_IP, B_IP).udp(41_007, 4_000, 16).frame(router(), mac(A4)), Kind.UDP, "b4", B4, -1, -1);
        return c;
    }

    private static IlaCase twoTenants(final String number)
    {
        final IlaCase c = new IlaCase(number + "-virt-v4-two-tenants-same-ipv4",
            "Tenants 300 (a4, b4) and 400 (a5, b5) use the same IPv4 addresses 198.19.1.4 and 198.19.1.11: the sender's port picks the tenant, the "
                + "VNID travels in both IPv6 addresses (…:4000:12c:… for 300, …:4000:190:… for 400), and B delivers tenant 300's packets to b4 and "
                + "tenant 400's to b5; replies from b5 reach a5, not a4.",
            hostA()).reverse(hostB());
        toB(c, "a4", T1, Ip4.packet(A_IP, B_IP).udp(42_001, 4_000, 20).frame(router(), mac(A4)), Kind.UDP, "b4", B4, -1, -1);
        toB(c, "a5", T2, Ip4.packet(A_IP, B_IP).udp(42_001, 4_000, 20).frame(router(), mac(A5)), Kind.UDP, "b5", B5, -1, -1);
        toB(c, "a5", T2, Ip4.packet(A_IP, B_IP).tcp(42_002, 80, 12).frame(router(), mac(A5)), Kind.TCP, "b5", B5, -1, -1);
        fromB(c, T2, Ip4.packet(B_IP, A_IP).tcp(80, 42_002, 12).frame(router(), mac(B5)), Kind.TCP, "a5", A5);
        fromB(c, T1, Ip4.packet(B_IP, A_IP).udp(4_000, 42_001, 20).frame(router(), mac(B4)), Kind.UDP, "a4", A4);
        return c;
    }

    private static IlaCase unknown(final String number)
    {
        final IlaCase c = new IlaCase(number + "-virt-v4-unknown-identifier",
            "a4 sends to 198.19.1.99 (in the tenant's prefix, no mapping): ILA_UNKNOWN_IDENTIFIER; to 198.19.9.9 (outside 198.19.1.0/24): NO_ROUTE. "
                + "From the underlay: VIRT_V4(300, 198.19.1.99) on A's locator: ILA_UNKNOWN_IDENTIFIER; VIRT_V4(500, 198.19.1.4) (no IPv4 tenant 500): "
                + "ILA_NO_IPV4_TENANT; VIRT_V4(300, 198.19.1.4) from a source outside the tenant's translated /96: ILA_SOURCE_NOT_TRANSLATABLE.",
            hostA());
        c.in("a4", Ip4.packet(A_IP, Ip4.addr("198.19.1.99")).udp(43_001, 4_000, 16).frame(router(), mac(A4)));
        c.a.stage("ila-egress");
        c.a.drop("a4", DropReason.ILA_UNKNOWN_IDENTIFIER);
        c.in("a4", Ip4.packet(A_IP, Ip4.addr("198.19.9.9")).udp(43_002, 4_000, 16).frame(router(), mac(A4)));
        c.a.stage("ila-egress");
        c.a.drop("a4", DropReason.NO_ROUTE);
        final byte[] v4 = Ip4.packet(B_IP, A_IP).udp(43_003, 4_000, 16).frame(0, 0);
        final long locA = loc(IlaModel.LOC_A);
        c.in("uplink", Ip4.toIpv6(v4, sirHigh(), Ip4.virtV4(T1, B_IP), locA, Ip4.virtV4(T1, Ip4.addr("198.19.1.99")), mac(IlaModel.A_UPLINK),
            mac(IlaModel.GATEWAY), -1));
        c.a.stage("ila-ingress");
        c.a.drop("uplink", DropReason.ILA_UNKNOWN_IDENTIFIER);
        c.in("uplink", Ip4.toIpv6(v4, sirHigh(), Ip4.virtV4(500, B_IP), locA, Ip4.virtV4(500, A_IP), mac(IlaModel.A_UPLINK), mac(IlaModel.GATEWAY), -1));
        c.a.stage("ila-ingress");
        c.a.drop("uplink", DropReason.ILA_NO_IPV4_TENANT);
        c.in("uplink", Ip4.toIpv6(v4, Ip6.addr("fd00:5::")[0], 0xb1, locA, Ip4.virtV4(T1, A_IP), mac(IlaModel.A_UPLINK), mac(IlaModel.GATEWAY), -1));
        c.a.stage("ila-ingress");
        c.a.drop("uplink", DropReason.ILA_SOURCE_NOT_TRANSLATABLE);
        return c;
    }

    private static IlaCase ttl(final String number)
    {
        final IlaCase c = new IlaCase(number + "-virt-v4-ttl",
            "nve routes: a4's packet with TTL 1 is dropped as TTL_EXCEEDED (no ICMP Time Exceeded is generated); with TTL 2 it leaves as IPv6 with "
                + "hop limit 1, and B drops it as TTL_EXCEEDED (it would reach b4 with TTL 0); with TTL 3 it arrives with TTL 1.",
            hostA()).reverse(hostB());
        c.in("a4", Ip4.packet(A_IP, B_IP).ttl(1).udp(44_001, 4_000, 16).frame(router(), mac(A4)));
        c.a.stage("ila-egress");
        c.a.drop("a4", DropReason.TTL_EXCEEDED);
        final byte[] two = Ip4.packet(A_IP, B_IP).ttl(2).udp(44_002, 4_000, 16).frame(router(), mac(A4));
        final long ts = c.in("a4", two);
        c.a.stage("ila-egress");
        final byte[] wire = Ip4.toIpv6(two, sirHigh(), Ip4.virtV4(T1, A_IP), loc(IlaModel.LOC_B), Ip4.virtV4(T1, B_IP), mac(IlaModel.GATEWAY),
            mac(IlaModel.A_UPLINK), -1);
        c.a.out("uplink", ts, wire, checks6(wire, Kind.UDP));
        c.b.stage("ila-ingress");
        c.b.drop("uplink", DropReason.TTL_EXCEEDED);
        toB(c, "a4", T1, Ip4.packet(A_IP, B_IP).ttl(3).udp(44_003, 4_000, 16).frame(router(), mac(A4)), Kind.UDP, "b4", B4, -1, -1);
        return c;
    }

    private static IlaCase notTranslated(final String number)
    {
        final IlaCase c = new IlaCase(number + "-virt-v4-icmp-not-translated",
            "Only ICMP echo is translated: an ICMPv4 Destination Unreachable and a Timestamp from a4, an ICMPv6 Destination Unreachable and a "
                + "fragmented ICMPv6 echo from the underlay are dropped as ILA_ICMP_NOT_TRANSLATED; IPv6 with a Destination Options header "
                + "is dropped as ILA_EXTENSION_HEADER_NOT_TRANSLATED.",
            hostA());
        final byte[] quoted = java.util.Arrays.copyOfRange(Ip4.packet(A_IP, B_IP).udp(1, 2, 8).build(), 0, 28);
        c.in("a4", Ip4.packet(A_IP, B_IP).raw(Ip4.ICMP, icmp(3, 3, quoted)).frame(router(), mac(A4)));
        c.a.stage("ila-egress");
        c.a.drop("a4", DropReason.ILA_ICMP_NOT_TRANSLATED);
        c.in("a4", Ip4.packet(A_IP, B_IP).icmp(13, 0, 0x0001_0001, 12).frame(router(), mac(A4)));
        c.a.stage("ila-egress");
        c.a.drop("a4", DropReason.ILA_ICMP_NOT_TRANSLATED);
        final long srcLow = Ip4.virtV4(T1, B_IP);
        final long dstLow = Ip4.virtV4(T1, A_IP);
        final long locA = loc(IlaModel.LOC_A);
        c.in("uplink", Ip6.ethernet(mac(IlaModel.A_UPLINK), mac(IlaModel.GATEWAY), Ip6.packet(sirHigh(), srcLow, locA, dstLow).icmpv6Error(1, 4, new byte[48]).build()));
        c.a.stage("ila-ingress");
        c.a.drop("uplink", DropReason.ILA_ICMP_NOT_TRANSLATED);
        final byte[] echo = Ip6.packet(sirHigh(), srcLow, locA, dstLow).icmpv6Echo(9, 9, 64).frame(mac(IlaModel.A_UPLINK), mac(IlaModel.GATEWAY));
        c.in("uplink", Ip6.fragment(echo, 7, 0, 40).get(0));
        c.a.stage("ila-ingress");
        c.a.drop("uplink", DropReason.ILA_ICMP_NOT_TRANSLATED);
        c.in("uplink", Ip6.ethernet(mac(IlaModel.A_UPLINK), mac(IlaModel.GATEWAY),
            Ip6.packet(sirHigh(), srcLow, locA, dstLow).options(Ip6.DEST_OPTIONS).udp(1, 2, 8).build()));
        c.a.stage("ila-ingress");
        c.a.drop("uplink", DropReason.ILA_EXTENSION_HEADER_NOT_TRANSLATED);
        return c;
    }

    /** An ICMPv4 message (checksum computed) with type, code, a zero rest-of-header and {@code body}. */
    private static byte[] icmp(final int type, final int code, final byte[] body)
    {
        final byte[] m = ByteBuffer.allocate(8 + body.length).put((byte)type).put((byte)code).putShort((short)0).putInt(0).put(body).array();
        long sum = 0;
        for (int i = 0; i < m.length; i += 2)
        {
            sum += ((m[i] & 0xFF) << 8) | (i + 1 < m.length ? m[i + 1] & 0xFF : 0);
        }
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        ByteBuffer.wrap(m).putShort(2, (short)~sum);
        return m;
    }
}
