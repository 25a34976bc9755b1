package dev.nve.dataplane.frame;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A vector of frame descriptors over one {@link FrameMemory}, stored as parallel arrays so a
 * stage walks each field linearly. Preallocated once; {@link #clear()} reuses it.
 * Index {@code i} describes one frame: where its data starts ({@code address}, an offset into
 * the memory segment), its length, the port it came in on, what happens next, and the
 * metadata stages hand to each other (network, identity, header offsets, encap template).
 */
public final class PacketBatch
{
    public static final int DEFAULT_CAPACITY = 64;
    public static final int NO_IDENTITY = -1;

    private final FrameMemory memory;
    private final MemorySegment segment;
    private final int capacity;

    public final long[] address;
    public final int[] length;
    public final long[] timestampNanos;
    public final short[] inPort;
    public final short[] outPort;
    public final byte[] next;
    public final short[] dropReason;
    /** Network index (see {@code NetworkTable}), or -1 before one is known. */
    public final int[] network;
    /** Security identity of the sender (from the endpoint or the VXLAN-GBP policy id). */
    public final int[] srcIdentity;
    /** Offset of the network-layer header from {@code address} (set by classify). */
    public final short[] l3Offset;
    /** Offset of the transport header from {@code address} (set by classify). */
    public final short[] l4Offset;
    /** Encapsulation template index for {@link Next#VXLAN_ENCAP}. */
    public final int[] encapTemplate;
    /** True when the frame arrived encapsulated from the overlay (split horizon). */
    public final boolean[] fromOverlay;
    /** True when ILA routed the frame (its peers' identities come from the ipcache of the ILA tenant). */
    public final boolean[] viaIla;
    /** For frames ILA egress rewrote: the SIR destination before the rewrite (upper, lower 64 bits). */
    public final long[] sirDestinationHigh;
    public final long[] sirDestinationLow;
    /** True when ILA egress translated the frame from IPv4 (VIRT_V4): the filter keys it by its IPv4 addresses. */
    public final boolean[] fromIpv4;

    private int count;

    public PacketBatch(final FrameMemory memory, final int capacity)
    {
        this.memory = memory;
        this.segment = memory.segment();
        this.capacity = capacity;
        address = new long[capacity];
        length = new int[capacity];
        timestampNanos = new long[capacity];
        inPort = new short[capacity];
        outPort = new short[capacity];
        next = new byte[capacity];
        dropReason = new short[capacity];
        network = new int[capacity];
        srcIdentity = new int[capacity];
        l3Offset = new short[capacity];
        l4Offset = new short[capacity];
        encapTemplate = new int[capacity];
        fromOverlay = new boolean[capacity];
        viaIla = new boolean[capacity];
        sirDestinationHigh = new long[capacity];
        sirDestinationLow = new long[capacity];
        fromIpv4 = new boolean[capacity];
        resetMetadata(capacity);
    }

    public FrameMemory memory()
    {
        return memory;
    }

    public MemorySegment segment()
    {
        return segment;
    }

    public int capacity()
    {
        return capacity;
    }

    public int count()
    {
        return count;
    }

    public boolean isFull()
    {
        return count == capacity;
    }

    /** Empties the batch; the descriptors it held get their fresh metadata back (see {@link #add}). */
    public void clear()
    {
        resetMetadata(count);
        count = 0;
    }

    /**
     * Gives descriptors {@code [0, to)} the metadata of a fresh frame ({@link #add}): a fill per
     * field, once per batch, instead of eleven stores per frame in {@code add} (a port's
     * receive, the hand-off and the stage benchmarks' refills add every frame, some twice).
     * Descriptors at and above {@link #count()} always hold it.
     */
    private void resetMetadata(final int to)
    {
        Arrays.fill(outPort, 0, to, (short)-1);
        Arrays.fill(next, 0, to, Next.CLASSIFY);
        Arrays.fill(dropReason, 0, to, (short)0);
        Arrays.fill(network, 0, to, -1);
        Arrays.fill(srcIdentity, 0, to, NO_IDENTITY);
        Arrays.fill(l3Offset, 0, to, (short)0);
        Arrays.fill(l4Offset, 0, to, (short)0);
        Arrays.fill(encapTemplate, 0, to, -1);
        Arrays.fill(fromOverlay, 0, to, false);
        Arrays.fill(viaIla, 0, to, false);
        Arrays.fill(fromIpv4, 0, to, false);
    }

    /**
     * Appends a received frame with fresh metadata ({@link Next#CLASSIFY}, no out port, network
     * or identity; set by {@link #clear}, so only the frame's own four fields are written here).
     *
     * @return its index, or -1 when the batch is full.
     */
    public int add(final long frameAddress, final int frameLength, final int port, final long timestamp)
    {
        if (count == capacity)
        {
            return -1;
        }
        final int i = count++;
        address[i] = frameAddress;
        length[i] = frameLength;
        timestampNanos[i] = timestamp;
        inPort[i] = (short)port;
        return i;
    }

    /** Appends a copy of descriptor {@code from} of {@code source} pointing at another frame. */
    public int addCopyOf(final PacketBatch source, final int from, final long frameAddress)
    {
        if (count == capacity)
        {
            return -1;
        }
        final int i = count++;
        address[i] = frameAddress;
        length[i] = source.length[from];
        timestampNanos[i] = source.timestampNanos[from];
        inPort[i] = source.inPort[from];
        outPort[i] = source.outPort[from];
        next[i] = source.next[from];
        dropReason[i] = source.dropReason[from];
        network[i] = source.network[from];
        srcIdentity[i] = source.srcIdentity[from];
        l3Offset[i] = source.l3Offset[from];
        l4Offset[i] = source.l4Offset[from];
        encapTemplate[i] = source.encapTemplate[from];
        fromOverlay[i] = source.fromOverlay[from];
        viaIla[i] = source.viaIla[from];
        sirDestinationHigh[i] = source.sirDestinationHigh[from];
        sirDestinationLow[i] = source.sirDestinationLow[from];
        fromIpv4[i] = source.fromIpv4[from];
        return i;
    }

    /** Marks frame {@code i} dropped with {@code reason}. */
    public void drop(final int i, final DropReasonCode reason)
    {
        next[i] = Next.DROP;
        dropReason[i] = reason.code();
    }

    /** Marks frame {@code i} for transmission on {@code port}. */
    public void transmit(final int i, final int port)
    {
        next[i] = Next.TRANSMIT;
        outPort[i] = (short)port;
    }

    /** Implemented by the drop-reason enum; keeps this package free of the counter package. */
    public interface DropReasonCode
    {
        short code();
    }
}
