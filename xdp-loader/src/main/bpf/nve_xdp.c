// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * nve_xdp: steers the traffic nve owns into AF_XDP sockets and passes everything else to the
 * kernel (ARP for the host, SSH, the BGP session, ...).
 *
 * nve's traffic is, decided at run time through maps (see nve_xdp.h):
 *   - everything, when the interface is an endpoint port (nve_config.flags & STEER_ALL);
 *   - UDP to a local VTEP address and port (nve_vteps), IPv4 or IPv6;
 *   - IPv6 whose destination's upper 64 bits are a local ILA locator (nve_ila_locs), except
 *     ICMPv6 neighbour discovery, which stays with the kernel.
 * Steered frames go to the socket of their rx queue (nve_xsks); a queue without a socket
 * passes the frame to the kernel (counted as REDIRECT_FAILED).
 *
 * Parsing: Ethernet with up to two VLAN tags (802.1Q / 802.1ad, any order), IPv4 with options
 * (IHL), IPv6 without an extension-header walk: a VTEP match needs UDP as the IPv6 next header
 * directly (VXLAN over IPv6 with extension headers goes to the kernel); the ILA match looks at
 * the destination only. IPv4 fragments are passed (RFC 7348 4.3: VTEPs must not fragment).
 * Every header access is bounds-checked against data_end before it is read.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "nve_xdp.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, NVE_XSKMAP_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, __u32);
} nve_xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nve_config);
} nve_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NVE_VTEP_MAX_ENTRIES);
	__type(key, struct nve_vtep_key);
	__type(value, __u32);
} nve_vteps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NVE_ILA_MAX_ENTRIES);
	__type(key, __u64);
	__type(value, __u32);
} nve_ila_locs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NVE_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} nve_counters SEC(".maps");

struct vlan_tag {
	__be16 tci;
	__be16 encapsulated_proto;
};

static __always_inline void count(__u32 counter)
{
	__u64 *value = bpf_map_lookup_elem(&nve_counters, &counter);

	if (value)
		*value += 1; /* per-CPU slot: no atomic needed */
}

static __always_inline int pass(__u32 reason)
{
	if (reason != NVE_CNT_PASS)
		count(reason);
	count(NVE_CNT_PASS);
	return XDP_PASS;
}

static __always_inline int steer(struct xdp_md *ctx, __u32 reason)
{
	int action;

	count(reason);
	/* XDP_PASS in the flags is the action when the queue has no socket. */
	action = bpf_redirect_map(&nve_xsks, ctx->rx_queue_index, XDP_PASS);
	count(action == XDP_REDIRECT ? NVE_CNT_REDIRECT : NVE_CNT_REDIRECT_FAILED);
	return action;
}

static __always_inline int is_vtep(const void *addr, __u32 addr_len, __be16 port, __u8 family)
{
	struct nve_vtep_key key = {};

	__builtin_memcpy(key.addr, addr, 16);
	if (addr_len == 4)
		__builtin_memset(key.addr + 4, 0, 12);
	key.port = port;
	key.family = family;
	return bpf_map_lookup_elem(&nve_vteps, &key) != NULL;
}

SEC("xdp")
int nve_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0;
	struct nve_config *config;
	struct ethhdr *eth;
	__u16 proto;
	void *l3;

	config = bpf_map_lookup_elem(&nve_config, &zero);
	if (config && (config->flags & NVE_CONFIG_STEER_ALL))
		return steer(ctx, NVE_CNT_STEER_ENDPOINT);

	eth = data;
	if ((void *)(eth + 1) > data_end)
		return pass(NVE_CNT_TRUNCATED);
	proto = eth->h_proto;
	l3 = eth + 1;

#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_tag *vlan = l3;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vlan + 1) > data_end)
			return pass(NVE_CNT_TRUNCATED);
		proto = vlan->encapsulated_proto;
		l3 = vlan + 1;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip4 = l3;
		struct udphdr *udp;
		__u32 ihl_bytes;

		if ((void *)(ip4 + 1) > data_end)
			return pass(NVE_CNT_TRUNCATED);
		if (ip4->protocol != IPPROTO_UDP)
			return pass(NVE_CNT_PASS);
		ihl_bytes = ip4->ihl * 4;
		if (ihl_bytes < sizeof(*ip4))
			return pass(NVE_CNT_TRUNCATED);
		/* MF set or fragment offset non-zero */
		if (ip4->frag_off & bpf_htons(0x3FFF))
			return pass(NVE_CNT_FRAGMENT);
		udp = (void *)ip4 + ihl_bytes;
		if ((void *)(udp + 1) > data_end)
			return pass(NVE_CNT_TRUNCATED);
		if (is_vtep(&ip4->daddr, 4, udp->dest, NVE_FAMILY_IPV4))
			return steer(ctx, NVE_CNT_STEER_VTEP4);
		return pass(NVE_CNT_PASS);
	}

	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;
		__u64 locator;

		if ((void *)(ip6 + 1) > data_end)
			return pass(NVE_CNT_TRUNCATED);
		if (ip6->nexthdr == IPPROTO_UDP) {
			struct udphdr *udp = (void *)(ip6 + 1);

			if ((void *)(udp + 1) > data_end)
				return pass(NVE_CNT_TRUNCATED);
			if (is_vtep(&ip6->daddr, 16, udp->dest, NVE_FAMILY_IPV6))
				return steer(ctx, NVE_CNT_STEER_VTEP6);
		}
		__builtin_memcpy(&locator, &ip6->daddr, sizeof(locator));
		if (!bpf_map_lookup_elem(&nve_ila_locs, &locator))
			return pass(NVE_CNT_PASS);
		if (ip6->nexthdr == IPPROTO_ICMPV6) {
			struct icmp6hdr *icmp6 = (void *)(ip6 + 1);

			if ((void *)(icmp6 + 1) > data_end)
				return pass(NVE_CNT_TRUNCATED);
			/* router/neighbour solicitation/advertisement, redirect: 133..137 */
			if (icmp6->icmp6_type >= 133 && icmp6->icmp6_type <= 137)
				return pass(NVE_CNT_ND);
		}
		return steer(ctx, NVE_CNT_STEER_ILA);
	}

	return pass(NVE_CNT_PASS);
}

char _license[] SEC("license") = "Dual BSD/GPL";
