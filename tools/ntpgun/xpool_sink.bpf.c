// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xpool_sink.bpf.c - a server that takes requests and answers nothing: the rig's baseline. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xpool_sink(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}
