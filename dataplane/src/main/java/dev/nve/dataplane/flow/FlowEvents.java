package dev.nve.dataplane.flow;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * A worker's flow-event stream (like Hubble's): fixed-size records in a single-producer,
 * single-consumer ring. Bounded and lossy by design: when the ring is full the worker counts the
 * event as lost and goes on; it never waits for the reader.
 * <pre>
 *  record (88 bytes, little-endian):
 *   0 time ns u64 | 8 src identity i32 | 12 dst identity i32 | 16 zone i32 | 20 rule id i32
 *  24 verdict u8 | 25 IP version u8 | 26 protocol u8 | 27 direction u8 | 28 drop reason u16
 *  30 src port u16 | 32 dst port u16 | 34 in port u16 | 36 out port i16 | 38 pad u16
 *  40 bytes i32 | 44 pad i32 | 48 src address 16 bytes (hi, lo) | 64 dst address 16 bytes | 80 pad
 * </pre>
 */
public final class FlowEvents
{
    public static final int VERDICT_FORWARDED = 0;
    public static final int VERDICT_DROPPED = 1;
    /** Which policy direction decided: none (no policy involved), the receiver's ingress, the sender's egress. */
    public static final int DIRECTION_NONE = 0;
    public static final int DIRECTION_INGRESS = 1;
    public static final int DIRECTION_EGRESS = 2;

    static final int RECORD_LENGTH = 88;
    private static final int MESSAGE_TYPE = 1;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private final UnsafeBuffer buffer;
    private final OneToOneRingBuffer ring;
    private long written;
    private long lost;

    /** A ring of at least {@code capacityBytes} (rounded up to a power of two). */
    public FlowEvents(final int capacityBytes)
    {
        final int capacity = Integer.highestOneBit(Math.max(4096, capacityBytes - 1)) << 1;
        this.buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH));
        this.ring = new OneToOneRingBuffer(buffer);
    }

    /** Writer (the worker). Returns false, counting the event as lost, when the ring is full. */
    public boolean write(final long timeNanos, final int srcIdentity, final int dstIdentity, final int zone, final int ruleId,
        final int verdict, final int ipVersion, final int protocol, final int direction, final int dropReason,
        final int srcPort, final int dstPort, final int inPort, final int outPort, final int bytes,
        final long srcHigh, final long srcLow, final long dstHigh, final long dstLow)
    {
        final int index = ring.tryClaim(MESSAGE_TYPE, RECORD_LENGTH);
        if (index < 0)
        {
            lost++;
            return false;
        }
        buffer.putLong(index, timeNanos, ORDER);
        buffer.putInt(index + 8, srcIdentity, ORDER);
        buffer.putInt(index + 12, dstIdentity, ORDER);
        buffer.putInt(index + 16, zone, ORDER);
        buffer.putInt(index + 20, ruleId, ORDER);
        buffer.putByte(index + 24, (byte)verdict);
        buffer.putByte(index + 25, (byte)ipVersion);
        buffer.putByte(index + 26, (byte)protocol);
        buffer.putByte(index + 27, (byte)direction);
        buffer.putShort(index + 28, (short)dropReason, ORDER);
        buffer.putShort(index + 30, (short)srcPort, ORDER);
        buffer.putShort(index + 32, (short)dstPort, ORDER);
        buffer.putShort(index + 34, (short)inPort, ORDER);
        buffer.putShort(index + 36, (short)outPort, ORDER);
        buffer.putInt(index + 40, bytes, ORDER);
        buffer.putLong(index + 48, srcHigh, ORDER);
        buffer.putLong(index + 56, srcLow, ORDER);
        buffer.putLong(index + 64, dstHigh, ORDER);
        buffer.putLong(index + 72, dstLow, ORDER);
        ring.commit(index);
        written++;
        return true;
    }

    /** Events the writer could not enqueue (ring full). Read on any thread (racy but monotonic). */
    public long lost()
    {
        return lost;
    }

    public long written()
    {
        return written;
    }

    /** Reader (one control thread): hands up to {@code limit} events to {@code consumer}; returns how many. */
    public int drain(final Consumer<FlowEvent> consumer, final int limit)
    {
        return ring.read((type, b, index, length) -> consumer.accept(decode(b, index)), limit);
    }

    private static FlowEvent decode(final org.agrona.DirectBuffer b, final int index)
    {
        return new FlowEvent(
            b.getLong(index, ORDER),
            b.getInt(index + 8, ORDER),
            b.getInt(index + 12, ORDER),
            b.getInt(index + 16, ORDER),
            b.getInt(index + 20, ORDER),
            b.getByte(index + 24),
            b.getByte(index + 25),
            b.getByte(index + 26) & 0xFF,
            b.getByte(index + 27),
            b.getShort(index + 28, ORDER) & 0xFFFF,
            b.getShort(index + 30, ORDER) & 0xFFFF,
            b.getShort(index + 32, ORDER) & 0xFFFF,
            b.getShort(index + 34, ORDER) & 0xFFFF,
            b.getShort(index + 36, ORDER),
            b.getInt(index + 40, ORDER),
            b.getLong(index + 48, ORDER),
            b.getLong(index + 56, ORDER),
            b.getLong(index + 64, ORDER),
            b.getLong(index + 72, ORDER));
    }

    /** One decoded event (control side; allocation is fine there). Addresses as two big-endian halves; IPv4 is ::ffff:a.b.c.d. */
    public record FlowEvent(long timeNanos, int srcIdentity, int dstIdentity, int zone, int ruleId, int verdict, int ipVersion,
        int protocol, int direction, int dropReason, int srcPort, int dstPort, int inPort, int outPort, int bytes,
        long srcHigh, long srcLow, long dstHigh, long dstLow)
    {
    }
}
