package dev.nve.dataplane.pcap;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A capture file that cannot be read as pcap or pcapng. The message is one line naming the
 * file, the byte offset of the offending header or block and the problem, so that a failing
 * replay points straight at the bytes to inspect with {@code xxd -s OFFSET}.
 */
public final class PcapFormatException extends IOException
{
    private final transient Path file;
    private final long offset;

    public PcapFormatException(final Path file, final long offset, final String problem)
    {
        super(file + ": offset " + offset + ": " + problem);
        this.file = file;
        this.offset = offset;
    }

    public Path file()
    {
        return file;
    }

    /** Byte offset from the start of the file of the header or block that is wrong. */
    public long offset()
    {
        return offset;
    }
}
