// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xt_dns.c - test DNS queries, built byte by byte, and a reader for responses. */
#include <arpa/inet.h>
#include <string.h>

#include "xt_dns.h"

static void w16(uint8_t *p, unsigned v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static unsigned r16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

size_t xt_dns_query(const struct xt_q *q, uint16_t id, uint8_t *b)
{
	size_t o = 12;
	const char *p = q->name;

	memset(b, 0, 12);
	w16(b, id);
	w16(b + 2, q->flags ? q->flags : 0x0100);
	w16(b + 4, 1);
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		b[o++] = l;
		memcpy(b + o, p, l);
		o += l;
		p += l + (dot ? 1 : 0);
	}
	b[o++] = 0;
	w16(b + o, q->qtype ? q->qtype : 1);
	w16(b + o + 2, q->qclass ? q->qclass : 1);
	o += 4;
	if (q->edns) {
		size_t rdlen_at;

		w16(b + 10, 1);
		b[o++] = 0;
		w16(b + o, 41);
		w16(b + o + 2, q->udp ? q->udp : 1232);
		b[o + 4] = 0;
		b[o + 5] = q->version;
		w16(b + o + 6, 0);
		rdlen_at = o + 8;
		o += 10;
		if (q->ecs_family) {
			uint8_t a[16] = { 0 };
			size_t alen = (q->ecs_source + 7) / 8;

			inet_pton(q->ecs_family == 1 ? AF_INET : AF_INET6, q->ecs_addr, a);
			w16(b + o, 8);
			w16(b + o + 2, 4 + alen);
			w16(b + o + 4, q->ecs_family);
			b[o + 6] = q->ecs_source;
			b[o + 7] = q->ecs_scope;
			memcpy(b + o + 8, a, alen);
			o += 8 + alen;
		}
		if (q->cookie) {
			w16(b + o, 10);
			w16(b + o + 2, q->cookie_len);
			memcpy(b + o + 4, q->cookie, q->cookie_len);
			o += 4 + q->cookie_len;
		}
		if (q->nsid) {
			w16(b + o, 3);
			w16(b + o + 2, 0);
			o += 4;
		}
		w16(b + rdlen_at, o - rdlen_at - 2);
	}
	return o;
}

static int skip(const uint8_t *m, size_t len, size_t *o)
{
	while (*o < len) {
		if (m[*o] == 0) {
			(*o)++;
			return 0;
		}
		if ((m[*o] & 0xc0) == 0xc0) {
			*o += 2;
			return 0;
		}
		*o += 1 + m[*o];
	}
	return -1;
}

int xt_dns_read(const uint8_t *m, size_t len, struct xt_r *r)
{
	size_t o = 12;
	int total;

	memset(r, 0, sizeof(*r));
	r->ecs_scope = -1;
	r->cookie_len = r->nsid_len = -1;
	if (len < 12)
		return -1;
	r->id = r16(m);
	r->flags = r16(m + 2);
	r->rcode = r->flags & 0xf;
	r->qd = r16(m + 4);
	r->an = r16(m + 6);
	r->ns = r16(m + 8);
	r->ar = r16(m + 10);
	for (int i = 0; i < r->qd; i++) {
		if (skip(m, len, &o))
			return -1;
		o += 4;
	}
	total = r->an + r->ns + r->ar;
	for (int i = 0; i < total; i++) {
		unsigned type, rdlen;

		if (skip(m, len, &o) || o + 10 > len)
			return -1;
		type = r16(m + o);
		rdlen = r16(m + o + 8);
		if (o + 10 + rdlen > len)
			return -1;
		if (i < r->an && i < 32) {
			r->an_type[i] = type;
			r->an_ttl[i] = (uint32_t)r16(m + o + 4) << 16 | r16(m + o + 6);
		}
		if (i == r->an && r->ns) {
			r->ns_type = type;
			r->ns_ttl = (uint32_t)r16(m + o + 4) << 16 | r16(m + o + 6);
		}
		if (i < r->an && (type == 1 || type == 28) && r->n_addr < 16)
			inet_ntop(type == 1 ? AF_INET : AF_INET6, m + o + 10, r->addr[r->n_addr++],
				  48);
		if (type == 41) {
			size_t p = o + 10, end = o + 10 + rdlen;

			r->has_opt = 1;
			r->opt_udp = r16(m + o + 2);
			r->rcode |= m[o + 4] << 4;
			while (p + 4 <= end) {
				unsigned olen = r16(m + p + 2);

				if (r16(m + p) == 8 && p + 8 <= end)
					r->ecs_scope = m[p + 7];
				if (r16(m + p) == 10 && olen <= 40 && p + 4 + olen <= end) {
					r->cookie_len = olen;
					memcpy(r->cookie, m + p + 4, olen);
				}
				if (r16(m + p) == 3 && olen <= 128 && p + 4 + olen <= end) {
					r->nsid_len = olen;
					memcpy(r->nsid, m + p + 4, olen);
				}
				p += 4 + r16(m + p + 2);
			}
		}
		o += 10 + rdlen;
	}
	return 0;
}
