// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xpool_dns.bpf.c - hands UDP queries to xpool-dns's AF_XDP sockets; everything else to the kernel.
 * Only what the kernel would hand the socket path goes to a socket: a frame whose checksums do
 * not verify is the kernel's to judge, one from a source no reply may go to is dropped.
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
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XPOOL_DNS_MAX_LOCAL);
	__type(key, struct xpool_dns_ip);
	__type(value, __u32);
} xpool_dns_local SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDNS_N_STATS);
	__type(key, __u32);
	__type(value, __u64);
} xpool_dns_stats SEC(".maps");

/* set by xpool-dns before loading (see xpool_dns_shared.h) */
const volatile struct xpool_dns_config xpool_dns_cfg = {};

static __always_inline int count(enum xpool_dns_stat st, int action)
{
	__u32 key = st;
	__u64 *cnt = bpf_map_lookup_elem(&xpool_dns_stats, &key);

	if (cnt)
		*cnt += 1;
	return action;
}

/* A UDP datagram to one of the listen addresses? */
static __always_inline int ours(struct xpool_dns_addr *key, struct udphdr *udp)
{
	key->port = udp->dest;
	return bpf_map_lookup_elem(&xpool_dns_addrs, key) != NULL;
}

/* One of the host's addresses or directed broadcasts (16 bytes, IPv4 mapped)? */
static __always_inline int local_source(const struct xpool_dns_ip *src)
{
	return bpf_map_lookup_elem(&xpool_dns_local, src) != NULL;
}

/*
 * The UDP checksum as the kernel would take it: none (IPv4 only), complete and right, or (on
 * an interface that hands them over) the partial form, the folded pseudo-header sum. pseudo
 * holds the pseudo-header's sum, ulen the UDP length, checked against the IP length.
 */
static __always_inline int udp_csum_ok(struct udphdr *udp, void *end, __u32 ulen, __u64 pseudo,
				       int v6)
{
	__u64 s;

	if (!udp->check)
		return !v6;
	if (xpool_dns_cfg.partial_csum && udp->check == csum_fold(pseudo))
		return 1;
	if (sum_span(udp, end, ulen, &s) < 0)
		return 0;
	return csum_fold(pseudo + s) == 0xffff;
}

/* Ours and sound: to this queue's socket. */
static __always_inline int to_socket(struct xdp_md *ctx)
{
	__u32 q = ctx->rx_queue_index;

	/* no socket on this queue: the kernel (and the socket path) answers */
	if (!bpf_map_lookup_elem(&xpool_dns_xsks, &q))
		return count(XDNS_NO_SOCKET, XDP_PASS);
	count(XDNS_REDIRECT, XDP_PASS);
	return bpf_redirect_map(&xpool_dns_xsks, q, XDP_PASS);
}

static __always_inline int handle_ipv4(struct xdp_md *ctx, struct cursor *c, struct ethhdr *eth)
{
	struct xpool_dns_addr key = {.addr = {[10] = 0xff, [11] = 0xff}};
	struct xpool_dns_ip src = {.addr = {[10] = 0xff, [11] = 0xff}};
	struct iphdr *iph = pull(c, sizeof(*iph));
	struct udphdr *udp;
	__u32 ihl, tot, ulen;
	__u64 sum;

	if (!iph || iph->ihl < 5)
		return count(XDNS_PASS_SHORT, XDP_PASS);
	if (iph->protocol != IPPROTO_UDP)
		return count(XDNS_PASS_NOT_UDP, XDP_PASS);
	/* MF set or an offset: a fragment, which only the kernel can put together */
	if (iph->frag_off & bpf_htons(0x3fff))
		return count(XDNS_PASS_FRAG, XDP_PASS);
	ihl = iph->ihl;
	/* options: skipped by the header length (the verifier wants a constant-bounded pull) */
	if (ihl > 5 && !pull(c, (ihl - 5) * 4 & 0x3c))
		return count(XDNS_PASS_SHORT, XDP_PASS);
	udp = pull(c, sizeof(*udp));
	if (!udp)
		return count(XDNS_PASS_SHORT, XDP_PASS);
	__builtin_memcpy(key.addr + 12, &iph->daddr, 4);
	if (!ours(&key, udp))
		return count(XDNS_PASS_NOT_OURS, XDP_PASS);
	/* ours: what the kernel checks before a socket sees it, in the kernel's order */
	tot = bpf_ntohs(iph->tot_len);
	ulen = bpf_ntohs(udp->len);
	if (iph->version != 4 || tot < ihl * 4 + sizeof(*udp) || (void *)iph + tot > c->end ||
	    ulen < sizeof(*udp) || ulen > tot - ihl * 4)
		return count(XDNS_PASS_SHORT, XDP_PASS);
	if (ipv4_hdr_sum(iph, c->end, ihl, &sum) < 0 || csum_fold(sum) != 0xffff)
		return count(XDNS_PASS_BAD_CSUM, XDP_PASS);
	__builtin_memcpy(src.addr + 12, &iph->saddr, 4);
	if (!udp->source || mac_group(eth->h_source) || ipv4_addr_bad(iph->saddr) ||
	    local_source(&src))
		return count(XDNS_DROP_BAD_SOURCE, XDP_DROP);
	sum = (__u64)iph->saddr + iph->daddr + bpf_htons(IPPROTO_UDP) + udp->len;
	if (!udp_csum_ok(udp, c->end, ulen, sum, 0))
		return count(XDNS_PASS_BAD_CSUM, XDP_PASS);
	return to_socket(ctx);
}

static __always_inline int handle_ipv6(struct xdp_md *ctx, struct cursor *c, struct ethhdr *eth)
{
	struct xpool_dns_addr key = {};
	struct xpool_dns_ip src = {};
	struct ipv6hdr *ip6 = pull(c, sizeof(*ip6));
	struct udphdr *udp;
	__u32 plen, ulen;
	__u64 sum;

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
	if (!ours(&key, udp))
		return count(XDNS_PASS_NOT_OURS, XDP_PASS);
	plen = bpf_ntohs(ip6->payload_len);
	ulen = bpf_ntohs(udp->len);
	if (ip6->version != 6 || plen < sizeof(*udp) || (void *)(ip6 + 1) + plen > c->end ||
	    ulen < sizeof(*udp) || ulen > plen)
		return count(XDNS_PASS_SHORT, XDP_PASS);
	__builtin_memcpy(src.addr, &ip6->saddr, 16);
	if (!udp->source || mac_group(eth->h_source) || ipv6_addr_bad(&ip6->saddr) ||
	    local_source(&src))
		return count(XDNS_DROP_BAD_SOURCE, XDP_DROP);
	sum = sum_words(ip6->saddr.in6_u.u6_addr32, 4) + sum_words(ip6->daddr.in6_u.u6_addr32, 4) +
	      bpf_htons(IPPROTO_UDP) + udp->len;
	if (!udp_csum_ok(udp, c->end, ulen, sum, 1))
		return count(XDNS_PASS_BAD_CSUM, XDP_PASS);
	return to_socket(ctx);
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
		return handle_ipv4(ctx, &c, eth);
	if (proto == bpf_htons(ETH_P_IPV6))
		return handle_ipv6(ctx, &c, eth);
	return count(XDNS_PASS_OTHER, XDP_PASS);
}
