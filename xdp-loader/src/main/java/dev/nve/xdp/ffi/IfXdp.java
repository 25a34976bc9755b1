package dev.nve.xdp.ffi;

/**
 * The AF_XDP and XDP-attach user-space ABI: constants and struct layouts of
 * {@code <linux/if_xdp.h>}, {@code <linux/if_link.h>} and {@code <linux/bpf.h>}, as byte
 * offsets for {@link java.lang.foreign.MemorySegment} access in native byte order.
 * StructLayoutTest checks every value here against the C headers.
 *
 * <pre>
 * struct sockaddr_xdp {            struct xdp_umem_reg {          struct xdp_desc {
 *   __u16 sxdp_family;     0         __u64 addr;          0         __u64 addr;     0
 *   __u16 sxdp_flags;      2         __u64 len;           8         __u32 len;      8
 *   __u32 sxdp_ifindex;    4         __u32 chunk_size;   16         __u32 options; 12
 *   __u32 sxdp_queue_id;   8         __u32 headroom;     20       };               16
 *   __u32 sxdp_shared_umem_fd; 12    __u32 flags;        24
 * };                        16       __u32 tx_metadata_len; 28 (Linux >= 6.8; 0 = none)
 *                                  };                     32
 * struct xdp_ring_offset { __u64 producer 0, consumer 8, desc 16, flags 24; }  32
 * struct xdp_mmap_offsets { rx 0, tx 32, fr 64, cr 96; }                       128
 * struct xdp_statistics { rx_dropped 0, rx_invalid_descs 8, tx_invalid_descs 16,
 *                         rx_ring_full 24, rx_fill_ring_empty_descs 32,
 *                         tx_ring_empty_descs 40; }                             48
 * </pre>
 */
public final class IfXdp
{
    // sockaddr_xdp.sxdp_flags
    public static final int XDP_SHARED_UMEM = 1 << 0;
    public static final int XDP_COPY = 1 << 1;
    public static final int XDP_ZEROCOPY = 1 << 2;
    public static final int XDP_USE_NEED_WAKEUP = 1 << 3;
    public static final int XDP_USE_SG = 1 << 4;

    // ring flags word
    public static final int XDP_RING_NEED_WAKEUP = 1 << 0;

    // SOL_XDP socket options
    public static final int XDP_MMAP_OFFSETS = 1;
    public static final int XDP_RX_RING = 2;
    public static final int XDP_TX_RING = 3;
    public static final int XDP_UMEM_REG = 4;
    public static final int XDP_UMEM_FILL_RING = 5;
    public static final int XDP_UMEM_COMPLETION_RING = 6;
    public static final int XDP_STATISTICS = 7;
    public static final int XDP_OPTIONS = 8;
    /** Copy-mode TX frames per sendto() (default 32). Linux >= 6.17; not in older headers. */
    public static final int XDP_MAX_TX_SKB_BUDGET = 9;
    public static final int XDP_OPTIONS_ZEROCOPY = 1 << 0;

    // mmap page offsets of the rings
    public static final long XDP_PGOFF_RX_RING = 0L;
    public static final long XDP_PGOFF_TX_RING = 0x80000000L;
    public static final long XDP_UMEM_PGOFF_FILL_RING = 0x100000000L;
    public static final long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000L;

    // struct sockaddr_xdp
    public static final int SOCKADDR_XDP_SIZE = 16;
    public static final int SXDP_FAMILY_OFFSET = 0;
    public static final int SXDP_FLAGS_OFFSET = 2;
    public static final int SXDP_IFINDEX_OFFSET = 4;
    public static final int SXDP_QUEUE_ID_OFFSET = 8;
    public static final int SXDP_SHARED_UMEM_FD_OFFSET = 12;

    // struct xdp_umem_reg
    public static final int UMEM_REG_SIZE = 32;
    public static final int UMEM_REG_ADDR_OFFSET = 0;
    public static final int UMEM_REG_LEN_OFFSET = 8;
    public static final int UMEM_REG_CHUNK_SIZE_OFFSET = 16;
    public static final int UMEM_REG_HEADROOM_OFFSET = 20;
    public static final int UMEM_REG_FLAGS_OFFSET = 24;

    // struct xdp_ring_offset and struct xdp_mmap_offsets
    public static final int RING_OFFSET_SIZE = 32;
    public static final int RING_OFFSET_PRODUCER = 0;
    public static final int RING_OFFSET_CONSUMER = 8;
    public static final int RING_OFFSET_DESC = 16;
    public static final int RING_OFFSET_FLAGS = 24;
    public static final int MMAP_OFFSETS_SIZE = 128;
    public static final int MMAP_OFFSETS_RX = 0;
    public static final int MMAP_OFFSETS_TX = 32;
    public static final int MMAP_OFFSETS_FR = 64;
    public static final int MMAP_OFFSETS_CR = 96;

    // struct xdp_desc; fill and completion entries are a __u64 address
    public static final int DESC_SIZE = 16;
    public static final int DESC_ADDR_OFFSET = 0;
    public static final int DESC_LEN_OFFSET = 8;
    public static final int DESC_OPTIONS_OFFSET = 12;
    public static final int UMEM_ENTRY_SIZE = 8;

    // struct xdp_statistics
    public static final int STATISTICS_SIZE = 48;
    public static final int STAT_RX_DROPPED = 0;
    public static final int STAT_RX_INVALID_DESCS = 8;
    public static final int STAT_TX_INVALID_DESCS = 16;
    public static final int STAT_RX_RING_FULL = 24;
    public static final int STAT_RX_FILL_RING_EMPTY_DESCS = 32;
    public static final int STAT_TX_RING_EMPTY_DESCS = 40;

    // struct xdp_options
    public static final int OPTIONS_SIZE = 4;

    // <linux/if_link.h> XDP attach flags
    public static final int XDP_FLAGS_UPDATE_IF_NOEXIST = 1 << 0;
    public static final int XDP_FLAGS_SKB_MODE = 1 << 1;
    public static final int XDP_FLAGS_DRV_MODE = 1 << 2;
    public static final int XDP_FLAGS_HW_MODE = 1 << 3;
    public static final int XDP_FLAGS_REPLACE = 1 << 4;

    // <linux/bpf.h>
    /** Bytes the kernel keeps in front of a received frame: RX data starts at chunk + this + UMEM headroom. */
    public static final int XDP_PACKET_HEADROOM = 256;
    public static final int XDP_PASS = 2;
    public static final int XDP_REDIRECT = 4;
    public static final int BPF_OBJ_NAME_LEN = 16;
    /** offsetof(struct bpf_prog_info, name). */
    public static final int PROG_INFO_NAME_OFFSET = 64;
    /** Bytes of struct bpf_prog_info the loader asks for (up to and including name). */
    public static final int PROG_INFO_PREFIX_SIZE = PROG_INFO_NAME_OFFSET + BPF_OBJ_NAME_LEN;
    /** offsetof(struct bpf_prog_info, id). */
    public static final int PROG_INFO_ID_OFFSET = 4;

    private IfXdp()
    {
    }
}
