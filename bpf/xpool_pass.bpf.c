// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xpool_pass.bpf.c - XDP_PASS for every frame: lets XDP_TX from a veth peer be delivered. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xpool_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
