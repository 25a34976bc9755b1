import java.lang.foreign.*;
import java.lang.invoke.MethodHandle;
import java.util.SplittableRandom;

/**
 * What one random cache-line access costs on this machine, apart from any table code: a region of
 * 64 or 128 MiB (anonymous mmap, 2 MiB aligned; "huge": madvise(MADV_HUGEPAGE), check the
 * printed AnonHugePages), 2^20 random 64-byte-aligned offsets, then per batch of 64:
 * "batched" touch all 64 lines, then read a second word of each; "+write" the same with the
 * second pass a read-modify-write (as a conntrack update dirties its entry); "two lines" each
 * packet's line and the line after it (as ConntrackTable.touch does); "dependent" one access
 * after the other, each address depending on the previous load. Best of 7 repetitions, ns per
 * access (per packet for "two lines").
 * <p>
 * Run: {@code java --enable-native-access=ALL-UNNAMED -Xmx2g bench/scripts/memlat/MemLat.java}
 */
public class MemLat
{
    static final Linker L = Linker.nativeLinker();
    static MethodHandle MMAP = L.downcallHandle(L.defaultLookup().find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    static MethodHandle MADVISE = L.downcallHandle(L.defaultLookup().find("madvise").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    static MemorySegment region(long size, boolean huge) throws Throwable
    {
        long H = 2L << 20;
        MemorySegment raw = (MemorySegment)MMAP.invokeExact(MemorySegment.NULL, size + H, 3, 0x22, -1, 0L);
        long start = (raw.address() + H - 1) & ~(H - 1);
        if (huge && (int)MADVISE.invokeExact(MemorySegment.ofAddress(start), size, 14) != 0) throw new IllegalStateException("madvise");
        MemorySegment s = MemorySegment.ofAddress(start).reinterpret(size);
        for (long o = 0; o < size; o += 4096) s.set(ValueLayout.JAVA_LONG, o, o);
        return s;
    }

    public static void main(String[] a) throws Throwable
    {
        int[] mibs = {64, 128};
        for (int round = 0; round < 3; round++)
        for (boolean huge : new boolean[] {false, true})
        for (int mib : mibs)
        {
            long size = (long)mib << 20;
            MemorySegment s = region(size, huge);
            long lines = size / 64;
            SplittableRandom r = new SplittableRandom(1);
            long[] idx = new long[1 << 20];
            for (int i = 0; i < idx.length; i++) idx[i] = r.nextLong(lines) * 64;
            long sink = 0;
            double best = 1e9, bestDep = 1e9, bestW = 1e9, best2 = 1e9;
            for (int rep = 0; rep < 7; rep++)
            {
                long t0 = System.nanoTime();
                for (int b = 0; b < idx.length; b += 64)
                {
                    long sum = 0;
                    for (int i = b; i < b + 64; i++) sum += s.get(ValueLayout.JAVA_LONG, idx[i]);
                    for (int i = b; i < b + 64; i++) sum ^= s.get(ValueLayout.JAVA_LONG, idx[i] + 8);
                    sink += sum;
                }
                best = Math.min(best, (System.nanoTime() - t0) / (double)idx.length);
                t0 = System.nanoTime();
                for (int b = 0; b < idx.length; b += 64)
                {
                    long sum = 0;
                    for (int i = b; i < b + 64; i++) sum += s.get(ValueLayout.JAVA_LONG, idx[i]);
                    for (int i = b; i < b + 64; i++) s.set(ValueLayout.JAVA_LONG, idx[i] + 8, s.get(ValueLayout.JAVA_LONG, idx[i] + 8) + 1);
                    sink += sum;
                }
                bestW = Math.min(bestW, (System.nanoTime() - t0) / (double)idx.length);
                t0 = System.nanoTime();
                for (int b = 0; b < idx.length; b += 64)
                {
                    long sum = 0;
                    for (int i = b; i < b + 64; i++) sum += s.get(ValueLayout.JAVA_LONG, idx[i]) + s.get(ValueLayout.JAVA_LONG, (idx[i] + 64) % size);
                    for (int i = b; i < b + 64; i++) sum ^= s.get(ValueLayout.JAVA_LONG, idx[i] + 8);
                    sink += sum;
                }
                best2 = Math.min(best2, (System.nanoTime() - t0) / (double)idx.length);
                t0 = System.nanoTime();
                long x = 0;
                for (int i = 0; i < idx.length / 4; i++) x = s.get(ValueLayout.JAVA_LONG, (idx[i] ^ (x & 0)) ) + x;
                // dependent: next index depends on loaded value (value is the page offset, mixed in)
                long p = 0;
                for (int i = 0; i < idx.length / 4; i++) { p = s.get(ValueLayout.JAVA_LONG, idx[(int)((i + (p & 1)) & (idx.length - 1))]); }
                bestDep = Math.min(bestDep, (System.nanoTime() - t0) / (double)(idx.length / 2));
                sink += x + p;
            }
            String anon = "";
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/smaps_rollup"))) if (line.startsWith("AnonHugePages")) anon = line.replaceAll("\\s+", " ");
            System.out.printf("round %d %-5s %4d MiB: batched %6.1f  +write %6.1f  two lines %6.1f  dependent %6.1f ns/access (%s) %d%n", round, huge ? "huge" : "4k", mib, best, bestW, best2, bestDep, anon, sink & 1);
        }
    }
}
