package dev.nve.pcaptests;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tshark oracle over one output capture: the per-frame expectations of a case's
 * {@code checks.json} (field name to the exact value tshark prints, every occurrence joined by
 * ','; an empty string means the field must be absent), plus rules that hold for every frame nve
 * transmits:
 * <ul>
 *   <li>no malformed packet and no expert info of severity error;</li>
 *   <li>every IPv4 header checksum, TCP, ICMP and ICMPv6 checksum is Good;</li>
 *   <li>every UDP checksum is Good, except a zero checksum over IPv4 ("not present", RFC 768 and
 *       RFC 7348 §5); over IPv6 a UDP checksum must always be present and Good (RFC 8200 §8.1);</li>
 *   <li>on the underlay port every frame is VXLAN to the configured port, with an outer UDP
 *       source port from the dynamic range 49152-65535 (RFC 7348 §5).</li>
 * </ul>
 */
final class Oracle
{
    static final List<String> RULE_FIELDS = List.of(
        "frame.number", "frame.protocols", "ip.checksum.status", "udp.checksum.status", "udp.checksum",
        "tcp.checksum.status", "icmp.checksum.status", "icmpv6.checksum.status", "_ws.expert.severity", "_ws.expert.message",
        "_ws.malformed", "udp.srcport", "udp.dstport");

    private Oracle()
    {
    }

    /**
     * Checks {@code pcap} against {@code expectedFrames}; returns the problems found, empty when all
     * is well.
     *
     * @param vxlanPort the VXLAN UDP port when {@code pcap} is the underlay's output, or -1.
     */
    static List<String> check(final Path pcap, final List<Map<String, String>> expectedFrames, final int vxlanPort) throws IOException
    {
        final Set<String> fields = new LinkedHashSet<>(RULE_FIELDS);
        expectedFrames.forEach(frame -> fields.addAll(frame.keySet()));
        final List<String> fieldList = List.copyOf(fields);
        final String[] decodeAs = vxlanPort > 0 && vxlanPort != 4789 ? new String[] {"-d", "udp.port==" + vxlanPort + ",vxlan"} : new String[0];
        final List<Map<String, String>> rows = Tshark.fields(pcap, fieldList, decodeAs);
        final List<String> problems = new ArrayList<>();
        final String file = pcap.getFileName().toString();
        if (rows.size() != expectedFrames.size())
        {
            problems.add(file + ": tshark sees " + rows.size() + " frames, checks.json describes " + expectedFrames.size());
        }
        for (int i = 0; i < rows.size(); i++)
        {
            final Map<String, String> row = rows.get(i);
            final String where = file + " frame " + (i + 1);
            rules(row, where, vxlanPort, problems);
            if (i < expectedFrames.size())
            {
                for (final Map.Entry<String, String> expected : expectedFrames.get(i).entrySet())
                {
                    final String actual = row.get(expected.getKey());
                    if (!expected.getValue().equals(actual))
                    {
                        problems.add(where + ": " + expected.getKey() + " is \"" + actual + "\", expected \"" + expected.getValue() + "\"");
                    }
                }
            }
        }
        return problems;
    }

    private static void rules(final Map<String, String> row, final String where, final int vxlanPort, final List<String> problems)
    {
        if (!row.get("_ws.malformed").isEmpty())
        {
            problems.add(where + ": tshark reports a malformed packet: " + row.get("_ws.malformed"));
        }
        final List<String> severities = split(row.get("_ws.expert.severity"));
        final List<String> messages = split(row.get("_ws.expert.message"));
        for (int k = 0; k < severities.size(); k++)
        {
            if (Long.parseLong(severities.get(k)) >= Tshark.SEVERITY_ERROR)
            {
                problems.add(where + ": tshark expert error: " + (k < messages.size() ? messages.get(k) : "?"));
            }
        }
        for (final String field : List.of("ip.checksum.status", "tcp.checksum.status", "icmp.checksum.status", "icmpv6.checksum.status"))
        {
            for (final String status : split(row.get(field)))
            {
                if (!Tshark.CHECKSUM_GOOD.equals(status))
                {
                    problems.add(where + ": " + field + " is " + status + ", expected Good (" + Tshark.CHECKSUM_GOOD + ")");
                }
            }
        }
        // Pair each UDP header with the IP version right before it in the protocol stack.
        final List<String> udpFamilies = new ArrayList<>();
        String family = "";
        for (final String protocol : row.get("frame.protocols").split(":"))
        {
            if (protocol.equals("ip") || protocol.equals("ipv6"))
            {
                family = protocol;
            }
            else if (protocol.equals("udp"))
            {
                udpFamilies.add(family);
            }
        }
        final List<String> statuses = split(row.get("udp.checksum.status"));
        final List<String> checksums = split(row.get("udp.checksum"));
        if (statuses.size() != udpFamilies.size())
        {
            problems.add(where + ": " + statuses.size() + " UDP checksum statuses for " + udpFamilies.size() + " UDP headers in " + row.get("frame.protocols"));
        }
        for (int k = 0; k < Math.min(statuses.size(), udpFamilies.size()); k++)
        {
            final String status = statuses.get(k);
            final boolean zeroOverIpv4 = udpFamilies.get(k).equals("ip") && k < checksums.size() && Integer.decode(checksums.get(k)) == 0;
            final boolean ok = Tshark.CHECKSUM_GOOD.equals(status) || zeroOverIpv4 && Tshark.CHECKSUM_NOT_PRESENT.equals(status);
            if (!ok)
            {
                problems.add(where + ": UDP checksum " + (k + 1) + " (over " + udpFamilies.get(k) + ") has status " + status
                    + (udpFamilies.get(k).equals("ipv6") ? ", expected Good: IPv6 requires a valid UDP checksum" : ", expected Good or not present (zero)"));
            }
        }
        if (vxlanPort > 0)
        {
            final String protocols = row.get("frame.protocols");
            if (!protocols.startsWith("eth:ethertype:ip:udp:vxlan:") && !protocols.startsWith("eth:ethertype:ipv6:udp:vxlan:"))
            {
                problems.add(where + ": the underlay may only transmit VXLAN, tshark sees " + protocols);
            }
            final List<String> dstPorts = split(row.get("udp.dstport"));
            final List<String> srcPorts = split(row.get("udp.srcport"));
            if (dstPorts.isEmpty() || !dstPorts.get(0).equals(Integer.toString(vxlanPort)))
            {
                problems.add(where + ": outer UDP destination port " + dstPorts + ", expected " + vxlanPort);
            }
            if (srcPorts.isEmpty() || Integer.parseInt(srcPorts.get(0)) < 49152)
            {
                problems.add(where + ": outer UDP source port " + srcPorts + " is not in 49152-65535 (RFC 7348 §5)");
            }
        }
    }

    static List<String> split(final String aggregated)
    {
        return aggregated == null || aggregated.isEmpty() ? List.of() : List.of(aggregated.split(","));
    }
}
