package dev.nve.xdp;

import dev.nve.dataplane.wire.FrameBuilder;
import dev.nve.xdp.ffi.Errno;
import dev.nve.xdp.ffi.NativeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attach, detach and bind around the packet path: stale and foreign programs, the automatic
 * native-to-generic fallback with the kernel's reason, forced zero-copy on veth, detach from
 * another thread's namespace, EBUSY on a quick re-bind, and the kernel's XDP_STATISTICS.
 */
class XdpLifecycleTest
{
    private VethNamespaces net;
    private NamespaceThread b;

    @BeforeEach
    void setUp()
    {
        Environment.requireAfXdp();
        net = VethNamespaces.create();
        b = new NamespaceThread(net.nsB);
    }

    @AfterEach
    void tearDown()
    {
        try
        {
            if (b != null)
            {
                b.close();
            }
        }
        finally
        {
            if (net != null)
            {
                net.close();
            }
        }
    }

    private static AfXdpPortConfig.Builder config(final XdpAttachMode mode)
    {
        return AfXdpPortConfig.builder(VethNamespaces.IF_B).name("b").frames(512, 4096, 256).rings(256, 256, 0, 0).xdpMode(mode);
    }

    private boolean xdpAttachedToB()
    {
        return net.linkDetailsB().contains("xdp");
    }

    @Test
    void staleNveProgramIsReplacedAndReported(@TempDir final Path dir) throws Exception
    {
        final Path object = dir.resolve("nve_xdp.o");
        Files.write(object, XdpProgram.programImage());
        // what a crashed run leaves behind: nve's program, attached, with nobody to detach it
        net.ip(net.nsB, "link", "set", "dev", VethNamespaces.IF_B, "xdpgeneric", "obj", object.toString(), "sec", "xdp");
        assertTrue(net.linkDetailsB().contains("xdpgeneric"), net.linkDetailsB());

        final List<String> notes = b.call(() ->
        {
            try (AfXdpPort port = AfXdpPort.open(config(XdpAttachMode.NATIVE).build()))
            {
                assertEquals(XdpAttachMode.NATIVE, port.xdpMode());
                return port.notes();
            }
        });
        assertTrue(notes.stream().anyMatch(n -> n.contains("replaced stale XDP program 'nve_xdp'") && n.contains("GENERIC")), notes.toString());
        assertFalse(xdpAttachedToB(), net.linkDetailsB());
    }

    @Test
    void foreignProgramIsLeftAloneUnlessReplacementIsAsked(@TempDir final Path dir) throws Exception
    {
        Environment.require(Environment.hasCommand("clang"), "clang compiles the foreign test program");
        final Path source = Path.of(System.getProperty("nve.xdp.testCDir", "src/test/c"), "foreign_xdp.c").toAbsolutePath();
        final Path object = dir.resolve("foreign_xdp.o");
        final String multiarch = VethNamespaces.run("clang", "-print-multiarch").strip();
        VethNamespaces.run("clang", "-O2", "-g", "-target", "bpf", "-I/usr/include/" + multiarch, "-c", source.toString(), "-o", object.toString());
        net.ip(net.nsB, "link", "set", "dev", VethNamespaces.IF_B, "xdpgeneric", "obj", object.toString(), "sec", "xdp");

        final NativeException refused = b.call(() -> assertThrows(NativeException.class, () -> AfXdpPort.open(config(XdpAttachMode.GENERIC).build())));
        assertEquals(Errno.EEXIST, refused.errno());
        assertTrue(refused.getMessage().contains("'foreign_pass'") && refused.getMessage().contains("is not nve's"), refused.getMessage());
        assertTrue(net.linkDetailsB().contains("xdpgeneric"), "the foreign program is still attached: " + net.linkDetailsB());

        final List<String> notes = b.call(() ->
        {
            try (AfXdpPort port = AfXdpPort.open(config(XdpAttachMode.GENERIC).replaceForeignProgram(true).build()))
            {
                return port.notes();
            }
        });
        assertTrue(notes.stream().anyMatch(n -> n.contains("'foreign_pass'")), notes.toString());
        assertFalse(xdpAttachedToB(), net.linkDetailsB());
    }

    @Test
    void nativeRefusalFallsBackToGenericWithTheKernelsReason() throws Exception
    {
        // veth refuses native XDP for a program that is not frags-aware when the peer's MTU
        // is above one page of payload (RESULTS.md: 3506 ok, 3507 refused)
        net.ip(net.nsA, "link", "set", "dev", VethNamespaces.IF_A, "mtu", "4000");
        final AfXdpPort.Summary auto = b.call(() ->
        {
            try (AfXdpPort port = AfXdpPort.open(config(XdpAttachMode.AUTO).build()))
            {
                return port.summary();
            }
        });
        System.out.println("XdpLifecycleTest fallback: " + auto);
        assertEquals(XdpAttachMode.GENERIC, auto.xdpMode());
        final String note = String.join(" | ", auto.notes());
        assertTrue(note.contains("native XDP refused") && note.contains("ERANGE") && note.contains("using generic XDP"), note);
        assertTrue(note.contains("Peer MTU is too large"), "the kernel's own message is in the report: " + note);

        final NativeException forced = b.call(() -> assertThrows(NativeException.class, () -> AfXdpPort.open(config(XdpAttachMode.NATIVE).build())));
        assertEquals(Errno.ERANGE, forced.errno());
        assertTrue(forced.getMessage().contains("bpf_xdp_attach") && forced.getMessage().contains("vb"), forced.getMessage());
        assertFalse(xdpAttachedToB(), net.linkDetailsB());
    }

