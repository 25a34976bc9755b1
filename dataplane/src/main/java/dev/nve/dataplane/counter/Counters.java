package dev.nve.dataplane.counter;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * All counters of one nve process in an Agrona {@link CountersManager}: labelled 64-bit
 * values in off-heap buffers, written by one thread each (release stores) and readable by
 * anyone, later from outside the process when the buffers are a mapped file. Labels read
 * {@code kind/owner/name}, e.g. {@code port/uplink/rx_packets},
 * {@code stage/vxlan-decap/drop/INVALID_VNI}.
 */
public final class Counters
{
    public static final int TYPE_PORT = 1;
    public static final int TYPE_STAGE = 2;
    public static final int TYPE_DROP = 3;

    private final CountersManager manager;

    public Counters(final int maxCounters)
    {
        final AtomicBuffer metadata = new UnsafeBuffer(ByteBuffer.allocateDirect(maxCounters * CountersReader.METADATA_LENGTH));
        final AtomicBuffer values = new UnsafeBuffer(ByteBuffer.allocateDirect(maxCounters * CountersReader.COUNTER_LENGTH));
        this.manager = new CountersManager(metadata, values);
    }

    public Counters()
    {
        this(8192);
    }

    /** Allocates a counter (setup path only). */
    public AtomicCounter newCounter(final String label, final int type)
    {
        return new AtomicCounter(manager.valuesBuffer(), manager.allocate(label, type), manager);
    }

    /** Label to value, in allocation order; counters that are zero included. */
    public Map<String, Long> snapshot()
    {
        final Map<String, Long> values = new LinkedHashMap<>();
        manager.forEach((value, id, label) -> values.merge(label, value, Long::sum));
        return values;
    }

    public CountersReader reader()
    {
        return manager;
    }
}
