package dev.nve.dataplane.pcap;

import dev.nve.dataplane.testsupport.SharedPcaps;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every real third-party capture in the shared corpus reads without error, with the packet count
 * that {@code capinfos} reported in MANIFEST.md, including the fuzzer files whose original length
 * is far beyond the captured length and the 80 KB BIG TCP frame.
 */
final class PcapRealCapturesTest
{
    @Test
    void everyRealCaptureParsesWithTheManifestPacketCount() throws IOException
    {
        final Path real = SharedPcaps.realDir();
        final Map<String, Integer> manifest = manifestPacketCounts(real.resolve("MANIFEST.md"));
        final List<Path> files;
        try (Stream<Path> list = Files.list(real))
        {
            files = list.filter(p -> p.getFileName().toString().matches(".*\\.pcap(ng)?$")).sorted().toList();
        }
        assertTrue(files.size() >= 50, "expected the real corpus in " + real + ", found " + files.size() + " captures");

        final List<String> failures = new ArrayList<>();
        int counted = 0;
        for (final Path file : files)
        {
            try
            {
                final PcapFile pcap = PcapReader.read(file);
                final Integer expected = manifest.get(file.getFileName().toString());
                if (expected != null)
                {
                    counted++;
                    if (expected != pcap.records().size())
                    {
                        failures.add(file.getFileName() + ": " + pcap.records().size() + " records, MANIFEST says " + expected);
                    }
                }
                for (final PcapRecord record : pcap.records())
                {
                    if (record.capturedLength() > PcapReader.MAX_CAPTURED_LENGTH)
                    {
                        failures.add(file.getFileName() + ": record longer than the limit");
                    }
                }
            }
            catch (final IOException ex)
            {
                failures.add(ex.getMessage());
            }
        }
        if (!failures.isEmpty())
        {
            fail(failures.size() + " captures failed:\n" + String.join("\n", failures));
        }
        assertTrue(counted >= 50, "only " + counted + " captures had a MANIFEST packet count");
    }

    @Test
    void knownCounts() throws IOException
    {
        assertEquals(10, read("vxlan_tcpdump_vxlan.pcap").size());
        assertEquals(100, read("vxlan_suricata_vxlan-decoder-03-aws-mirror.pcap").size());
        assertEquals(489, read("bgp_netgauze_multiple-sessions.pcap").size());
        assertEquals(127, read("vxlan_ndpi_vxlan-outer-vlan.pcap").size());

        final List<PcapRecord> qinq = read("vlan_pcapplusplus_QinQ_802.1_AD.pcapng");
        assertEquals(1, qinq.size());
        assertEquals(1500, qinq.get(0).capturedLength());
        assertEquals(1_430_378_523_814_664_000L, qinq.get(0).timestampNanos());
    }

    @Test
    void truncatedPcapngRecordKeepsBothLengths() throws IOException
    {
        final List<PcapRecord> records = read("malformed_zeek_geneve-truncated.pcapng");
        assertEquals(1, records.size());
        assertEquals(58, records.get(0).capturedLength());
        assertEquals(156, records.get(0).originalLength());
        assertEquals(PcapRecord.LINKTYPE_ETHERNET, records.get(0).linkType());
        assertEquals(1_402_706_119_542_940_000L, records.get(0).timestampNanos());
    }

    @Test
    void timestampsMatchTshark() throws IOException
    {
        // tshark -r FILE -T fields -e frame.time_epoch
        final List<PcapRecord> vxlan = read("vxlan_tcpdump_vxlan.pcap");
        assertEquals(1_368_908_504_837_063_000L, vxlan.get(0).timestampNanos());
        assertEquals(1_368_908_504_882_198_000L, vxlan.get(1).timestampNanos());
        assertEquals(148, vxlan.get(0).capturedLength());

        final List<PcapRecord> options = read("ipv6_pcapplusplus_ipv6_options.pcap"); // pcapng despite its name
        assertEquals(0L, options.get(0).timestampNanos());
        assertEquals(1_170_175_892_803_243_000L, options.get(1).timestampNanos());
    }

    @Test
    void fuzzerOriginalLengthIsKept() throws IOException
    {
        final List<PcapRecord> udp = read("malformed_tcpdump_udp-length-heapoverflow.pcap");
        assertEquals(1, udp.size());
        assertEquals(38, udp.get(0).capturedLength());
        assertEquals(262_144, udp.get(0).originalLength());
        assertEquals(808_464_432_999_999_000L, udp.get(0).timestampNanos());

        final List<PcapRecord> raw = read("malformed_tcpdump_ipv6-rthdr-oobr.pcap");
        assertEquals(45, raw.get(0).capturedLength());
        assertTrue(raw.get(0).linkType() != PcapRecord.LINKTYPE_ETHERNET, "raw IPv6 capture");
    }

    @Test
    void bigTcpFrameIsReadWhole() throws IOException
    {
        final List<PcapRecord> records = read("vxlan_tcpdump_bigtcp-ipv6-vxlan-ipv6.pcap");
        assertEquals(1, records.size());
        assertEquals(80_156, records.get(0).capturedLength());
        assertEquals(80_156, records.get(0).originalLength());
    }

    private static List<PcapRecord> read(final String name) throws IOException
    {
        return PcapReader.read(SharedPcaps.real(name)).records();
    }

    /** File name to the "Packets" column of every table row in MANIFEST.md. */
    private static Map<String, Integer> manifestPacketCounts(final Path manifest) throws IOException
    {
        final Map<String, Integer> counts = new HashMap<>();
        int packetsColumn = -1;
        for (final String line : Files.readAllLines(manifest))
        {
            if (!line.startsWith("|"))
            {
                continue;
            }
            final String[] cells = line.split("\\|", -1);
            if (cells.length > 1 && cells[1].trim().equals("File"))
            {
                packetsColumn = -1;
                for (int i = 0; i < cells.length; i++)
                {
                    if (cells[i].trim().equals("Packets"))
                    {
                        packetsColumn = i;
                    }
                }
                continue;
            }
            if (packetsColumn > 0 && cells.length > packetsColumn && cells[1].trim().startsWith("`"))
            {
                final String name = cells[1].trim().replace("`", "");
                final String packets = cells[packetsColumn].trim();
                if (packets.matches("\\d+"))
                {
                    counts.put(name, Integer.parseInt(packets));
                }
            }
        }
        assertTrue(counts.size() >= 50, "could not parse packet counts from " + manifest + ": " + counts.size());
        return counts;
    }
}
