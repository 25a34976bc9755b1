package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import static dev.nve.dataplane.wire.Bytes.U8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class TcpHeaderTest
{
    private static final HexFormat HEX = HexFormat.of();

    /**
     * 40000 → 80, seq 0xdeadbeef, ack 0x00000001, data offset 6 (reserved nibble 0xf set), SYN|ACK,
     * window 65535, checksum 0x1234, urgent 0x0007, option MSS 1460.
     */
    private static final String SYN_ACK = "9c40" + "0050" + "deadbeef" + "00000001" + "6f" + "12" + "ffff" + "1234" + "0007" + "020405b4";

    private static MemorySegment segment(final String hex)
    {
        return MemorySegment.ofArray(HEX.parseHex(hex));
    }

    @Test
    void accessors()
    {
        final TcpHeader tcp = new TcpHeader().wrap(segment("00" + SYN_ACK), 1);
        assertEquals(1, tcp.offset());
        assertEquals(40000, tcp.sourcePort());
        assertEquals(80, tcp.destinationPort());
        assertEquals(0xDEAD_BEEF, tcp.sequence());
        assertEquals(1, tcp.acknowledgment());
        assertEquals(24, tcp.headerLength());
        assertEquals(TcpHeader.SYN | TcpHeader.ACK, tcp.flags());
        assertEquals(0xFFFF, tcp.window());
        assertEquals(0x1234, tcp.checksum());
        assertEquals(7, tcp.urgentPointer());
    }

    @Test
    void flagBits()
    {
        assertEquals(0x01, TcpHeader.FIN);
        assertEquals(0x02, TcpHeader.SYN);
        assertEquals(0x04, TcpHeader.RST);
        assertEquals(0x08, TcpHeader.PSH);
        assertEquals(0x10, TcpHeader.ACK);
        assertEquals(0x20, TcpHeader.URG);
        assertEquals(0x40, TcpHeader.ECE);
        assertEquals(0x80, TcpHeader.CWR);
        final MemorySegment segment = segment(SYN_ACK);
        final TcpHeader tcp = new TcpHeader().wrap(segment, 0);
        segment.set(U8, TcpHeader.FLAGS_OFFSET, (byte)0xFF);
        assertEquals(0xFF, tcp.flags());
        segment.set(U8, TcpHeader.FLAGS_OFFSET, (byte)0x11);
        assertEquals(TcpHeader.FIN | TcpHeader.ACK, tcp.flags());
        segment.set(U8, TcpHeader.FLAGS_OFFSET, (byte)0xC2);
        assertEquals(TcpHeader.CWR | TcpHeader.ECE | TcpHeader.SYN, tcp.flags());
        assertEquals(24, tcp.headerLength());
    }

    @Test
    void validate()
    {
        final MemorySegment segment = segment(SYN_ACK + "00".repeat(40));
        final TcpHeader tcp = new TcpHeader().wrap(segment, 0);
        assertEquals(24, tcp.validate(24));
        assertEquals(24, tcp.validate(64));
        assertEquals(-1, tcp.validate(23), "options cut short");
        assertEquals(-1, tcp.validate(19), "fixed header cut short");

        segment.set(U8, TcpHeader.DATA_OFFSET_OFFSET, (byte)0x50);
        assertEquals(20, tcp.validate(20));

        for (int dataOffset = 0; dataOffset < 5; dataOffset++)
        {
            segment.set(U8, TcpHeader.DATA_OFFSET_OFFSET, (byte)(dataOffset << 4));
            assertEquals(-1, tcp.validate(64), "data offset " + dataOffset);
        }

        segment.set(U8, TcpHeader.DATA_OFFSET_OFFSET, (byte)0xF0);
        assertEquals(TcpHeader.MAX_HEADER_LENGTH, tcp.headerLength());
        assertEquals(60, tcp.validate(60));
        assertEquals(-1, tcp.validate(59));
    }

    @Test
    void setters()
    {
        final MemorySegment segment = segment(SYN_ACK);
        final TcpHeader tcp = new TcpHeader().wrap(segment, 0);
        tcp.sourcePort(80);
        tcp.destinationPort(40000);
        tcp.checksum(0xFFFF);
        final String expected = "0050" + "9c40" + "deadbeef" + "00000001" + "6f" + "12" + "ffff" + "ffff" + "0007" + "020405b4";
        assertArrayEquals(HEX.parseHex(expected), segment.toArray(ValueLayout.JAVA_BYTE));
        assertEquals(80, tcp.sourcePort());
        assertEquals(40000, tcp.destinationPort());
        assertEquals(0xFFFF, tcp.checksum());
    }

    @Test
    void sequenceNumbersCompareBySerialArithmetic()
    {
        final TcpHeader a = new TcpHeader().wrap(segment("0000" + "0000" + "fffffff0" + "00000000" + "50000000" + "00000000"), 0);
        final TcpHeader b = new TcpHeader().wrap(segment("0000" + "0000" + "00000010" + "00000000" + "50000000" + "00000000"), 0);
        assertEquals(0x20, b.sequence() - a.sequence());
    }
}
