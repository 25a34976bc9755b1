package dev.nve.dataplane.wire;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static dev.nve.dataplane.wire.Bytes.U8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IcmpHeaderTest
{
    private static final HexFormat HEX = HexFormat.of();

    /** Echo request, id 1, seq 1, no data: checksum ~(0800 + 0001 + 0001) = 0xf7fd. */
    private static final String ECHO_REQUEST = "08" + "00" + "f7fd" + "0001" + "0001";

    @Test
    void accessors()
    {
        final IcmpHeader icmp = new IcmpHeader().wrap(MemorySegment.ofArray(HEX.parseHex("ff" + ECHO_REQUEST)), 1);
        assertEquals(1, icmp.offset());
        assertEquals(IcmpHeader.ECHO_REQUEST, icmp.type());
        assertEquals(0, icmp.code());
        assertEquals(0xF7FD, icmp.checksum());
        assertEquals(0x0001_0001, icmp.restOfHeader());
        assertFalse(icmp.isError());
    }

    @Test
    void checksumVectorVerifies()
    {
        final MemorySegment segment = MemorySegment.ofArray(HEX.parseHex(ECHO_REQUEST));
        assertEquals(0xFFFF, Checksum.fold(Checksum.sum(segment, 0, IcmpHeader.HEADER_LENGTH)));
        final IcmpHeader icmp = new IcmpHeader().wrap(segment, 0);
        icmp.checksum(0);
        assertEquals(0xF7FD, Checksum.compute(segment, 0, IcmpHeader.HEADER_LENGTH));
    }

    @Test
    void echoReplyInPlace()
    {
        final MemorySegment segment = MemorySegment.ofArray(HEX.parseHex(ECHO_REQUEST));
        final IcmpHeader icmp = new IcmpHeader().wrap(segment, 0);
        final int checksum = icmp.checksum();
        icmp.type(IcmpHeader.ECHO_REPLY);
        icmp.checksum(Checksum.update16(checksum, IcmpHeader.ECHO_REQUEST << 8, IcmpHeader.ECHO_REPLY << 8));
        assertEquals(0xFFFD, icmp.checksum());
        assertEquals(0xFFFF, Checksum.fold(Checksum.sum(segment, 0, IcmpHeader.HEADER_LENGTH)));
        assertEquals(IcmpHeader.ECHO_REPLY, icmp.type());
        assertEquals(0x0001_0001, icmp.restOfHeader());
    }

    @Test
    void setters()
    {
        final MemorySegment segment = MemorySegment.ofArray(new byte[8]);
        final IcmpHeader icmp = new IcmpHeader().wrap(segment, 0);
        icmp.type(IcmpHeader.DEST_UNREACHABLE);
        icmp.code(4);
        icmp.checksum(0xBEEF);
        icmp.restOfHeader(0x0000_05DC);
        assertEquals(3, icmp.type());
        assertEquals(4, icmp.code());
        assertEquals(0xBEEF, icmp.checksum());
        assertEquals(1500, icmp.restOfHeader());
        assertEquals(3, segment.get(U8, 0));
    }

    @Test
    void isError()
    {
        final Set<Integer> errors = Set.of(IcmpHeader.DEST_UNREACHABLE, IcmpHeader.SOURCE_QUENCH, IcmpHeader.REDIRECT,
            IcmpHeader.TIME_EXCEEDED, IcmpHeader.PARAMETER_PROBLEM);
        assertEquals(Set.of(3, 4, 5, 11, 12), errors);
        assertEquals(0, IcmpHeader.ECHO_REPLY);
        assertEquals(8, IcmpHeader.ECHO_REQUEST);
        final MemorySegment segment = MemorySegment.ofArray(new byte[8]);
        final IcmpHeader icmp = new IcmpHeader().wrap(segment, 0);
        for (int type = 0; type < 256; type++)
        {
            icmp.type(type);
            assertEquals(errors.contains(type), icmp.isError(), "type " + type);
        }
        icmp.type(IcmpHeader.TIME_EXCEEDED);
        assertTrue(icmp.isError());
    }
}
