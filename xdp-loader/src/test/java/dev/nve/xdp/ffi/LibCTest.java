package dev.nve.xdp.ffi;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The libc bindings that need no privileges: errno capture, exceptions, mmap, affinity, poll. */
class LibCTest
{
    @Test
    void errnoBecomesAnExceptionThatNamesCallAndContext()
    {
        final NativeException e = assertThrows(NativeException.class, () -> LibC.ifNameToIndex("nvex-no-such"));
        assertEquals("if_nametoindex", e.call());
        assertEquals(Errno.ENODEV, e.errno());
        assertTrue(e.getMessage().contains("interface nvex-no-such") && e.getMessage().contains("ENODEV (19): No such device"), e.getMessage());
    }

    @Test
    void failedMmapReportsErrnoAndArguments()
    {
        // MAP_SHARED of a closed descriptor: EBADF
        final NativeException e = assertThrows(NativeException.class,
            () -> LibC.mmap(4096, LibC.PROT_READ, LibC.MAP_SHARED, 1_000_000, 0, "test mapping"));
        assertEquals(Errno.EBADF, e.errno());
        assertTrue(e.getMessage().contains("test mapping, length 4096"), e.getMessage());
    }

    @Test
    void anonymousMappingIsUsableAndReleased()
    {
        final MemorySegment m = LibC.mmap(1 << 16, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0, "test");
        assertEquals(0, m.address() & 4095, "page aligned");
        m.set(ValueLayout.JAVA_LONG, 8, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, m.get(ValueLayout.JAVA_LONG, 8));
        LibC.munmap(m, "test");
    }

    @Test
    void rawCallsLeaveErrnoInTheCallersSegment()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = LibC.allocateCallState(arena);
            final long rc = LibC.sendto(state, 1_000_000, MemorySegment.NULL, 0, LibC.MSG_DONTWAIT, MemorySegment.NULL, 0);
            assertEquals(-1, rc);
            assertEquals(Errno.EBADF, LibC.errno(state));
            final MemorySegment pollFd = arena.allocate(LibC.POLLFD_SIZE, 4);
            pollFd.set(ValueLayout.JAVA_INT, LibC.POLLFD_FD_OFFSET, -1); // ignored by poll
            assertEquals(0, LibC.poll(state, pollFd, 1, 1), "timeout with nothing to watch");
        }
    }

    @Test
    void pinsTheCallingThreadOnly() throws Exception
    {
        final AtomicReference<String> allowed = new AtomicReference<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread t = Thread.ofPlatform().start(() ->
        {
            try
            {
                LibC.pinCurrentThread(0);
                allowed.set(Files.readAllLines(Path.of("/proc/thread-self/status")).stream().filter(l -> l.startsWith("Cpus_allowed_list:"))
                    .findFirst().orElseThrow().split(":")[1].strip());
            }
            catch (final Throwable e)
            {
                failure.set(e);
            }
        });
        t.join(10_000);
        if (failure.get() != null)
        {
            throw new AssertionError(failure.get());
        }
        assertEquals("0", allowed.get());
        assertThrows(IllegalArgumentException.class, () -> LibC.pinCurrentThread(-1));
    }
}
