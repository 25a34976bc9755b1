import java.lang.foreign.*;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Does anything let the conntrack misses of one batch overlap other work in this VM? A 128 MiB
 * region, 2^20 random 64-byte-aligned lines, batches of 64; per batch "work" = a read of two
 * words of each of its 64 lines plus a little arithmetic (a home-line lookup's shape):
 * <ul>
 *   <li>"work, cached": the same 64 lines every batch (the compute floor);</li>
 *   <li>"touch, work": a loop of loads over the batch's lines, then the work (the filter today);</li>
 *   <li>"touch next, work": the NEXT batch's lines touched, then this batch's work on lines
 *       touched one batch earlier: if a touch loop's misses overlapped the work after it, this
 *       would cost max(touch, work), not the sum;</li>
 *   <li>"prefetch next, work": the same with prefetcht0 (one critical downcall per batch into
 *       prefetch.c), which retires without waiting for the line;</li>
 *   <li>"downcall": the empty cost of that downcall (count 0).</li>
 * </ul>
 * Median of 7 repetitions, ns per line. Run from the repository root:
 * {@code clang -O2 -shared -fPIC -o /tmp/libnveprefetch.so bench/scripts/prefetch/prefetch.c &&
 * java --enable-native-access=ALL-UNNAMED -Xmx2g bench/scripts/prefetch/Prefetch.java /tmp/libnveprefetch.so}
 */
public class Prefetch
{
    static final int BATCH = 64;
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG;
    static MethodHandle prefetch;
    static MemorySegment region;
    static long base;
    static long[] lines;
    static final long[] batch = new long[BATCH];
    static final MemorySegment batchSegment = MemorySegment.ofArray(batch);

    public static void main(String[] args) throws Throwable
    {
        Linker linker = Linker.nativeLinker();
        SymbolLookup library = SymbolLookup.libraryLookup(Path.of(args[0]), Arena.global());
        prefetch = linker.downcallHandle(library.find("nve_prefetch_lines").orElseThrow(),
            FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), Linker.Option.critical(true));
        long size = 128L << 20;
        region = Arena.global().allocate(size, 4096);
        for (long o = 0; o < size; o += 64) region.set(U64, o, o);
        base = region.address();
        lines = new long[1 << 20];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < lines.length; i++) lines[i] = random.nextLong(size / 64) * 64;
        String[] names = {"work, cached", "touch, work", "touch next, work", "prefetch next, work", "downcall"};
        for (int round = 0; round < 3; round++)
        {
            StringBuilder line = new StringBuilder("round " + round + ":");
            for (int variant = 0; variant < names.length; variant++)
            {
                double[] times = new double[7];
                for (int rep = 0; rep < times.length; rep++) times[rep] = run(variant);
                java.util.Arrays.sort(times);
                line.append(String.format("  %s %.1f", names[variant], times[3]));
            }
            System.out.println(line + " ns/line");
        }
    }

    static long sink;

    static double run(int variant) throws Throwable
    {
        long start = System.nanoTime();
        long sum = 0;
        for (int b = 0; b < lines.length; b += BATCH)
        {
            int current = variant == 0 ? 0 : b;
            int next = (b + BATCH) & (lines.length - 1);
            switch (variant)
            {
                case 1 -> sum += touch(current);
                case 2 -> sum += touch(next);
                case 3 -> prefetchBatch(next, BATCH);
                case 4 -> prefetchBatch(next, 0);
                default -> { }
            }
            if (variant != 4) sum += work(current);
        }
        sink += sum;
        return (System.nanoTime() - start) / (double)lines.length;
    }

    static long touch(int first)
    {
        long sum = 0;
        for (int i = first; i < first + BATCH; i++) sum += region.get(U64, lines[i]);
        return sum;
    }

    static void prefetchBatch(int first, int count) throws Throwable
    {
        System.arraycopy(lines, first, batch, 0, BATCH);
        prefetch.invokeExact(base, batchSegment, count);
    }

    static long work(int first)
    {
        long sum = 0;
        for (int i = first; i < first + BATCH; i++)
        {
            long a = region.get(U64, lines[i] + 8);
            long b = region.get(U64, lines[i] + 40);
            sum += (a ^ b) * 0x9E37_79B9_7F4A_7C15L >>> 17;
        }
        return sum;
    }
}
