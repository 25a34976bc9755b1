package dev.nve.control.bgp;

import dev.nve.dataplane.pcap.PcapReader;
import dev.nve.dataplane.pcap.PcapRecord;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * TCP payloads to or from port 179 out of the shared real captures. Each segment's payload is
 * returned alone (no reassembly): the captures used hold whole messages per segment, as tshark
 * shows (no {@code tcp.reassembled_in} in any of them). Headers are read big-endian.
 */
final class BgpPcaps
{
    private static final int BGP_PORT = 179;
    private static final int ETHERNET_HEADER = 14;
    private static final int VLAN_TAG = 4;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86DD;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int ETHERTYPE_QINQ = 0x88A8;
    private static final int IPV6_HEADER = 40;
    private static final int PROTOCOL_TCP = 6;

    private BgpPcaps()
    {
    }

    /**
     * The real capture corpus: {@code $NVE_SHARED/pcaps/real}, else {@code ../shared/pcaps/real}
     * from the repository root. Missing, the test is skipped, or fails when {@code CI=true}.
     */
    static Path file(final String name)
    {
        final String env = System.getenv("NVE_SHARED");
        final Path moduleDir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        final Path repoRoot = Files.exists(moduleDir.resolve("mvnw")) ? moduleDir : moduleDir.getParent();
        final Path dir = env != null && !env.isBlank() ? Path.of(env, "pcaps", "real") : repoRoot.resolve("../shared/pcaps/real").normalize();
        final Path file = dir.resolve(name);
        if (!Files.isRegularFile(file))
        {
            final String message = "real capture " + file + " not found: set NVE_SHARED to the directory holding pcaps/real";
            if ("true".equalsIgnoreCase(System.getenv("CI")))
            {
                Assertions.fail(message + " (CI=true: a failure, not a skip)");
            }
            Assumptions.abort(message);
        }
        return file;
    }

    /**
     * One TCP segment's payload.
     *
     * @param session the two endpoints, the same string for both directions
     */
    record Segment(String session, byte[] payload)
    {
    }

    /** The non-empty BGP payloads of the capture, in capture order. */
    static List<byte[]> payloads(final String name) throws IOException
    {
        return segments(name).stream().map(Segment::payload).toList();
    }

    /** The non-empty BGP segments of the capture, in capture order. */
    static List<Segment> segments(final String name) throws IOException
    {
        final List<Segment> payloads = new ArrayList<>();
        for (final PcapRecord record : PcapReader.read(file(name)).records())
        {
            if (record.linkType() == PcapRecord.LINKTYPE_ETHERNET)
            {
                final Segment segment = tcpPayload(ByteBuffer.wrap(record.data()).order(ByteOrder.BIG_ENDIAN));
                if (segment != null && segment.payload().length > 0)
                {
                    payloads.add(segment);
                }
            }
        }
        return payloads;
    }

    /** Null unless the frame is TCP on port 179; a payload cut short by the snap length is returned as captured. */
    private static Segment tcpPayload(final ByteBuffer frame)
    {
        int at = ETHERNET_HEADER - 2;
        int etherType = frame.getShort(at) & 0xFFFF;
        while ((etherType == ETHERTYPE_VLAN || etherType == ETHERTYPE_QINQ) && frame.limit() >= at + VLAN_TAG + 2)
        {
            at += VLAN_TAG;
            etherType = frame.getShort(at) & 0xFFFF;
        }
        at += 2;
        final int ipEnd;
        final String source;
        final String destination;
        if (etherType == ETHERTYPE_IPV4)
        {
            if ((frame.get(at + 9) & 0xFF) != PROTOCOL_TCP)
            {
                return null;
            }
            ipEnd = at + (frame.getShort(at + 2) & 0xFFFF);
            source = hex(frame, at + 12, 4);
            destination = hex(frame, at + 16, 4);
            at += (frame.get(at) & 0x0F) * 4;
        }
        else if (etherType == ETHERTYPE_IPV6)
        {
            if ((frame.get(at + 6) & 0xFF) != PROTOCOL_TCP)
            {
                return null;
            }
            ipEnd = at + IPV6_HEADER + (frame.getShort(at + 4) & 0xFFFF);
            source = hex(frame, at + 8, 16);
            destination = hex(frame, at + 24, 16);
            at += IPV6_HEADER;
        }
        else
        {
            return null;
        }
        final int sourcePort = frame.getShort(at) & 0xFFFF;
        final int destinationPort = frame.getShort(at + 2) & 0xFFFF;
        if (sourcePort != BGP_PORT && destinationPort != BGP_PORT)
        {
            return null;
        }
        final int payloadStart = at + ((frame.get(at + 12) & 0xF0) >>> 4) * 4;
        final int payloadEnd = Math.min(ipEnd, frame.limit());
        final String from = source + "." + sourcePort;
        final String to = destination + "." + destinationPort;
        final String session = from.compareTo(to) < 0 ? from + "-" + to : to + "-" + from;
        return new Segment(session, payloadStart >= payloadEnd ? new byte[0] : Arrays.copyOfRange(frame.array(), payloadStart, payloadEnd));
    }

    private static String hex(final ByteBuffer frame, final int at, final int length)
    {
        return HexFormat.of().formatHex(frame.array(), at, at + length);
    }
}
