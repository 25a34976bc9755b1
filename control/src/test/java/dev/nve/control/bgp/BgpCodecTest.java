package dev.nve.control.bgp;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BgpCodecTest
{
    private static final String MARKER = "ffffffffffffffffffffffffffffffff";

    @Test
    void everyMessageRoundTrips() throws Exception
    {
        for (final BgpMessage message : BgpMessages.all())
        {
            final byte[] wire = BgpCodec.encode(message);
            assertEquals(wire.length, (wire[16] & 0xFF) << 8 | wire[17] & 0xFF, "length field of " + message);
            final ByteBuffer buffer = ByteBuffer.wrap(wire);
            assertEquals(message, BgpCodec.decode(buffer));
            assertEquals(wire.length, buffer.position(), "decode consumes exactly the message");
            assertArrayEquals(wire, BgpCodec.encode(BgpCodec.decode(ByteBuffer.wrap(wire))));
        }
    }

    @Test
    void twoOctetSessionWritesAsTransAndReadsTwoByteAses() throws Exception
    {
        final BgpMessage.Update update = BgpMessages.ipv4Update();
        final byte[] wire = BgpCodec.encode(update, false);
        assertEquals(update, BgpCodec.decode(ByteBuffer.wrap(wire), false));
        final byte[] open = BgpCodec.encode(BgpMessages.evpnOpen());
        assertEquals(23456, (open[20] & 0xFF) << 8 | open[21] & 0xFF, "a 4-byte AS is AS_TRANS in the 2-byte field");
        assertEquals(4200000001L, ((BgpMessage.Open) BgpCodec.decode(ByteBuffer.wrap(open))).myAs());
    }

    @Test
    void keepaliveIsTheBareHeader() throws Exception
    {
        assertArrayEquals(HexFormat.of().parseHex(MARKER + "001304"), BgpCodec.encode(new BgpMessage.Keepalive()));
    }

    @Test
    void splitFramesAStreamAndKeepsTheIncompleteTail() throws Exception
    {
        final byte[] a = BgpCodec.encode(BgpMessages.macIpUpdate());
        final byte[] b = BgpCodec.encode(new BgpMessage.Keepalive());
        final ByteBuffer stream = ByteBuffer.allocate(a.length + b.length + 10);
        stream.put(a).put(b).put(a, 0, 10).flip();
        assertEquals(List.of(BgpMessages.macIpUpdate(), new BgpMessage.Keepalive()), BgpFraming.split(stream, true));
        assertEquals(10, stream.remaining());
        assertEquals(0, BgpFraming.frameLength(stream));
    }

    @Test
    void headerErrors()
    {
        expect(1, 1, "fffffffffffffffffffffffffffffffe" + "001304");
        expect(1, 2, MARKER + "001204");
        expect(1, 2, MARKER + "100104");
        expect(1, 2, MARKER + "001404" + "00");
        expect(1, 2, MARKER + "001503" + "06");
        expect(1, 2, MARKER + "002004");
        expect(1, 3, MARKER + "001305");
    }

    @Test
    void openErrors()
    {
        final String rest = "00b4" + "0a000001" + "00";
        expect(2, 1, MARKER + "001d01" + "03" + "fde9" + rest);
        expect(2, 2, MARKER + "001d01" + "04" + "0000" + rest);
        expect(2, 6, MARKER + "001d01" + "04" + "fde9" + "0002" + "0a000001" + "00");
        expect(2, 3, MARKER + "001d01" + "04" + "fde9" + "00b4" + "00000000" + "00");
        expect(2, 4, MARKER + "002001" + "04" + "fde9" + rest.substring(0, 12) + "03" + "010100");
        expect(2, 0, MARKER + "002101" + "04" + "fde9" + rest.substring(0, 12) + "04" + "0202" + "4104");
    }

    @Test
    void updateErrors()
    {
        expect(3, 1, MARKER + "001702" + "0001" + "0000");
        expect(3, 1, MARKER + "001702" + "0000" + "0005");
        expect(3, 1, MARKER + "001d02" + "0000" + "0006" + "400101" + "00" + "4001");
        expect(3, 5, MARKER + "001c02" + "0000" + "0005" + "4001020000");
        expect(3, 6, MARKER + "001b02" + "0000" + "0004" + "40010103");
        expect(3, 11, MARKER + "001c02" + "0000" + "0005" + "4002020201");
        expect(3, 9, MARKER + "001c02" + "0000" + "0005" + "c0100201" + "02");
        expect(3, 9, MARKER + "001c02" + "0000" + "0005" + "800e02" + "0019");
        expect(3, 10, MARKER + "001902" + "0000" + "0000" + "21" + "0a");
        expect(3, 3, MARKER + "001b02" + "0000" + "0000" + "180a0000");
        expect(3, 10, MARKER + "002602" + "0000" + "000f" + "800f0c" + "001946" + "0225" + "00010203040506");
    }

    @Test
    void notificationForADecodeFailure()
    {
        final BgpDecodeException e = assertThrows(BgpDecodeException.class, () -> BgpCodec.decode(ByteBuffer.wrap(HexFormat.of().parseHex(MARKER + "001305"))));
        assertEquals(new BgpMessage.Notification(1, 3, new byte[0]), BgpMessage.Notification.of(e));
    }

    private static void expect(final int code, final int subcode, final String hex)
    {
        final BgpDecodeException e = assertThrows(BgpDecodeException.class, () -> BgpCodec.decode(ByteBuffer.wrap(HexFormat.of().parseHex(hex))), hex);
        assertEquals(code + "/" + subcode, e.notificationCode() + "/" + e.subcode(), e.getMessage());
    }
}
