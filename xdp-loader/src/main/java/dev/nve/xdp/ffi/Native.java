package dev.nve.xdp.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/** Shared plumbing of the bindings: linker, symbol lookup, errno capture. */
@SuppressWarnings("restricted") // this package is where nve calls into C; access is enabled with --enable-native-access
final class Native
{
    static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CALL_STATE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private Native()
    {
    }

    static MethodHandle downcall(final SymbolLookup lookup, final String name, final FunctionDescriptor descriptor, final boolean captureErrno,
        final Linker.Option... options)
    {
        final MemorySegment symbol = lookup.find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("native symbol not found: " + name));
        final Linker.Option[] all;
        if (captureErrno)
        {
            all = new Linker.Option[options.length + 1];
            all[0] = CAPTURE_ERRNO;
            System.arraycopy(options, 0, all, 1, options.length);
        }
        else
        {
            all = options;
        }
        return LINKER.downcallHandle(symbol, descriptor, all);
    }

    /** A call-state segment for one thread's errno captures. */
    static MemorySegment allocateCallState(final Arena arena)
    {
        return arena.allocate(CALL_STATE_LAYOUT);
    }

    static int errno(final MemorySegment callState)
    {
        return (int)ERRNO.get(callState, 0L);
    }

    /** Rethrows what a MethodHandle invocation threw: errors as they are, the rest wrapped. */
    static RuntimeException rethrow(final Throwable t)
    {
        if (t instanceof RuntimeException e)
        {
            return e;
        }
        if (t instanceof Error e)
        {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
