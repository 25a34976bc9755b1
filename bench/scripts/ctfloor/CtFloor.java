import org.agrona.UnsafeApi;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * ctfloor.c in Java, statement for statement: the same data, passes, layouts and refill, with
 * the conntrack slots and the frames off-heap, read and written at raw addresses through
 * Agrona's UnsafeApi (as ConntrackTable does), the per-frame state in primitive arrays. A
 * yardstick for docs/BENCHMARKS.md, not dataplane code: it answers "how fast is this work in
 * Java on this machine, without FilterStage's generality?". It has none of the stage's checks
 * (IPv4 TCP/UDP only, a fixed verdict, no ranges checked).
 * <p>
 * usage: java -cp benchmarks.jar:DIR CtFloor FLOWS MODE ROUNDS (as ctfloor.c);
 * {@code -Dphases=true} also prints ns/packet per pass (clock reads around each pass cost about
 * 1 ns/packet on top).
 */
public final class CtFloor
{
    static final int BATCH = 64;
    static final int STREAM_LENGTH = 1 << 20;
    static final int PEERS = 60000;
    static final int FRAME_LENGTH = 64;
    static final int ENDPOINT_ADDRESS = 0xC6130001;
    static final int FIRST_PEER_ADDRESS = 0xC6130100;
    static final int HTTPS = 443;
    static final int ZONE = 1;
    static final int TICK_SHIFT = 24;
    static final int USED = 1;
    static final int OPENED_BY_B = 4;
    static final int STATE_SHIFT = 3;
    static final int STATE_MASK = 3 << STATE_SHIFT;
    static final int PEER_VALID = 1 << 6;
    static final int PEER_IDENTITY_SHIFT = 8;
    static final long FURTHER = -4;
    static final long MISS = -1;
    static final int VERDICT_CACHE = 4096;
    /** Clock reads around the passes (a static final: the JIT drops them when false). */
    static final boolean PHASES = Boolean.getBoolean("phases");

    long slots;
    long capacity;
    long lines;
    final long[] timeoutNs = {60000000000L, 60000000000L, 21600000000000L, 10000000000L};
    final byte[] transitions = new byte[4 * 2 * 32];
    long frames;
    final int[] streamPeer = new int[STREAM_LENGTH];
    final short[] streamSport = new short[STREAM_LENGTH];
    final short[] streamDport = new short[STREAM_LENGTH];
    int streamMask;

    final long[] bFrame = new long[BATCH];
    final int[] bLength = new int[BATCH];
    final int[] bInPort = new int[BATCH];
    final int[] bOutPort = new int[BATCH];
    final byte[] bNext = new byte[BATCH];
    final int[] bNetwork = new int[BATCH];
    final long[] bTime = new long[BATCH];

    final long[] kAddresses = new long[BATCH];
    final long[] kPzp = new long[BATCH];
    final long[] kHash = new long[BATCH];
    final int[] kFlags = new int[BATCH];
    final int[] fTcpFlags = new int[BATCH];
    final int[] fDport = new int[BATCH];
    final int[] fProtocol = new int[BATCH];
    final int[] fZone = new int[BATCH];
    final long[] found = new long[BATCH];
    final long[] lineOffsets = new long[BATCH];
    final int[] further = new int[BATCH];
    final int[] tracked = new int[BATCH];

    final long[] vcKey = new long[VERDICT_CACHE];
    final int[] vcProtocolPort = new int[VERDICT_CACHE];
    final int[] vcVerdict = new int[VERDICT_CACHE];
    final int[] batchRules = new int[2 * BATCH];
    final long[] batchRulePackets = new long[2 * BATCH];
    final long[] batchRuleBytes = new long[2 * BATCH];
    int batchRuleCount;
    final AtomicLongArray ruleCounts = new AtomicLongArray(32);
    final AtomicLong packetsCounted = new AtomicLong();
    long sink;
    /** ns per pass (parse, touch, home, further, decide), with {@link #PHASES}. */
    final long[] ph = new long[5];
    long clock;

