/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xpool_parse.bpf.h - frame parsing both XDP programs share: bounds-checked pulls, VLAN tags. */
#ifndef XPOOL_PARSE_BPF_H
#define XPOOL_PARSE_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
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

#endif
