package dev.nve.xdp.ffi;

import dev.nve.xdp.Environment;
import dev.nve.xdp.XdpCounter;
import dev.nve.xdp.XdpProgram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every constant, struct size and field offset the Java side relies on, compared with the C
 * headers of this machine ({@code <linux/if_xdp.h>}, {@code <linux/if_link.h>},
 * {@code <linux/bpf.h>}, {@code <bpf/libbpf.h>}, glibc) and with nve_xdp.h: the test writes a
 * C program that prints each value, compiles it with {@code cc} and compares.
 */
class StructLayoutTest
{
    /** One checked value: a C expression, the Java value, and an optional guard macro. */
    private record Item(String c, long java, String guard)
    {
    }

    private final List<Item> items = new ArrayList<>();

    private void c(final String expression, final long javaValue)
    {
        items.add(new Item(expression, javaValue, null));
    }

    /** A value only checked when {@code macro} is defined by the installed headers. */
    private void guarded(final String macro, final String expression, final long javaValue)
    {
        items.add(new Item(expression, javaValue, macro));
    }

    private void sizeAndOffsets(final String struct, final long size, final Object... fieldOffsetPairs)
    {
        c("sizeof(" + struct + ")", size);
        for (int i = 0; i < fieldOffsetPairs.length; i += 2)
        {
            c("offsetof(" + struct + ", " + fieldOffsetPairs[i] + ")", ((Number)fieldOffsetPairs[i + 1]).longValue());
        }
    }

