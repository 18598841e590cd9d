// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xpool_ntp.bpf.c - answers NTP client requests in XDP; everything else goes to the kernel. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "xpool_shared.h"

#ifndef XPOOL_BENCH /* the bench object includes this file and brings its own */
char LICENSE[] SEC("license") = "Dual BSD/GPL";
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xpool_clock);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpool_clock SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xpool_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpool_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct xpool_addr);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpool_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XPOOL_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpool_stats SEC(".maps");

/* xdp-next: what xpool passes goes on to the program in slot 0 (none: to the kernel) */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xpool_next SEC(".maps");

#include "xpool_parse.bpf.h"
#include "xpool_policy.bpf.h"

/* NTP header; 64-bit timestamps as two words because the packet is only 2-byte aligned. */
struct ntp_hdr {
	__u8 li_vn_mode;
	__u8 stratum;
	__s8 poll;
	__s8 precision;
	__be32 root_delay;
	__be32 root_disp;
	__be32 refid;
	__be32 ref_ts[2];
	__be32 org_ts[2];
	__be32 rx_ts[2];
	__be32 tx_ts[2];
};

#define NTP_MODE_CLIENT	 3
#define NTP_MODE_SERVER	 4
#define NTP_MODE_CONTROL 6
#define NTP_MODE_PRIVATE 7
#define IP_MF		 0x2000
#define IP_OFFSET	 0x1fff
#define REPLY_TTL	 64
#define CLOCK_TRIES	 3

#define READ_ONCE_U64(x) (*(volatile __u64 *)&(x))
#define barrier()	 asm volatile("" ::: "memory")

static __always_inline int count(enum xpool_stat st, int action)
{
	__u32 key = st;
	__u64 *cnt = bpf_map_lookup_elem(&xpool_stats, &key);

	if (cnt)
		*cnt += 1;
	return action;
}

/* The address map is keyed by IPv6 address; IPv4 ones are mapped (::ffff:a.b.c.d). */
static __always_inline int addr_is_ours(const struct xpool_config *cfg, const void *daddr, int v6)
{
	struct xpool_addr key = {};

	if (!cfg->addr_filter)
		return 1;
	if (v6) {
		__builtin_memcpy(key.addr, daddr, 16);
	} else {
		key.addr[10] = 0xff;
		key.addr[11] = 0xff;
		__builtin_memcpy(&key.addr[12], daddr, 4);
	}
	return bpf_map_lookup_elem(&xpool_addrs, &key) != NULL;
}

/* Classifies a request that is not a plain 48-byte one by what follows the header. */
static __always_inline enum xpool_stat classify_trailer(__u32 version, __u32 extra)
{
	if (version < 4)
		return XPOOL_STAT_PASS_AUTH; /* v1-3: anything after 48 bytes is a MAC */
	if (extra == 4 || extra == 20 || extra == 24)
		return XPOOL_STAT_PASS_AUTH; /* crypto-NAK, MD5 or SHA1 MAC */
	return XPOOL_STAT_PASS_EXTENSION;
}

/* Reads a consistent copy of the current clock slot (see struct xpool_clock). */
static __always_inline int clock_read(struct xpool_clock_slot *out)
{
	__u32 zero = 0;
	struct xpool_clock *ck = bpf_map_lookup_elem(&xpool_clock, &zero);

	if (!ck)
		return -1;
#pragma unroll
	for (int i = 0; i < CLOCK_TRIES; i++) {
		__u64 seq = READ_ONCE_U64(ck->seq);

		barrier();
		__builtin_memcpy(out, &ck->slot[seq & 1], sizeof(*out));
		barrier();
		if (READ_ONCE_U64(ck->seq) == seq)
			return 0;
	}
	return -1;
}

/* Checks the clock data's age: 0 and the age, or -1 when it must not be served. */
static __always_inline int clock_age(const struct xpool_clock_slot *s, __u64 now, __u64 *age)
{
	__u64 stale = s->stale_ns ? s->stale_ns : XPOOL_STALE_DEFAULT_NS;

	if (stale > XPOOL_STALE_MAX_NS)
		stale = XPOOL_STALE_MAX_NS;
	*age = now - s->mono_ns;
	/* never written, published in the future (a bug), or too old: step aside */
	if (!s->mono_ns || (__s64)*age < 0 || *age > stale)
		return -1;
	return 0;
}