    @Test
    void forcedZeroCopyOnVethFailsCleanly() throws Exception
    {
        final NativeException e = b.call(() -> assertThrows(NativeException.class,
            () -> AfXdpPort.open(config(XdpAttachMode.GENERIC).bindMode(XskBindMode.ZERO_COPY).build())));
        System.out.println("XdpLifecycleTest zero-copy: " + e.getMessage());
        assertEquals("bind", e.call());
        assertTrue(e.getMessage().contains("vb queue 0"), e.getMessage());
        assertFalse(xdpAttachedToB(), "a failed open detaches what it attached: " + net.linkDetailsB());
        // and the forced copy mode works
        b.run(() ->
        {
            try (AfXdpPort port = AfXdpPort.open(config(XdpAttachMode.GENERIC).bindMode(XskBindMode.COPY).build()))
            {
                assertFalse(port.zeroCopy());
            }
        });
    }

    @Test
    void programClosedFromAnotherNamespaceDetachesWhereItWasAttached() throws Exception
    {
        final XdpProgram program = b.call(() ->
        {
            final XdpProgram p = XdpProgram.load(VethNamespaces.IF_B);
            p.attach(XdpAttachMode.GENERIC);
            return p;
        });
        assertTrue(net.linkDetailsB().contains("xdpgeneric"));
        program.close(); // on the test thread, in the root namespace
        assertFalse(xdpAttachedToB(), net.linkDetailsB());
    }

    @Test
    void reopeningTheQueueRightAfterCloseBinds() throws Exception
    {
        final List<String> notes = new ArrayList<>();
        b.run(() ->
        {
            for (int i = 0; i < 5; i++)
            {
                try (AfXdpPort port = AfXdpPort.open(config(XdpAttachMode.GENERIC).build()))
                {
                    notes.addAll(port.notes());
                    port.checkFrameAccounting();
                }
            }
        });
        System.out.println("XdpLifecycleTest reopen notes: " + notes);
        assertFalse(xdpAttachedToB(), net.linkDetailsB());
    }

    @Test
    void busyPollingIsSetOrItsRefusalReported() throws Exception
    {
        final List<String> notes = b.call(() ->
        {
            try (AfXdpPort port = AfXdpPort.open(config(XdpAttachMode.GENERIC).busyPollMicros(20).build()))
            {
                return port.notes();
            }
        });
        System.out.println("XdpLifecycleTest busy poll: " + notes);
        assertTrue(notes.stream().anyMatch(n -> n.startsWith("busy polling on") || n.contains("refused")), notes.toString());
    }

    @Test
    void aBatchOverAnotherMemoryIsAWiringError() throws Exception
    {
        b.run(() ->
        {
            try (AfXdpPort port = AfXdpPort.open(config(XdpAttachMode.GENERIC).build());
                 dev.nve.dataplane.frame.FrameMemory other = dev.nve.dataplane.frame.FrameMemory.allocate(16))
            {
                final dev.nve.dataplane.frame.PacketBatch batch = new dev.nve.dataplane.frame.PacketBatch(other, 8);
                assertThrows(IllegalArgumentException.class, () -> port.receive(batch));
                assertThrows(IllegalArgumentException.class, () -> port.transmit(batch, new int[8], 0));
                port.checkFrameAccounting();
            }
        });
    }

    @Test
    void statisticsCountRxRingOverflow() throws Exception
    {
        final NamespaceThread a = new NamespaceThread(net.nsA);
        try
        {
            // RX ring of 64 that nobody drains: the kernel must count the rest as rx_ring_full
            final AfXdpPort port = b.call(() ->
            {
                final AfXdpPort p = AfXdpPort.open(config(XdpAttachMode.GENERIC).rings(64, 64, 0, 0).fillTarget(400).build());
                p.program().steerAll(true);
                return p;
            });
            try
            {
                final List<byte[]> frames = new ArrayList<>();
                for (int i = 0; i < 300; i++)
                {
                    frames.add(FrameBuilder.ethernet(0x026e76000002L, 0x026e76000001L).ipv4("198.18.0.1", "198.18.0.2").udp(1000 + i, 4789).payload(20)
                        .build());
                }
                a.run(() ->
                {
                    try (FrameInjector injector = new FrameInjector(VethNamespaces.IF_A))
                    {
                        injector.send(frames);
                    }
                });
                final XskStatistics stats = b.call(port::statistics);
                final FrameAccounting accounting = b.call(port::checkFrameAccounting);
                System.out.println("XdpLifecycleTest overflow: " + stats + " " + accounting);
                assertTrue(stats.rxRingFull() >= 300 - 64, stats.toString());
                assertEquals(64, accounting.rxRing(), accounting.toString());
                assertEquals(400, accounting.receiveSide(), accounting.toString());
            }
            finally
            {
                b.run(port::close);
            }
        }
        finally
        {
            a.close();
        }
    }
}
