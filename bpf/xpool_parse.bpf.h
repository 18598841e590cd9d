/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xpool_parse.bpf.h - frame parsing both XDP programs share: bounds-checked pulls, VLAN tags,
 * Internet checksums, and the sources no reply may go to.
 */
#ifndef XPOOL_PARSE_BPF_H
#define XPOOL_PARSE_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct cursor {
	void *pos;
	void *end;
};

/* Bounds-checked header pull: NULL when the frame is shorter than the header. */
static __always_inline void *pull(struct cursor *c, __u32 len)
{
	void *p = c->pos;

	if (p + len > c->end)
		return NULL;
	c->pos = p + len;
	return p;
}

/* Skips up to two VLAN tags (802.1Q, 802.1ad); returns the inner EtherType. */
static __always_inline int parse_eth(struct cursor *c, struct ethhdr **eth, __be16 *proto)
{
	struct vlan_hdr *vh;
	__be16 p;

	*eth = pull(c, sizeof(**eth));
	if (!*eth)
		return -1;
	p = (*eth)->h_proto;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (p != bpf_htons(ETH_P_8021Q) && p != bpf_htons(ETH_P_8021AD))
			break;
		vh = pull(c, sizeof(*vh));
		if (!vh)
			return -1;
		p = vh->proto;
	}
	*proto = p;
	return 0;
}

/* Ones' complement sum folded to 16 bits, in memory order (not complemented). */
static __always_inline __u16 csum_fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

static __always_inline __u64 sum_words(const __u32 *w, const int n)
{
	__u64 s = 0;

	/* full unroll: a counted loop here costs a register and a branch per word */
#pragma clang loop unroll(full)
	for (int i = 0; i < n; i++)
		s += w[i];
	return s;
}

/* Sums the IPv4 header (ihl words, options included) with the verifier-visible bound. */
static __always_inline int ipv4_hdr_sum(struct iphdr *iph, void *end, __u32 ihl, __u64 *sum)
{
	__u32 *w = (__u32 *)iph;
	__u64 s = sum_words(w, 5);

	if (ihl > 5) {
		/* Unrolled with a constant offset per word: the verifier tracks constant offsets
		 * from iph against end, but rejects the pkt_end arithmetic clang emits for a
		 * variable one. */
#pragma unroll
		for (__u32 i = 5; i < 15; i++) {
			if (i < ihl) {
				if ((void *)iph + (i + 1) * 4 > end)
					return -1;
				s += w[i];
			}
		}
	}
	*sum = s;
	return 0;
}

static __always_inline int ipv4_addr_bad(__be32 a)
{
	__u8 first = bpf_ntohl(a) >> 24;

	/* 0/8 unspecified, 127/8 loopback, 224/4 multicast, 240/4 reserved and broadcast */
	return first == 0 || first == 127 || first >= 224;
}

static __always_inline int ipv6_addr_bad(const struct in6_addr *a)
{
	__u32 w0 = a->in6_u.u6_addr32[0], w1 = a->in6_u.u6_addr32[1];
	__u32 w2 = a->in6_u.u6_addr32[2];

	if (a->in6_u.u6_addr8[0] == 0xff) /* multicast */
		return 1;
	/*
	 * ::/96 (unspecified, loopback, IPv4-compatible) and ::ffff:0:0/96 (IPv4-mapped): never
	 * on the wire, and they would let an IPv6 packet name 127.0.0.1 or 224.0.0.1 as its source
	 */
	return (w0 | w1) == 0 && (w2 == 0 || w2 == bpf_htonl(0xffff));
}

/* The group bit of a MAC address: broadcast or multicast, never a real client's unicast. */
static __always_inline int mac_group(const __u8 *mac)
{
	return mac[0] & 1;
}

/* Bytes a checksum is verified over in one frame: more than any frame without fragments holds. */
#define XPOOL_CSUM_MAX 4096

/*
 * The sum of len bytes at p, in memory order, as csum_fold wants it: -1 when they are not all in
 * the frame or more than XPOOL_CSUM_MAX. p must be 2-byte aligned relative to the sum's start.
 */
static __always_inline int sum_span(void *p, void *end, __u32 len, __u64 *out)
{
	__u64 s = 0;

	for (__u32 i = 0; i < XPOOL_CSUM_MAX / 4; i++) {
		/* opaque to clang: otherwise it computes a trip count and rewrites the bound
		 * check as arithmetic on the frame's end, which the verifier refuses */
		barrier_var(len);
		barrier_var(p);
		if (len < 4)
			break;
		if (p + 4 > end)
			return -1;
		s += *(__u32 *)p;
		p += 4;
		len -= 4;
	}
	if (len >= 4)
		return -1;
	if (len >= 2) {
		if (p + 2 > end)
			return -1;
		s += *(__u16 *)p;
		p += 2;
		len -= 2;
	}
	if (len) {
		/* the odd byte as the first of a word whose second is zero, in memory order */
		__u8 last[2] = {0, 0};

		if (p + 1 > end)
			return -1;
		last[0] = *(__u8 *)p;
		s += *(__u16 *)last;
	}
	*out = s;
	return 0;
}

#endif