/* Fills the NTP reply in place from clock data of the given age. */
static __always_inline void ntp_reply(struct ntp_hdr *ntp, const struct xpool_config *cfg,
				      const struct xpool_clock_slot *s, __u64 age)
{
	__u32 rate = s->disp_rate, li = s->leap, stratum = s->stratum;
	__be32 refid = s->refid, org_hi, org_lo;
	__s8 poll = ntp->poll;
	__be64 ref = 0;
	__u64 t, disp;

	if (rate > XPOOL_DISP_RATE_MAX)
		rate = XPOOL_DISP_RATE_MAX;
	disp = s->root_disp + ((age * rate) >> XPOOL_DISP_RATE_SHIFT);
	if (disp > 0xffffffffULL)
		disp = 0xffffffffULL;
	if (!xpool_slot_synced(s)) {
		li = 3;
		stratum = 0;
		refid = 0;
	} else {
		ref = s->ref_time;
	}
	if (poll < cfg->min_poll)
		poll = cfg->min_poll;
	t = s->ntp_time + xpool_ns_to_ntp64(age);

	org_hi = ntp->tx_ts[0];
	org_lo = ntp->tx_ts[1];
	ntp->li_vn_mode = (li << 6) | (ntp->li_vn_mode & 0x38) | NTP_MODE_SERVER;
	ntp->stratum = stratum;
	ntp->poll = poll;
	ntp->precision = s->precision;
	ntp->root_delay = s->root_delay;
	ntp->root_disp = bpf_htonl((__u32)disp);
	ntp->refid = refid;
	__builtin_memcpy(ntp->ref_ts, &ref, sizeof(ref));
	ntp->org_ts[0] = org_hi;
	ntp->org_ts[1] = org_lo;
	ntp->rx_ts[0] = bpf_htonl(t >> 32);
	ntp->rx_ts[1] = bpf_htonl((__u32)t);
	ntp->tx_ts[0] = ntp->rx_ts[0];
	ntp->tx_ts[1] = ntp->rx_ts[1];
}

/*
 * Kiss-o'-death (RFC 5905 7.4), as chrony and ntpd send it: LI=3, stratum 0, the kiss code as
 * reference ID, and no time of ours: origin, receive and transmit all carry the client's
 * transmit timestamp, reference time and root delay/dispersion are zero.
 */
static __always_inline void ntp_kod(struct ntp_hdr *ntp, const struct xpool_config *cfg,
				    __s8 precision, __be32 code)
{
	__be32 hi = ntp->tx_ts[0], lo = ntp->tx_ts[1];
	__s8 poll = ntp->poll;

	if (poll < cfg->min_poll)
		poll = cfg->min_poll;
	ntp->li_vn_mode = (3 << 6) | (ntp->li_vn_mode & 0x38) | NTP_MODE_SERVER;
	ntp->stratum = 0;
	ntp->poll = poll;
	ntp->precision = precision;
	ntp->root_delay = 0;
	ntp->root_disp = 0;
	ntp->refid = code;
	ntp->ref_ts[0] = 0;
	ntp->ref_ts[1] = 0;
	ntp->org_ts[0] = hi;
	ntp->org_ts[1] = lo;
	ntp->rx_ts[0] = hi;
	ntp->rx_ts[1] = lo;
}

