/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * nve_xdp.h: the contract between the XDP program (nve_xdp.c) and the Java loader
 * (dev.nve.xdp.XdpProgram). Every constant, struct size and field offset here is checked
 * against the Java side by StructLayoutTest, which compiles a small C program that includes
 * this header.
 *
 * Maps (one set per interface: nve loads one program object per interface, so the XSKMAP key
 * is just the rx queue index and the config map is per interface):
 *
 *   nve_xsks      XSKMAP      u32 rx queue index -> AF_XDP socket fd (set by the port)
 *   nve_config    ARRAY[1]    u32 0 -> struct nve_config
 *   nve_vteps     HASH        struct nve_vtep_key -> u32 (NVE_MATCH_STEER)
 *   nve_ila_locs  HASH        u64 (IPv6 destination bytes 0..7, as they are on the wire)
 *                                 -> u32 (NVE_MATCH_STEER)
 *   nve_counters  PERCPU_ARRAY u32 enum nve_xdp_counter -> u64 packets
 */
#ifndef NVE_XDP_H
#define NVE_XDP_H

#include <linux/types.h>

#define NVE_XSKMAP_MAX_ENTRIES 64
#define NVE_VTEP_MAX_ENTRIES 64
#define NVE_ILA_MAX_ENTRIES 4096

/* struct nve_config.flags */
/* Endpoint port: every frame arriving on this interface is nve's (container veth). */
#define NVE_CONFIG_STEER_ALL (1U << 0)

/* Values of nve_vteps and nve_ila_locs. */
#define NVE_MATCH_STEER 1U

/* struct nve_vtep_key.family */
#define NVE_FAMILY_IPV4 4
#define NVE_FAMILY_IPV6 6

struct nve_config {
	__u32 flags;
	__u32 reserved;
};

/*
 * A local VTEP address and UDP destination port. IPv4 addresses fill addr[0..3] and leave
 * addr[4..15] zero. port is in network byte order, exactly as in the UDP header.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  addr (16 bytes, network order)               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        port (network order)   |    family     |   pad (0)     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
struct nve_vtep_key {
	__u8 addr[16];
	__be16 port;
	__u8 family;
	__u8 pad;
};

/*
 * Per-CPU packet counters. The first three are the program's actions and add up to the
 * number of frames seen; the others say why a frame was steered or passed.
 */
enum nve_xdp_counter {
	NVE_CNT_PASS = 0,            /* XDP_PASS: not nve's traffic */
	NVE_CNT_REDIRECT = 1,        /* XDP_REDIRECT into the XSKMAP */
	NVE_CNT_REDIRECT_FAILED = 2, /* nve's traffic, but no socket on this queue: XDP_PASS */
	NVE_CNT_STEER_ENDPOINT = 3,  /* steered: endpoint port (NVE_CONFIG_STEER_ALL) */
	NVE_CNT_STEER_VTEP4 = 4,     /* steered: UDP to a local IPv4 VTEP address and port */
	NVE_CNT_STEER_VTEP6 = 5,     /* steered: UDP to a local IPv6 VTEP address and port */
	NVE_CNT_STEER_ILA = 6,       /* steered: IPv6 destination in a local ILA locator */
	NVE_CNT_TRUNCATED = 7,       /* passed: headers shorter than they claim */
	NVE_CNT_FRAGMENT = 8,        /* passed: IPv4 fragment (VTEPs do not fragment) */
	NVE_CNT_ND = 9,              /* passed: ICMPv6 neighbour discovery to an ILA locator */
	NVE_CNT_MAX = 10,
};

#endif /* NVE_XDP_H */
