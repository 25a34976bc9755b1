package dev.nve.dataplane.pcap;

import java.nio.file.Path;
import java.util.List;

/**
 * The records of one capture file, in file order, with the path they came from so that later
 * errors (a replay mismatch, an unexpected link type) can still name the file.
 */
public record PcapFile(Path path, List<PcapRecord> records)
{
    public PcapFile
    {
        records = List.copyOf(records);
    }
}
