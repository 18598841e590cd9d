/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xpool_minreply.bpf.h - the floor of any XDP NTP responder: the reflector, one clock read, the
 * receive and transmit timestamps written and the full UDP checksum recomputed; nothing else. */
#ifndef XPOOL_MINREPLY_BPF_H
#define XPOOL_MINREPLY_BPF_H

#define MINREPLY_NTP_LEN 48
#define NTP_UNIX_DELTA	 2208988800ULL /* seconds from 1900 to 1970 */

static __always_inline __u16 minreply_fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* Untagged IPv4 only (the bench's request): what no responder can do without. */
static __always_inline int xpool_minreply_handle(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = data + sizeof(*eth);
	struct udphdr *udp = (void *)(iph + 1);
	__u8 *ntp = (void *)(udp + 1), mac[ETH_ALEN];
	__u64 t, frac, sum;
	__u32 secs;
	__be32 a;
	__be16 port;
	__s64 c;

	if ((void *)ntp + MINREPLY_NTP_LEN > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    iph->ihl != 5 || iph->protocol != IPPROTO_UDP)
		return XDP_PASS;
	__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
	a = iph->saddr;
	iph->saddr = iph->daddr;
	iph->daddr = a;
	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	/* one clock read: origin <- the request's transmit; receive = transmit = now */
	t = bpf_ktime_get_ns();
	secs = (__u32)(t / 1000000000ULL + NTP_UNIX_DELTA);
	frac = ((t % 1000000000ULL) << 32) / 1000000000ULL;
	__builtin_memcpy(ntp + 24, ntp + 40, 8);
	*(__be32 *)(ntp + 32) = bpf_htonl(secs);
	*(__be32 *)(ntp + 36) = bpf_htonl((__u32)frac);
	*(__be32 *)(ntp + 40) = bpf_htonl(secs);
	*(__be32 *)(ntp + 44) = bpf_htonl((__u32)frac);
	/* the full UDP checksum: pseudo-header, header and payload */
	udp->check = 0;
	sum = (__u64)iph->saddr + iph->daddr + bpf_htons(IPPROTO_UDP) + udp->len;
	c = bpf_csum_diff(0, 0, (__be32 *)udp, sizeof(*udp) + MINREPLY_NTP_LEN, 0);
	if (c < 0)
		return XDP_ABORTED;
	udp->check = minreply_fold(sum + (__u64)c);
	if (!udp->check)
		udp->check = 0xffff;
	return XDP_TX;
}

#endif
