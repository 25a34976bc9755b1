package dev.nve.dataplane.pcap;

import dev.nve.dataplane.testsupport.SharedPcaps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Damaged captures fail with a {@link PcapFormatException} naming the file, never with an
 * unchecked exception from reading past a header: every truncation point of small real
 * captures, and random byte corruption.
 */
final class PcapReaderRobustnessTest
{
    private static final List<String> SAMPLES = List.of(
        "malformed_zeek_geneve-truncated.pcapng",
        "vlan_pcapplusplus_QinQ_802.1_AD.pcapng",
        "bgp_tcpdump-pr1233_bgp-evpn-pkt-2.pcap",
        "vxlan_tcpdump_vxlan.pcap",
        "malformed_tcpdump_udp-length-heapoverflow.pcap");

    @TempDir
    Path dir;

    @Test
    void everyTruncationOfARecordIsAFormatError() throws IOException
    {
        for (final String name : SAMPLES)
        {
            final byte[] whole = Files.readAllBytes(SharedPcaps.real(name));
            final int records = PcapReader.read(SharedPcaps.real(name)).records().size();
            final Path file = dir.resolve("cut-" + name);
            for (int length = 0; length < whole.length; length++)
            {
                Files.write(file, Arrays.copyOf(whole, length));
                try
                {
                    final PcapFile pcap = PcapReader.read(file);
                    // Only a cut exactly between records (or headers) can read, and then with fewer records.
                    assertTrue(pcap.records().size() < records || length == whole.length, name + " cut at " + length);
                }
                catch (final PcapFormatException ex)
                {
                    assertTrue(ex.getMessage().startsWith(file + ": offset "), ex.getMessage());
                }
            }
        }
    }

    @Test
    void randomCorruptionIsReadOrAFormatError() throws IOException
    {
        final Random random = new Random(7);
        int errors = 0;
        for (final String name : SAMPLES)
        {
            final byte[] whole = Files.readAllBytes(SharedPcaps.real(name));
            final Path file = dir.resolve("corrupt-" + name);
            for (int round = 0; round < 400; round++)
            {
                final byte[] bytes = whole.clone();
                for (int flips = random.nextInt(1, 4); flips > 0; flips--)
                {
                    bytes[random.nextInt(bytes.length)] = (byte)random.nextInt(256);
                }
                Files.write(file, bytes);
                try
                {
                    PcapReader.read(file);
                }
                catch (final PcapFormatException ex)
                {
                    errors++;
                }
                catch (final RuntimeException ex)
                {
                    fail(name + " round " + round + ": " + ex, ex);
                }
            }
        }
        assertTrue(errors > 0);
    }
}
