// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xpool_dns.bpf.c - hands UDP queries to xpool-dns's AF_XDP sockets; everything else to the kernel.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "xpool_dns_shared.h"
#include "xpool_parse.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XPOOL_DNS_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xpool_dns_xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XPOOL_DNS_MAX_ADDRS);
	__type(key, struct xpool_dns_addr);
	__type(value, __u32);
} xpool_dns_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDNS_N_STATS);
	__type(key, __u32);
	__type(value, __u64);
} xpool_dns_stats SEC(".maps");

static __always_inline int count(enum xpool_dns_stat st, int action)
{
	__u32 key = st;
	__u64 *cnt = bpf_map_lookup_elem(&xpool_dns_stats, &key);

	if (cnt)
		*cnt += 1;
	return action;
}

/* A UDP datagram to one of the listen addresses: to this queue's socket. */
static __always_inline int to_socket(struct xdp_md *ctx, struct xpool_dns_addr *key,
				     struct udphdr *udp)
{
	__u32 q = ctx->rx_queue_index;

	key->port = udp->dest;
	if (!bpf_map_lookup_elem(&xpool_dns_addrs, key))
		return count(XDNS_PASS_NOT_OURS, XDP_PASS);
	/* no socket on this queue: the kernel (and the socket path) answers */
	if (!bpf_map_lookup_elem(&xpool_dns_xsks, &q))
		return count(XDNS_NO_SOCKET, XDP_PASS);
	count(XDNS_REDIRECT, XDP_PASS);
	return bpf_redirect_map(&xpool_dns_xsks, q, XDP_PASS);
}

static __always_inline int handle_ipv4(struct xdp_md *ctx, struct cursor *c)
{
	struct xpool_dns_addr key = {.addr = {[10] = 0xff, [11] = 0xff}};
	struct iphdr *iph = pull(c, sizeof(*iph));
	struct udphdr *udp;

	if (!iph || iph->ihl < 5)
		return count(XDNS_PASS_SHORT, XDP_PASS);
	if (iph->protocol != IPPROTO_UDP)
		return count(XDNS_PASS_NOT_UDP, XDP_PASS);
	/* MF set or an offset: a fragment, which only the kernel can put together */
	if (iph->frag_off & bpf_htons(0x3fff))
		return count(XDNS_PASS_FRAG, XDP_PASS);
	/* options: skipped by the header length (the verifier wants a constant-bounded pull) */
	if (iph->ihl > 5 && !pull(c, (iph->ihl - 5) * 4 & 0x3c))
		return count(XDNS_PASS_SHORT, XDP_PASS);
	udp = pull(c, sizeof(*udp));
	if (!udp)
		return count(XDNS_PASS_SHORT, XDP_PASS);
	__builtin_memcpy(key.addr + 12, &iph->daddr, 4);
	return to_socket(ctx, &key, udp);
}

static __always_inline int handle_ipv6(struct xdp_md *ctx, struct cursor *c)
{
	struct xpool_dns_addr key = {};
	struct ipv6hdr *ip6 = pull(c, sizeof(*ip6));
	struct udphdr *udp;

	if (!ip6)
		return count(XDNS_PASS_SHORT, XDP_PASS);
	if (ip6->nexthdr != IPPROTO_UDP)
		return count(ip6->nexthdr == IPPROTO_TCP || ip6->nexthdr == IPPROTO_ICMPV6
				 ? XDNS_PASS_NOT_UDP
				 : XDNS_PASS_EXTHDR,
			     XDP_PASS);
	udp = pull(c, sizeof(*udp));
	if (!udp)
		return count(XDNS_PASS_SHORT, XDP_PASS);
	__builtin_memcpy(key.addr, &ip6->daddr, 16);
	return to_socket(ctx, &key, udp);
}

SEC("xdp")
int xpool_dns(struct xdp_md *ctx)
{
	struct cursor c = {(void *)(long)ctx->data, (void *)(long)ctx->data_end};
	struct ethhdr *eth;
	__be16 proto;

	if (parse_eth(&c, &eth, &proto) < 0)
		return count(XDNS_PASS_SHORT, XDP_PASS);
	if (proto == bpf_htons(ETH_P_IP))
		return handle_ipv4(ctx, &c);
	if (proto == bpf_htons(ETH_P_IPV6))
		return handle_ipv6(ctx, &c);
	return count(XDNS_PASS_OTHER, XDP_PASS);
}
