// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xt_pkt.c - test frames: a builder, RFC 1071 checksums and a reference model of the verdicts. */
#include <arpa/inet.h>
#include <string.h>
#include <linux/bpf.h>

#include "xt_pkt.h"

#define DEF(v, d) ((v) ? ((v) & XT_Z ? 0 : (v)) : (d))

static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_src[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static void put16(uint8_t *p, unsigned v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

uint32_t xt_sum(const uint8_t *p, size_t n, uint32_t acc)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		acc += get16(p + i);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

uint16_t xt_fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return acc;
}

static uint32_t pseudo_sum(const uint8_t *f, const struct xt_layers *ly, unsigned udp_len)
{
	uint32_t acc = 17 + udp_len;

	if (ly->v6)
		return xt_sum(f + ly->l3 + 8, 32, acc);
	return xt_sum(f + ly->l3 + 12, 8, acc);
}

size_t xt_build(const struct xt_spec *s, uint8_t *buf)
{
	int ihl = DEF(s->ihl, 5), ntp_len = DEF(s->ntp_len, 48), vn = DEF(s->vn, 4);
	int mode = DEF(s->mode, 3), proto = DEF(s->proto, 17), ttl = DEF(s->ttl, 64);
	size_t off = 12, l3, l4, ext_len = s->v6_ext ? 8 : 0;
	int ext = s->v6_ext & 0xff;
	uint8_t a[16];

	memset(buf, 0, XT_MAX_FRAME);
	memcpy(buf, s->mac_dst ? s->mac_dst : mac_dst, 6);
	memcpy(buf + 6, s->mac_src ? s->mac_src : mac_src, 6);
	for (int i = 0; i < s->vlans; i++) {
		put16(buf + off, i == 0 && s->outer_ad ? 0x88a8 : 0x8100);
		put16(buf + off + 2, 100 + i);
		off += 4;
	}
	put16(buf + off, DEF(s->ethertype, s->v6 ? 0x86dd : 0x0800));
	l3 = off + 2;
	if (s->v6) {
		l4 = l3 + 40 + ext_len;
		buf[l3] = 0x60 | (s->tos >> 4);
		buf[l3 + 1] = (s->tos & 0xf) << 4;
		put16(buf + l3 + 4, ext_len + 8 + ntp_len + s->ip_len_delta);
		buf[l3 + 6] = s->v6_ext ? ext : proto;
		buf[l3 + 7] = ttl;
		inet_pton(AF_INET6, s->src ? s->src : "2001:db8::2", a);
		memcpy(buf + l3 + 8, a, 16);
		inet_pton(AF_INET6, s->dst ? s->dst : "2001:db8::1", a);
		memcpy(buf + l3 + 24, a, 16);
		if (ext_len)
			buf[l3 + 40] = proto; /* an empty extension header: next header, length 0 */
	} else {
		l4 = l3 + ihl * 4;
		buf[l3] = 0x40 | (ihl & 0xf);
		buf[l3 + 1] = s->tos;
		put16(buf + l3 + 2, ihl * 4 + 8 + ntp_len + s->ip_len_delta);
		put16(buf + l3 + 4, 0x1234);
		put16(buf + l3 + 6, s->frag);
		buf[l3 + 8] = ttl;
		buf[l3 + 9] = proto;
		inet_pton(AF_INET, s->src ? s->src : "192.0.2.2", buf + l3 + 12);
		inet_pton(AF_INET, s->dst ? s->dst : "192.0.2.1", buf + l3 + 16);
		for (int i = 20; i < ihl * 4; i++)
			buf[l3 + i] = 1; /* NOP options */
		put16(buf + l3 + 10, ~xt_fold(xt_sum(buf + l3, ihl * 4, 0)) ^ (s->bad_ipcsum ? 1 : 0));
	}
	put16(buf + l4, DEF(s->sport, 40000));
	put16(buf + l4 + 2, DEF(s->dport, 123));
	put16(buf + l4 + 4, 8 + ntp_len + s->udp_len_delta);
	if (ntp_len > 0) {
		uint8_t *n = buf + l4 + 8;

		n[0] = (vn & 7) << 3 | (mode & 7);
		n[2] = s->poll;
		n[3] = 0xe9; /* precision -23 */
		for (int i = 40; i < 48 && i < ntp_len; i++)
			n[i] = 0x11 * (i - 39); /* transmit timestamp: 11 22 33 ... 88 */
		for (int i = 48; i < ntp_len; i++)
			n[i] = i;
	}
	{
		struct xt_layers ly = { .v6 = s->v6, .l3 = l3, .l4 = l4 };
		size_t end = l4 + 8 + ntp_len;
		unsigned ulen = 8 + ntp_len;
		uint16_t c = ~xt_fold(xt_sum(buf + l4, ulen, pseudo_sum(buf, &ly, ulen)));

		switch (s->csum) {
		case XT_CSUM_FULL:
			put16(buf + l4 + 6, c ? c : 0xffff);
			break;
		case XT_CSUM_PARTIAL:
			put16(buf + l4 + 6, xt_fold(pseudo_sum(buf, &ly, ulen)));
			break;
		case XT_CSUM_ZERO:
			break;
		case XT_CSUM_BAD:
			put16(buf + l4 + 6, (c ? c : 0xffff) ^ 0x0101);
			break;
		}
		for (int i = 0; i < s->pad; i++)
			buf[end + i] = 0xa5;
		return end + s->pad;
	}
}

int xt_layers(const uint8_t *f, size_t len, struct xt_layers *ly)
{
	size_t off = 12;
	unsigned et;

	memset(ly, 0, sizeof(*ly));
	if (len < 14)
		return -1;
	et = get16(f + 12);
	for (int i = 0; i < 2 && (et == 0x8100 || et == 0x88a8); i++) {
		off += 4;
		if (off + 2 > len)
			return -1;
		et = get16(f + off);
	}
	ly->l3 = off + 2;
	if (et == 0x0800) {
		if (ly->l3 + 20 > len)
			return -1;
		ly->ihl_bytes = (f[ly->l3] & 0xf) * 4;
		ly->l4 = ly->l3 + ly->ihl_bytes;
	} else if (et == 0x86dd) {
		ly->v6 = 1;
		ly->l4 = ly->l3 + 40;
	} else {
		return -1;
	}
	if (ly->l4 + 8 > len)
		return -1;
	ly->ntp = ly->l4 + 8;
	ly->udp_len = get16(f + ly->l4 + 4);
	return 0;
}

int xt_csums_valid(const uint8_t *f, size_t len)
{
	struct xt_layers ly;
	unsigned ulen;

	if (xt_layers(f, len, &ly) < 0)
		return 0;
	if (!ly.v6 && xt_fold(xt_sum(f + ly.l3, ly.ihl_bytes, 0)) != 0xffff)
		return 0;
	ulen = ly.udp_len;
	if (ulen < 8 || ly.l4 + ulen > len || get16(f + ly.l4 + 6) == 0)
		return 0;
	return xt_fold(xt_sum(f + ly.l4, ulen, pseudo_sum(f, &ly, ulen))) == 0xffff;
}

void xt_fix_csums(uint8_t *f, size_t len)
{
	struct xt_layers ly;
	unsigned ulen;
	uint16_t c;

	if (xt_layers(f, len, &ly) < 0)
		return;
	if (!ly.v6 && ly.ihl_bytes >= 20 && ly.l3 + ly.ihl_bytes <= len) {
		put16(f + ly.l3 + 10, 0);
		put16(f + ly.l3 + 10, ~xt_fold(xt_sum(f + ly.l3, ly.ihl_bytes, 0)));
	}
	ulen = ly.udp_len;
	if (ulen < 8 || ly.l4 + ulen > len)
		return;
	put16(f + ly.l4 + 6, 0);
	c = ~xt_fold(xt_sum(f + ly.l4, ulen, pseudo_sum(f, &ly, ulen)));
	put16(f + ly.l4 + 6, c ? c : 0xffff);
}

static int v4_bad(const uint8_t *a)
{
	return a[0] == 0 || a[0] == 127 || a[0] >= 224;
}

/* multicast; and ::/96 (unspecified, loopback, IPv4-compatible) and ::ffff:0:0/96 (mapped) */
static int v6_bad(const uint8_t *a)
{
	static const uint8_t zero[10];

	return a[0] == 0xff ||
	       (!memcmp(a, zero, 10) && ((a[10] == 0 && a[11] == 0) || (a[10] == 0xff && a[11] == 0xff)));
}

static int is_ext(unsigned nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 || nh == 50 || nh == 135 ||
	       nh == 139 || nh == 140;
}

#define VERDICT(st, act)                                                                           \
	do {                                                                                       \
		*stat = XPOOL_STAT_##st;                                                           \
		return XDP_##act;                                                                  \
	} while (0)

int xt_model(const uint8_t *f, size_t len, const struct xt_env *env, enum xpool_stat *stat)
{
	size_t off = 12, l3, l4, avail, l4_len;
	unsigned et, ulen, ntp_len, vn, mode, csum;
	uint8_t key[16] = { [10] = 0xff, [11] = 0xff };
	const uint8_t *src, *dst;
	int v6, bad, ours;
	uint32_t ps;

	et = get16(f + 12);
	for (int i = 0; i < 2 && (et == 0x8100 || et == 0x88a8); i++) {
		off += 4;
		if (off + 2 > len)
			VERDICT(PASS_L3_INVALID, PASS);
		et = get16(f + off);
	}
	l3 = off + 2;
	avail = len - l3;
	if (et == 0x0800) {
		unsigned ihl, tot;

		v6 = 0;
		if (avail < 20 || f[l3] >> 4 != 4 || (f[l3] & 0xf) < 5)
			VERDICT(PASS_L3_INVALID, PASS);
		ihl = (f[l3] & 0xf) * 4;
		if (avail < ihl)
			VERDICT(PASS_L3_INVALID, PASS);
		if (get16(f + l3 + 6) & 0x3fff)
			VERDICT(PASS_FRAGMENT, PASS);
		if (f[l3 + 9] != 17)
			VERDICT(PASS_NOT_UDP, PASS);
		l4 = l3 + ihl;
		if (avail < ihl + 8)
			VERDICT(PASS_L3_INVALID, PASS);
		if (get16(f + l4 + 2) != 123)
			VERDICT(PASS_OTHER_PORT, PASS);
		tot = get16(f + l3 + 2);
		if (tot < ihl + 8 || tot > avail || xt_fold(xt_sum(f + l3, ihl, 0)) != 0xffff)
			VERDICT(PASS_L3_INVALID, PASS);
		l4_len = tot - ihl;
		src = f + l3 + 12;
		dst = f + l3 + 16;
		memcpy(key + 12, dst, 4);
		bad = v4_bad(src) || v4_bad(dst);
		ps = xt_sum(f + l3 + 12, 8, 17);
	} else if (et == 0x86dd) {
		v6 = 1;
		if (avail < 40 || f[l3] >> 4 != 6)
			VERDICT(PASS_L3_INVALID, PASS);
		if (f[l3 + 6] != 17) {
			if (is_ext(f[l3 + 6]))
				VERDICT(PASS_IPV6_EXT, PASS);
			VERDICT(PASS_NOT_UDP, PASS);
		}
		l4 = l3 + 40;
		if (avail < 48)
			VERDICT(PASS_L3_INVALID, PASS);
		if (get16(f + l4 + 2) != 123)
			VERDICT(PASS_OTHER_PORT, PASS);
		l4_len = get16(f + l3 + 4);
		if (l4_len < 8 || 40 + l4_len > avail)
			VERDICT(PASS_L3_INVALID, PASS);
		src = f + l3 + 8;
		dst = f + l3 + 24;
		memcpy(key, dst, 16);
		bad = v6_bad(src) || v6_bad(dst);
		ps = xt_sum(f + l3 + 8, 32, 17);
	} else {
		VERDICT(PASS_NOT_IP, PASS);
	}

	ours = !env->addr_filter;
	for (int i = 0; i < env->n_addrs && !ours; i++)
		ours = !memcmp(env->addrs[i], key, 16);
	if (!ours)
		VERDICT(PASS_NOT_OURS, PASS);
	ulen = get16(f + l4 + 4);
	if (ulen < 9 || ulen > l4_len)
		VERDICT(DROP_MALFORMED, DROP);
	ntp_len = ulen - 8;
	vn = (f[l4 + 8] >> 3) & 7;
	mode = f[l4 + 8] & 7;
	if (mode == 6 || mode == 7) {
		if (env->control_pass)
			VERDICT(PASS_CONTROL, PASS);
		VERDICT(DROP_CONTROL, DROP);
	}
	if (ntp_len < 48)
		VERDICT(DROP_MALFORMED, DROP);
	if (vn < 1 || vn > 4)
		VERDICT(PASS_VERSION, PASS);
	if (mode != 3)
		VERDICT(PASS_MODE, PASS);
	if (ntp_len > 48) {
		unsigned extra = ntp_len - 48;

		if (vn < 4 || extra == 4 || extra == 20 || extra == 24)
			VERDICT(PASS_AUTH, PASS);
		VERDICT(PASS_EXTENSION, PASS);
	}
	if ((f[0] | f[6]) & 1) /* group bit of the destination or source MAC */
		VERDICT(DROP_BAD_MAC, DROP);
	if (get16(f + l4) == 0 || bad)
		VERDICT(DROP_BAD_ADDR, DROP);
	csum = get16(f + l4 + 6);
	ps += ulen;
	if (csum == 0) {
		if (v6)
			VERDICT(PASS_BAD_CSUM, PASS);
	} else if (csum != xt_fold(ps) && xt_fold(xt_sum(f + l4, ulen, ps)) != 0xffff) {
		VERDICT(PASS_BAD_CSUM, PASS);
	}
	if (!env->clock_fresh)
		VERDICT(PASS_STALE, PASS);
	VERDICT(REPLY, TX);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

void xt_expected_reply(const uint8_t *req, size_t len, const struct xt_reply_params *p,
		       uint8_t *out)
{
	const struct xpool_clock_slot *s = p->slot;
	int synced = (s->flags & XPOOL_CLOCK_SYNCED) && s->stratum >= 1 && s->stratum <= 15 &&
		     s->leap <= 2;
	struct xt_layers ly;
	uint8_t tmp[16], *n;
	int8_t poll;

	memcpy(out, req, len);
	xt_layers(req, len, &ly);
	memcpy(out, req + 6, 6);
	memcpy(out + 6, req, 6);
	if (ly.v6) {
		memcpy(out + ly.l3 + 8, req + ly.l3 + 24, 16);
		memcpy(out + ly.l3 + 24, req + ly.l3 + 8, 16);
		out[ly.l3 + 1] &= ~0x30;
		out[ly.l3 + 7] = 64;
	} else {
		memcpy(tmp, req + ly.l3 + 12, 4);
		memcpy(out + ly.l3 + 12, req + ly.l3 + 16, 4);
		memcpy(out + ly.l3 + 16, tmp, 4);
		out[ly.l3 + 1] &= ~3;
		out[ly.l3 + 8] = 64;
		memset(out + ly.l3 + 20, 0, ly.ihl_bytes - 20);
	}
	memcpy(out + ly.l4, req + ly.l4 + 2, 2);
	memcpy(out + ly.l4 + 2, req + ly.l4, 2);
	n = out + ly.ntp;
	poll = (int8_t)req[ly.ntp + 2];
	if (poll < p->min_poll)
		poll = p->min_poll;
	if (p->kod_code) {
		/* no time of ours: origin, receive and transmit all echo the client's transmit */
		n[0] = 3 << 6 | (req[ly.ntp] & 0x38) | 4;
		n[1] = 0;
		n[2] = poll;
		n[3] = s->precision;
		memset(n + 4, 0, 8);
		put32(n + 12, p->kod_code);
		memset(n + 16, 0, 8);
		for (int i = 24; i < 48; i += 8)
			memcpy(n + i, req + ly.ntp + 40, 8);
		xt_fix_csums(out, len);
		return;
	}
	n[0] = (synced ? s->leap : 3) << 6 | (req[ly.ntp] & 0x38) | 4;
	n[1] = synced ? s->stratum : 0;
	n[2] = poll;
	n[3] = s->precision;
	memcpy(n + 4, &s->root_delay, 4); /* already wire order */
	put32(n + 8, p->root_disp);
	if (synced)
		memcpy(n + 12, &s->refid, 4);
	else
		memset(n + 12, 0, 4);
	if (synced)
		memcpy(n + 16, &s->ref_time, 8);
	else
		memset(n + 16, 0, 8);
	memcpy(n + 24, req + ly.ntp + 40, 8);
	put32(n + 32, p->ts >> 32);
	put32(n + 36, p->ts);
	put32(n + 40, p->ts >> 32);
	put32(n + 44, p->ts);
	xt_fix_csums(out, len);
}
