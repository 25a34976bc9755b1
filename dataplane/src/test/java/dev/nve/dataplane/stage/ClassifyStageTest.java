package dev.nve.dataplane.stage;

import dev.nve.dataplane.counter.DropReason;
import dev.nve.dataplane.counter.StageCounters;
import dev.nve.dataplane.frame.Next;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.pipeline.TestHost;
import dev.nve.dataplane.wire.FrameBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;

import static dev.nve.dataplane.pipeline.TestHost.C1_MAC;
import static dev.nve.dataplane.pipeline.TestHost.REMOTE2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.UPLINK_MAC;
import static dev.nve.dataplane.pipeline.TestHost.VTEP2_MAC;
import static dev.nve.dataplane.pipeline.TestHost.udp4;
import static dev.nve.dataplane.pipeline.TestHost.vxlanFrom;
import static org.junit.jupiter.api.Assertions.assertEquals;

final class ClassifyStageTest
{
    private final StageFixture f = new StageFixture(TestHost.Addressing.V4, true, "2001:db8::1");
    private final StageCounters counters = f.stageCounters("classify");
    private final ClassifyStage stage = new ClassifyStage(f.tables, counters);

    @AfterEach
    void close()
    {
        f.releaseAll();
        assertEquals(0, f.pool.inUse());
        f.close();
    }

    /** Inserts VLAN tags (TPID, VID) after the MAC addresses. */
    private static byte[] tagged(final byte[] frame, final int... tpidVid)
    {
        final ByteBuffer b = ByteBuffer.allocate(frame.length + tpidVid.length * 2);
        b.put(frame, 0, 12);
        for (int i = 0; i < tpidVid.length; i += 2)
        {
            b.putShort((short)tpidVid[i]).putShort((short)tpidVid[i + 1]);
        }
        b.put(frame, 12, frame.length - 12);
        return b.array();
    }

    private static byte[] vxlan()
    {
        return vxlanFrom("198.18.0.2", "198.18.0.1", 100, -1, udp4(C1_MAC, REMOTE2_MAC, 1, 64));
    }

    @Test
    void endpointFramesGoToTheBridgeWithTheirNetworkAndIdentity()
    {
        final int i = f.add("c1", udp4(REMOTE2_MAC, C1_MAC, 1, 10));
        final int j = f.add("c3", new byte[14]);
        stage.process(f.batch);
        assertEquals(Next.BRIDGE, f.batch.next[i]);
        assertEquals(f.tables.networks().find(100), f.batch.network[i]);
        assertEquals(TestHost.C1_IDENTITY, f.batch.srcIdentity[i]);
        assertEquals(Next.BRIDGE, f.batch.next[j], "14 bytes is a whole Ethernet header");
        assertEquals(f.tables.networks().find(200), f.batch.network[j]);
        assertEquals(TestHost.C3_IDENTITY, f.batch.srcIdentity[j]);
        assertEquals(2, counters.packets());
    }

    @Test
    void vxlanOverIpv4GetsItsOffsets()
    {
        final int i = f.add("uplink", vxlan());
        stage.process(f.batch);
        assertEquals(Next.VXLAN_DECAP, f.batch.next[i]);
        assertEquals(14, f.batch.l3Offset[i]);
        assertEquals(34, f.batch.l4Offset[i]);
        assertEquals(vxlan().length, f.batch.length[i]);
    }

    @Test
    void vlanTaggedUnderlayFramesAreAccepted()
    {
        final int one = f.add("uplink", tagged(vxlan(), 0x8100, 10));
        final int two = f.add("uplink", tagged(vxlan(), 0x88A8, 20, 0x8100, 10));
        final int three = f.add("uplink", tagged(vxlan(), 0x88A8, 20, 0x8100, 10, 0x8100, 11));
        stage.process(f.batch);
        assertEquals(Next.VXLAN_DECAP, f.batch.next[one]);
        assertEquals(18, f.batch.l3Offset[one]);
        assertEquals(38, f.batch.l4Offset[one]);
        assertEquals(Next.VXLAN_DECAP, f.batch.next[two]);
        assertEquals(22, f.batch.l3Offset[two]);
        assertEquals(Next.DROP, f.batch.next[three], "more than two tags");
        final short reason = f.batch.dropReason[three];
        assertEquals(true, reason == DropReason.TRUNCATED.code() || reason == DropReason.UNSUPPORTED_L2_PROTOCOL.code(), "reason " + reason);
    }

