package dev.nve.xdp.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Hand-written bindings to the C library (glibc, x86-64 and arm64 Linux): the socket, memory
 * map, poll, namespace and affinity calls of the AF_XDP setup, plus the two packet-path
 * wake-ups ({@link #sendto} and {@link #poll}).
 *
 * <p>Two kinds of methods: the setup wrappers (lower-case C names with a {@code context}
 * argument) capture errno and throw {@link NativeException}; the raw packet-path methods take
 * a caller-owned call-state segment ({@link #allocateCallState}), return the C result and
 * leave errno in that segment ({@link #errno}), allocating nothing and throwing nothing.
 *
 * <p>Constants are the Linux values; StructLayoutTest checks every one against the C headers.
 */
@SuppressWarnings("restricted") // this package is where nve calls into C; access is enabled with --enable-native-access
public final class LibC
{
    // <sys/socket.h>
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int AF_XDP = 44;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SOL_XDP = 283;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int SO_BUSY_POLL = 46;
    public static final int SO_PREFER_BUSY_POLL = 69;
    public static final int SO_BUSY_POLL_BUDGET = 70;
    // <sys/mman.h>
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x8000;
    public static final int MAP_HUGETLB = 0x40000;
    public static final int MADV_HUGEPAGE = 14;
    // <poll.h>: struct pollfd { int fd; short events; short revents; }
    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;
    public static final short POLLERR = 0x8;
    public static final int POLLFD_SIZE = 8;
    public static final int POLLFD_FD_OFFSET = 0;
    public static final int POLLFD_EVENTS_OFFSET = 4;
    public static final int POLLFD_REVENTS_OFFSET = 6;
    // <fcntl.h>, <sched.h>
    public static final int O_RDONLY = 0;
    public static final int O_CLOEXEC = 0x80000;
    public static final int CLONE_NEWNET = 0x40000000;

    private static final SymbolLookup LOOKUP = Native.LINKER.defaultLookup();

    private static final MethodHandle SOCKET = Native.downcall(LOOKUP, "socket",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), true);
    private static final MethodHandle SETSOCKOPT = Native.downcall(LOOKUP, "setsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), true);
    private static final MethodHandle GETSOCKOPT = Native.downcall(LOOKUP, "getsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), true);
    private static final MethodHandle BIND = Native.downcall(LOOKUP, "bind",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), true);
    private static final MethodHandle MMAP = Native.downcall(LOOKUP, "mmap",
        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), true);
    private static final MethodHandle MUNMAP = Native.downcall(LOOKUP, "munmap",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), true);
    private static final MethodHandle MADVISE = Native.downcall(LOOKUP, "madvise",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), true);
    private static final MethodHandle CLOSE = Native.downcall(LOOKUP, "close",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT), true);
    private static final MethodHandle SENDTO = Native.downcall(LOOKUP, "sendto",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), true);
    private static final MethodHandle RECVFROM = Native.downcall(LOOKUP, "recvfrom",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS), true);
    private static final MethodHandle POLL = Native.downcall(LOOKUP, "poll",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), true);
    private static final MethodHandle IF_NAMETOINDEX = Native.downcall(LOOKUP, "if_nametoindex",
        FunctionDescriptor.of(JAVA_INT, ADDRESS), true);
    private static final MethodHandle SCHED_SETAFFINITY = Native.downcall(LOOKUP, "sched_setaffinity",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), true);
    private static final MethodHandle SETNS = Native.downcall(LOOKUP, "setns",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), true);
    // int open(const char *path, int flags, ...): called without the variadic mode argument.
    private static final MethodHandle OPEN = Native.downcall(LOOKUP, "open",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), true, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle STRERROR = Native.downcall(LOOKUP, "strerror",
        FunctionDescriptor.of(ADDRESS, JAVA_INT), false);
    private static final MethodHandle VSNPRINTF = Native.downcall(LOOKUP, "vsnprintf",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS), false);

    private LibC()
    {
    }

    // ------------------------------------------------------------------------------------------
    // Packet path: no allocation, no exceptions; errno stays in the caller's call state.

    /** A segment that receives errno from the raw calls; one per thread, reused. */
    public static MemorySegment allocateCallState(final Arena arena)
    {
        return Native.allocateCallState(arena);
    }

    /** errno left by the last raw call that used {@code callState}. */
    public static int errno(final MemorySegment callState)
    {
        return Native.errno(callState);
    }

    /** {@code sendto(2)}; with a null buffer and length 0 this is the AF_XDP TX wake-up. */
    public static long sendto(final MemorySegment callState, final int fd, final MemorySegment buffer, final long length, final int flags,
        final MemorySegment address, final int addressLength)
    {
        try
        {
            return (long)SENDTO.invokeExact(callState, fd, buffer, length, flags, address, addressLength);
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /** {@code recvfrom(2)}; with a null buffer and length 0 this is the AF_XDP RX wake-up. */
    public static long recvfrom(final MemorySegment callState, final int fd, final MemorySegment buffer, final long length, final int flags,
        final MemorySegment address, final MemorySegment addressLength)
    {
        try
        {
            return (long)RECVFROM.invokeExact(callState, fd, buffer, length, flags, address, addressLength);
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /** {@code poll(2)} over {@code nfds} {@code struct pollfd} in {@code fds}. */
    public static int poll(final MemorySegment callState, final MemorySegment fds, final long nfds, final int timeoutMillis)
    {
        try
        {
            return (int)POLL.invokeExact(callState, fds, nfds, timeoutMillis);
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Setup paths: errno becomes a NativeException that says what the call was for.

    public static int socket(final int domain, final int type, final int protocol, final String context)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Native.allocateCallState(arena);
            final int fd = (int)SOCKET.invokeExact(state, domain, type, protocol);
            if (fd < 0)
            {
                throw new NativeException("socket", Native.errno(state), context);
            }
            return fd;
        }
        catch (final NativeException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /** {@code setsockopt(2)} with an int value. */
    public static void setsockopt(final int fd, final int level, final int option, final int value, final String optionName, final String context)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment v = arena.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            setsockopt(fd, level, option, v, optionName, context);
        }
    }

    /** {@code setsockopt(2)} with the whole of {@code value} as the option value. */
    public static void setsockopt(final int fd, final int level, final int option, final MemorySegment value, final String optionName,
        final String context)
    {
        final int errno = trySetsockopt(fd, level, option, value);
        if (errno != 0)
        {
            throw new NativeException("setsockopt(" + optionName + ")", errno, context);
        }
    }

    /** {@code setsockopt(2)}; returns 0 or the errno, for options that may legitimately be refused. */
    public static int trySetsockopt(final int fd, final int level, final int option, final MemorySegment value)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Native.allocateCallState(arena);
            final int rc = (int)SETSOCKOPT.invokeExact(state, fd, level, option, value, (int)value.byteSize());
            return rc == 0 ? 0 : Native.errno(state);
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /**
     * {@code getsockopt(2)} into {@code value} (its size is the buffer length).
     *
     * @return the option length the kernel wrote.
     */
    public static int getsockopt(final int fd, final int level, final int option, final MemorySegment value, final String optionName,
        final String context)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Native.allocateCallState(arena);
            final MemorySegment length = arena.allocate(JAVA_INT);
            length.set(JAVA_INT, 0, (int)value.byteSize());
            final int rc = (int)GETSOCKOPT.invokeExact(state, fd, level, option, value, length);
            if (rc != 0)
            {
                throw new NativeException("getsockopt(" + optionName + ")", Native.errno(state), context);
            }
            return length.get(JAVA_INT, 0);
        }
        catch (final NativeException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /** {@code bind(2)}; returns 0 or the errno (callers retry EBUSY). */
    public static int tryBind(final int fd, final MemorySegment address)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Native.allocateCallState(arena);
            final int rc = (int)BIND.invokeExact(state, fd, address, (int)address.byteSize());
            return rc == 0 ? 0 : Native.errno(state);
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /**
     * {@code mmap(2)} with a null hint.
     *
     * @return the mapping, sized {@code length}; it must be released with {@link #munmap}.
     */
    public static MemorySegment mmap(final long length, final int prot, final int flags, final int fd, final long offset, final String context)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Native.allocateCallState(arena);
            final MemorySegment address = (MemorySegment)MMAP.invokeExact(state, MemorySegment.NULL, length, prot, flags, fd, offset);
            if (address.address() == -1L)
            {
                throw new NativeException("mmap", Native.errno(state), context + ", length " + length + ", offset 0x" + Long.toHexString(offset));
            }
            return address.reinterpret(length);
        }
        catch (final NativeException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    public static void munmap(final MemorySegment mapping, final String context)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Native.allocateCallState(arena);
            final int rc = (int)MUNMAP.invokeExact(state, mapping, mapping.byteSize());
            if (rc != 0)
            {
                throw new NativeException("munmap", Native.errno(state), context);
            }
        }
        catch (final NativeException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /** {@code madvise(2)} over the whole of {@code range}; returns 0 or the errno (advice is only advice). */
    public static int madvise(final MemorySegment range, final int advice)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Native.allocateCallState(arena);
            final int rc = (int)MADVISE.invokeExact(state, range, range.byteSize(), advice);
            return rc == 0 ? 0 : Native.errno(state);
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /** {@code close(2)}; returns 0 or the errno (nothing can be done about a failed close). */
    public static int close(final int fd)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Native.allocateCallState(arena);
            final int rc = (int)CLOSE.invokeExact(state, fd);
            return rc == 0 ? 0 : Native.errno(state);
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /** {@code if_nametoindex(3)} in the calling thread's network namespace. */
    public static int ifNameToIndex(final String name)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Native.allocateCallState(arena);
            final int index = (int)IF_NAMETOINDEX.invokeExact(state, arena.allocateFrom(name));
            if (index == 0)
            {
                throw new NativeException("if_nametoindex", Native.errno(state), "interface " + name);
            }
            return index;
        }
        catch (final NativeException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /** Pins the calling thread to {@code cpu} ({@code sched_setaffinity(0, ...)}). */
    public static void pinCurrentThread(final int cpu)
    {
        if (cpu < 0 || cpu >= 1024)
        {
            throw new IllegalArgumentException("cpu " + cpu);
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Native.allocateCallState(arena);
            final MemorySegment mask = arena.allocate(128, 8); // cpu_set_t: 1024 bits
            final long word = (long)(cpu / 64) * 8;
            mask.set(JAVA_LONG, word, 1L << (cpu % 64));
            final int rc = (int)SCHED_SETAFFINITY.invokeExact(state, 0, mask.byteSize(), mask);
            if (rc != 0)
            {
                throw new NativeException("sched_setaffinity", Native.errno(state), "cpu " + cpu);
            }
        }
        catch (final NativeException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /** {@code open(2)} without a mode (no O_CREAT). */
    public static int open(final String path, final int flags, final String context)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Native.allocateCallState(arena);
            final int fd = (int)OPEN.invokeExact(state, arena.allocateFrom(path), flags);
            if (fd < 0)
            {
                throw new NativeException("open", Native.errno(state), context + ": " + path);
            }
            return fd;
        }
        catch (final NativeException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /** {@code setns(2)}: moves the calling thread (only it) into the namespace {@code fd}. */
    public static void setns(final int fd, final int nsType, final String context)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Native.allocateCallState(arena);
            final int rc = (int)SETNS.invokeExact(state, fd, nsType);
            if (rc != 0)
            {
                throw new NativeException("setns", Native.errno(state), context);
            }
        }
        catch (final NativeException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /** {@code strerror(3)}. */
    public static String strerror(final int errno)
    {
        try
        {
            final MemorySegment text = (MemorySegment)STRERROR.invokeExact(errno);
            return text.equals(MemorySegment.NULL) ? "?" : text.reinterpret(1024).getString(0);
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /** {@code vsnprintf(3)}: formats a C {@code va_list} (used for libbpf's log callback). */
    public static String vsnprintf(final MemorySegment buffer, final MemorySegment format, final MemorySegment vaList)
    {
        try
        {
            final int n = (int)VSNPRINTF.invokeExact(buffer, buffer.byteSize(), format, vaList);
            if (n < 0)
            {
                return format.reinterpret(4096).getString(0);
            }
            return buffer.getString(0);
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /** Reads a NUL-terminated string at a native address of unknown size. */
    static String cString(final MemorySegment pointer, final int max)
    {
        return pointer.equals(MemorySegment.NULL) ? "" : pointer.reinterpret(max).getString(0);
    }
}
