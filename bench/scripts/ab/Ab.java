import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Paired A/B timing: variants loaded in separate class loaders, run alternately in short slices. */
public final class Ab
{
    public static void main(final String[] args) throws Throwable
    {
        // Same lock JMH takes, so this never overlaps a JMH run on the machine.
        final java.nio.channels.FileChannel lockChannel = java.nio.channels.FileChannel.open(Path.of("/tmp/jmh.lock"),
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        java.nio.channels.FileLock lock;
        while ((lock = lockChannel.tryLock()) == null)
        {
            Thread.sleep(2000);
        }
        // args: className method fdbEntries|name=value,... slices invocationsPerSlice variantDir...
        final String className = args[0];
        final String method = args[1];
        final int slices = Integer.parseInt(args[3]);
        final int perSlice = Integer.parseInt(args[4]);
        final int n = args.length - 5;
        final String[] names = new String[n];
        final MethodHandle[] handles = new MethodHandle[n];
        for (int v = 0; v < n; v++)
        {
            names[v] = args[5 + v];
            final String cp = Files.readString(Path.of(names[v], "cp")).trim();
            final List<URL> urls = new ArrayList<>();
            for (final String e : cp.split(":"))
            {
                urls.add(Path.of(e).toAbsolutePath().toUri().toURL());
            }
            final URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
            final Class<?> c = loader.loadClass(className);
            final Object o = c.getConstructor().newInstance();
            if (args[2].contains("="))
            {
                // name=value[,name=value...]: the benchmark's @Param fields (int, String or enum)
                for (final String assignment : args[2].split(","))
                {
                    final String[] nv = assignment.split("=", 2);
                    final java.lang.reflect.Field field = c.getField(nv[0]);
                    field.set(o, field.getType() == int.class ? (Object)Integer.valueOf(nv[1]) : field.getType() == String.class ? nv[1] : enumValue(field.getType(), nv[1]));
                }
            }
            else
            {
                c.getField("fdbEntries").setInt(o, Integer.parseInt(args[2]));
            }
            c.getMethod("setUp").invoke(o);
            handles[v] = MethodHandles.lookup().findVirtual(c, method, MethodType.methodType(c.getMethod(method).getReturnType())).bindTo(o)
                .asType(MethodType.methodType(void.class));
        }
        if (Boolean.getBoolean("ab.gc"))
        {
            System.gc();
            System.gc();
        }
        final double[][] t = new double[n][slices];
        long sink = 0;
        for (int round = -slices / 4; round < slices; round++)
        {
            for (int v = 0; v < n; v++)
            {
                final MethodHandle h = handles[(v + Math.max(round, 0)) % n];
                final long t0 = System.nanoTime();
                for (int k = 0; k < perSlice; k++)
                {
                    h.invokeExact();
                }
                final long dt = System.nanoTime() - t0;
                if (round >= 0)
                {
                    t[(v + round) % n][round] = dt / (perSlice * 64.0);
                }
            }
        }
        for (int v = 0; v < n; v++)
        {
            final double[] ratio = new double[slices];
            for (int s = 0; s < slices; s++)
            {
                ratio[s] = t[v][s] / t[0][s];
            }
            final double[] sorted = t[v].clone();
            Arrays.sort(sorted);
            Arrays.sort(ratio);
            System.out.printf("%-8s median %7.2f ns/pkt  p10 %7.2f  min %7.2f   ratio-to-%s median %.3f (p25 %.3f, p75 %.3f)%n",
                names[v], sorted[slices / 2], sorted[slices / 10], sorted[0], names[0], ratio[slices / 2], ratio[slices / 4], ratio[3 * slices / 4]);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object enumValue(final Class<?> type, final String name)
    {
        return Enum.valueOf((Class)type, name);
    }
}