    @Test
    void ethernetPaddingIsCutOffAtTheEndOfTheIpPacket()
    {
        final byte[] frame = vxlan();
        final int i = f.add("uplink", Arrays.copyOf(frame, frame.length + 20));
        stage.process(f.batch);
        assertEquals(Next.VXLAN_DECAP, f.batch.next[i]);
        assertEquals(frame.length, f.batch.length[i]);
    }

    @Test
    void ipv6UnderlayWithADestinationOptionsHeader()
    {
        final byte[] plain = vxlanFrom("2001:db8::2", "2001:db8::1", 100, -1, udp4(C1_MAC, REMOTE2_MAC, 1, 64));
        // insert an 8-byte Destination Options header (next header UDP) after the IPv6 header
        final ByteBuffer b = ByteBuffer.allocate(plain.length + 8);
        b.put(plain, 0, 54);
        b.put(new byte[] {17, 0, 1, 4, 0, 0, 0, 0});
        b.put(plain, 54, plain.length - 54);
        final byte[] withOptions = b.array();
        withOptions[14 + 6] = 60;
        final int payload = ((withOptions[18] & 0xFF) << 8 | (withOptions[19] & 0xFF)) + 8;
        withOptions[18] = (byte)(payload >>> 8);
        withOptions[19] = (byte)payload;
        final int i = f.add("uplink", plain);
        final int j = f.add("uplink", withOptions);
        stage.process(f.batch);
        assertEquals(Next.VXLAN_DECAP, f.batch.next[i]);
        assertEquals(54, f.batch.l4Offset[i]);
        assertEquals(Next.VXLAN_DECAP, f.batch.next[j]);
        assertEquals(62, f.batch.l4Offset[j]);
    }

    @Test
    void ipv6FragmentIsDroppedButAnAtomicFragmentIsAWholePacket()
    {
        final int first = f.add("uplink", withFragmentHeader(1)); // offset 0, M = 1
        final int atomic = f.add("uplink", withFragmentHeader(0)); // offset 0, M = 0 (RFC 6946)
        stage.process(f.batch);
        assertEquals(Next.DROP, f.batch.next[first]);
        assertEquals(DropReason.FRAGMENT_NOT_SUPPORTED.code(), f.batch.dropReason[first]);
        assertEquals(1, counters.drops(DropReason.FRAGMENT_NOT_SUPPORTED));
        assertEquals(Next.VXLAN_DECAP, f.batch.next[atomic]);
    }

    private static byte[] withFragmentHeader(final int offsetAndFlags)
    {
        final byte[] plain = vxlanFrom("2001:db8::2", "2001:db8::1", 100, -1, udp4(C1_MAC, REMOTE2_MAC, 1, 64));
        final ByteBuffer b = ByteBuffer.allocate(plain.length + 8);
        b.put(plain, 0, 54);
        b.put(new byte[] {17, 0, (byte)(offsetAndFlags >>> 8), (byte)offsetAndFlags, 0, 0, 0, 1});
        b.put(plain, 54, plain.length - 54);
        final byte[] fragment = b.array();
        fragment[14 + 6] = 44;
        final int payload = ((fragment[18] & 0xFF) << 8 | (fragment[19] & 0xFF)) + 8;
        fragment[18] = (byte)(payload >>> 8);
        fragment[19] = (byte)payload;
        return fragment;
    }

    @Test
    void udpHeaderCutByTheIpLengthIsTruncated()
    {
        // IPv4 total length 24: the UDP header does not fit inside the IP packet
        final byte[] frame = FrameBuilder.ethernet(UPLINK_MAC, VTEP2_MAC).ipv4("198.18.0.2", "198.18.0.1").udp(1, 4789).payload(0).build();
        frame[14 + 3] = 24;
        frame[14 + 10] = 0;
        frame[14 + 11] = 0;
        final int sum = dev.nve.dataplane.pipeline.Outer.foldedSum(frame, 14, 20, 0);
        frame[14 + 10] = (byte)(~sum >>> 8);
        frame[14 + 11] = (byte)~sum;
        final int i = f.add("uplink", frame);
        stage.process(f.batch);
        assertEquals(Next.DROP, f.batch.next[i]);
        assertEquals(DropReason.TRUNCATED.code(), f.batch.dropReason[i]);
    }

    @Test
    void framesNotWaitingForClassifyAreLeftAlone()
    {
        final int i = f.add("uplink", new byte[3]);
        f.batch.next[i] = Next.TRANSMIT;
        f.batch.outPort[i] = 2;
        stage.process(f.batch);
        assertEquals(Next.TRANSMIT, f.batch.next[i]);
        assertEquals(0, counters.packets());
        assertEquals(PacketBatch.NO_IDENTITY, f.batch.srcIdentity[i]);
    }
}
