package dev.nve.xdp;

import dev.nve.xdp.ffi.Errno;
import dev.nve.xdp.ffi.IfXdp;
import dev.nve.xdp.ffi.LibBpf;
import dev.nve.xdp.ffi.LibC;
import dev.nve.xdp.ffi.NativeException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * nve's XDP program on one interface: loads {@code /bpf/nve_xdp.o} (built from
 * src/main/bpf/nve_xdp.c, shipped in the jar) with its own maps, attaches it, and sets at run
 * time which traffic it steers into AF_XDP sockets (see nve_xdp.h):
 * <ul>
 *   <li>{@link #steerAll(boolean)}: endpoint port, every frame is nve's;</li>
 *   <li>{@link #addVtep(InetAddress, int)}: UDP to a local VTEP address and port;</li>
 *   <li>{@link #addIlaLocator(long)}: IPv6 whose upper 64 bits are a local ILA locator;</li>
 *   <li>{@link #registerSocket(int, int)}: the AF_XDP socket of an rx queue (XSKMAP).</li>
 * </ul>
 * Everything else is passed to the kernel. One object per interface, so the XSKMAP key is the
 * queue index alone and the configuration is per interface.
 *
 * <p>Namespaces: the interface is looked up, and the program attached, in the network
 * namespace of the thread that calls {@link #load}; the object remembers that namespace and
 * detaches there even when closed from another thread. Stale programs: an nve program left
 * attached by a crashed run is replaced at attach; a foreign program is only replaced when
 * asked to ({@code replaceForeign}).
 */
public final class XdpProgram implements AutoCloseable
{
    public static final String RESOURCE = "/bpf/nve_xdp.o";
    public static final String PROGRAM_NAME = "nve_xdp";
    public static final String MAP_XSKS = "nve_xsks";
    public static final String MAP_CONFIG = "nve_config";
    public static final String MAP_VTEPS = "nve_vteps";
    public static final String MAP_ILA_LOCATORS = "nve_ila_locs";
    public static final String MAP_COUNTERS = "nve_counters";

    // nve_xdp.h, checked by StructLayoutTest
    public static final int XSKMAP_MAX_ENTRIES = 64;
    public static final int VTEP_MAX_ENTRIES = 64;
    public static final int ILA_MAX_ENTRIES = 4096;
    public static final int CONFIG_STEER_ALL = 1;
    public static final int MATCH_STEER = 1;
    public static final int FAMILY_IPV4 = 4;
    public static final int FAMILY_IPV6 = 6;
    public static final int CONFIG_SIZE = 8;
    public static final int CONFIG_FLAGS_OFFSET = 0;
    public static final int VTEP_KEY_SIZE = 20;
    public static final int VTEP_KEY_ADDR_OFFSET = 0;
    public static final int VTEP_KEY_PORT_OFFSET = 16;
    public static final int VTEP_KEY_FAMILY_OFFSET = 18;

    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final String interfaceName;
    private final int ifindex;
    private final String netnsId;
    private final int netnsFd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment object;
    private final int programFd;
    private final int xsksFd;
    private final int configFd;
    private final int vtepsFd;
    private final int ilaFd;
    private final int countersFd;
    private final int cpus;

    private XdpAttachMode attachedMode;
    private String fallbackReason;
    private String replacedProgram;
    private boolean closed;

    private XdpProgram(final String interfaceName, final byte[] elf)
    {
        this.interfaceName = Objects.requireNonNull(interfaceName, "interfaceName");
        this.ifindex = LibC.ifNameToIndex(interfaceName);
        this.netnsId = NetNamespaces.currentId();
        this.netnsFd = NetNamespaces.openCurrent();
        MemorySegment obj = MemorySegment.NULL;
        try
        {
            final MemorySegment image = arena.allocate(elf.length, 8);
            MemorySegment.copy(elf, 0, image, ValueLayout.JAVA_BYTE, 0, elf.length);
            obj = LibBpf.objectOpenMem(image, PROGRAM_NAME, arena);
            LibBpf.objectLoad(obj, "XDP program " + RESOURCE + " for " + interfaceName);
            this.object = obj;
            this.programFd = LibBpf.programFd(obj, PROGRAM_NAME);
            this.xsksFd = LibBpf.mapFd(obj, MAP_XSKS);
            this.configFd = LibBpf.mapFd(obj, MAP_CONFIG);
            this.vtepsFd = LibBpf.mapFd(obj, MAP_VTEPS);
            this.ilaFd = LibBpf.mapFd(obj, MAP_ILA_LOCATORS);
            this.countersFd = LibBpf.mapFd(obj, MAP_COUNTERS);
            this.cpus = LibBpf.numPossibleCpus();
        }
        catch (final RuntimeException e)
        {
            if (!obj.equals(MemorySegment.NULL))
            {
                LibBpf.objectClose(obj);
            }
            LibC.close(netnsFd);
            arena.close();
            throw e;
        }
    }

    /**
     * Loads (verifies) the program and creates its maps for {@code interfaceName}, in the
     * calling thread's network namespace. Nothing is attached yet.
     */
    public static XdpProgram load(final String interfaceName)
    {
        return new XdpProgram(interfaceName, programImage());
    }

    /** The compiled program from the classpath. */
    public static byte[] programImage()
    {
        try (InputStream in = XdpProgram.class.getResourceAsStream(RESOURCE))
        {
            if (in == null)
            {
                throw new IllegalStateException(RESOURCE + " is not on the classpath: the xdp-loader build compiles it with clang");
            }
            return in.readAllBytes();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    public String interfaceName()
    {
        return interfaceName;
    }

    public int ifindex()
    {
        return ifindex;
    }

    public int programFd()
    {
        return programFd;
    }

    /** The mode the program is attached in, or null while detached. */
    public XdpAttachMode attachedMode()
    {
        return attachedMode;
    }

    /** Why AUTO ended up in generic mode (errno and kernel message), or null. */
    public String fallbackReason()
    {
        return fallbackReason;
    }

    /** The stale program that attach replaced ({@code "name id N mode"}), or null. */
    public String replacedProgram()
    {
        return replacedProgram;
    }

    // ------------------------------------------------------------------------------------------
    // attach / detach

    /** Attaches, replacing a stale nve program; refuses a foreign one. */
    public void attach(final XdpAttachMode mode)
    {
        attach(mode, false);
    }

    /**
     * Attaches in {@code mode} (AUTO: native, else generic with {@link #fallbackReason()}).
     * A program already attached to the interface is detached first when it is an nve program
     * (a previous run that did not detach) or when {@code replaceForeign} is set; otherwise
     * the attach fails with EEXIST naming that program.
     */
    public void attach(final XdpAttachMode mode, final boolean replaceForeign)
    {
        checkOpen();
        if (attachedMode != null)
        {
            throw new IllegalStateException("XDP program already attached to " + interfaceName + " in " + attachedMode + " mode");
        }
        removeStalePrograms(replaceForeign);
        if (mode != XdpAttachMode.AUTO)
        {
            final String[] log = new String[1];
            final int errno = LibBpf.xdpAttach(ifindex, programFd, mode.flags() | IfXdp.XDP_FLAGS_UPDATE_IF_NOEXIST, 0, log);
            if (errno != 0)
            {
                throw new NativeException("bpf_xdp_attach", errno, interfaceName + " " + mode + " mode", log[0]);
            }
            attachedMode = mode;
            return;
        }
        final String[] log = new String[1];
        final int nativeErrno = LibBpf.xdpAttach(ifindex, programFd, IfXdp.XDP_FLAGS_DRV_MODE | IfXdp.XDP_FLAGS_UPDATE_IF_NOEXIST, 0, log);
        if (nativeErrno == 0)
        {
            attachedMode = XdpAttachMode.NATIVE;
            return;
        }
        final String nativeFailure = "native XDP refused: " + Errno.describe(nativeErrno) + kernelMessage(log[0]);
        final int genericErrno = LibBpf.xdpAttach(ifindex, programFd, IfXdp.XDP_FLAGS_SKB_MODE | IfXdp.XDP_FLAGS_UPDATE_IF_NOEXIST, 0, log);
        if (genericErrno != 0)
        {
            throw new NativeException("bpf_xdp_attach", genericErrno, interfaceName + " generic mode after " + nativeFailure, log[0]);
        }
        attachedMode = XdpAttachMode.GENERIC;
        fallbackReason = nativeFailure + "; using generic XDP";
    }

    private static String kernelMessage(final String log)
    {
        if (log == null || log.isBlank())
        {
            return "";
        }
        return " (" + log.strip().replace('\n', ' ') + ")";
    }

    private void removeStalePrograms(final boolean replaceForeign)
    {
        final LibBpf.XdpQuery query = LibBpf.xdpQuery(ifindex, interfaceName);
        removeStale(query.driverProgId(), XdpAttachMode.NATIVE, replaceForeign);
        removeStale(query.genericProgId(), XdpAttachMode.GENERIC, replaceForeign);
        if (query.hardwareProgId() != 0)
        {
            throw new NativeException("bpf_xdp_attach", Errno.EEXIST, interfaceName + ": an offloaded (hardware) XDP program id " + query.hardwareProgId()
                + " is attached; nve does not remove it");
        }
    }

    private void removeStale(final int progId, final XdpAttachMode mode, final boolean replaceForeign)
    {
        if (progId == 0)
        {
            return;
        }
        final String name = LibBpf.programName(progId);
        final boolean ours = PROGRAM_NAME.equals(name);
        if (!ours && !replaceForeign)
        {
            throw new NativeException("bpf_xdp_attach", Errno.EEXIST, interfaceName + ": XDP program '" + name + "' id " + progId + " is attached in "
                + mode + " mode and is not nve's; detach it (ip link set dev " + interfaceName + " xdp off) or replace it explicitly");
        }
        final String[] log = new String[1];
        final int errno = LibBpf.xdpDetach(ifindex, mode.flags(), 0, log);
        if (errno != 0)
        {
            throw new NativeException("bpf_xdp_detach", errno, interfaceName + " stale program '" + name + "' id " + progId, log[0]);
        }
        replacedProgram = "'" + name + "' id " + progId + " " + mode;
    }

    /**
     * Detaches the program if it is still the one attached (it never removes a program that
     * replaced it), in the namespace it was attached in. Idempotent.
     */
    public void detach()
    {
        if (attachedMode == null)
        {
            return;
        }
        final XdpAttachMode mode = attachedMode;
        final String[] log = new String[1];
        final int errno;
        if (netnsId.equals(NetNamespaces.currentId()))
        {
            errno = LibBpf.xdpDetach(ifindex, mode.flags(), programFd, log);
        }
        else
        {
            errno = NetNamespaces.callIn(netnsFd, netnsId, () -> LibBpf.xdpDetach(ifindex, mode.flags(), programFd, log));
        }
        attachedMode = null;
        // ENODEV: the interface is gone (namespace deleted), and the program with it.
        if (errno != 0 && errno != Errno.ENODEV)
        {
            throw new NativeException("bpf_xdp_detach", errno, interfaceName + " " + mode + " mode", log[0]);
        }
    }

    // ------------------------------------------------------------------------------------------
    // maps

    /** Registers the AF_XDP socket {@code xskFd} for rx queue {@code queue}. */
    public void registerSocket(final int queue, final int xskFd)
    {
        checkOpen();
        checkQueue(queue);
        try (Arena a = Arena.ofConfined())
        {
            LibBpf.mapUpdate(xsksFd, a.allocateFrom(ValueLayout.JAVA_INT, queue), a.allocateFrom(ValueLayout.JAVA_INT, xskFd), 0,
                MAP_XSKS + " " + interfaceName + " queue " + queue);
        }
    }

    /** Removes the socket of {@code queue}; its traffic then passes to the kernel. */
    public boolean unregisterSocket(final int queue)
    {
        checkOpen();
        checkQueue(queue);
        try (Arena a = Arena.ofConfined())
        {
            return LibBpf.mapDelete(xsksFd, a.allocateFrom(ValueLayout.JAVA_INT, queue), MAP_XSKS + " " + interfaceName + " queue " + queue);
        }
    }

    private static void checkQueue(final int queue)
    {
        if (queue < 0 || queue >= XSKMAP_MAX_ENTRIES)
        {
            throw new IllegalArgumentException("queue " + queue + " outside [0, " + XSKMAP_MAX_ENTRIES + ")");
        }
    }

    /** Endpoint port: steer every frame on this interface to nve. */
    public void steerAll(final boolean enabled)
    {
        checkOpen();
        try (Arena a = Arena.ofConfined())
        {
            final MemorySegment value = a.allocate(CONFIG_SIZE, 4);
            value.set(ValueLayout.JAVA_INT, CONFIG_FLAGS_OFFSET, enabled ? CONFIG_STEER_ALL : 0);
            LibBpf.mapUpdate(configFd, a.allocateFrom(ValueLayout.JAVA_INT, 0), value, 0, MAP_CONFIG + " " + interfaceName);
        }
    }

    /** Whether {@link #steerAll(boolean)} is on. */
    public boolean steerAll()
    {
        checkOpen();
        try (Arena a = Arena.ofConfined())
        {
            final MemorySegment value = a.allocate(CONFIG_SIZE, 4);
            LibBpf.mapLookup(configFd, a.allocateFrom(ValueLayout.JAVA_INT, 0), value, MAP_CONFIG + " " + interfaceName);
            return (value.get(ValueLayout.JAVA_INT, CONFIG_FLAGS_OFFSET) & CONFIG_STEER_ALL) != 0;
        }
    }

    /** Steers UDP to {@code address}:{@code udpPort} (a local VTEP) to nve. */
    public void addVtep(final InetAddress address, final int udpPort)
    {
        checkOpen();
        try (Arena a = Arena.ofConfined())
        {
            LibBpf.mapUpdate(vtepsFd, vtepKey(a, address, udpPort), a.allocateFrom(ValueLayout.JAVA_INT, MATCH_STEER), 0,
                MAP_VTEPS + " " + interfaceName + " " + address.getHostAddress() + " port " + udpPort);
        }
    }

    public boolean removeVtep(final InetAddress address, final int udpPort)
    {
        checkOpen();
        try (Arena a = Arena.ofConfined())
        {
            return LibBpf.mapDelete(vtepsFd, vtepKey(a, address, udpPort), MAP_VTEPS + " " + interfaceName + " " + address.getHostAddress());
        }
    }

    /** The key layout of {@code struct nve_vtep_key}. */
    static MemorySegment vtepKey(final Arena a, final InetAddress address, final int udpPort)
    {
        if (udpPort < 0 || udpPort > 0xFFFF)
        {
            throw new IllegalArgumentException("UDP port " + udpPort);
        }
        final MemorySegment key = a.allocate(VTEP_KEY_SIZE, 4);
        final byte[] bytes = address.getAddress();
        MemorySegment.copy(bytes, 0, key, ValueLayout.JAVA_BYTE, VTEP_KEY_ADDR_OFFSET, bytes.length);
        key.set(SHORT_BE, VTEP_KEY_PORT_OFFSET, (short)udpPort);
        key.set(ValueLayout.JAVA_BYTE, VTEP_KEY_FAMILY_OFFSET, (byte)(address instanceof Inet4Address ? FAMILY_IPV4 : FAMILY_IPV6));
        return key;
    }

    /**
     * Steers IPv6 traffic whose destination's upper 64 bits equal {@code locator} (as a
     * number: {@code 0x2001_0db8_0001_0000L} is 2001:db8:1::/64).
     */
    public void addIlaLocator(final long locator)
    {
        checkOpen();
        try (Arena a = Arena.ofConfined())
        {
            LibBpf.mapUpdate(ilaFd, locatorKey(a, locator), a.allocateFrom(ValueLayout.JAVA_INT, MATCH_STEER), 0,
                MAP_ILA_LOCATORS + " " + interfaceName + " " + Long.toHexString(locator));
        }
    }

    public boolean removeIlaLocator(final long locator)
    {
        checkOpen();
        try (Arena a = Arena.ofConfined())
        {
            return LibBpf.mapDelete(ilaFd, locatorKey(a, locator), MAP_ILA_LOCATORS + " " + interfaceName);
        }
    }

    private static MemorySegment locatorKey(final Arena a, final long locator)
    {
        final MemorySegment key = a.allocate(8, 8);
        key.set(LONG_BE, 0, locator);
        return key;
    }

    /** One counter summed over all CPUs. */
    public long counter(final XdpCounter counter)
    {
        return counters()[counter.index()];
    }

    /** All counters (index = {@link XdpCounter#index()}), each summed over all CPUs. */
    public long[] counters()
    {
        checkOpen();
        final long[] sums = new long[XdpCounter.COUNT];
        try (Arena a = Arena.ofConfined())
        {
            final MemorySegment key = a.allocate(ValueLayout.JAVA_INT);
            final MemorySegment values = a.allocate(8L * cpus, 8);
            for (int i = 0; i < XdpCounter.COUNT; i++)
            {
                key.set(ValueLayout.JAVA_INT, 0, i);
                if (LibBpf.mapLookup(countersFd, key, values, MAP_COUNTERS + " " + interfaceName))
                {
                    long sum = 0;
                    for (int cpu = 0; cpu < cpus; cpu++)
                    {
                        sum += values.getAtIndex(ValueLayout.JAVA_LONG, cpu);
                    }
                    sums[i] = sum;
                }
            }
        }
        return sums;
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("XDP program for " + interfaceName + " is closed");
        }
    }

    /** Detaches (see {@link #detach()}) and frees the program and its maps. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        try
        {
            detach();
        }
        finally
        {
            closed = true;
            LibBpf.objectClose(object);
            LibC.close(netnsFd);
            arena.close();
        }
    }

    @Override
    public String toString()
    {
        return "XdpProgram[" + interfaceName + " ifindex " + ifindex + " " + netnsId + (attachedMode == null ? " detached" : " " + attachedMode) + "]";
    }
}
