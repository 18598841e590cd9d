// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_frame.c - Ethernet frames of the AF_XDP path: a UDP query parsed, its reply built in place.
 */
#include <errno.h>
#include <string.h>

#include "dns_frame.h"

#define ETH_LEN	 14
#define VLAN_LEN 4
#define IP4_LEN	 20
#define IP6_LEN	 40
#define UDP_LEN	 8

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Ones' complement sum of len bytes, big-endian words, added to sum. */
static uint32_t sum(const uint8_t *p, size_t len, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += get16(p + i);
	if (len & 1)
		s += p[len - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A source no reply may go to: unspecified (0/8), loopback, multicast, reserved, broadcast. */
static bool v4_bad(const uint8_t *a)
{
	return a[0] == 0 || a[0] == 127 || a[0] >= 224;
}

/*
 * Multicast, and ::/96 (unspecified, loopback, IPv4-compatible) and ::ffff:0:0/96 (IPv4-mapped),
 * never on the wire: they would let an IPv6 frame name 127.0.0.1 or 10.0.0.255 as its source.
 */
static bool v6_bad(const uint8_t *a)
{
	static const uint8_t zero[10];

	return a[0] == 0xff || (!memcmp(a, zero, 10) &&
				((a[10] == 0 && a[11] == 0) || (a[10] == 0xff && a[11] == 0xff)));
}

int dns_frame_parse(const uint8_t *f, size_t len, struct dns_frame *fr)
{
	size_t off = ETH_LEN, udp, ulen;
	bool bad_source;
	uint16_t proto;

	memset(fr, 0, sizeof(*fr));
	if (len < ETH_LEN)
		return -EINVAL;
	proto = get16(f + 12);
	for (int i = 0; i < 2 && (proto == 0x8100 || proto == 0x88a8); i++) {
		if (len < off + VLAN_LEN)
			return -EINVAL;
		proto = get16(f + off + 2);
		off += VLAN_LEN;
	}
	fr->l3 = off;
	if (proto == 0x0800) {
		size_t ihl, tot;

		if (len < off + IP4_LEN || f[off] >> 4 != 4)
			return -EINVAL;
		ihl = (f[off] & 0xf) * 4u;
		tot = get16(f + off + 2);
		if (ihl < IP4_LEN || tot < ihl + UDP_LEN || off + tot > len || f[off + 9] != 17 ||
		    (get16(f + off + 6) & 0x3fff))
			return -EINVAL;
		/* ours (the destination) as the source too: the kernel calls it martian */
		bad_source = v4_bad(f + off + 12) || !memcmp(f + off + 12, f + off + 16, 4);
		udp = off + ihl;
		ulen = get16(f + udp + 4);
		if (ulen < UDP_LEN || ulen > tot - ihl)
			return -EINVAL;
		fr->cl.family = 4;
		memcpy(fr->cl.addr, f + off + 12, 4);
	} else if (proto == 0x86dd) {
		size_t plen;

		if (len < off + IP6_LEN || f[off] >> 4 != 6 || f[off + 6] != 17)
			return -EINVAL;
		plen = get16(f + off + 4);
		udp = off + IP6_LEN;
		if (plen < UDP_LEN || udp + plen > len)
			return -EINVAL;
		bad_source = v6_bad(f + off + 8) || !memcmp(f + off + 8, f + off + 24, 16);
		ulen = get16(f + udp + 4);
		if (ulen < UDP_LEN || ulen > plen)
			return -EINVAL;
		fr->v6 = true;
		fr->cl.family = 6;
		memcpy(fr->cl.addr, f + off + 8, 16);
	} else {
		return -EINVAL;
	}
	/* a group source MAC is never a client's; port 0: no reply can go there (the socket
	 * path's sendmsg refuses it) */
	if (bad_source || (f[6] & 1) || !get16(f + udp))
		return -EADDRNOTAVAIL;
	fr->msg = udp + UDP_LEN;
	fr->msg_len = ulen - UDP_LEN;
	return 0;
}

size_t dns_frame_reply(uint8_t *f, size_t cap, const struct dns_frame *fr, const uint8_t *msg,
		       size_t msg_len)
{
	uint8_t mac[6], addr[16], sport[2], dport[2];
	size_t ip = fr->l3, udp = ip + (fr->v6 ? IP6_LEN : IP4_LEN), ulen = UDP_LEN + msg_len;
	uint32_t s;
	uint16_t c;

	if (udp + ulen > cap || ulen > 0xffff || fr->msg < udp + UDP_LEN)
		return 0;
	/* the query's ports first: a fresh IPv4 header may move the UDP header over its options */
	memcpy(sport, f + fr->msg - UDP_LEN, 2);
	memcpy(dport, f + fr->msg - UDP_LEN + 2, 2);
	memcpy(mac, f, 6);
	memcpy(f, f + 6, 6);
	memcpy(f + 6, mac, 6);
	if (fr->v6) {
		/* swap source and destination (8..23, 24..39) */
		memcpy(addr, f + ip + 8, 16);
		memcpy(f + ip + 8, f + ip + 24, 16);
		memcpy(f + ip + 24, addr, 16);
		f[ip] = 0x60, f[ip + 1] = 0, f[ip + 2] = 0, f[ip + 3] = 0; /* no flow label */
		put16(f + ip + 4, (uint16_t)ulen);
		f[ip + 6] = 17;
		f[ip + 7] = 64;
		s = sum(f + ip + 8, 32, 0) + 17 + (uint32_t)ulen;
	} else {
		uint8_t src[4];

		/* a fresh 20-byte header: the query's options (if any) are not echoed */
		memcpy(src, f + ip + 12, 4);
		memcpy(f + ip + 12, f + ip + 16, 4);
		memcpy(f + ip + 16, src, 4);
		f[ip] = 0x45;
		f[ip + 1] = 0;
		put16(f + ip + 2, (uint16_t)(IP4_LEN + ulen));
		put16(f + ip + 4, 0);
		put16(f + ip + 6, 0x4000); /* DF */
		f[ip + 8] = 64;
		f[ip + 9] = 17;
		put16(f + ip + 10, 0);
		put16(f + ip + 10, fold(sum(f + ip, IP4_LEN, 0)));
		s = sum(f + ip + 12, 8, 0) + 17 + (uint32_t)ulen;
	}
	memcpy(f + udp, dport, 2);
	memcpy(f + udp + 2, sport, 2);
	memmove(f + udp + UDP_LEN, msg, msg_len);
	put16(f + udp + 4, (uint16_t)ulen);
	put16(f + udp + 6, 0);
	c = fold(sum(f + udp, ulen, s));
	put16(f + udp + 6, c ? c : 0xffff); /* 0 means "no checksum" in IPv4 UDP */
	return udp + ulen;
}
