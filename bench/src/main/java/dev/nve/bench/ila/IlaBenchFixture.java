package dev.nve.bench.ila;

import dev.nve.dataplane.counter.Counters;
import dev.nve.dataplane.frame.FrameMemory;
import dev.nve.dataplane.frame.FramePool;
import dev.nve.dataplane.table.IlaIdentifier;
import dev.nve.dataplane.table.IlaTable;
import dev.nve.dataplane.table.TableException;
import dev.nve.dataplane.table.TableWriter;
import dev.nve.dataplane.table.Tables;
import dev.nve.dataplane.wire.FrameBuilder;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Set-up shared by the ILA benchmarks (never measured). One host: underlay port {@code uplink},
 * locator 2001:db8:a::/64, SIR prefix fd00:5::/64, router MAC 02:00:00:00:00:ee, ILA-only
 * endpoint {@code ep}. Frames are Ethernet 14 + IPv6 40 + UDP 8 + 64 bytes of payload = 126
 * bytes. Identifiers are random IIDs (type 000, C bit clear, 60 random bits).
 * <p>
 * The stages rewrite frames in place (egress: destination, hop limit, MACs and, for
 * adjust-transport, the UDP checksum; ingress the same plus the EtherType), so every
 * invocation writes back the destination (from a key stream, so that lookups with 1,000,000
 * mappings hit random entries and miss the caches like a busy host's), the hop limit and the
 * checksum from a pristine copy. That refill is part of every benchmark method; the
 * {@code harness} method of each benchmark measures it alone for subtraction.
 */
final class IlaBenchFixture
{
    static final int BATCH = 64;
    static final int PAYLOAD = 64;
    static final int IP = 14;
    static final int DST_HIGH = IP + 24;
    static final int DST_LOW = IP + 32;
    static final int HOP_LIMIT = IP + 7;
    static final int UDP_CHECKSUM = IP + 40 + 6;
    static final long ROUTER_MAC = 0x02_00_00_00_00_EEL;
    static final long UNDERLAY_MAC = 0x02_00_00_00_00_01L;
    static final long GATEWAY_MAC = 0x02_00_00_00_00_FEL;
    static final long ENDPOINT_MAC = 0x02_00_00_00_0A_01L;
    static final long SIR = 0xFD00_0005_0000_0000L;
    static final long LOCATOR_A = 0x2001_0DB8_000A_0000L;
    static final long LOCATOR_B = 0x2001_0DB8_000B_0000L;
    static final String UPLINK = "uplink";
    static final String ENDPOINT = "ep";
    /** Key stream length for large tables: 2^20 random picks, consumed 64 per invocation. */
    static final int STREAM_LENGTH = 1 << 20;
    /** Most identifiers one host may own (IlaTable's local capacity limit). */
    static final int MAX_LOCAL = 65_535;

    private IlaBenchFixture()
    {
    }

    /** Tables for {@code mappings} mappings, {@code local} of them owned by local endpoints. */
    static Tables tables(final int mappings, final int local)
    {
        return new Tables(new Tables.Sizes(16, 64, 16, Math.max(mappings, 16), Math.max(local, 1)));
    }

    static TableWriter configure(final Tables tables)
    {
        final TableWriter w = new TableWriter(tables);
        w.setUnderlay(UPLINK, UNDERLAY_MAC, 1500, 4789, List.of(address("198.18.0.1")), GATEWAY_MAC);
        w.setIlaDomain(new long[] {LOCATOR_A}, new long[] {SIR}, Map.of(), ROUTER_MAC);
        w.addEndpoint(ENDPOINT, -1, ENDPOINT_MAC, 0, -1);
        return w;
    }

    /**
     * Adds {@code count} mappings of distinct random IID identifiers to {@code locator} (ours:
     * owned by {@code ep}) and returns their SIR identifiers. Identifiers a neutral mode cannot
     * keep apart from one already present (low words 0x0000/0xFFFF) are skipped and replaced.
     */
    static long[] addMappings(final TableWriter w, final int count, final long locator, final IlaTable.ChecksumMode mode, final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final boolean local = locator == LOCATOR_A;
        final long[] ids = new long[count];
        int added = 0;
        final int before = w.tables().ila().size();
        while (added < count)
        {
            final long id = random.nextLong() & 0x0FFF_FFFF_FFFF_FFFFL;
            if (id == 0)
            {
                continue;
            }
            try
            {
                w.addIlaMapping(IlaIdentifier.TYPE_IID, SIR, id, -1, locator, mode, local ? ENDPOINT : null, -1);
            }
            catch (final TableException e)
            {
                continue;
            }
            if (w.tables().ila().size() == before + added + 1)
            {
                ids[added++] = id;
            }
        }
        return ids;
    }

    /** {@code values} repeated for a single value, else {@link #STREAM_LENGTH} uniform picks. */
    static long[] stream(final long[] values, final long seed)
    {
        if (values.length == 1)
        {
            final long[] stream = new long[BATCH];
            Arrays.fill(stream, values[0]);
            return stream;
        }
        final SplittableRandom random = new SplittableRandom(seed);
        final long[] stream = new long[STREAM_LENGTH];
        for (int i = 0; i < stream.length; i++)
        {
            stream[i] = values[random.nextInt(values.length)];
        }
        return stream;
    }

    /** A 126-byte IPv6/UDP frame with a 64-byte payload and a valid UDP checksum. */
    static byte[] frame(final long dstMac, final long srcMac, final String src, final String dst, final int flow)
    {
        final byte[] frame = FrameBuilder.ethernet(dstMac, srcMac).ipv6(src, dst).udp(10_000 + flow, 5_000).payload(PAYLOAD).build();
        if (frame.length != IP + 40 + 8 + PAYLOAD)
        {
            throw new IllegalStateException("frame is " + frame.length + " bytes");
        }
        return frame;
    }

    static String text(final long high, final long low)
    {
        try
        {
            return InetAddress.getByAddress(ByteBuffer.allocate(16).putLong(high).putLong(low).array()).getHostAddress();
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalStateException(e);
        }
    }

    static FrameMemory memory()
    {
        return FrameMemory.allocate(2 * BATCH);
    }

    static long place(final FramePool pool, final byte[] bytes)
    {
        final long address = pool.allocate();
        MemorySegment.copy(bytes, 0, pool.memory().segment(), ValueLayout.JAVA_BYTE, address, bytes.length);
        return address;
    }

    /** A benchmark's tear-down: frees the tables and frames, then fails the run if any frame was dropped. */
    static void closeCheckingDrops(final Tables tables, final FrameMemory memory, final Counters counters)
    {
        final long drops = totalDrops(counters);
        tables.close();
        memory.close();
        if (drops != 0)
        {
            throw new IllegalStateException("frames were dropped during the run: " + nonZero(counters));
        }
    }

    static long totalDrops(final Counters counters)
    {
        long drops = 0;
        for (final Map.Entry<String, Long> e : counters.snapshot().entrySet())
        {
            if (e.getKey().contains("/drop/"))
            {
                drops += e.getValue();
            }
        }
        return drops;
    }

    static String nonZero(final Counters counters)
    {
        final StringBuilder s = new StringBuilder();
        counters.snapshot().forEach((k, v) ->
        {
            if (v != 0)
            {
                s.append(k).append('=').append(v).append(' ');
            }
        });
        return s.toString();
    }

    static long usedHeapAfterGc()
    {
        final Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++)
        {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }

    static InetAddress address(final String literal)
    {
        try
        {
            return InetAddress.getByName(literal);
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
