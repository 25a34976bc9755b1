package dev.nve.dataplane.port;

import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.frame.PacketBatch;
import dev.nve.dataplane.pcap.PcapReader;
import dev.nve.dataplane.pcap.PcapRecord;
import dev.nve.dataplane.pcap.PcapWriter;
import dev.nve.dataplane.testsupport.SharedPcaps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class PcapPortTest
{
    private static final int FRAME_SIZE = 2048;
    private static final int HEADROOM = 256;

    @TempDir
    Path dir;

    private final FrameMemory memory = FrameMemory.allocate(8, FRAME_SIZE, HEADROOM);
    private final FramePool pool = new FramePool(memory);

    @AfterEach
    void close()
    {
        memory.close();
    }

    @Test
    void oversizeAndNonEthernetRecordsAreSkippedAndCounted() throws IOException
    {
        final int max = memory.maxFrameLength();
        final List<PcapRecord> input = List.of(
            record(1, 60, PcapRecord.LINKTYPE_ETHERNET),
            record(2, max + 1, PcapRecord.LINKTYPE_ETHERNET),
            record(3, 40, 101),
            record(4, max, PcapRecord.LINKTYPE_ETHERNET),
            record(5, 1514, PcapRecord.LINKTYPE_ETHERNET));
        final Path out = dir.resolve("out.pcap");
        final PacketBatch batch = new PacketBatch(memory, 16);
        try (PcapWriter writer = PcapWriter.create(out); PcapPort port = new PcapPort(3, "pcap0", pool, input, writer))
        {
            assertTrue(port.hasPendingInput());
            assertEquals(3, port.receive(batch));
            assertFalse(port.hasPendingInput());
            assertEquals(1, port.rxOversize());
            assertEquals(1, port.rxSkippedLinkType());
            assertEquals(3, port.rxFrames());
            assertEquals(3, pool.inUse());

            final long[] expectedTimestamps = {1, 4, 5};
            final int[] expectedLengths = {60, max, 1514};
            for (int i = 0; i < 3; i++)
            {
                assertEquals(expectedTimestamps[i], batch.timestampNanos[i]);
                assertEquals(expectedLengths[i], batch.length[i]);
                assertEquals(3, batch.inPort[i]);
                assertEquals(HEADROOM, batch.address[i] % FRAME_SIZE, "data starts after the headroom");
                final byte[] copied = batch.segment().asSlice(batch.address[i], batch.length[i]).toArray(ValueLayout.JAVA_BYTE);
                assertArrayEquals(pattern(expectedLengths[i], (int)expectedTimestamps[i]), copied);
            }

            assertEquals(3, port.transmit(batch, new int[] {2, 0, 1}, 3));
            assertEquals(3, port.txFrames());
            assertEquals(0, pool.inUse(), "every transmitted frame is back in the pool");
            assertEquals(3, writer.recordsWritten());
            batch.clear();
            assertEquals(0, port.receive(batch), "input exhausted");
        }

        final List<PcapRecord> written = PcapReader.read(out).records();
        assertEquals(3, written.size());
        assertEquals(5, written.get(0).timestampNanos());
        assertArrayEquals(pattern(1514, 5), written.get(0).data());
        assertEquals(1, written.get(1).timestampNanos());
        assertArrayEquals(pattern(60, 1), written.get(1).data());
        assertEquals(4, written.get(2).timestampNanos());
        assertArrayEquals(pattern(max, 4), written.get(2).data());
    }

    @Test
    void stopsWhenThePoolIsEmptyOrTheBatchIsFullAndResumes()
    {
        final List<PcapRecord> input = new ArrayList<>();
        for (int i = 0; i < 12; i++)
        {
            input.add(record(i, 64 + i, PcapRecord.LINKTYPE_ETHERNET));
        }
        final PcapPort port = new PcapPort(0, "pcap", pool, input, null);
        final PacketBatch small = new PacketBatch(memory, 5);
        final PacketBatch large = new PacketBatch(memory, 32);
        final int[] all = new int[32];
        for (int i = 0; i < all.length; i++)
        {
            all[i] = i;
        }

        assertEquals(5, port.receive(small), "batch full");
        assertEquals(3, port.receive(large), "pool of 8 frames empty");
        assertEquals(0, port.receive(large));
        assertTrue(port.hasPendingInput());
        assertEquals(8, pool.inUse());

        assertEquals(5, port.transmit(small, all, small.count()));
        small.clear();
        assertEquals(3, port.transmit(large, all, large.count()));
        large.clear();
        assertEquals(0, pool.inUse());

        assertEquals(4, port.receive(large));
        assertEquals(8 + 64, large.length[0], "resumes at the first record not yet received");
        assertFalse(port.hasPendingInput());
        assertEquals(4, port.transmit(large, all, large.count()));
        assertEquals(12, port.rxFrames());
        assertEquals(12, port.txFrames());
        assertEquals(0, pool.inUse());
    }

    @Test
    void replaysARealCaptureThroughTheFramePool() throws IOException
    {
        final List<PcapRecord> input = PcapReader.read(SharedPcaps.real("vxlan_suricata_vxlan-decoder-03-aws-mirror.pcap")).records();
        final Path out = dir.resolve("replayed.pcap");
        final PacketBatch batch = new PacketBatch(memory, PacketBatch.DEFAULT_CAPACITY);
        final int[] all = new int[batch.capacity()];
        for (int i = 0; i < all.length; i++)
        {
            all[i] = i;
        }
        try (PcapWriter writer = PcapWriter.create(out))
        {
            final PcapPort port = new PcapPort(1, "aws", pool, input, writer);
            int rounds = 0;
            while (port.hasPendingInput() && rounds++ < 1000)
            {
                batch.clear();
                port.receive(batch);
                port.transmit(batch, all, batch.count());
                assertEquals(0, pool.inUse());
            }
            assertEquals(100, port.rxFrames() + port.rxOversize() + port.rxSkippedLinkType());
        }
        final List<PcapRecord> replayed = PcapReader.read(out).records();
        int j = 0;
        for (final PcapRecord record : input)
        {
            if (record.capturedLength() <= memory.maxFrameLength())
            {
                assertEquals(record.timestampNanos(), replayed.get(j).timestampNanos());
                assertArrayEquals(record.data(), replayed.get(j).data());
                j++;
            }
        }
        assertEquals(replayed.size(), j);
    }

    private static PcapRecord record(final long timestamp, final int length, final int linkType)
    {
        return new PcapRecord(timestamp, length, linkType, pattern(length, (int)timestamp));
    }

    private static byte[] pattern(final int length, final int seed)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(seed * 31 + i);
        }
        return bytes;
    }
}
