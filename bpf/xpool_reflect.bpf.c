// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xpool_reflect.bpf.c - bare XDP_TX reflector (swap MACs, IPs, ports): the bench ceiling. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef XPOOL_BENCH /* the bench object includes this file and brings its own */
char LICENSE[] SEC("license") = "Dual BSD/GPL";
#endif

/* Untagged IPv4 or IPv6 UDP only; swapping addresses and ports keeps every checksum valid. */
static __always_inline int xpool_reflect_handle(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct udphdr *udp;
	__u8 mac[ETH_ALEN];
	__be16 port;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);
		__be32 a;

		if ((void *)(iph + 1) > end || iph->ihl != 5 || iph->protocol != IPPROTO_UDP)
			return XDP_PASS;
		udp = (void *)(iph + 1);
		a = iph->saddr;
		iph->saddr = iph->daddr;
		iph->daddr = a;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = (void *)(eth + 1);
		struct in6_addr a;

		if ((void *)(ip6h + 1) > end || ip6h->nexthdr != IPPROTO_UDP)
			return XDP_PASS;
		udp = (void *)(ip6h + 1);
		a = ip6h->saddr;
		ip6h->saddr = ip6h->daddr;
		ip6h->daddr = a;
	} else {
		return XDP_PASS;
	}
	if ((void *)(udp + 1) > end)
		return XDP_PASS;
	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
	return XDP_TX;
}

SEC("xdp")
int xpool_reflect(struct xdp_md *ctx)
{
	return xpool_reflect_handle(ctx);
}