    private void declareAll()
    {
        // glibc / Linux
        c("AF_INET", LibC.AF_INET);
        c("AF_INET6", LibC.AF_INET6);
        c("AF_XDP", LibC.AF_XDP);
        c("SOCK_RAW", LibC.SOCK_RAW);
        c("SOCK_CLOEXEC", LibC.SOCK_CLOEXEC);
        c("SOL_SOCKET", LibC.SOL_SOCKET);
        c("SOL_XDP", LibC.SOL_XDP);
        c("MSG_DONTWAIT", LibC.MSG_DONTWAIT);
        c("SO_BUSY_POLL", LibC.SO_BUSY_POLL);
        guarded("SO_PREFER_BUSY_POLL", "SO_PREFER_BUSY_POLL", LibC.SO_PREFER_BUSY_POLL);
        guarded("SO_BUSY_POLL_BUDGET", "SO_BUSY_POLL_BUDGET", LibC.SO_BUSY_POLL_BUDGET);
        c("PROT_READ", LibC.PROT_READ);
        c("PROT_WRITE", LibC.PROT_WRITE);
        c("MAP_SHARED", LibC.MAP_SHARED);
        c("MAP_PRIVATE", LibC.MAP_PRIVATE);
        c("MAP_ANONYMOUS", LibC.MAP_ANONYMOUS);
        c("MAP_POPULATE", LibC.MAP_POPULATE);
        c("MAP_HUGETLB", LibC.MAP_HUGETLB);
        c("MADV_HUGEPAGE", LibC.MADV_HUGEPAGE);
        c("POLLIN", LibC.POLLIN);
        c("POLLOUT", LibC.POLLOUT);
        c("POLLERR", LibC.POLLERR);
        sizeAndOffsets("struct pollfd", LibC.POLLFD_SIZE, "fd", LibC.POLLFD_FD_OFFSET, "events", LibC.POLLFD_EVENTS_OFFSET, "revents",
            LibC.POLLFD_REVENTS_OFFSET);
        c("O_RDONLY", LibC.O_RDONLY);
        c("O_CLOEXEC", LibC.O_CLOEXEC);
        c("CLONE_NEWNET", LibC.CLONE_NEWNET);
        c("sizeof(cpu_set_t)", 128);
        for (final var e : Map.ofEntries(Map.entry("EPERM", Errno.EPERM), Map.entry("ENOENT", Errno.ENOENT), Map.entry("EINTR", Errno.EINTR),
            Map.entry("ENXIO", Errno.ENXIO), Map.entry("EBADF", Errno.EBADF), Map.entry("EAGAIN", Errno.EAGAIN), Map.entry("ENOMEM", Errno.ENOMEM),
            Map.entry("EFAULT", Errno.EFAULT), Map.entry("EBUSY", Errno.EBUSY), Map.entry("EEXIST", Errno.EEXIST), Map.entry("ENODEV", Errno.ENODEV),
            Map.entry("EINVAL", Errno.EINVAL), Map.entry("ENOSPC", Errno.ENOSPC), Map.entry("ERANGE", Errno.ERANGE),
            Map.entry("EOPNOTSUPP", Errno.EOPNOTSUPP), Map.entry("EAFNOSUPPORT", Errno.EAFNOSUPPORT), Map.entry("ENETDOWN", Errno.ENETDOWN),
            Map.entry("ENOBUFS", Errno.ENOBUFS)).entrySet())
        {
            c(e.getKey(), e.getValue());
        }

        // <linux/if_xdp.h>
        c("XDP_SHARED_UMEM", IfXdp.XDP_SHARED_UMEM);
        c("XDP_COPY", IfXdp.XDP_COPY);
        c("XDP_ZEROCOPY", IfXdp.XDP_ZEROCOPY);
        c("XDP_USE_NEED_WAKEUP", IfXdp.XDP_USE_NEED_WAKEUP);
        guarded("XDP_USE_SG", "XDP_USE_SG", IfXdp.XDP_USE_SG);
        c("XDP_RING_NEED_WAKEUP", IfXdp.XDP_RING_NEED_WAKEUP);
        c("XDP_MMAP_OFFSETS", IfXdp.XDP_MMAP_OFFSETS);
        c("XDP_RX_RING", IfXdp.XDP_RX_RING);
        c("XDP_TX_RING", IfXdp.XDP_TX_RING);
        c("XDP_UMEM_REG", IfXdp.XDP_UMEM_REG);
        c("XDP_UMEM_FILL_RING", IfXdp.XDP_UMEM_FILL_RING);
        c("XDP_UMEM_COMPLETION_RING", IfXdp.XDP_UMEM_COMPLETION_RING);
        c("XDP_STATISTICS", IfXdp.XDP_STATISTICS);
        c("XDP_OPTIONS", IfXdp.XDP_OPTIONS);
        guarded("XDP_MAX_TX_SKB_BUDGET", "XDP_MAX_TX_SKB_BUDGET", IfXdp.XDP_MAX_TX_SKB_BUDGET);
        c("XDP_OPTIONS_ZEROCOPY", IfXdp.XDP_OPTIONS_ZEROCOPY);
        c("XDP_PGOFF_RX_RING", IfXdp.XDP_PGOFF_RX_RING);
        c("XDP_PGOFF_TX_RING", IfXdp.XDP_PGOFF_TX_RING);
        c("XDP_UMEM_PGOFF_FILL_RING", IfXdp.XDP_UMEM_PGOFF_FILL_RING);
        c("XDP_UMEM_PGOFF_COMPLETION_RING", IfXdp.XDP_UMEM_PGOFF_COMPLETION_RING);
        sizeAndOffsets("struct sockaddr_xdp", IfXdp.SOCKADDR_XDP_SIZE, "sxdp_family", IfXdp.SXDP_FAMILY_OFFSET, "sxdp_flags",
            IfXdp.SXDP_FLAGS_OFFSET, "sxdp_ifindex", IfXdp.SXDP_IFINDEX_OFFSET, "sxdp_queue_id", IfXdp.SXDP_QUEUE_ID_OFFSET,
            "sxdp_shared_umem_fd", IfXdp.SXDP_SHARED_UMEM_FD_OFFSET);
        sizeAndOffsets("struct xdp_umem_reg", IfXdp.UMEM_REG_SIZE, "addr", IfXdp.UMEM_REG_ADDR_OFFSET, "len", IfXdp.UMEM_REG_LEN_OFFSET,
            "chunk_size", IfXdp.UMEM_REG_CHUNK_SIZE_OFFSET, "headroom", IfXdp.UMEM_REG_HEADROOM_OFFSET, "flags", IfXdp.UMEM_REG_FLAGS_OFFSET);
        sizeAndOffsets("struct xdp_ring_offset", IfXdp.RING_OFFSET_SIZE, "producer", IfXdp.RING_OFFSET_PRODUCER, "consumer",
            IfXdp.RING_OFFSET_CONSUMER, "desc", IfXdp.RING_OFFSET_DESC, "flags", IfXdp.RING_OFFSET_FLAGS);
        sizeAndOffsets("struct xdp_mmap_offsets", IfXdp.MMAP_OFFSETS_SIZE, "rx", IfXdp.MMAP_OFFSETS_RX, "tx", IfXdp.MMAP_OFFSETS_TX, "fr",
            IfXdp.MMAP_OFFSETS_FR, "cr", IfXdp.MMAP_OFFSETS_CR);
        sizeAndOffsets("struct xdp_desc", IfXdp.DESC_SIZE, "addr", IfXdp.DESC_ADDR_OFFSET, "len", IfXdp.DESC_LEN_OFFSET, "options",
            IfXdp.DESC_OPTIONS_OFFSET);
        c("sizeof(__u64)", IfXdp.UMEM_ENTRY_SIZE);
        sizeAndOffsets("struct xdp_statistics", IfXdp.STATISTICS_SIZE, "rx_dropped", IfXdp.STAT_RX_DROPPED, "rx_invalid_descs",
            IfXdp.STAT_RX_INVALID_DESCS, "tx_invalid_descs", IfXdp.STAT_TX_INVALID_DESCS, "rx_ring_full", IfXdp.STAT_RX_RING_FULL,
            "rx_fill_ring_empty_descs", IfXdp.STAT_RX_FILL_RING_EMPTY_DESCS, "tx_ring_empty_descs", IfXdp.STAT_TX_RING_EMPTY_DESCS);
        c("sizeof(struct xdp_options)", IfXdp.OPTIONS_SIZE);

        // <linux/if_link.h>, <linux/bpf.h>
        c("XDP_FLAGS_UPDATE_IF_NOEXIST", IfXdp.XDP_FLAGS_UPDATE_IF_NOEXIST);
        c("XDP_FLAGS_SKB_MODE", IfXdp.XDP_FLAGS_SKB_MODE);
        c("XDP_FLAGS_DRV_MODE", IfXdp.XDP_FLAGS_DRV_MODE);
        c("XDP_FLAGS_HW_MODE", IfXdp.XDP_FLAGS_HW_MODE);
        c("XDP_FLAGS_REPLACE", IfXdp.XDP_FLAGS_REPLACE);
        c("XDP_PACKET_HEADROOM", IfXdp.XDP_PACKET_HEADROOM);
        c("XDP_PASS", IfXdp.XDP_PASS);
        c("XDP_REDIRECT", IfXdp.XDP_REDIRECT);
        c("BPF_OBJ_NAME_LEN", IfXdp.BPF_OBJ_NAME_LEN);
        c("offsetof(struct bpf_prog_info, id)", IfXdp.PROG_INFO_ID_OFFSET);
        c("offsetof(struct bpf_prog_info, name)", IfXdp.PROG_INFO_NAME_OFFSET);

        // <bpf/libbpf.h>
        c("LIBBPF_WARN", LibBpf.LIBBPF_WARN);
        c("LIBBPF_INFO", LibBpf.LIBBPF_INFO);
        c("LIBBPF_DEBUG", LibBpf.LIBBPF_DEBUG);
        c("sizeof(struct bpf_object_open_opts)", LibBpf.OPEN_OPTS_SIZE);
        c("offsetof(struct bpf_object_open_opts, object_name)", LibBpf.OPEN_OPTS_OBJECT_NAME_OFFSET);
        sizeAndOffsets("struct bpf_xdp_attach_opts", LibBpf.XDP_ATTACH_OPTS_SIZE, "old_prog_fd", LibBpf.XDP_ATTACH_OPTS_OLD_PROG_FD_OFFSET);
        sizeAndOffsets("struct bpf_xdp_query_opts", LibBpf.XDP_QUERY_OPTS_SIZE, "prog_id", LibBpf.XDP_QUERY_OPTS_PROG_ID_OFFSET, "drv_prog_id",
            LibBpf.XDP_QUERY_OPTS_DRV_PROG_ID_OFFSET, "hw_prog_id", LibBpf.XDP_QUERY_OPTS_HW_PROG_ID_OFFSET, "skb_prog_id",
            LibBpf.XDP_QUERY_OPTS_SKB_PROG_ID_OFFSET, "attach_mode", LibBpf.XDP_QUERY_OPTS_ATTACH_MODE_OFFSET);

        // nve_xdp.h: the XDP program's maps
        c("NVE_XSKMAP_MAX_ENTRIES", XdpProgram.XSKMAP_MAX_ENTRIES);
        c("NVE_VTEP_MAX_ENTRIES", XdpProgram.VTEP_MAX_ENTRIES);
        c("NVE_ILA_MAX_ENTRIES", XdpProgram.ILA_MAX_ENTRIES);
        c("NVE_CONFIG_STEER_ALL", XdpProgram.CONFIG_STEER_ALL);
        c("NVE_MATCH_STEER", XdpProgram.MATCH_STEER);
        c("NVE_FAMILY_IPV4", XdpProgram.FAMILY_IPV4);
        c("NVE_FAMILY_IPV6", XdpProgram.FAMILY_IPV6);
        sizeAndOffsets("struct nve_config", XdpProgram.CONFIG_SIZE, "flags", XdpProgram.CONFIG_FLAGS_OFFSET);
        sizeAndOffsets("struct nve_vtep_key", XdpProgram.VTEP_KEY_SIZE, "addr", XdpProgram.VTEP_KEY_ADDR_OFFSET, "port",
            XdpProgram.VTEP_KEY_PORT_OFFSET, "family", XdpProgram.VTEP_KEY_FAMILY_OFFSET);
        for (final XdpCounter counter : XdpCounter.values())
        {
            c(counter.cName(), counter.index());
        }
        c("NVE_CNT_MAX", XdpCounter.COUNT);
    }

