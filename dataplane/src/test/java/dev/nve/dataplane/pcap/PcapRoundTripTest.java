package dev.nve.dataplane.pcap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What {@link PcapWriter} writes, {@link PcapReader} reads back bit for bit, timestamps to the nanosecond. */
final class PcapRoundTripTest
{
    @TempDir
    Path dir;

    @Test
    void randomFramesRoundTripWithExactNanosecondTimestamps() throws IOException
    {
        final Random random = new Random(0x5EED_CAFEL);
        final List<Long> timestamps = new ArrayList<>();
        final List<byte[]> frames = new ArrayList<>();
        // Enough bytes (about 3 MB) that the writer's buffer fills and flushes several times.
        for (int i = 0; i < 2000; i++)
        {
            timestamps.add(random.nextLong(0xFFFF_FFFFL * 1_000_000_000L + 999_999_999L));
            final byte[] frame = new byte[random.nextInt(14, 3001)];
            random.nextBytes(frame);
            frames.add(frame);
        }
        timestamps.set(0, 0L);
        timestamps.set(1, 0xFFFF_FFFFL * 1_000_000_000L + 999_999_999L);
        frames.set(2, new byte[0]);
        final byte[] big = new byte[80_156];
        random.nextBytes(big);
        frames.set(3, big);
        final byte[] max = new byte[PcapWriter.SNAP_LENGTH];
        random.nextBytes(max);
        frames.set(4, max);

        final Path file = dir.resolve("round-trip.pcap");
        try (Arena arena = Arena.ofConfined(); PcapWriter writer = PcapWriter.create(file))
        {
            final MemorySegment memory = arena.allocate(PcapWriter.SNAP_LENGTH + 100);
            for (int i = 0; i < frames.size(); i++)
            {
                final byte[] frame = frames.get(i);
                if ((i & 1) == 0)
                {
                    final long offset = i % 97;
                    MemorySegment.copy(frame, 0, memory, ValueLayout.JAVA_BYTE, offset, frame.length);
                    writer.write(timestamps.get(i), memory, offset, frame.length);
                }
                else
                {
                    writer.write(timestamps.get(i), frame);
                }
            }
            assertEquals(frames.size(), writer.recordsWritten());
        }

        final List<PcapRecord> records = PcapReader.read(file).records();
        assertEquals(frames.size(), records.size());
        for (int i = 0; i < frames.size(); i++)
        {
            final PcapRecord record = records.get(i);
            assertEquals(timestamps.get(i), record.timestampNanos(), "timestamp of record " + i);
            assertEquals(frames.get(i).length, record.originalLength(), "original length of record " + i);
            assertEquals(PcapRecord.LINKTYPE_ETHERNET, record.linkType());
            assertArrayEquals(frames.get(i), record.data(), "data of record " + i);
        }
    }

    @Test
    void writesNanosecondLittleEndianEthernetHeader() throws IOException
    {
        final Path file = dir.resolve("header.pcap");
        try (PcapWriter writer = PcapWriter.create(file))
        {
            writer.write(1_700_000_000_123_456_789L, new byte[] {1, 2, 3});
        }
        final ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(24 + 16 + 3, bytes.limit());
        assertEquals(0xA1B2_3C4D, bytes.getInt(0));
        assertEquals(2, bytes.getShort(4));
        assertEquals(4, bytes.getShort(6));
        assertEquals(262_144, bytes.getInt(16));
        assertEquals(1, bytes.getInt(20));
        assertEquals(1_700_000_000, bytes.getInt(24));
        assertEquals(123_456_789, bytes.getInt(28));
        assertEquals(3, bytes.getInt(32));
        assertEquals(3, bytes.getInt(36));
    }

    @Test
    void frameLongerThanSnapLengthIsCutWithItsOriginalLength() throws IOException
    {
        final Path file = dir.resolve("snap.pcap");
        final byte[] frame = new byte[PcapWriter.SNAP_LENGTH + 10];
        frame[PcapWriter.SNAP_LENGTH - 1] = 42;
        try (PcapWriter writer = PcapWriter.create(file))
        {
            writer.write(5, frame);
        }
        final PcapRecord record = PcapReader.read(file).records().get(0);
        assertEquals(PcapWriter.SNAP_LENGTH, record.capturedLength());
        assertEquals(frame.length, record.originalLength());
        assertEquals(42, record.data()[PcapWriter.SNAP_LENGTH - 1]);
    }

    @Test
    void rejectsTimestampsPcapCannotHoldAndWritesAfterClose() throws IOException
    {
        final PcapWriter writer = PcapWriter.create(dir.resolve("reject.pcap"));
        assertThrows(IllegalArgumentException.class, () -> writer.write(-1, new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> writer.write(0x1_0000_0000L * 1_000_000_000L, new byte[1]));
        writer.close();
        writer.close();
        assertThrows(IllegalStateException.class, () -> writer.write(0, new byte[1]));
        assertEquals(0, PcapReader.read(dir.resolve("reject.pcap")).records().size());
    }
}
