// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xdp_count.bpf.c - a counting XDP program for chain tests: counts every frame it gets, by
 * protocol (IPv4 UDP to port 123 in slot 1, everything else in slot 0), and passes it. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} xdp_count_frames SEC(".maps");

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct udphdr *udp = (void *)(iph + 1);
	__u32 k = 0;
	__u64 *n;

	if ((void *)(udp + 1) <= end && eth->h_proto == bpf_htons(ETH_P_IP) && iph->ihl == 5 &&
	    iph->protocol == IPPROTO_UDP && udp->dest == bpf_htons(123))
		k = 1;
	n = bpf_map_lookup_elem(&xdp_count_frames, &k);
	if (n)
		__sync_fetch_and_add(n, 1);
	return XDP_PASS;
}
