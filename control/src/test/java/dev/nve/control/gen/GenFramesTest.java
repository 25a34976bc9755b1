package dev.nve.control.gen;

import dev.nve.control.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class GenFramesTest
{
    private static GenFrames.Spec spec(final GenFrames.Type type, final String src, final String dst, final int flows)
    {
        return new GenFrames.Spec(type, 0x02_72_62_00_00_02L, 0x02_72_62_00_00_01L, src, dst, 100, 0x02_72_62_00_00_99L, 0x02_72_62_00_00_98L,
            "198.19.2.1", "198.19.2.2", flows, 0);
    }

    @Test
    void standardLengthsAndOneFramePerFlowDifferingBySourcePort()
    {
        final byte[][] udp4 = GenFrames.build(spec(GenFrames.Type.UDP4, "198.18.0.1", "198.18.1.3", 64));
        final byte[][] vxlan = GenFrames.build(spec(GenFrames.Type.VXLAN, "198.18.0.1", "198.18.0.2", 64));
        final byte[][] udp6 = GenFrames.build(spec(GenFrames.Type.UDP6, "fd00:ab::1", "fd00:ab:1::1", 64));
        assertEquals(64, udp4.length);
        assertEquals(GenFrames.UDP4_LENGTH, udp4[0].length);
        assertEquals(GenFrames.VXLAN_LENGTH, vxlan[0].length);
        assertEquals(GenFrames.UDP6_LENGTH, udp6[0].length);
        final Set<Integer> ports = new HashSet<>();
        for (int flow = 0; flow < 64; flow++)
        {
            ports.add(ByteBuffer.wrap(udp4[flow]).getShort(34) & 0xFFFF);
            assertEquals(49152 + flow, ByteBuffer.wrap(vxlan[flow]).getShort(34) & 0xFFFF, "outer source port");
            assertEquals(4789, ByteBuffer.wrap(vxlan[flow]).getShort(36) & 0xFFFF);
            assertEquals(100, ByteBuffer.wrap(vxlan[flow]).getInt(46) >>> 8, "VNI");
            assertEquals(1024 + flow, ByteBuffer.wrap(udp6[flow]).getShort(54) & 0xFFFF);
        }
        assertEquals(64, ports.size());
        assertEquals(0x99, vxlan[0][50 + 5] & 0xFF, "inner destination MAC");
    }

    @Test
    void refusesAddressesOutsideTheProjectRanges()
    {
        for (final String bad : new String[] {"10.0.0.1", "192.168.1.1", "172.16.0.1", "8.8.8.8", "198.20.0.1", "198.17.255.255"})
        {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GenFrames.build(spec(GenFrames.Type.UDP4, "198.18.0.1", bad, 1)));
            assertTrue(e.getMessage().contains("198.18.0.0/15"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> GenFrames.build(spec(GenFrames.Type.UDP6, "fd00:ab::1", "2001:db9::1", 1)));
        assertThrows(IllegalArgumentException.class, () -> GenFrames.build(spec(GenFrames.Type.UDP6, "fe80::1", "fd00::1", 1)));
        assertThrows(IllegalArgumentException.class, () -> GenFrames.build(spec(GenFrames.Type.UDP4, "localhost", "198.18.0.2", 1)));
        GenFrames.build(spec(GenFrames.Type.UDP4, "198.19.255.254", "198.18.0.0", 1));
        GenFrames.build(spec(GenFrames.Type.UDP6, "2001:db8::1", "fd12::1", 1));
    }

    @Test
    void macParsing()
    {
        assertEquals(0x02_72_62_00_00_99L, GenFrames.mac("02:72:62:00:00:99", "x"));
        assertEquals(0x02_72_62_00_00_99L, GenFrames.mac("02-72-62-00-00-99", "x"));
        assertThrows(IllegalArgumentException.class, () -> GenFrames.mac("02:72:62:00:00", "x"));
        assertThrows(IllegalArgumentException.class, () -> GenFrames.mac("02:72:62:00:00:zz", "x"));
    }

    @Test
    void netnsCheckRefusesTheRootNamespaceAndUnreadableLinks(@TempDir final Path dir) throws IOException
    {
        final Path self = dir.resolve("self");
        final Path root = dir.resolve("root");
        final Path other = dir.resolve("other");
        Files.createSymbolicLink(self, Path.of("net:[4026531833]"));
        Files.createSymbolicLink(root, Path.of("net:[4026531833]"));
        Files.createSymbolicLink(other, Path.of("net:[4026532999]"));
        final String refused = NetnsCheck.refusal(self, root);
        assertNotNull(refused);
        assertTrue(refused.contains("root network namespace"), refused);
        assertNull(NetnsCheck.refusal(other, root));
        assertTrue(NetnsCheck.refusal(self, dir.resolve("missing")).contains("cannot read"));
    }

    @Test
    void genCommandRefusesBadOptionsWithUsageExitCode()
    {
        assertEquals(Main.EXIT_USAGE, Main.execute("gen", "-i", "g0", "--duration", "0"));
        assertEquals(Main.EXIT_USAGE, Main.execute("gen", "-i", "g0", "--duration", "5000"));
        assertEquals(Main.EXIT_USAGE, Main.execute("gen", "-i", "g0", "--duration", "1", "--dst-ip", "10.1.1.1"));
        assertEquals(Main.EXIT_USAGE, Main.execute("gen", "-i", "g0", "--duration", "1", "-t", "tcp"));
    }

    @Test
    void genCommandRefusesToSendFromTheRootNamespace()
    {
        // the test JVM runs in the root namespace (CI and the project VM): nothing may be opened
        if (NetnsCheck.refusal() != null)
        {
            assertEquals(Main.EXIT_USAGE, Main.execute("gen", "-i", "lo", "--duration", "1"));
        }
    }
}
