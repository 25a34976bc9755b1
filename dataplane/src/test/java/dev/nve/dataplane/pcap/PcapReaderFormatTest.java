package dev.nve.dataplane.pcap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hand-built pcap and pcapng files covering each format rule the reader implements: both
 * byte orders, both classic magics, every pcapng packet block, timestamp units, and the errors.
 */
final class PcapReaderFormatTest
{
    private static final byte[] FRAME_A = frame(60, 0x11);
    private static final byte[] FRAME_B = frame(99, 0x22);

    @TempDir
    Path dir;

    @Test
    void classicMicrosecondsBothByteOrders() throws IOException
    {
        for (final ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN))
        {
            final Out out = new Out(order);
            classicHeader(out, PcapReader.PCAP_MAGIC_MICROS, 1);
            classicRecord(out, 1_700_000_000L, 999_999, FRAME_A, 1514);
            classicRecord(out, 4_294_967_295L, 0, FRAME_B, FRAME_B.length);
            final List<PcapRecord> records = read(out, "micros-" + order + ".pcap");

            assertEquals(2, records.size());
            assertEquals(1_700_000_000_999_999_000L, records.get(0).timestampNanos());
            assertEquals(1514, records.get(0).originalLength());
            assertEquals(1, records.get(0).linkType());
            assertArrayEquals(FRAME_A, records.get(0).data());
            assertEquals(4_294_967_295_000_000_000L, records.get(1).timestampNanos());
            assertArrayEquals(FRAME_B, records.get(1).data());
        }
    }

    @Test
    void classicNanosecondsBothByteOrders() throws IOException
    {
        for (final ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN))
        {
            final Out out = new Out(order);
            classicHeader(out, PcapReader.PCAP_MAGIC_NANOS, 101);
            classicRecord(out, 1_700_000_000L, 123_456_789, FRAME_A, FRAME_A.length);
            final List<PcapRecord> records = read(out, "nanos-" + order + ".pcap");

            assertEquals(1, records.size());
            assertEquals(1_700_000_000_123_456_789L, records.get(0).timestampNanos());
            assertEquals(101, records.get(0).linkType());
        }
    }

    @Test
    void classicLinkTypeIgnoresFcsBits() throws IOException
    {
        final Out out = new Out(ByteOrder.LITTLE_ENDIAN);
        classicHeader(out, PcapReader.PCAP_MAGIC_MICROS, 0x1400_0000 | 1);
        classicRecord(out, 1, 0, FRAME_A, FRAME_A.length);
        assertEquals(1, read(out, "fcs.pcap").get(0).linkType());
    }

    @Test
    void pcapngEnhancedPacketsWithTimestampResolutions() throws IOException
    {
        for (final ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN))
        {
            final Out out = new Out(order);
            sectionHeader(out);
            interfaceBlock(out, 1, 0, null, null);                  // 0: default microseconds
            interfaceBlock(out, 1, 0, 9, null);                     // 1: nanoseconds
            interfaceBlock(out, 228, 0, 3, null);                   // 2: milliseconds, raw IPv4
            interfaceBlock(out, 1, 0, 12, null);                    // 3: picoseconds (rounds down)
            interfaceBlock(out, 1, 0, 0x80 | 10, null);             // 4: 2^-10 s
            interfaceBlock(out, 1, 0, 0x80 | 30, null);             // 5: 2^-30 s
            interfaceBlock(out, 1, 0, 0x80, null);                  // 6: 2^0 = seconds
            interfaceBlock(out, 1, 0, 6, -1_000L);                  // 7: microseconds, offset -1000 s
            enhancedPacket(out, 0, 1_700_000_000_123_456L, FRAME_A, 1514);
            enhancedPacket(out, 1, 1_700_000_000_123_456_789L, FRAME_B, FRAME_B.length);
            enhancedPacket(out, 2, 1_700_000_000_123L, FRAME_A, FRAME_A.length);
            enhancedPacket(out, 3, 123_456_789_999L, FRAME_A, FRAME_A.length);
            enhancedPacket(out, 4, 1025, FRAME_A, FRAME_A.length);
            enhancedPacket(out, 5, (5L << 30) + 3, FRAME_A, FRAME_A.length);
            enhancedPacket(out, 6, 1_700_000_000L, FRAME_A, FRAME_A.length);
            enhancedPacket(out, 7, 1_700_000_000_000_001L, FRAME_A, FRAME_A.length);
            final List<PcapRecord> records = read(out, "resolutions-" + order + ".pcapng");

            assertEquals(8, records.size());
            assertEquals(1_700_000_000_123_456_000L, records.get(0).timestampNanos());
            assertEquals(1514, records.get(0).originalLength());
            assertArrayEquals(FRAME_A, records.get(0).data());
            assertEquals(1_700_000_000_123_456_789L, records.get(1).timestampNanos());
            assertArrayEquals(FRAME_B, records.get(1).data());
            assertEquals(1_700_000_000_123_000_000L, records.get(2).timestampNanos());
            assertEquals(228, records.get(2).linkType());
            assertEquals(123_456_789L, records.get(3).timestampNanos()); // 123456789.999 ns
            // 1025 / 1024 s = 1 s + 976562.5 ns -> rounds down
            assertEquals(1_000_976_562L, records.get(4).timestampNanos());
            // 5 s + 3 * 2^-30 s = 5 s + 2.79... ns
            assertEquals(5_000_000_002L, records.get(5).timestampNanos());
            assertEquals(1_700_000_000_000_000_000L, records.get(6).timestampNanos());
            assertEquals(1_700_000_000_000_001_000L - 1_000_000_000_000L, records.get(7).timestampNanos());
        }
    }

    @Test
    void pcapngSimplePacketUsesSnapLengthAndOriginalLength() throws IOException
    {
        final Out out = new Out(ByteOrder.BIG_ENDIAN);
        sectionHeader(out);
        interfaceBlock(out, 1, 64, null, null);
        simplePacket(out, frame(64, 0x33), 200);        // cut by the snap length: 64 of 200
        simplePacket(out, FRAME_A, FRAME_A.length);     // shorter than the snap length: whole
        final List<PcapRecord> records = read(out, "simple.pcapng");

        assertEquals(2, records.size());
        assertEquals(64, records.get(0).capturedLength());
        assertEquals(200, records.get(0).originalLength());
        assertEquals(0, records.get(0).timestampNanos());
        assertArrayEquals(FRAME_A, records.get(1).data());
        assertEquals(FRAME_A.length, records.get(1).originalLength());
    }

    @Test
    void pcapngSimplePacketWithoutSnapLengthUsesOriginalLength() throws IOException
    {
        final Out out = new Out(ByteOrder.LITTLE_ENDIAN);
        sectionHeader(out);
        interfaceBlock(out, 1, 0, null, null);
        simplePacket(out, FRAME_B, FRAME_B.length); // 99 bytes padded to 100 in the block
        final List<PcapRecord> records = read(out, "simple0.pcapng");
        assertArrayEquals(FRAME_B, records.get(0).data());
    }

    @Test
    void pcapngObsoletePacketBlock() throws IOException
    {
        for (final ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN))
        {
            final Out out = new Out(order);
            sectionHeader(out);
            interfaceBlock(out, 1, 0, null, null);
            interfaceBlock(out, 1, 0, 9, null);
            obsoletePacket(out, 1, 1_600_000_000_000_000_007L, FRAME_B, 1000);
            final List<PcapRecord> records = read(out, "obsolete-" + order + ".pcapng");

            assertEquals(1, records.size());
            assertEquals(1_600_000_000_000_000_007L, records.get(0).timestampNanos());
            assertEquals(1000, records.get(0).originalLength());
            assertArrayEquals(FRAME_B, records.get(0).data());
        }
    }

    @Test
    void pcapngSkipsUnknownBlocksAndReadsSeveralSections() throws IOException
    {
        final Out out = new Out(ByteOrder.LITTLE_ENDIAN);
        sectionHeader(out);
        interfaceBlock(out, 1, 0, 9, null);
        block(out, 5, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});           // Interface Statistics
        block(out, 4, new byte[] {0, 0, 0, 0});                        // Name Resolution
        block(out, 0x8000_0001, new byte[12]);                         // local use
        enhancedPacket(out, 0, 7, FRAME_A, FRAME_A.length);
        final Out second = new Out(ByteOrder.BIG_ENDIAN);
        sectionHeader(second);
        interfaceBlock(second, 101, 0, null, null);
        enhancedPacket(second, 0, 8, FRAME_B, FRAME_B.length);
        out.bytes.writeBytes(second.bytes.toByteArray());
        final List<PcapRecord> records = read(out, "sections.pcapng");

        assertEquals(2, records.size());
        assertEquals(7, records.get(0).timestampNanos());
        assertEquals(1, records.get(0).linkType());
        assertEquals(8_000L, records.get(1).timestampNanos());
        assertEquals(101, records.get(1).linkType());
        assertArrayEquals(FRAME_B, records.get(1).data());
    }

    @Test
    void pcapngNewSectionForgetsInterfaces() throws IOException
    {
        final Out out = new Out(ByteOrder.LITTLE_ENDIAN);
        sectionHeader(out);
        interfaceBlock(out, 1, 0, null, null);
        interfaceBlock(out, 1, 0, null, null);
        sectionHeader(out);
        interfaceBlock(out, 1, 0, null, null);
        final long secondPacket = out.size();
        enhancedPacket(out, 1, 1, FRAME_A, FRAME_A.length);
        final PcapFormatException ex = readFails(out, "forgotten.pcapng");
        assertEquals(secondPacket, ex.offset());
        assertTrue(ex.getMessage().contains("interface 1"), ex.getMessage());
    }

    @Test
    void truncatedClassicRecordNamesFileAndOffset() throws IOException
    {
        final Out out = new Out(ByteOrder.LITTLE_ENDIAN);
        classicHeader(out, PcapReader.PCAP_MAGIC_MICROS, 1);
        classicRecord(out, 1, 0, FRAME_A, FRAME_A.length);
        final long lastRecord = out.size();
        classicRecord(out, 2, 0, FRAME_B, FRAME_B.length);
        final byte[] whole = out.bytes.toByteArray();
        final Path file = dir.resolve("cut-record.pcap");
        Files.write(file, Arrays.copyOf(whole, whole.length - 10));

        final PcapFormatException ex = assertThrows(PcapFormatException.class, () -> PcapReader.read(file));
        assertTrue(ex.getMessage().contains(file.toString()), ex.getMessage());
        assertTrue(ex.getMessage().contains("offset " + lastRecord), ex.getMessage());
        assertTrue(ex.getMessage().contains("truncated"), ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"));
        assertEquals(file, ex.file());
        assertEquals(lastRecord, ex.offset());
    }

    @Test
    void truncatedClassicRecordHeader() throws IOException
    {
        final Out out = new Out(ByteOrder.LITTLE_ENDIAN);
        classicHeader(out, PcapReader.PCAP_MAGIC_MICROS, 1);
        classicRecord(out, 1, 0, FRAME_A, FRAME_A.length);
        out.bytes.write(new byte[7], 0, 7);
        final PcapFormatException ex = readFails(out, "cut-header.pcap");
        assertEquals(24 + 16 + FRAME_A.length, ex.offset());
    }

    @Test
    void truncatedPcapngBlock() throws IOException
    {
        final Out out = new Out(ByteOrder.LITTLE_ENDIAN);
        sectionHeader(out);
        interfaceBlock(out, 1, 0, null, null);
        final long packet = out.size();
        enhancedPacket(out, 0, 1, FRAME_A, FRAME_A.length);
        final byte[] whole = out.bytes.toByteArray();
        final Path file = dir.resolve("cut-block.pcapng");
        Files.write(file, Arrays.copyOf(whole, whole.length - 4));

        final PcapFormatException ex = assertThrows(PcapFormatException.class, () -> PcapReader.read(file));
        assertTrue(ex.getMessage().startsWith(file.toString() + ": offset " + packet + ": truncated"), ex.getMessage());
    }

    @Test
    void capturedLengthBeyondLimitIsAnError() throws IOException
    {
        final Out out = new Out(ByteOrder.LITTLE_ENDIAN);
        classicHeader(out, PcapReader.PCAP_MAGIC_MICROS, 1);
        out.i32(1).i32(0).i32(PcapReader.MAX_CAPTURED_LENGTH + 1).i32(PcapReader.MAX_CAPTURED_LENGTH + 1);
        out.bytes.write(new byte[PcapReader.MAX_CAPTURED_LENGTH + 1], 0, PcapReader.MAX_CAPTURED_LENGTH + 1);
        final PcapFormatException ex = readFails(out, "huge.pcap");
        assertEquals(24, ex.offset());
        assertTrue(ex.getMessage().contains("exceeds the limit"), ex.getMessage());
    }

    @Test
    void enhancedPacketLongerThanItsBlockIsAnError() throws IOException
    {
        final Out out = new Out(ByteOrder.LITTLE_ENDIAN);
        sectionHeader(out);
        interfaceBlock(out, 1, 0, null, null);
        final Out body = new Out(ByteOrder.LITTLE_ENDIAN);
        body.i32(0).i32(0).i32(0).i32(200).i32(200);
        body.bytes.write(new byte[64], 0, 64);
        block(out, PcapReader.PCAPNG_ENHANCED_PACKET, body.bytes.toByteArray());
        assertTrue(readFails(out, "overlong.pcapng").getMessage().contains("captured length 200"));
    }

    @Test
    void originalLengthLargerThanCapturedIsKept() throws IOException
    {
        final Out out = new Out(ByteOrder.LITTLE_ENDIAN);
        classicHeader(out, PcapReader.PCAP_MAGIC_MICROS, 1);
        classicRecord(out, 1, 0, FRAME_A, 262_144);
        assertEquals(262_144, read(out, "fuzz.pcap").get(0).originalLength());
    }

    @Test
    void headerOnlyFileHasNoRecords() throws IOException
    {
        final Out out = new Out(ByteOrder.BIG_ENDIAN);
        classicHeader(out, PcapReader.PCAP_MAGIC_NANOS, 1);
        assertTrue(read(out, "empty-capture.pcap").isEmpty());
    }

    @Test
    void emptyFileNamesTheFile() throws IOException
    {
        final Path file = dir.resolve("empty.pcap");
        Files.write(file, new byte[0]);
        final PcapFormatException ex = assertThrows(PcapFormatException.class, () -> PcapReader.read(file));
        assertTrue(ex.getMessage().contains(file.toString()), ex.getMessage());
        assertTrue(ex.getMessage().contains("empty"), ex.getMessage());
    }

    @Test
    void unknownMagicNamesTheFile() throws IOException
    {
        final Path file = dir.resolve("text.pcap");
        Files.writeString(file, "this is not a capture\n");
        final PcapFormatException ex = assertThrows(PcapFormatException.class, () -> PcapReader.read(file));
        assertTrue(ex.getMessage().contains(file.toString()), ex.getMessage());
        assertTrue(ex.getMessage().contains("unknown magic number 74686973"), ex.getMessage());
    }

    @Test
    void shortFileIsAnError() throws IOException
    {
        final Path file = dir.resolve("short.pcap");
        Files.write(file, new byte[] {(byte)0xd4, (byte)0xc3});
        assertTrue(assertThrows(PcapFormatException.class, () -> PcapReader.read(file)).getMessage().contains("too short"));
    }

    @Test
    void badByteOrderMagicIsAnError() throws IOException
    {
        final Out out = new Out(ByteOrder.LITTLE_ENDIAN);
        out.i32(PcapReader.PCAPNG_SECTION_HEADER).i32(28).i32(0x12345678).i16(1).i16(0).i64(-1).i32(28);
        assertTrue(readFails(out, "bom.pcapng").getMessage().contains("byte-order magic 78563412"));
    }

    @Test
    void missingFileIsAnIoException()
    {
        assertThrows(IOException.class, () -> PcapReader.read(dir.resolve("absent.pcap")));
    }

    private List<PcapRecord> read(final Out out, final String name) throws IOException
    {
        final Path file = dir.resolve(name);
        Files.write(file, out.bytes.toByteArray());
        final PcapFile pcap = PcapReader.read(file);
        assertEquals(file, pcap.path());
        return pcap.records();
    }

    private PcapFormatException readFails(final Out out, final String name) throws IOException
    {
        final Path file = dir.resolve(name);
        Files.write(file, out.bytes.toByteArray());
        final PcapFormatException ex = assertThrows(PcapFormatException.class, () -> PcapReader.read(file));
        assertTrue(ex.getMessage().startsWith(file + ": offset "), ex.getMessage());
        return ex;
    }

    static byte[] frame(final int length, final int seed)
    {
        final byte[] frame = new byte[length];
        for (int i = 0; i < length; i++)
        {
            frame[i] = (byte)(seed + i * 7);
        }
        return frame;
    }

    private static void classicHeader(final Out out, final int magic, final int linkType)
    {
        out.i32(magic).i16(2).i16(4).i32(0).i32(0).i32(262_144).i32(linkType);
    }

    private static void classicRecord(final Out out, final long seconds, final int fraction, final byte[] data, final int originalLength)
    {
        out.i32((int)seconds).i32(fraction).i32(data.length).i32(originalLength);
        out.bytes.write(data, 0, data.length);
    }

    private static void sectionHeader(final Out out)
    {
        final Out body = new Out(out.order);
        body.i32(PcapReader.PCAPNG_BYTE_ORDER_MAGIC).i16(1).i16(0).i64(-1);
        body.option(4, "nve test".getBytes()).i32(0); // shb_userappl, opt_endofopt
        block(out, PcapReader.PCAPNG_SECTION_HEADER, body.bytes.toByteArray());
    }

    private static void interfaceBlock(
        final Out out, final int linkType, final int snapLength, final Integer tsresol, final Long tsoffset)
    {
        final Out body = new Out(out.order);
        body.i16(linkType).i16(0).i32(snapLength);
        body.option(2, "eth0".getBytes());
        if (tsresol != null)
        {
            body.option(PcapReader.OPTION_IF_TSRESOL, new byte[] {(byte)(int)tsresol});
        }
        if (tsoffset != null)
        {
            body.option(PcapReader.OPTION_IF_TSOFFSET, ByteBuffer.allocate(8).order(out.order).putLong(tsoffset).array());
        }
        body.i32(0);
        block(out, PcapReader.PCAPNG_INTERFACE_DESCRIPTION, body.bytes.toByteArray());
    }

    private static void enhancedPacket(
        final Out out, final int interfaceId, final long timestamp, final byte[] data, final int originalLength)
    {
        final Out body = new Out(out.order);
        body.i32(interfaceId).i32((int)(timestamp >>> 32)).i32((int)timestamp).i32(data.length).i32(originalLength);
        body.padded(data);
        body.option(1, "comment".getBytes()).i32(0);
        block(out, PcapReader.PCAPNG_ENHANCED_PACKET, body.bytes.toByteArray());
    }

    private static void obsoletePacket(
        final Out out, final int interfaceId, final long timestamp, final byte[] data, final int originalLength)
    {
        final Out body = new Out(out.order);
        body.i16(interfaceId).i16(0).i32((int)(timestamp >>> 32)).i32((int)timestamp).i32(data.length).i32(originalLength);
        body.padded(data);
        block(out, PcapReader.PCAPNG_OBSOLETE_PACKET, body.bytes.toByteArray());
    }

    private static void simplePacket(final Out out, final byte[] data, final int originalLength)
    {
        final Out body = new Out(out.order);
        body.i32(originalLength);
        body.padded(data);
        block(out, PcapReader.PCAPNG_SIMPLE_PACKET, body.bytes.toByteArray());
    }

    private static void block(final Out out, final int type, final byte[] body)
    {
        final int length = 12 + body.length;
        out.i32(type).i32(length);
        out.bytes.write(body, 0, body.length);
        out.i32(length);
    }

    /** A growing byte array written in one byte order. */
    private static final class Out
    {
        final ByteOrder order;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Out(final ByteOrder order)
        {
            this.order = order;
        }

        long size()
        {
            return bytes.size();
        }

        Out i16(final int value)
        {
            bytes.write(ByteBuffer.allocate(2).order(order).putShort((short)value).array(), 0, 2);
            return this;
        }

        Out i32(final int value)
        {
            bytes.write(ByteBuffer.allocate(4).order(order).putInt(value).array(), 0, 4);
            return this;
        }

        Out i64(final long value)
        {
            bytes.write(ByteBuffer.allocate(8).order(order).putLong(value).array(), 0, 8);
            return this;
        }

        Out padded(final byte[] data)
        {
            bytes.write(data, 0, data.length);
            bytes.write(new byte[3], 0, (4 - (data.length & 3)) & 3);
            return this;
        }

        Out option(final int code, final byte[] value)
        {
            i16(code).i16(value.length);
            return padded(value);
        }
    }
}
