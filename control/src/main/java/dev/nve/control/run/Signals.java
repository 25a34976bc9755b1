package dev.nve.control.run;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Proxy;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * SIGINT and SIGTERM as a stop request: the first one releases {@link #await}, so the main
 * thread shuts the dataplane down in order (worker, XDP detach, drain, UMEM) and the process
 * exits 0; the JVM's own handlers (which would exit with 130/143 and run shutdown hooks
 * concurrently with the main thread) are replaced while the dataplane runs and put back by
 * {@link #restore()}. A second signal while shutting down exits at once with 128+N, leaving the
 * XDP programs attached (the next run replaces them).
 *
 * <p>Uses {@code sun.misc.Signal} (module jdk.unsupported, the supported way to handle
 * signals in the JDK) through method handles: javac warns about every direct use of it as
 * "internal proprietary API", and no annotation silences that. When it is unavailable the
 * JVM's defaults stay (the shutdown hook of {@link RunCommand} still detaches XDP).
 */
final class Signals
{
    private static final String[] NAMES = {"INT", "TERM"};

    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicReference<String> received = new AtomicReference<>();
    private final Object[] previous = new Object[NAMES.length];
    private final Api api;

    private Signals(final Api api)
    {
        this.api = api;
    }

    /** Installs handlers for INT and TERM; {@link #restore()} puts the previous ones back. */
    static Signals install()
    {
        final Api api = Api.find();
        final Signals signals = new Signals(api);
        if (api == null)
        {
            return signals;
        }
        for (int i = 0; i < NAMES.length; i++)
        {
            final String name = NAMES[i];
            final int number = api.number(name);
            signals.previous[i] = api.handle(name, () ->
            {
                if (signals.received.compareAndSet(null, "SIG" + name))
                {
                    signals.stop.countDown();
                }
                else
                {
                    System.err.println("nve run: second SIG" + name + ": exiting without cleanup (the next nve run replaces the XDP programs)");
                    Runtime.getRuntime().halt(128 + number);
                }
            });
        }
        return signals;
    }

    /** Puts back the handlers that were there before {@link #install()}. */
    void restore()
    {
        for (int i = 0; i < NAMES.length; i++)
        {
            if (previous[i] != null)
            {
                api.restore(NAMES[i], previous[i]);
            }
        }
    }

    /** Waits up to {@code millis} for a stop signal; true when one came. */
    boolean await(final long millis) throws InterruptedException
    {
        return stop.await(millis, TimeUnit.MILLISECONDS);
    }

    /** The signal that asked to stop ({@code SIGINT}, {@code SIGTERM}), or null. */
    String received()
    {
        return received.get();
    }

    /** {@code sun.misc.Signal.handle(Signal, SignalHandler)} and friends, looked up at run time. */
    private record Api(Class<?> signalClass, Class<?> handlerClass, MethodHandle newSignal, MethodHandle handle, MethodHandle getNumber)
    {
        static Api find()
        {
            try
            {
                final Class<?> signal = Class.forName("sun.misc.Signal");
                final Class<?> handler = Class.forName("sun.misc.SignalHandler");
                final MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                return new Api(signal, handler, lookup.findConstructor(signal, MethodType.methodType(void.class, String.class)),
                    lookup.findStatic(signal, "handle", MethodType.methodType(handler, signal, handler)),
                    lookup.findVirtual(signal, "getNumber", MethodType.methodType(int.class)));
            }
            catch (final ReflectiveOperationException | RuntimeException e)
            {
                System.err.println("nve run: no signal handling (" + e + "); SIGINT/SIGTERM use the JVM's defaults");
                return null;
            }
        }

        int number(final String name)
        {
            try
            {
                return (int)getNumber.invoke(newSignal.invoke(name));
            }
            catch (final Throwable t)
            {
                return 15;
            }
        }

        /** Installs {@code action} for signal {@code name}; returns the previous handler. */
        Object handle(final String name, final Runnable action)
        {
            final Object proxy = Proxy.newProxyInstance(handlerClass.getClassLoader(), new Class<?>[] {handlerClass}, (self, method, args) ->
            {
                return switch (method.getName())
                {
                    case "handle" ->
                    {
                        action.run();
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(self);
                    case "equals" -> self == args[0];
                    case "toString" -> "nve run handler for SIG" + name;
                    default -> null;
                };
            });
            return invokeHandle(name, proxy);
        }

        void restore(final String name, final Object previousHandler)
        {
            invokeHandle(name, previousHandler);
        }

        private Object invokeHandle(final String name, final Object handler)
        {
            try
            {
                return handle.invoke(newSignal.invoke(name), handler);
            }
            catch (final Throwable t)
            {
                throw new IllegalStateException("installing a handler for SIG" + name + ": " + t, t);
            }
        }
    }
}
