package dev.nve.xdp;

import dev.nve.xdp.ffi.LibC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end through AF_XDP on veth, in generic and native XDP mode: namespace a sends UDP
 * datagrams with an ordinary kernel socket to 198.18.0.2:4789; in namespace b the XDP program
 * steers them into an {@link AfXdpPort}, whose {@link EchoWorker} turns them around and
 * transmits them; a's socket must get every one back, with its payload intact. 100,000 frames
 * per mode, at most 64 in flight, bounded by 120 s; then no frame may be missing from the pool
 * and no XDP program may be left on the interface.
 *
 * <p>How the test reaches into the namespaces: {@code ip netns exec} would hide bpffs and the
 * JVM is one process, so both sides run on dedicated threads that {@code setns(2)} into their
 * namespace (see {@link NetNamespaces}); sockets keep the namespace they were created in.
 */
class AfXdpEchoTest
{
    private static final int FRAMES = 100_000;
    private static final int WINDOW = 64;
    private static final int VXLAN_PORT = 4789;
    private static final int PAYLOAD = 64;
    private static final int OTHER_PORT = 4790;
    private static final int PASS_FRAMES = 20;

    private VethNamespaces net;

    @BeforeEach
    void setUp()
    {
        Environment.requireAfXdp();
        net = VethNamespaces.create();
    }

    @AfterEach
    void tearDown()
    {
        if (net != null)
        {
            net.close();
        }
    }

    @Test
    void genericModeEchoesVtepTrafficAndPassesTheRest() throws Exception
    {
        final Result r = echo(XdpAttachMode.GENERIC, port ->
        {
            try
            {
                port.program().addVtep(InetAddress.getByName(VethNamespaces.IP_B), VXLAN_PORT);
            }
            catch (final java.net.UnknownHostException e)
            {
                throw new IllegalStateException(e);
            }
        }, true);
        assertEquals(FRAMES, r.worker.xdpCounters[XdpCounter.STEER_VTEP4.index()], "every test datagram matched the VTEP entry");
        assertEquals(FRAMES, r.worker.xdpCounters[XdpCounter.REDIRECT.index()]);
        assertEquals(0, r.worker.xdpCounters[XdpCounter.STEER_ENDPOINT.index()]);
        assertTrue(r.worker.xdpCounters[XdpCounter.PASS.index()] >= PASS_FRAMES, "UDP to another port went to the kernel: "
            + Arrays.toString(r.worker.xdpCounters));
    }

    @Test
    void nativeModeEchoesEverythingOnAnEndpointPort() throws Exception
    {
        final Result r = echo(XdpAttachMode.NATIVE, port -> port.program().steerAll(true), false);
        assertTrue(r.worker.xdpCounters[XdpCounter.STEER_ENDPOINT.index()] >= FRAMES, Arrays.toString(r.worker.xdpCounters));
        assertEquals(0, r.worker.xdpCounters[XdpCounter.STEER_VTEP4.index()]);
    }

    private record Result(EchoWorker worker, long sent, long received)
    {
    }

    private Result echo(final XdpAttachMode mode, final Consumer<AfXdpPort> steering, final boolean passThrough) throws Exception
    {
        final AfXdpPortConfig config = AfXdpPortConfig.builder(VethNamespaces.IF_B).name("b").frames(4096, 4096, 256).xdpMode(mode)
            .bindMode(XskBindMode.AUTO).build();
        final EchoWorker worker = new EchoWorker(config, steering, 120_000);
        final int nsB = LibC.open(NetNamespaces.namedPath(net.nsB).toString(), LibC.O_RDONLY | LibC.O_CLOEXEC, "test namespace b");
        long[] sentReceived;
        try
        {
            worker.start(nsB, net.nsB);
            worker.awaitReady();
            System.out.println("AfXdpEchoTest " + mode + ": " + worker.mode + " notes " + worker.notes);
            assertTrue(net.linkDetailsB().contains(mode == XdpAttachMode.NATIVE ? "xdp" : "xdpgeneric"), net.linkDetailsB());
            sentReceived = NetNamespaces.callIn(net.nsA, AfXdpEchoTest::sendAndCheckEchoes);
            if (passThrough)
            {
                assertEquals(PASS_FRAMES, kernelPassThrough(net), "UDP to a port that is not a VTEP port reached b's kernel socket");
            }
        }
        finally
        {
            try
            {
                worker.stopAndJoin();
            }
            finally
            {
                LibC.close(nsB);
            }
        }
        final EchoWorker w = worker;
        System.out.printf("AfXdpEchoTest %s: sent %d received %d; port rx %d echoed %d released %d tx completed %d ring-full %d kicks %d (repeated %d, "
                + "errors %d); accounting checks mid-traffic %d; after drain %s; %s; xdp counters %s%n", mode, sentReceived[0], sentReceived[1],
            w.rxFrames, w.echoed, w.released, w.txCompleted, w.txRingFull, w.txKicks, w.txKicksRepeated, w.txKickErrors, w.midTrafficChecks,
            w.accountingAfterDrain, w.statistics, Arrays.toString(w.xdpCounters));
        assertEquals(FRAMES, sentReceived[0]);
        assertEquals(FRAMES, sentReceived[1], "every datagram came back");
        assertTrue(w.midTrafficChecks >= 5, "the invariant was checked while traffic flowed");
        final FrameAccounting a = w.accountingAfterDrain;
        assertTrue(a.balanced(), a.toString());
        assertEquals(0, a.application(), "no frame held outside the rings and the pool");
        assertEquals(0, a.transmitSide(), "everything transmitted completed");
        assertEquals(a.total(), a.free() + a.receiveSide(), a.toString());
        assertEquals(w.poolCapacity, w.poolAvailableAfterClose, "close gave every frame back to the pool");
        assertEquals(0, w.txKickErrors);
        assertEquals(w.echoed, w.txCompleted + w.txRingFull);
        assertFalse(net.linkDetailsB().contains("xdp"), "an XDP program is still attached after close: " + net.linkDetailsB());
        return new Result(w, sentReceived[0], sentReceived[1]);
    }

