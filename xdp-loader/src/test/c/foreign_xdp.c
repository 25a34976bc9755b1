// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* A program that is not nve's, for XdpLifecycleTest: nve must not replace it unasked. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int foreign_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
