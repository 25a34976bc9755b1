package dev.nve.xdp;

import dev.nve.dataplane.frame.PacketBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two ports of one worker on one UMEM: frames received on vb are forwarded out of vc without a
 * copy (the TX descriptor names the RX frame). The second socket binds with XDP_SHARED_UMEM
 * and its own fill and completion rings.
 * <pre>
 *   a: 198.18.0.1 [va] ──► [vb] b: forwarder (rewrite to 198.18.1.2 → 198.18.1.1) [vc] ──► [vd] a: 198.18.1.1:4789
 * </pre>
 */
class SharedUmemTest
{
    private static final int FRAMES = 20_000;
    private static final int WINDOW = 64;
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private VethNamespaces net;
    private NamespaceThread a;
    private NamespaceThread b;

    @BeforeEach
    void setUp()
    {
        Environment.requireAfXdp();
        net = VethNamespaces.create();
        net.addSecondPair();
        a = new NamespaceThread(net.nsA);
        b = new NamespaceThread(net.nsB);
    }

    @AfterEach
    void tearDown()
    {
        try
        {
            if (a != null)
            {
                a.close();
            }
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

    private record Ports(Umem umem, XdpProgram program, AfXdpPort in, AfXdpPort out)
    {
    }

    @Test
    void forwardsBetweenTwoInterfacesOnOneUmem() throws Exception
    {
        final Ports ports = b.call(() ->
        {
            final Umem umem = Umem.allocate(4096);
            final XdpProgram program = XdpProgram.load(VethNamespaces.IF_B);
            program.attach(XdpAttachMode.GENERIC);
            program.addVtep(InetAddress.getByName(VethNamespaces.IP_B), 4789);
            final AfXdpPort in = AfXdpPort.open(AfXdpPortConfig.builder(VethNamespaces.IF_B).portId(0).name("in").build(), umem, program);
            final AfXdpPort out = AfXdpPort.open(AfXdpPortConfig.builder(VethNamespaces.IF_C).portId(1).name("out").build(), umem, null);
            return new Ports(umem, program, in, out);
        });
        final long[] forwarded = new long[1];
        final boolean[] stop = new boolean[1];
        final Object lock = new Object();
        try
        {
            assertFalse(ports.in().sharedUmem());
            assertTrue(ports.out().sharedUmem(), "second socket binds with XDP_SHARED_UMEM");
            System.out.println("SharedUmemTest: " + ports.in().summary() + " / " + ports.out().summary());

            final Future<Long> forwarder = b.submit(() -> forward(ports, lock, stop));
            final long received = a.call(SharedUmemTest::sendAndCount);
            synchronized (lock)
            {
                stop[0] = true;
            }
            forwarded[0] = forwarder.get(30, TimeUnit.SECONDS);
            assertEquals(FRAMES, received, "every datagram came out of vc");

            b.run(() ->
            {
                assertTrue(ports.out().drainTransmit(5000));
                final FrameAccounting in = ports.in().checkFrameAccounting();
                final FrameAccounting out = ports.out().checkFrameAccounting();
                System.out.println("SharedUmemTest: forwarded " + forwarded[0] + "; in " + in + "; out " + out + "; out stats "
                    + ports.out().statistics());
                assertEquals(in.total(), in.free() + in.receiveSide() + in.transmitSide() + out.receiveSide() + out.transmitSide(),
                    "every frame of the shared UMEM is free or in one of the two ports' rings");
                assertEquals(0, out.receiveSide(), "a port without a program keeps no fill frames");
                assertEquals(FRAMES, ports.out().txCompleted());
            });
        }
        finally
        {
            b.run(() ->
            {
                ports.out().close();
                ports.in().close();
                assertEquals(ports.umem().pool().capacity(), ports.umem().pool().available(), "all frames back after both ports closed");
                ports.program().close();
                ports.umem().close();
            });
        }
        assertFalse(net.linkDetailsB().contains("xdp"), net.linkDetailsB());
    }

    private static long forward(final Ports ports, final Object lock, final boolean[] stop)
    {
        final PacketBatch batch = new PacketBatch(ports.umem().frames(), 64);
        final MemorySegment m = batch.segment();
        final int[] all = new int[64];
        long forwarded = 0;
        final long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline)
        {
            synchronized (lock)
            {
                if (stop[0])
                {
                    break;
                }
            }
            batch.clear();
            final int n = ports.in().receive(batch);
            if (n == 0)
            {
                ports.out().flush();
                ports.in().awaitReadable(1);
                continue;
            }
            for (int i = 0; i < n; i++)
            {
                rewrite(m, batch.address[i]);
                all[i] = i;
            }
            forwarded += ports.out().transmit(batch, all, n);
            ports.out().flush();
        }
        return forwarded;
    }

    /** va → vb frame becomes vc → vd: MACs, addresses, header checksum, UDP checksum 0. */
    private static void rewrite(final MemorySegment m, final long f)
    {
        final long[] macs = {0x026e76000101L, 0x026e76000102L}; // dst vd, src vc
        m.set(INT_BE, f, (int)(macs[0] >>> 16));
        m.set(SHORT_BE, f + 4, (short)macs[0]);
        m.set(INT_BE, f + 6, (int)(macs[1] >>> 16));
        m.set(SHORT_BE, f + 10, (short)macs[1]);
        final long ip = f + 14;
        m.set(INT_BE, ip + 12, 0xC6120102); // 198.18.1.2
        m.set(INT_BE, ip + 16, 0xC6120101); // 198.18.1.1
        m.set(SHORT_BE, ip + 10, (short)0);
        long sum = 0;
        for (int i = 0; i < 20; i += 2)
        {
            sum += Short.toUnsignedInt(m.get(SHORT_BE, ip + i));
        }
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        m.set(SHORT_BE, ip + 10, (short)~sum);
        m.set(SHORT_BE, ip + 20 + 6, (short)0);
    }

    /** In namespace a: sends to 198.18.0.2:4789 and counts what arrives on 198.18.1.1:4789. */
    private static long sendAndCount() throws Exception
    {
        try (DatagramSocket tx = new DatagramSocket(new InetSocketAddress(VethNamespaces.IP_A, 0));
             DatagramSocket rx = new DatagramSocket(new InetSocketAddress(VethNamespaces.IP_D, 4789)))
        {
            rx.setSoTimeout(3000);
            rx.setReceiveBufferSize(1 << 20);
            final InetSocketAddress target = new InetSocketAddress(VethNamespaces.IP_B, 4789);
            final byte[] out = new byte[64];
            final byte[] in = new byte[2048];
            final DatagramPacket inPacket = new DatagramPacket(in, in.length);
            long sent = 0;
            long received = 0;
            final long deadline = System.nanoTime() + 60_000_000_000L;
            while (received < FRAMES && System.nanoTime() < deadline)
            {
                while (sent < FRAMES && sent - received < WINDOW)
                {
                    ByteBuffer.wrap(out).putLong(0, sent);
                    tx.send(new DatagramPacket(out, out.length, target));
                    sent++;
                }
                try
                {
                    inPacket.setLength(in.length);
                    rx.receive(inPacket);
                }
                catch (final SocketTimeoutException e)
                {
                    break;
                }
                received++;
            }
            return received;
        }
    }
}