    /**
     * While the program is attached: b's kernel listens on 198.18.0.2:4790 (not a VTEP port),
     * a sends PASS_FRAMES datagrams there; returns how many b's kernel socket got.
     */
    private static int kernelPassThrough(final VethNamespaces net) throws Exception
    {
        final DatagramSocket listener = NetNamespaces.callIn(net.nsB, () -> new DatagramSocket(new InetSocketAddress(VethNamespaces.IP_B, OTHER_PORT)));
        try (listener)
        {
            listener.setSoTimeout(3000);
            NetNamespaces.callIn(net.nsA, () ->
            {
                try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(VethNamespaces.IP_A, 0)))
                {
                    final byte[] data = new byte[32];
                    for (int i = 0; i < PASS_FRAMES; i++)
                    {
                        s.send(new DatagramPacket(data, data.length, new InetSocketAddress(VethNamespaces.IP_B, OTHER_PORT)));
                    }
                }
                return null;
            });
            int received = 0;
            final DatagramPacket p = new DatagramPacket(new byte[64], 64);
            try
            {
                while (received < PASS_FRAMES)
                {
                    listener.receive(p);
                    received++;
                }
            }
            catch (final SocketTimeoutException e)
            {
                // fewer than sent: the assertion reports it
            }
            return received;
        }
    }

    /** Runs in namespace a: sends FRAMES datagrams, WINDOW in flight, and checks each echo. */
    private static long[] sendAndCheckEchoes() throws Exception
    {
        final long deadline = System.nanoTime() + 100_000_000_000L;
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(VethNamespaces.IP_A, 0)))
        {
            socket.connect(new InetSocketAddress(VethNamespaces.IP_B, VXLAN_PORT));
            socket.setSoTimeout(3000);
            socket.setReceiveBufferSize(1 << 20);
            final byte[] out = new byte[PAYLOAD];
            final byte[] in = new byte[2048];
            final DatagramPacket outPacket = new DatagramPacket(out, out.length);
            final DatagramPacket inPacket = new DatagramPacket(in, in.length);
            final BitSet seen = new BitSet(FRAMES);
            long sent = 0;
            long received = 0;
            while (received < FRAMES && System.nanoTime() < deadline)
            {
                while (sent < FRAMES && sent - received < WINDOW)
                {
                    fill(out, sent);
                    socket.send(outPacket);
                    sent++;
                }
                try
                {
                    inPacket.setLength(in.length);
                    socket.receive(inPacket);
                }
                catch (final SocketTimeoutException e)
                {
                    throw new AssertionError("no echo for 3 s after " + received + " of " + sent + " sent");
                }
                final ByteBuffer b = ByteBuffer.wrap(in, 0, inPacket.getLength());
                if (inPacket.getLength() != PAYLOAD)
                {
                    throw new AssertionError("echo of length " + inPacket.getLength());
                }
                final long seq = b.getLong(0);
                final byte[] expected = new byte[PAYLOAD];
                fill(expected, seq);
                if (seq < 0 || seq >= sent || seen.get((int)seq) || !Arrays.equals(expected, 0, PAYLOAD, in, 0, PAYLOAD))
                {
                    throw new AssertionError("bad or duplicate echo, sequence " + seq);
                }
                seen.set((int)seq);
                received++;
            }
            return new long[] {sent, received};
        }
    }

    private static void fill(final byte[] payload, final long seq)
    {
        ByteBuffer.wrap(payload).putLong(0, seq);
        for (int i = 8; i < payload.length; i++)
        {
            payload[i] = (byte)(seq * 31 + i);
        }
    }
}