    @Test
    void javaConstantsMatchTheCHeaders(@TempDir final Path dir) throws Exception
    {
        final String cc = Environment.hasCommand("cc") ? "cc" : "clang";
        Environment.require(Environment.hasCommand(cc), "a C compiler (cc or clang) is needed to compile the layout probe");
        Environment.require(Files.exists(Path.of("/usr/include/linux/if_xdp.h")) && Files.exists(Path.of("/usr/include/bpf/libbpf.h")),
            "the kernel and libbpf headers are needed (linux-libc-dev, libbpf-dev)");
        declareAll();
        final Path bpfSource = Path.of(System.getProperty("nve.xdp.bpfSourceDir", "src/main/bpf")).toAbsolutePath();
        final StringBuilder src = new StringBuilder();
        src.append("""
            #define _GNU_SOURCE
            #include <stddef.h>
            #include <stdio.h>
            #include <errno.h>
            #include <fcntl.h>
            #include <poll.h>
            #include <sched.h>
            #include <sys/mman.h>
            #include <sys/socket.h>
            #include <linux/if_xdp.h>
            #include <linux/if_link.h>
            #include <linux/bpf.h>
            #include <bpf/libbpf.h>
            #include "nve_xdp.h"
            int main(void)
            {
            """);
        for (int i = 0; i < items.size(); i++)
        {
            final Item item = items.get(i);
            if (item.guard() != null)
            {
                src.append("#ifdef ").append(item.guard()).append('\n');
            }
            src.append("    printf(\"").append(i).append(" %lld\\n\", (long long)(").append(item.c()).append("));\n");
            if (item.guard() != null)
            {
                src.append("#else\n    printf(\"").append(i).append(" absent\\n\");\n#endif\n");
            }
        }
        src.append("    return 0;\n}\n");
        final Path c = dir.resolve("layout.c");
        final Path exe = dir.resolve("layout");
        Files.writeString(c, src.toString());
        final String multiarch = run(dir, cc, "-print-multiarch").strip();
        run(dir, cc, "-Wall", "-I" + bpfSource, "-I/usr/include/" + multiarch, "-o", exe.toString(), c.toString());
        final String out = run(dir, exe.toString());

        final Map<Integer, String> printed = new LinkedHashMap<>();
        for (final String line : out.split("\n"))
        {
            final String[] parts = line.strip().split(" ", 2);
            printed.put(Integer.parseInt(parts[0]), parts[1]);
        }
        final List<String> mismatches = new ArrayList<>();
        final List<String> absent = new ArrayList<>();
        for (int i = 0; i < items.size(); i++)
        {
            final Item item = items.get(i);
            final String value = printed.get(i);
            if ("absent".equals(value))
            {
                absent.add(item.c());
                continue;
            }
            if (value == null || Long.parseLong(value) != item.java())
            {
                mismatches.add(item.c() + ": C " + value + ", Java " + item.java());
            }
        }
        if (!absent.isEmpty())
        {
            System.out.println("StructLayoutTest: not defined by the installed headers (newer kernels; Java value documented): " + absent);
        }
        assertTrue(mismatches.isEmpty(), "Java constants differ from the C headers:\n  " + String.join("\n  ", mismatches));
        assertEquals(items.size(), printed.size());
        assertTrue(items.size() > 100, "checked " + items.size());
    }

    private static String run(final Path dir, final String... command) throws Exception
    {
        final Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        if (p.exitValue() != 0)
        {
            throw new AssertionError(String.join(" ", command) + " failed (" + p.exitValue() + "):\n" + out);
        }
        return out;
    }
}