    static long hashKey(final long addresses, final long pzp, final int flags)
    {
        long h = addresses * 0x9E3779B97F4A7C15L + pzp * 0xC2B2AE3D27D4EB4FL + (flags & 2);
        h ^= h >>> 32;
        h *= 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 29);
    }

    long home(final long hash)
    {
        return (((hash >>> 32) * lines) >>> 32) << 1;
    }

    void keyOf(final int i, final long src, final long dst, final int sport, final int dport, final int protocol, final int zone)
    {
        final long source = (src << 16) | sport;
        final long destination = (dst << 16) | dport;
        final long swap = (destination - source) >> 63;
        final long difference = (source ^ destination) & swap;
        final long a = source ^ difference;
        final long b = destination ^ difference;
        kAddresses[i] = ((a >>> 16) << 32) | (b >>> 16);
        kPzp[i] = ((a & 0xFFFF) << 48) | ((b & 0xFFFF) << 32) | ((long)zone << 8) | protocol;
        kFlags[i] = USED | ((int)swap & OPENED_BY_B);
        kHash[i] = hashKey(kAddresses[i], kPzp[i], kFlags[i]);
    }

    static long ld(final long address)
    {
        return UnsafeApi.getLong(address);
    }

    boolean matches(final long s, final int i)
    {
        return ((ld(s) ^ kAddresses[i]) | (ld(s + 8) ^ kPzp[i]) | (((int)ld(s + 16) ^ kFlags[i]) & 3)) == 0;
    }

    static long live(final long index, final long state, final int keyFlags, final long now)
    {
        final int nowTick = (int)(now >> TICK_SHIFT);
        if (nowTick - (int)(state >>> 32) >= 0)
        {
            return MISS;
        }
        return (index << 1) | ((((int)state ^ keyFlags) & OPENED_BY_B) != 0 ? 1 : 0);
    }

    long lookupHome(final int i, final long now)
    {
        final long index = home(kHash[i]);
        final long s = slots + index * 32;
        final long first = ld(s + 16);
        final long second = ld(s + 32 + 16);
        final boolean inFirst = matches(s, i);
        final boolean inSecond = matches(s + 32, i);
        if (inFirst | inSecond)
        {
            return live(index + (inFirst ? 0 : 1), inFirst ? first : second, kFlags[i], now);
        }
        return ((int)first & (int)second & USED) == 0 ? MISS : FURTHER;
    }

    long lookup(final int i, final long now)
    {
        long index = home(kHash[i]);
        for (long probes = 0; probes < capacity; probes++)
        {
            final long s = slots + index * 32;
            if ((ld(s + 16) & USED) == 0)
            {
                return MISS;
            }
            if (matches(s, i))
            {
                return live(index, ld(s + 16), kFlags[i], now);
            }
            index = index + 1 == capacity ? 0 : index + 1;
        }
        return MISS;
    }

    boolean create(final int i, final long now, final int state, final int peerIdentity)
    {
        long index = home(kHash[i]);
        while ((ld(slots + index * 32 + 16) & USED) != 0)
        {
            if (matches(slots + index * 32, i))
            {
                return false;
            }
            index = index + 1 == capacity ? 0 : index + 1;
        }
        final long s = slots + index * 32;
        UnsafeApi.putLong(s, kAddresses[i]);
        UnsafeApi.putLong(s + 8, kPzp[i]);
        final int flags = (kFlags[i] & (USED | OPENED_BY_B)) | (state << STATE_SHIFT) | PEER_VALID | (peerIdentity << PEER_IDENTITY_SHIFT) | (1 << 7);
        final long expiry = (now + timeoutNs[state] + (1L << TICK_SHIFT) - 1) >> TICK_SHIFT;
        UnsafeApi.putLong(s + 16, (expiry << 32) | (flags & 0xFFFFFFFFL));
        UnsafeApi.putLong(s + 24, 0);
        return true;
    }

    void update(final long result, final int tcpFlags, final long now)
    {
        final long s = slots + (result >> 1) * 32;
        final int flags = (int)ld(s + 16);
        final int direction = (int)(result & 1);
        final int state = (flags & STATE_MASK) >> STATE_SHIFT;
        final int index = (state << 6) | (direction << 5) | (tcpFlags & 7) | ((tcpFlags & 0x10) >> 1);
        final int next = transitions[index];
        if (next < 0)
        {
            return;
        }
        final int newFlags = (flags & ~STATE_MASK) | (direction << 5) | (next << STATE_SHIFT);
        final long expiry = (now + timeoutNs[next] + (1L << TICK_SHIFT) - 1) >> TICK_SHIFT;
        UnsafeApi.putLong(s + 16, (expiry << 32) | (newFlags & 0xFFFFFFFFL));
    }

    void countRule(final int rule, final int bytes)
    {
        for (int r = 0; r < batchRuleCount; r++)
        {
            if (batchRules[r] == rule)
            {
                batchRulePackets[r]++;
                batchRuleBytes[r] += bytes;
                return;
            }
        }
        batchRules[batchRuleCount] = rule;
        batchRulePackets[batchRuleCount] = 1;
        batchRuleBytes[batchRuleCount] = bytes;
        batchRuleCount++;
    }

    static long mix(long key)
    {
        key ^= key >>> 33;
        key *= 0xFF51AFD7ED558CCDL;
        return key ^ (key >>> 33);
    }

    int verdictOf(final int endpoint, final int peer, final int protocol, final int port)
    {
        final long key = endpoint | ((long)peer << 25);
        final int protocolPort = (protocol == 6 ? 0 : 1) << 16 | port;
        final int at = (int)mix(key ^ (long)protocolPort << 49 ^ protocolPort) & (VERDICT_CACHE - 1);
        if (vcKey[at] == key && vcProtocolPort[at] == protocolPort)
        {
            return vcVerdict[at];
        }
        vcKey[at] = key;
        vcProtocolPort[at] = protocolPort;
        vcVerdict[at] = 1 << 24;
        return vcVerdict[at];
    }

    static int be16(final long p)
    {
        return Short.reverseBytes(UnsafeApi.getShort(p)) & 0xFFFF;
    }

    static int be32(final long p)
    {
        return Integer.reverseBytes(UnsafeApi.getInt(p));
    }

    static int u8(final long p)
    {
        return UnsafeApi.getByte(p) & 0xFF;
    }

    int parse(final int i)
    {
        if (bNext[i] != 2)
        {
            return 0;
        }
        final long f = bFrame[i];
        final int length = bLength[i];
        if (length < 14 + 20 + 4 || be16(f + 12) != 0x0800)
        {
            return 0;
        }
        final long ip = f + 14;
        final int total = be16(ip + 2);
        final int b0 = u8(ip);
        if ((b0 >> 4) != 4 || (b0 & 15) != 5 || total < 20 || total > length - 14 || (be16(ip + 6) & 0x1FFF) != 0)
        {
            return 0;
        }
        final int protocol = u8(ip + 9);
        if ((protocol != 6 && protocol != 17) || total - 20 < (protocol == 6 ? 14 : 4))
        {
            return 0;
        }
        final int ports = be32(ip + 20);
        fTcpFlags[i] = protocol == 6 ? u8(ip + 20 + 13) : 0;
        fDport[i] = ports & 0xFFFF;
        fProtocol[i] = protocol;
        fZone[i] = bNetwork[i];
        keyOf(i, be32(ip + 12) & 0xFFFFFFFFL, be32(ip + 16) & 0xFFFFFFFFL, ports >>> 16, ports & 0xFFFF, protocol, bNetwork[i]);
        return 1;
    }

    /** With {@link #PHASES}: adds the time since the previous lap to pass {@code pass} (-1: start). */
    void lap(final int pass)
    {
        if (PHASES)
        {
            final long now = System.nanoTime();
            if (pass >= 0)
            {
                ph[pass] += now - clock;
            }
            clock = now;
        }
    }

    void process()
    {
        lap(-1);
        int count = 0;
        batchRuleCount = 0;
        for (int i = 0; i < BATCH; i++)
        {
            tracked[count] = i;
            count += parse(i);
        }
        lap(0);
        for (int n = 0; n < count; n++)
        {
            lineOffsets[n] = home(kHash[tracked[n]]);
        }
        long touched = 0;
        for (int n = 0; n < count; n++)
        {
            touched += ld(slots + lineOffsets[n] * 32 + 16);
        }
        lap(1);
        int furtherCount = 0;
        for (int n = 0; n < count; n++)
        {
            final int i = tracked[n];
            final long result = lookupHome(i, bTime[i]);
            found[i] = result;
            further[furtherCount] = i;
            furtherCount += result == FURTHER ? 1 : 0;
        }
        lap(2);
        if (furtherCount > 0)
        {
            for (int n = 0; n < furtherCount; n++)
            {
                final long next = home(kHash[further[n]]) + 2;
                lineOffsets[n] = next == capacity ? 0 : next;
            }
            for (int n = 0; n < furtherCount; n++)
            {
                touched += ld(slots + lineOffsets[n] * 32 + 16);
            }
            for (int n = 0; n < furtherCount; n++)
            {
                found[further[n]] = lookup(further[n], bTime[further[n]]);
            }
        }
        lap(3);
        sink += touched;
        for (int n = 0; n < count; n++)
        {
            final int i = tracked[n];
            final long result = found[i];
            if (result < 0)
            {
                bNext[i] = 0;
                continue;
            }
            if ((result & 1) == 0)
            {
                final long s = slots + (result >> 1) * 32;
                final int flags = (int)ld(s + 16);
                final boolean cached = (flags & (PEER_VALID | 1 << 7)) == (PEER_VALID | 1 << 7) && (int)ld(s + 24) == 0;
                final int peer = cached ? flags >>> PEER_IDENTITY_SHIFT : 2;
                final int verdict = verdictOf(1256, peer, fProtocol[i], fDport[i]);
                if ((verdict >> 24) != 1)
                {
                    bNext[i] = 0;
                    continue;
                }
                countRule(verdict & 0xFFFFFF, bLength[i]);
            }
            update(result, fTcpFlags[i], bTime[i]);
        }
        for (int r = 0; r < batchRuleCount; r++)
        {
            ruleCounts.getAndAdd(2 * batchRules[r], batchRulePackets[r]);
            ruleCounts.getAndAdd(2 * batchRules[r] + 1, batchRuleBytes[r]);
        }
        packetsCounted.getAndAdd(count);
        lap(4);
    }

    int cursor;
    long nowNs = 1000000000000L;

    static void putBe32(final long p, final int v)
    {
        UnsafeApi.putInt(p, Integer.reverseBytes(v));
    }

    static void putBe16(final long p, final int v)
    {
        UnsafeApi.putShort(p, Short.reverseBytes((short)v));
    }

    void refill(final int directions)
    {
        final long time = nowNs += 1000;
        for (int i = 0; i < BATCH; i++)
        {
            final boolean replies = directions == 1 || (directions == 2 && (i & 1) != 0);
            final int pick = (cursor + i) & streamMask;
            final long f = frames + (long)i * FRAME_LENGTH;
            final int peer = streamPeer[pick];
            final int sport = streamSport[pick] & 0xFFFF;
            final int dport = streamDport[pick] & 0xFFFF;
            if (replies)
            {
                putBe32(f + 26, peer);
                putBe32(f + 30, ENDPOINT_ADDRESS);
                putBe16(f + 34, dport);
                putBe16(f + 36, sport);
            }
            else
            {
                putBe32(f + 30, peer);
                putBe16(f + 34, sport);
                putBe16(f + 36, dport);
            }
            bFrame[i] = f;
            bLength[i] = FRAME_LENGTH;
            bInPort[i] = replies ? 1 : 2;
            bOutPort[i] = replies ? 2 : 1;
            bNext[i] = 2;
            bNetwork[i] = ZONE;
            bTime[i] = time;
        }
        cursor = (cursor + BATCH) & streamMask;
    }

    long randomState = 42;

    long nextRandom()
    {
        randomState += 0x9E3779B97F4A7C15L;
        long z = randomState;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    void buildTransitions()
    {
        for (int state = 0; state < 4; state++)
        {
            for (int direction = 0; direction < 2; direction++)
            {
                for (int f = 0; f < 16; f++)
                {
                    final boolean finOrRst = (f & 1) != 0 || (f & 4) != 0;
                    final boolean syn = (f & 2) != 0;
                    final boolean ack = (f & 8) != 0;
                    final boolean rst = (f & 4) != 0;
                    final int next;
                    if (state == 1)
                    {
                        next = direction != 0 ? (rst ? 3 : (syn && ack && (f & 1) == 0 ? 2 : -1)) : (finOrRst ? 3 : 1);
                    }
                    else if (state == 2)
                    {
                        next = finOrRst ? 3 : 2;
                    }
                    else if (state == 0)
                    {
                        next = 0;
                    }
                    else
                    {
                        next = (direction == 0 && syn && !ack && !finOrRst) ? 1 : 3;
                    }
                    transitions[(state << 6) | (direction << 5) | f] = (byte)next;
                }
            }
        }
    }

    public static void main(final String[] args)
    {
        if (args.length != 3)
        {
            System.err.println("usage: CtFloor FLOWS original|reply|mixed|harness ROUNDS");
            System.exit(2);
        }
        final int flows = Integer.parseInt(args[0]);
        final String mode = args[1];
        final int rounds = Integer.parseInt(args[2]);
        new CtFloor().run(flows, mode, rounds);
    }

    void run(final int flows, final String mode, final int rounds)
    {
        final boolean harness = mode.equals("harness");
        final int directions = mode.equals("reply") ? 1 : mode.equals("mixed") ? 2 : 0;
        if (flows < 1 || flows > 4_000_000 || rounds < 1 || rounds > 1000 || (directions == 0 && !harness && !mode.equals("original")))
        {
            throw new IllegalArgumentException("FLOWS 1..4000000, MODE original|reply|mixed|harness, ROUNDS 1..1000");
        }
        buildTransitions();
        capacity = (long)flows * 3;
        capacity = capacity < 16 ? 16 : capacity + (capacity & 1);
        lines = capacity / 2;
        slots = UnsafeApi.allocateMemory(capacity * 32 + 64);
        slots = (slots + 63) & ~63L;
        UnsafeApi.setMemory(slots, capacity * 32, (byte)0);
        Arrays.fill(vcKey, -1L);
        frames = UnsafeApi.allocateMemory(BATCH * FRAME_LENGTH + 64);
        frames = (frames + 63) & ~63L;
        final int[] flowPeer = new int[flows];
        final int[] flowSport = new int[flows];
        final int[] flowDport = new int[flows];
        final long now = nowNs;
        for (int f = 0; f < flows; f++)
        {
            boolean created;
            do
            {
                final long p = flows == 1 ? 0 : Long.remainderUnsigned(nextRandom(), PEERS);
                flowPeer[f] = FIRST_PEER_ADDRESS + (int)p;
                flowSport[f] = flows == 1 ? 40000 : (int)(1024 + Long.remainderUnsigned(nextRandom(), 64512));
                flowDport[f] = Long.remainderUnsigned(nextRandom(), 4) == 0 ? HTTPS : (int)(10000 + Long.remainderUnsigned(nextRandom(), 16));
                keyOf(0, ENDPOINT_ADDRESS & 0xFFFFFFFFL, flowPeer[f] & 0xFFFFFFFFL, flowSport[f], flowDport[f], 6, ZONE);
                created = create(0, now, 2, 256);
            }
            while (!created);
        }
        streamMask = flows == 1 ? BATCH - 1 : STREAM_LENGTH - 1;
        for (int i = 0; i <= streamMask; i++)
        {
            final int f = (int)Long.remainderUnsigned(nextRandom(), flows);
            streamPeer[i] = flowPeer[f];
            streamSport[i] = (short)flowSport[f];
            streamDport[i] = (short)flowDport[f];
        }
        for (int i = 0; i < BATCH; i++)
        {
            final long f = frames + (long)i * FRAME_LENGTH;
            UnsafeApi.setMemory(f, FRAME_LENGTH, (byte)0);
            UnsafeApi.putByte(f + 12, (byte)0x08);
            UnsafeApi.putByte(f + 14, (byte)0x45);
            UnsafeApi.putByte(f + 17, (byte)(FRAME_LENGTH - 14));
            UnsafeApi.putByte(f + 22, (byte)64);
            UnsafeApi.putByte(f + 23, (byte)6);
            putBe32(f + 26, ENDPOINT_ADDRESS);
            UnsafeApi.putByte(f + 14 + 20 + 12, (byte)0x50);
            UnsafeApi.putByte(f + 14 + 20 + 13, (byte)0x10);
        }
        // Warm-up (the JIT compiles the passes) and check: the whole stream five times, nothing may be dropped.
        for (int w = 0; w < 5; w++)
        {
            for (int n = 0; n <= streamMask / BATCH; n++)
            {
                refill(directions);
                process();
                for (int i = 0; i < BATCH; i++)
                {
                    if (bNext[i] != 2)
                    {
                        throw new IllegalStateException("frame " + i + " of batch " + n + " was dropped");
                    }
                }
            }
        }
        Arrays.fill(ph, 0);
        final int batches = 1 << 16;
        final double[] results = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            final long a = System.nanoTime();
            for (int n = 0; n < batches; n++)
            {
                refill(directions);
                if (!harness)
                {
                    process();
                }
            }
            final long b = System.nanoTime();
            results[r] = (b - a) / ((double)batches * BATCH);
        }
        Arrays.sort(results);
        if (PHASES && !harness)
        {
            final double packets = (double)rounds * batches * BATCH;
            System.out.printf("java flows %d %s passes (ns/packet): parse %.1f, touch %.1f, home %.1f, further %.1f, decide %.1f%n", flows, mode,
                ph[0] / packets, ph[1] / packets, ph[2] / packets, ph[3] / packets, ph[4] / packets);
        }
        System.out.printf("java flows %d %s: median %.1f ns/packet (min %.1f, max %.1f, %d rounds; rule 0 packets %d)%n", flows, mode, results[rounds / 2],
            results[0], results[rounds - 1], rounds, ruleCounts.get(0));
    }
}