static __always_inline void swap_eth(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

/* Request validity of a UDP checksum: complete and correct, or partial (veth, virtio TX
 * offload: the field holds the folded pseudo-header sum). IPv4 may carry none (0). */
static __always_inline int udp_csum_acceptable(__u64 pseudo, struct udphdr *udp,
					       struct ntp_hdr *ntp, int v6)
{
	__u64 s;

	if (!udp->check)
		return !v6;
	if (udp->check == csum_fold(pseudo))
		return 1;
	s = pseudo + *(__u32 *)udp + udp->len + udp->check + sum_words((__u32 *)ntp, 12);
	return csum_fold(s) == 0xffff;
}

static __always_inline void udp_csum_set(__u64 pseudo, struct udphdr *udp, struct ntp_hdr *ntp)
{
	__u16 c;

	udp->check = 0;
	c = ~csum_fold(pseudo + *(__u32 *)udp + udp->len + sum_words((__u32 *)ntp, 12));
	udp->check = c ? c : 0xffff;
}

/* What both address families share once the UDP header is found. */
struct l4_info {
	struct udphdr *udp;
	const void *daddr;     /* destination, for the address filter */
	const void *saddr;     /* source, for the ACL and the rate limit */
	__u64 pseudo;	       /* pseudo-header sum: the same for request and reply */
	__u32 l4_len;	       /* IP payload length */
	__u32 addr_bad;	       /* source or destination no real client can use */
	__u32 mac_bad;	       /* L2 broadcast or multicast: a reply would flood the segment */
	__u32 v6;
};

/*
 * The NTP part: decides the verdict for a UDP packet to port 123 and, for XDP_TX, turns
 * the NTP payload into the reply. The caller rewrites L2/L3 and the UDP checksum.
 */
static __always_inline int ntp_process(struct cursor *c, struct l4_info *l4, enum xpool_stat *st)
{
	struct xpool_config zero_cfg = {}, *cfg;
	struct udphdr *udp = l4->udp;
	struct xpool_clock_slot slot;
	__u32 udp_len, ntp_len, mode, version, zero = 0;
	enum policy_verdict pv;
	struct ntp_hdr *ntp;
	__u64 now, age;
	int synced;

	cfg = bpf_map_lookup_elem(&xpool_config, &zero);
	if (!cfg)
		cfg = &zero_cfg;
	if (!addr_is_ours(cfg, l4->daddr, l4->v6)) {
		*st = XPOOL_STAT_PASS_NOT_OURS;
		return XDP_PASS;
	}
	udp_len = bpf_ntohs(udp->len);
	ntp = c->pos;
	if (udp_len < sizeof(*udp) + 1 || udp_len > l4->l4_len || (void *)ntp + 1 > c->end) {
		*st = XPOOL_STAT_DROP_MALFORMED;
		return XDP_DROP;
	}
	ntp_len = udp_len - sizeof(*udp);
	mode = ntp->li_vn_mode & 7;
	version = (ntp->li_vn_mode >> 3) & 7;
	if (mode == NTP_MODE_CONTROL || mode == NTP_MODE_PRIVATE) {
		if (cfg->control_mode == XPOOL_CONTROL_PASS) {
			*st = XPOOL_STAT_PASS_CONTROL;
			return XDP_PASS;
		}
		*st = XPOOL_STAT_DROP_CONTROL;
		return XDP_DROP;
	}
	/* the pointer check stands alone: merged with the length test, clang loses it */
	if ((void *)(ntp + 1) > c->end) {
		*st = XPOOL_STAT_DROP_MALFORMED;
		return XDP_DROP;
	}
	/* barrier_var pins the checked pointer in its register: otherwise clang rebuilds it
	 * from the base and the variable IHL, a pointer the verifier has no bounds for. */
	barrier_var(ntp);
	if (ntp_len < XPOOL_NTP_HDR_LEN) {
		*st = XPOOL_STAT_DROP_MALFORMED;
		return XDP_DROP;
	}
	if (version < 1 || version > 4) {
		*st = XPOOL_STAT_PASS_VERSION;
		return XDP_PASS;
	}
	if (mode != NTP_MODE_CLIENT) {
		*st = XPOOL_STAT_PASS_MODE;
		return XDP_PASS;
	}
	if (ntp_len != XPOOL_NTP_HDR_LEN) {
		*st = classify_trailer(version, ntp_len - XPOOL_NTP_HDR_LEN);
		return XDP_PASS;
	}
	if (l4->mac_bad) {
		*st = XPOOL_STAT_DROP_BAD_MAC;
		return XDP_DROP;
	}
	if (!udp->source || l4->addr_bad) {
		*st = XPOOL_STAT_DROP_BAD_ADDR;
		return XDP_DROP;
	}
	if (!udp_csum_acceptable(l4->pseudo, udp, ntp, l4->v6)) {
		*st = XPOOL_STAT_PASS_BAD_CSUM;
		return XDP_PASS;
	}
	if (clock_read(&slot) < 0) {
		*st = XPOOL_STAT_PASS_CLOCK_BUSY;
		return XDP_PASS;
	}
	now = bpf_ktime_get_ns();
	if (clock_age(&slot, now, &age) < 0) {
		*st = XPOOL_STAT_PASS_STALE;
		return XDP_PASS;
	}
	synced = xpool_slot_synced(&slot);
	if (!synced && cfg->unsync_pass) {
		*st = XPOOL_STAT_PASS_UNSYNC;
		return XDP_PASS;
	}
	*st = acl_check(cfg, l4->saddr, l4->v6, &pv);
	if (pv == POLICY_ANSWER)
		*st = rate_check(cfg, l4->saddr, l4->v6, now, &pv);
	if (pv == POLICY_DROP)
		return XDP_DROP;
	if (pv == POLICY_KOD)
		ntp_kod(ntp, cfg, slot.precision,
			*st == XPOOL_STAT_KOD_RATE ? bpf_htonl(0x52415445) /* RATE */
						   : bpf_htonl(0x44454e59) /* DENY */);
	else
		ntp_reply(ntp, cfg, &slot, age);
	if (*st == XPOOL_STAT_REPLY && !synced)
		*st = XPOOL_STAT_REPLY_UNSYNC;

	/* The request becomes the reply: same length, ports swapped. */
	udp->dest = udp->source;
	udp->source = bpf_htons(XPOOL_NTP_PORT);
	udp_csum_set(l4->pseudo, udp, ntp);
	return XDP_TX;
}

static __always_inline int handle_ipv4(struct cursor *c, struct ethhdr *eth, enum xpool_stat *st)
{
	struct l4_info l4 = {};
	struct iphdr *iph;
	__u32 ihl, tot, *w;
	__u64 sum;
	__be32 a;
	int action;

	iph = pull(c, sizeof(*iph));
	if (!iph || iph->version != 4 || iph->ihl < 5)
		goto l3_invalid;
	ihl = iph->ihl;
	/* variable-length pull: options are skipped here, summed and blanked below */
	if (!pull(c, (ihl - 5) * 4))
		goto l3_invalid;
	if (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)) {
		*st = XPOOL_STAT_PASS_FRAGMENT;
		return XDP_PASS;
	}
	if (iph->protocol != IPPROTO_UDP) {
		*st = XPOOL_STAT_PASS_NOT_UDP;
		return XDP_PASS;
	}
	l4.udp = pull(c, sizeof(*l4.udp));
	if (!l4.udp)
		goto l3_invalid;
	if (l4.udp->dest != bpf_htons(XPOOL_NTP_PORT)) {
		*st = XPOOL_STAT_PASS_OTHER_PORT;
		return XDP_PASS;
	}
	/* Addressed to our port: only now validate lengths and the header checksum. */
	tot = bpf_ntohs(iph->tot_len);
	if (tot < ihl * 4 + sizeof(struct udphdr) || (void *)iph + tot > c->end)
		goto l3_invalid;
	if (ipv4_hdr_sum(iph, c->end, ihl, &sum) < 0 || csum_fold(sum) != 0xffff)
		goto l3_invalid;
	l4.l4_len = tot - ihl * 4;
	l4.daddr = &iph->daddr;
	l4.saddr = &iph->saddr;
	l4.pseudo = (__u64)iph->saddr + iph->daddr + bpf_htons(IPPROTO_UDP) + l4.udp->len;
	l4.addr_bad = ipv4_addr_bad(iph->saddr) | ipv4_addr_bad(iph->daddr);
	l4.mac_bad = mac_group(eth->h_source) | mac_group(eth->h_dest);

	action = ntp_process(c, &l4, st);
	if (action != XDP_TX)
		return action;
	swap_eth(eth);
	a = iph->saddr;
	iph->saddr = iph->daddr;
	iph->daddr = a;
	iph->ttl = REPLY_TTL;
	iph->tos &= ~3; /* never echo ECN marks */
	iph->check = 0;
	w = (__u32 *)iph;
	/* options are not ours to echo (source routes, timestamps): blank them */
	if (ihl > 5) {
#pragma unroll
		for (__u32 i = 5; i < 15; i++) {
			if (i < ihl && (void *)iph + (i + 1) * 4 <= c->end)
				w[i] = 0;
		}
	}
	iph->check = ~csum_fold(sum_words(w, 5));
	return XDP_TX;

l3_invalid:
	*st = XPOOL_STAT_PASS_L3_INVALID;
	return XDP_PASS;
}

