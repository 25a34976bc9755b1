package dev.nve.pcaptests;

import dev.nve.dataplane.pcap.PcapWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.nve.pcaptests.Cases.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The oracle must catch what it claims to catch: each rule fires on a frame that breaks it. */
final class OracleSelfTest
{
    @TempDir
    Path tmp;

    private final byte[] inner = udp(R1, C1, IP_C1, IP_R1, 40001, 32).bytes();
    private final byte[] good4 = Frames.vxlan(MAC_B, MAC_A, VTEP_A, VTEP_B, 50000, 100, -1, inner);
    private final byte[] good6 = Frames.vxlan(MAC_B, MAC_A, VTEP6_A, VTEP6_B, 50000, 100, -1, inner);

    @BeforeEach
    void tshark()
    {
        Tshark.require();
    }

    private List<String> check(final byte[] frame, final Map<String, String> expected, final int vxlanPort) throws Exception
    {
        final Path file = tmp.resolve("f" + System.nanoTime() + ".pcap");
        try (PcapWriter writer = PcapWriter.create(file))
        {
            writer.write(Case.BASE_TIME_NANOS, frame);
        }
        return Oracle.check(file, List.of(expected), vxlanPort);
    }

    private static void assertProblem(final List<String> problems, final String text)
    {
        assertTrue(problems.stream().anyMatch(p -> p.contains(text)), "expected a problem containing \"" + text + "\", got " + problems);
    }

    @Test
    void goodFramesPass() throws Exception
    {
        assertEquals(List.of(), check(good4, Map.of("vxlan.vni", "100", "ip.dst", "198.18.0.2,198.19.1.11"), 4789));
        assertEquals(List.of(), check(good6, Map.of("vxlan.vni", "100", "ipv6.dst", "2001:db8::2"), 4789));
    }

    @Test
    void fieldMismatch() throws Exception
    {
        assertProblem(check(good4, Map.of("vxlan.vni", "200"), 4789), "vxlan.vni is \"100\", expected \"200\"");
        assertProblem(check(good4, Map.of("ip.src", "198.18.0.1"), -1), "ip.src is \"198.18.0.1,198.19.1.1\"");
        assertProblem(check(good4, Map.of("vxlan.gbp", "7"), 4789), "vxlan.gbp");
    }

    @Test
    void badIpv4HeaderChecksum() throws Exception
    {
        assertProblem(check(Frames.set16(good4, 24, Frames.get16(good4, 24) ^ 1), Map.of(), -1), "ip.checksum.status is 0");
    }

    @Test
    void zeroUdpChecksumOverIpv6() throws Exception
    {
        assertProblem(check(Frames.set16(good6, 14 + 40 + 6, 0), Map.of(), -1), "IPv6 requires a valid UDP checksum");
    }

    @Test
    void wrongUdpChecksumOverIpv4() throws Exception
    {
        final byte[] withChecksum = Cases.withIpv4UdpChecksum(good4);
        assertEquals(List.of(), check(withChecksum, Map.of(), 4789));
        assertProblem(check(Frames.set16(withChecksum, 40, Frames.get16(withChecksum, 40) ^ 0x0101), Map.of(), -1), "UDP checksum 1 (over ip) has status 0");
    }

    @Test
    void malformed() throws Exception
    {
        assertProblem(check(Frames.cut(good4, 60), Map.of(), -1), "tshark");
    }

    @Test
    void underlayRules() throws Exception
    {
        assertProblem(check(inner, Map.of(), 4789), "the underlay may only transmit VXLAN");
        assertProblem(check(Frames.vxlan(MAC_B, MAC_A, VTEP_A, VTEP_B, 1234, 100, -1, inner), Map.of(), 4789), "not in 49152-65535");
    }
}
