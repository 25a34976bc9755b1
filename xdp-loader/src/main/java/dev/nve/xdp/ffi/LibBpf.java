package dev.nve.xdp.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Hand-written bindings to libbpf ({@code libbpf.so.1}, API 1.x): open and load a BPF object,
 * find its program and maps, update and read maps, attach and detach XDP programs. Only setup
 * paths call these; every failure becomes a {@link NativeException}.
 *
 * <p>libbpf 1.x returns {@code -errno} from int functions and NULL with errno set from
 * pointer functions; both are handled here. libbpf's log (verifier output, the kernel's
 * netlink error message such as "veth: Peer MTU is too large to set XDP") goes through a
 * print callback installed by this class: while a thread has {@link #beginLogCapture()} open,
 * the messages are collected and end up in the exception text; otherwise warnings go to stderr.
 *
 * <p>nve uses plain libbpf ({@code bpf_xdp_attach}) rather than libxdp: one program per
 * interface, no multi-program dispatcher, so no bpffs is needed (RESULTS.md pitfall 5) and
 * libxdp's default program can never be left behind (pitfall 6).
 */
@SuppressWarnings("restricted") // this package is where nve calls into C; access is enabled with --enable-native-access
public final class LibBpf
{
    public static final String LIBRARY = "libbpf.so.1";

    public static final int LIBBPF_WARN = 0;
    public static final int LIBBPF_INFO = 1;
    public static final int LIBBPF_DEBUG = 2;

    // struct bpf_object_open_opts (libbpf 1.1)
    public static final int OPEN_OPTS_SIZE = 80;
    public static final int OPEN_OPTS_OBJECT_NAME_OFFSET = 8;
    // struct bpf_xdp_attach_opts
    public static final int XDP_ATTACH_OPTS_SIZE = 16;
    public static final int XDP_ATTACH_OPTS_OLD_PROG_FD_OFFSET = 8;
    // struct bpf_xdp_query_opts
    public static final int XDP_QUERY_OPTS_SIZE = 32;
    public static final int XDP_QUERY_OPTS_PROG_ID_OFFSET = 8;
    public static final int XDP_QUERY_OPTS_DRV_PROG_ID_OFFSET = 12;
    public static final int XDP_QUERY_OPTS_HW_PROG_ID_OFFSET = 16;
    public static final int XDP_QUERY_OPTS_SKB_PROG_ID_OFFSET = 20;
    public static final int XDP_QUERY_OPTS_ATTACH_MODE_OFFSET = 24;

    private static final SymbolLookup LOOKUP;
    private static final MethodHandle OPEN_MEM;
    private static final MethodHandle OPEN_FILE;
    private static final MethodHandle OBJECT_LOAD;
    private static final MethodHandle OBJECT_CLOSE;
    private static final MethodHandle FIND_PROGRAM;
    private static final MethodHandle FIND_MAP;
    private static final MethodHandle PROGRAM_FD;
    private static final MethodHandle MAP_FD;
    private static final MethodHandle MAP_UPDATE;
    private static final MethodHandle MAP_LOOKUP;
    private static final MethodHandle MAP_DELETE;
    private static final MethodHandle XDP_ATTACH;
    private static final MethodHandle XDP_DETACH;
    private static final MethodHandle XDP_QUERY;
    private static final MethodHandle PROG_GET_FD_BY_ID;
    private static final MethodHandle OBJ_GET_INFO_BY_FD;
    private static final MethodHandle NUM_POSSIBLE_CPUS;
    private static final MethodHandle SET_PRINT;

    private static final ThreadLocal<StringBuilder> CAPTURE = new ThreadLocal<>();
    private static final ThreadLocal<MemorySegment> FORMAT_BUFFER = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(2048));
    private static volatile boolean printToStderr = true;

    static
    {
        LOOKUP = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
        OPEN_MEM = Native.downcall(LOOKUP, "bpf_object__open_mem", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), true);
        OPEN_FILE = Native.downcall(LOOKUP, "bpf_object__open_file", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS), true);
        OBJECT_LOAD = Native.downcall(LOOKUP, "bpf_object__load", FunctionDescriptor.of(JAVA_INT, ADDRESS), false);
        OBJECT_CLOSE = Native.downcall(LOOKUP, "bpf_object__close", FunctionDescriptor.ofVoid(ADDRESS), false);
        FIND_PROGRAM = Native.downcall(LOOKUP, "bpf_object__find_program_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS), true);
        FIND_MAP = Native.downcall(LOOKUP, "bpf_object__find_map_by_name", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS), true);
        PROGRAM_FD = Native.downcall(LOOKUP, "bpf_program__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS), false);
        MAP_FD = Native.downcall(LOOKUP, "bpf_map__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS), false);
        MAP_UPDATE = Native.downcall(LOOKUP, "bpf_map_update_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), false);
        MAP_LOOKUP = Native.downcall(LOOKUP, "bpf_map_lookup_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), false);
        MAP_DELETE = Native.downcall(LOOKUP, "bpf_map_delete_elem", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), false);
        XDP_ATTACH = Native.downcall(LOOKUP, "bpf_xdp_attach", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), false);
        XDP_DETACH = Native.downcall(LOOKUP, "bpf_xdp_detach", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), false);
        XDP_QUERY = Native.downcall(LOOKUP, "bpf_xdp_query", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), false);
        PROG_GET_FD_BY_ID = Native.downcall(LOOKUP, "bpf_prog_get_fd_by_id", FunctionDescriptor.of(JAVA_INT, JAVA_INT), false);
        OBJ_GET_INFO_BY_FD = Native.downcall(LOOKUP, "bpf_obj_get_info_by_fd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), false);
        NUM_POSSIBLE_CPUS = Native.downcall(LOOKUP, "libbpf_num_possible_cpus", FunctionDescriptor.of(JAVA_INT), false);
        SET_PRINT = Native.downcall(LOOKUP, "libbpf_set_print", FunctionDescriptor.of(ADDRESS, ADDRESS), false);
        installPrintCallback();
    }

    private LibBpf()
    {
    }

    // ------------------------------------------------------------------------------------------
    // log capture

    private static void installPrintCallback()
    {
        try
        {
            final MethodHandle target = MethodHandles.lookup().findStatic(LibBpf.class, "print",
                MethodType.methodType(int.class, int.class, MemorySegment.class, MemorySegment.class));
            final MemorySegment stub = Native.LINKER.upcallStub(target, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), Arena.global());
            final MemorySegment previous = (MemorySegment)SET_PRINT.invokeExact(stub);
            assert previous != null;
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /** libbpf_print_fn_t; must never throw (an exception in an upcall ends the JVM). */
    @SuppressWarnings("unused")
    private static int print(final int level, final MemorySegment format, final MemorySegment vaList)
    {
        try
        {
            final StringBuilder capture = CAPTURE.get();
            if (level == LIBBPF_DEBUG || (capture == null && (level != LIBBPF_WARN || !printToStderr)))
            {
                return 0;
            }
            final String text = LibC.vsnprintf(FORMAT_BUFFER.get(), format.reinterpret(4096), vaList);
            if (capture != null)
            {
                if (capture.length() < 64 * 1024)
                {
                    capture.append(text);
                }
            }
            else
            {
                System.err.print("libbpf: " + text);
            }
            return text.length();
        }
        catch (final Throwable t)
        {
            return 0;
        }
    }

    /** Starts collecting libbpf's messages (warnings and info) on the calling thread. */
    public static void beginLogCapture()
    {
        CAPTURE.set(new StringBuilder());
    }

    /** Stops collecting and returns what libbpf said since {@link #beginLogCapture()}. */
    public static String endLogCapture()
    {
        final StringBuilder sb = CAPTURE.get();
        CAPTURE.remove();
        return sb == null ? "" : sb.toString();
    }

    /** Whether libbpf warnings outside a capture go to stderr (default true). */
    public static void printWarningsToStderr(final boolean enabled)
    {
        printToStderr = enabled;
    }

    // ------------------------------------------------------------------------------------------
    // objects, programs, maps

    /**
     * {@code bpf_object__open_mem}: parses an ELF BPF object held in {@code elf}, naming it
     * {@code objectName}. The returned handle must be closed with {@link #objectClose}.
     */
    public static MemorySegment objectOpenMem(final MemorySegment elf, final String objectName, final Arena arena)
    {
        try
        {
            final MemorySegment opts = arena.allocate(OPEN_OPTS_SIZE, 8);
            opts.set(JAVA_LONG, 0, OPEN_OPTS_SIZE);
            opts.set(ADDRESS, OPEN_OPTS_OBJECT_NAME_OFFSET, arena.allocateFrom(objectName));
            final MemorySegment state = Native.allocateCallState(arena);
            final MemorySegment object = (MemorySegment)OPEN_MEM.invokeExact(state, elf, elf.byteSize(), opts);
            if (object.equals(MemorySegment.NULL))
            {
                throw new NativeException("bpf_object__open_mem", Native.errno(state), "object " + objectName);
            }
            return object;
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

    /** {@code bpf_object__open_file}. */
    public static MemorySegment objectOpenFile(final String path)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Native.allocateCallState(arena);
            final MemorySegment object = (MemorySegment)OPEN_FILE.invokeExact(state, arena.allocateFrom(path), MemorySegment.NULL);
            if (object.equals(MemorySegment.NULL))
            {
                throw new NativeException("bpf_object__open_file", Native.errno(state), path);
            }
            return object;
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

    /** {@code bpf_object__load}: creates the maps and loads (verifies) the programs. */
    public static void objectLoad(final MemorySegment object, final String context)
    {
        beginLogCapture();
        int rc;
        String log;
        try
        {
            rc = (int)OBJECT_LOAD.invokeExact(object);
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
        finally
        {
            log = endLogCapture();
        }
        if (rc < 0)
        {
            throw new NativeException("bpf_object__load", -rc, context, log);
        }
    }

    public static void objectClose(final MemorySegment object)
    {
        try
        {
            OBJECT_CLOSE.invokeExact(object);
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /** File descriptor of program {@code name} of a loaded object. */
    public static int programFd(final MemorySegment object, final String name)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Native.allocateCallState(arena);
            final MemorySegment program = (MemorySegment)FIND_PROGRAM.invokeExact(state, object, arena.allocateFrom(name));
            if (program.equals(MemorySegment.NULL))
            {
                throw new NativeException("bpf_object__find_program_by_name", Native.errno(state), "program " + name);
            }
            final int fd = (int)PROGRAM_FD.invokeExact(program);
            if (fd < 0)
            {
                throw new NativeException("bpf_program__fd", -fd, "program " + name);
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

    /** File descriptor of map {@code name} of a loaded object. */
    public static int mapFd(final MemorySegment object, final String name)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = Native.allocateCallState(arena);
            final MemorySegment map = (MemorySegment)FIND_MAP.invokeExact(state, object, arena.allocateFrom(name));
            if (map.equals(MemorySegment.NULL))
            {
                throw new NativeException("bpf_object__find_map_by_name", Native.errno(state), "map " + name);
            }
            final int fd = (int)MAP_FD.invokeExact(map);
            if (fd < 0)
            {
                throw new NativeException("bpf_map__fd", -fd, "map " + name);
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

    /** {@code bpf_map_update_elem}; {@code flags} BPF_ANY (0), BPF_NOEXIST (1) or BPF_EXIST (2). */
    public static void mapUpdate(final int mapFd, final MemorySegment key, final MemorySegment value, final long flags, final String context)
    {
        final int rc;
        try
        {
            rc = (int)MAP_UPDATE.invokeExact(mapFd, key, value, flags);
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
        if (rc < 0)
        {
            throw new NativeException("bpf_map_update_elem", -rc, context);
        }
    }

    /**
     * {@code bpf_map_lookup_elem} into {@code value}.
     *
     * @return false when the key is absent (ENOENT).
     */
    public static boolean mapLookup(final int mapFd, final MemorySegment key, final MemorySegment value, final String context)
    {
        final int rc;
        try
        {
            rc = (int)MAP_LOOKUP.invokeExact(mapFd, key, value);
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
        if (rc == -Errno.ENOENT)
        {
            return false;
        }
        if (rc < 0)
        {
            throw new NativeException("bpf_map_lookup_elem", -rc, context);
        }
        return true;
    }

    /**
     * {@code bpf_map_delete_elem}.
     *
     * @return false when the key was absent.
     */
    public static boolean mapDelete(final int mapFd, final MemorySegment key, final String context)
    {
        final int rc;
        try
        {
            rc = (int)MAP_DELETE.invokeExact(mapFd, key);
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
        if (rc == -Errno.ENOENT)
        {
            return false;
        }
        if (rc < 0)
        {
            throw new NativeException("bpf_map_delete_elem", -rc, context);
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------
    // XDP attach

    /**
     * {@code bpf_xdp_attach}; with {@code oldProgFd > 0} it replaces exactly that program
     * (XDP_FLAGS_REPLACE) and fails with EEXIST if another one is attached.
     *
     * @return 0, or the errno with the kernel's message in {@code log[0]}.
     */
    public static int xdpAttach(final int ifindex, final int progFd, final int flags, final int oldProgFd, final String[] log)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment opts = attachOpts(arena, oldProgFd);
            beginLogCapture();
            int rc;
            try
            {
                rc = (int)XDP_ATTACH.invokeExact(ifindex, progFd, flags, opts);
            }
            finally
            {
                final String text = endLogCapture();
                if (log != null && log.length > 0)
                {
                    log[0] = text;
                }
            }
            return rc < 0 ? -rc : 0;
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    /**
     * {@code bpf_xdp_detach} of the program attached in mode {@code flags}; with
     * {@code expectedProgFd > 0} only if that program is the one attached.
     *
     * @return 0, or the errno with the kernel's message in {@code log[0]}.
     */
    public static int xdpDetach(final int ifindex, final int flags, final int expectedProgFd, final String[] log)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment opts = attachOpts(arena, expectedProgFd);
            beginLogCapture();
            int rc;
            try
            {
                rc = (int)XDP_DETACH.invokeExact(ifindex, flags, opts);
            }
            finally
            {
                final String text = endLogCapture();
                if (log != null && log.length > 0)
                {
                    log[0] = text;
                }
            }
            return rc < 0 ? -rc : 0;
        }
        catch (final Throwable t)
        {
            throw Native.rethrow(t);
        }
    }

    private static MemorySegment attachOpts(final Arena arena, final int oldProgFd)
    {
        final MemorySegment opts = arena.allocate(XDP_ATTACH_OPTS_SIZE, 8);
        opts.set(JAVA_LONG, 0, XDP_ATTACH_OPTS_SIZE);
        opts.set(JAVA_INT, XDP_ATTACH_OPTS_OLD_PROG_FD_OFFSET, Math.max(oldProgFd, 0));
        return opts;
    }

    /** Program ids attached to an interface, per mode (0 = none). */
    public record XdpQuery(int progId, int driverProgId, int genericProgId, int hardwareProgId, int attachMode)
    {
    }

    /** {@code bpf_xdp_query} in the calling thread's network namespace. */
    public static XdpQuery xdpQuery(final int ifindex, final String context)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment opts = arena.allocate(XDP_QUERY_OPTS_SIZE, 8);
            opts.set(JAVA_LONG, 0, XDP_QUERY_OPTS_SIZE);
            final int rc = (int)XDP_QUERY.invokeExact(ifindex, 0, opts);
            if (rc < 0)
            {
                throw new NativeException("bpf_xdp_query", -rc, context);
            }
            return new XdpQuery(opts.get(JAVA_INT, XDP_QUERY_OPTS_PROG_ID_OFFSET), opts.get(JAVA_INT, XDP_QUERY_OPTS_DRV_PROG_ID_OFFSET),
                opts.get(JAVA_INT, XDP_QUERY_OPTS_SKB_PROG_ID_OFFSET), opts.get(JAVA_INT, XDP_QUERY_OPTS_HW_PROG_ID_OFFSET),
                Byte.toUnsignedInt(opts.get(java.lang.foreign.ValueLayout.JAVA_BYTE, XDP_QUERY_OPTS_ATTACH_MODE_OFFSET)));
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

    /** Name of a loaded BPF program by id (as in {@code bpftool prog show}), or null if it is gone. */
    public static String programName(final int progId)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final int fd = (int)PROG_GET_FD_BY_ID.invokeExact(progId);
            if (fd < 0)
            {
                return null;
            }
            try
            {
                final MemorySegment info = arena.allocate(IfXdp.PROG_INFO_PREFIX_SIZE, 8);
                final MemorySegment length = arena.allocate(JAVA_INT);
                length.set(JAVA_INT, 0, (int)info.byteSize());
                final int rc = (int)OBJ_GET_INFO_BY_FD.invokeExact(fd, info, length);
                if (rc < 0)
                {
                    throw new NativeException("bpf_obj_get_info_by_fd", -rc, "program id " + progId);
                }
                return info.asSlice(IfXdp.PROG_INFO_NAME_OFFSET, IfXdp.BPF_OBJ_NAME_LEN).getString(0);
            }
            finally
            {
                LibC.close(fd);
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

    /** Possible CPUs: the number of values a per-CPU map returns per key. */
    public static int numPossibleCpus()
    {
        try
        {
            final int n = (int)NUM_POSSIBLE_CPUS.invokeExact();
            if (n < 0)
            {
                throw new NativeException("libbpf_num_possible_cpus", -n, "");
            }
            return n;
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
}
