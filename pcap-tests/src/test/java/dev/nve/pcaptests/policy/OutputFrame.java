package dev.nve.pcaptests.policy;

import dev.nve.dataplane.table.Macs;
import dev.nve.dataplane.wire.Bytes;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes a frame into the flat fields expected.json names: {@code eth.src}, {@code eth.dst},
 * {@code type} (IPv4, IPv6, ARP), {@code src}, {@code dst}, {@code proto} (TCP, UDP, ICMP,
 * ICMPv6), {@code sport}, {@code dport}, {@code flags} (e.g. "SYN,ACK"), {@code icmp.type},
 * {@code arp.op}; for VXLAN (UDP to 4789) also {@code vni}, {@code gbp} (the Group Policy ID, or
 * "none" without the G flag) and the inner frame's fields prefixed with {@code inner.}, and the
 * inner bytes in {@link #inner}. Written independently of the dataplane's parsers.
 */
final class OutputFrame
{
    final Map<String, String> fields = new LinkedHashMap<>();
    final byte[] bytes;
    byte[] inner;

    private OutputFrame(final byte[] bytes)
    {
        this.bytes = bytes;
    }

    static OutputFrame decode(final byte[] frame)
    {
        final OutputFrame f = new OutputFrame(frame);
        f.decodeInto("", frame);
        return f;
    }

    private void decodeInto(final String prefix, final byte[] frame)
    {
        final MemorySegment s = MemorySegment.ofArray(frame);
        fields.put(prefix + "eth.dst", Macs.format(Bytes.mac48(s, 0)));
        fields.put(prefix + "eth.src", Macs.format(Bytes.mac48(s, 6)));
        int at = 12;
        int type = u16(s, at);
        while (type == 0x8100 || type == 0x88A8)
        {
            at += 4;
            type = u16(s, at);
        }
        final int l3 = at + 2;
        final int protocol;
        final int l4;
        switch (type)
        {
            case 0x0806 ->
            {
                fields.put(prefix + "type", "ARP");
                fields.put(prefix + "arp.op", Integer.toString(u16(s, l3 + 6)));
                return;
            }
            case 0x0800 ->
            {
                fields.put(prefix + "type", "IPv4");
                fields.put(prefix + "src", address(frame, l3 + 12, 4));
                fields.put(prefix + "dst", address(frame, l3 + 16, 4));
                protocol = frame[l3 + 9] & 0xFF;
                l4 = l3 + (frame[l3] & 0x0F) * 4;
            }
            case 0x86DD ->
            {
                fields.put(prefix + "type", "IPv6");
                fields.put(prefix + "src", address(frame, l3 + 8, 16));
                fields.put(prefix + "dst", address(frame, l3 + 24, 16));
                protocol = frame[l3 + 6] & 0xFF;
                l4 = l3 + 40;
            }
            default ->
            {
                fields.put(prefix + "type", String.format("0x%04x", type));
                return;
            }
        }
        switch (protocol)
        {
            case 6, 17 ->
            {
                fields.put(prefix + "proto", protocol == 6 ? "TCP" : "UDP");
                fields.put(prefix + "sport", Integer.toString(u16(s, l4)));
                fields.put(prefix + "dport", Integer.toString(u16(s, l4 + 2)));
                if (protocol == 6)
                {
                    fields.put(prefix + "flags", flags(frame[l4 + 13] & 0xFF));
                }
                else if (prefix.isEmpty() && u16(s, l4 + 2) == 4789)
                {
                    final int vxlan = l4 + 8;
                    final boolean g = (frame[vxlan] & 0x80) != 0;
                    fields.put("gbp", g ? Integer.toString(u16(s, vxlan + 2)) : "none");
                    fields.put("vni", Integer.toString((s.get(Bytes.U32_BE, vxlan + 4) >>> 8) & 0xFF_FFFF));
                    inner = Arrays.copyOfRange(frame, vxlan + 8, frame.length);
                    decodeInto("inner.", inner);
                }
            }
            case 1, 58 ->
            {
                fields.put(prefix + "proto", protocol == 1 ? "ICMP" : "ICMPv6");
                fields.put(prefix + "icmp.type", Integer.toString(frame[l4] & 0xFF));
            }
            default -> fields.put(prefix + "proto", Integer.toString(protocol));
        }
    }

    private static int u16(final MemorySegment s, final long offset)
    {
        return s.get(Bytes.U16_BE, offset) & 0xFFFF;
    }

    private static String flags(final int bits)
    {
        final String[] names = {"FIN", "SYN", "RST", "PSH", "ACK"};
        final List<String> set = new ArrayList<>();
        for (int i = 0; i < names.length; i++)
        {
            if ((bits & 1 << i) != 0)
            {
                set.add(names[i]);
            }
        }
        return String.join(",", set);
    }

    private static String address(final byte[] frame, final int offset, final int length)
    {
        try
        {
            final String text = InetAddress.getByAddress(Arrays.copyOfRange(frame, offset, offset + length)).getHostAddress();
            return length == 4 ? text : rfc5952(frame, offset);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalStateException(e);
        }
    }

    /** IPv6 text as RFC 5952 section 4 writes it: lower case, no leading zeros, the longest run (>= 2) of zero groups as "::". */
    static String rfc5952(final byte[] bytes, final int offset)
    {
        final int[] groups = new int[8];
        for (int i = 0; i < 8; i++)
        {
            groups[i] = (bytes[offset + 2 * i] & 0xFF) << 8 | bytes[offset + 2 * i + 1] & 0xFF;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; )
        {
            int j = i;
            while (j < 8 && groups[j] == 0)
            {
                j++;
            }
            if (j - i > bestLength)
            {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':')
            {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}