static __always_inline int ipv6_is_ext_hdr(__u8 nexthdr)
{
	switch (nexthdr) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_ESP:
	case IPPROTO_MH:
	case 139: /* HIP */
	case 140: /* Shim6 */
		return 1;
	}
	return 0;
}

static __always_inline int handle_ipv6(struct cursor *c, struct ethhdr *eth, enum xpool_stat *st)
{
	struct l4_info l4 = { .v6 = 1 };
	struct ipv6hdr *ip6h;
	struct in6_addr a;
	int action;

	ip6h = pull(c, sizeof(*ip6h));
	if (!ip6h || ip6h->version != 6) {
		*st = XPOOL_STAT_PASS_L3_INVALID;
		return XDP_PASS;
	}
	if (ip6h->nexthdr != IPPROTO_UDP) {
		*st = ipv6_is_ext_hdr(ip6h->nexthdr) ? XPOOL_STAT_PASS_IPV6_EXT
						     : XPOOL_STAT_PASS_NOT_UDP;
		return XDP_PASS;
	}
	l4.udp = pull(c, sizeof(*l4.udp));
	if (!l4.udp) {
		*st = XPOOL_STAT_PASS_L3_INVALID;
		return XDP_PASS;
	}
	if (l4.udp->dest != bpf_htons(XPOOL_NTP_PORT)) {
		*st = XPOOL_STAT_PASS_OTHER_PORT;
		return XDP_PASS;
	}
	l4.l4_len = bpf_ntohs(ip6h->payload_len);
	if (l4.l4_len < sizeof(struct udphdr) || (void *)(ip6h + 1) + l4.l4_len > c->end) {
		*st = XPOOL_STAT_PASS_L3_INVALID;
		return XDP_PASS;
	}
	l4.daddr = &ip6h->daddr;
	l4.saddr = &ip6h->saddr;
	l4.pseudo = sum_words(ip6h->saddr.in6_u.u6_addr32, 4) +
		    sum_words(ip6h->daddr.in6_u.u6_addr32, 4) + bpf_htons(IPPROTO_UDP) +
		    l4.udp->len;
	l4.addr_bad = ipv6_addr_bad(&ip6h->saddr) | ipv6_addr_bad(&ip6h->daddr);
	l4.mac_bad = mac_group(eth->h_source) | mac_group(eth->h_dest);

	action = ntp_process(c, &l4, st);
	if (action != XDP_TX)
		return action;
	swap_eth(eth);
	a = ip6h->saddr;
	ip6h->saddr = ip6h->daddr;
	ip6h->daddr = a;
	ip6h->hop_limit = REPLY_TTL;
	ip6h->flow_lbl[0] &= ~0x30; /* ECN bits of the traffic class: never echoed */
	return XDP_TX;
}

static __always_inline int xpool_ntp_handle(struct xdp_md *ctx)
{
	struct cursor c = { .pos = (void *)(long)ctx->data, .end = (void *)(long)ctx->data_end };
	enum xpool_stat st = XPOOL_STAT_PASS_L3_INVALID;
	int action = XDP_PASS;
	struct ethhdr *eth;
	__be16 proto;

	if (parse_eth(&c, &eth, &proto) < 0)
		st = XPOOL_STAT_PASS_L3_INVALID;
	else if (proto == bpf_htons(ETH_P_IP))
		action = handle_ipv4(&c, eth, &st);
	else if (proto == bpf_htons(ETH_P_IPV6))
		action = handle_ipv6(&c, eth, &st);
	else
		st = XPOOL_STAT_PASS_NOT_IP;
	return count(st, action);
}

SEC("xdp")
int xpool_ntp(struct xdp_md *ctx)
{
	int action = xpool_ntp_handle(ctx);

	/* a chain that works on every kernel: passed frames go to the next program; with the
	 * slot empty the tail call falls through and the kernel gets them */
	if (action == XDP_PASS)
		bpf_tail_call(ctx, &xpool_next, 0);
	return action;
}
