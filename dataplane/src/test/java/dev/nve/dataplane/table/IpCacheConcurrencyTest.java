package dev.nve.dataplane.table;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One writer churning replace/remove/insert, one reader checking every answer, bounded in
 * counts (writer rounds, reader passes), not in time. An identity carries the tag of the key
 * it was written for, so a hit that returns another key's identity (the security failure the
 * full compare prevents) is detected; keys the writer only replaces must never read as missing.
 * Run with real fingerprints and with a 2-bit fingerprint mask, where the 16 live keys share 3
 * fingerprints and most of them sit in the collision overflow (hollow primaries included).
 */
final class IpCacheConcurrencyTest
{
    private static final int WRITER_ROUNDS = 300_000;
    private static final long MAX_READER_PASSES = 50_000_000L;
    private static final int STABLE = 4;
    private static final int CHURN = 24;
    private static final int CHURN_PRESENT = CHURN / 2;
    private static final int TAG_SHIFT = 12;

    private static int stableZone(final int i)
    {
        return i % 3;
    }

    private static long stableLow(final int i)
    {
        return IpCache.v4MappedLow(0xC613_0000 | i);
    }

    private static int churnZone(final int j)
    {
        return j % 2;
    }

    private static long churnHigh(final int j)
    {
        return 0x2001_0DB8_0000_0000L | j;
    }

    /** identity = tag of the key (1..STABLE+CHURN) above the low 12 bits of a version. */
    private static int identity(final int tag, final int version)
    {
        return (tag << TAG_SHIFT) | (version & 0xFFF);
    }

    @ParameterizedTest(name = "fingerprint mask {0}")
    @ValueSource(longs = {-1L, 0x3L})
    @Timeout(60)
    void readerNeverSeesAnotherKeysIdentityNorMissesAKeyThatOnlyChangesIdentity(final long fingerprintMask) throws Exception
    {
        try (IpCache cache = new IpCache(STABLE + CHURN_PRESENT, 42, fingerprintMask))
        {
            final int[] stableVersion = new int[STABLE];
            for (int i = 0; i < STABLE; i++)
            {
                cache.put(stableZone(i), 0, stableLow(i), identity(1 + i, 0));
            }
            final boolean[] present = new boolean[CHURN];
            for (int j = 0; j < CHURN_PRESENT; j++)
            {
                cache.put(churnZone(j), churnHigh(j), j, identity(1 + STABLE + j, 0));
                present[j] = true;
            }
            if (fingerprintMask != -1L)
            {
                assertTrue(cache.overflowSize() >= STABLE + CHURN_PRESENT - 3, "the mask forces most keys into the overflow");
            }
            final AtomicReference<String> failure = new AtomicReference<>();
            final AtomicBoolean writerDone = new AtomicBoolean();
            final AtomicLong hits = new AtomicLong();
            final AtomicLong churnMisses = new AtomicLong();
            final CountDownLatch start = new CountDownLatch(1);

            final Thread reader = new Thread(() ->
            {
                await(start);
                long churnHits = 0;
                long misses = 0;
                for (long pass = 0; pass < MAX_READER_PASSES && (pass == 0 || !writerDone.get()) && failure.get() == null; pass++)
                {
                    for (int i = 0; i < STABLE; i++)
                    {
                        final int id = cache.lookup(stableZone(i), 0, stableLow(i));
                        if (id == IpCache.MISSING)
                        {
                            failure.compareAndSet(null, "stable key " + i + " read as missing");
                        }
                        else if (id >>> TAG_SHIFT != 1 + i)
                        {
                            failure.compareAndSet(null, "stable key " + i + " read identity " + Integer.toHexString(id) + " of another key");
                        }
                    }
                    for (int j = 0; j < CHURN; j++)
                    {
                        final int id = cache.lookup(churnZone(j), churnHigh(j), j);
                        if (id == IpCache.MISSING)
                        {
                            misses++;
                        }
                        else if (id >>> TAG_SHIFT != 1 + STABLE + j)
                        {
                            failure.compareAndSet(null, "churn key " + j + " read identity " + Integer.toHexString(id) + " of another key");
                        }
                        else
                        {
                            churnHits++;
                        }
                    }
                }
                hits.set(churnHits);
                churnMisses.set(misses);
            }, "ipcache-reader");

            final Thread writer = new Thread(() ->
            {
                await(start);
                int in = 0;
                int out = CHURN_PRESENT;
                for (int round = 1; round <= WRITER_ROUNDS && failure.get() == null; round++)
                {
                    final int i = round % STABLE;
                    stableVersion[i]++;
                    cache.put(stableZone(i), 0, stableLow(i), identity(1 + i, stableVersion[i]));
                    // one churn key out, another in (often into the entry just freed), one replaced
                    if (!cache.remove(churnZone(in), churnHigh(in), in))
                    {
                        failure.compareAndSet(null, "writer: churn key " + in + " missing");
                    }
                    present[in] = false;
                    cache.put(churnZone(out), churnHigh(out), out, identity(1 + STABLE + out, round));
                    present[out] = true;
                    cache.put(churnZone(out), churnHigh(out), out, identity(1 + STABLE + out, round + 1));
                    in = (in + 1) % CHURN;
                    out = (out + 1) % CHURN;
                }
                writerDone.set(true);
            }, "ipcache-writer");

            reader.start();
            writer.start();
            start.countDown();
            writer.join();
            reader.join();

            assertNull(failure.get());
            assertTrue(hits.get() > 0 && churnMisses.get() > 0, "reader saw churn keys both present and absent: " + hits + "/" + churnMisses);
            assertEquals(STABLE + CHURN_PRESENT, cache.size());
            for (int i = 0; i < STABLE; i++)
            {
                assertEquals(identity(1 + i, stableVersion[i]), cache.lookup(stableZone(i), 0, stableLow(i)));
            }
            for (int j = 0; j < CHURN; j++)
            {
                assertEquals(present[j], cache.lookup(churnZone(j), churnHigh(j), j) != IpCache.MISSING, "churn key " + j);
            }
        }
    }

    private static void await(final CountDownLatch latch)
    {
        try
        {
            latch.await();
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }
}
