// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_wire.c - DNS message parsing and building: no I/O, no allocation, fuzzed. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "dns_wire.h"
#include "xp_bytes.h"

#define OPT_LEN	   11 /* root name, type, class, ttl, rdlength */
#define ECS_MAX	   24 /* option header 4 + family 2 + source 1 + scope 1 + address 16 */
#define COOKIE_OUT (4 + DNS_COOKIE_CLIENT_LEN + DNS_COOKIE_SERVER_LEN)


/* The question name: no compression (nothing precedes it), at most 255 bytes. */
static int parse_qname(const uint8_t *pkt, size_t len, size_t *off, struct dns_query *q)
{
	size_t o = *off, out = 0;

	q->labels = 0;
	for (;;) {
		uint8_t l;

		if (o >= len)
			return -1;
		l = pkt[o++];
		if (l == 0)
			break;
		/* out counts the text with dots; the wire form is out + 1 (root): 255 at most */
		if (l > 63 || o + l > len || out + l + 1 > 254 || q->labels == DNS_MAX_LABELS)
			return -1; /* compression pointers (0xc0) land here too */
		q->label_off[q->labels] = out;
		q->label_len[q->labels++] = l;
		for (int i = 0; i < l; i++) {
			uint8_t c = pkt[o + i];

			q->name[out++] = c >= 'A' && c <= 'Z' ? c + 32 : c;
		}
		q->name[out++] = '.';
		o += l;
	}
	q->name_wire_len = o - *off;
	*off = o;
	return 0;
}

/* Skips a name anywhere in the message (compression allowed, loops bounded). */
static int skip_name(const uint8_t *pkt, size_t len, size_t *off)
{
	size_t o = *off;

	for (int hops = 0; hops < 128; hops++) {
		if (o >= len)
			return -1;
		if (pkt[o] == 0) {
			*off = o + 1;
			return 0;
		}
		if ((pkt[o] & 0xc0) == 0xc0) {
			if (o + 2 > len)
				return -1;
			*off = o + 2;
			return 0;
		}
		if (pkt[o] > 63)
			return -1;
		o += 1 + pkt[o];
	}
	return -1;
}

/* EDNS Client Subnet (RFC 7871 6, 7.1.1): anything inconsistent is FORMERR. */
static int parse_ecs(const uint8_t *d, size_t len, struct dns_query *q)
{
	uint8_t source, scope;
	size_t alen;

	if (q->ecs || len < 4)
		return -1;
	q->ecs_family = xp_get16(d);
	source = d[2];
	scope = d[3];
	alen = (source + 7) / 8;
	if (scope != 0 || len - 4 != alen)
		return -1;
	if (!(q->ecs_family == 1 && source <= 32) && !(q->ecs_family == 2 && source <= 128))
		return -1;
	memset(q->ecs_addr, 0, sizeof(q->ecs_addr));
	memcpy(q->ecs_addr, d + 4, alen);
	/* bits beyond the source prefix must be zero */
	if (source % 8 && (q->ecs_addr[alen - 1] & (0xff >> (source % 8))))
		return -1;
	q->ecs = true;
	q->ecs_source = source;
	return 0;
}

/* COOKIE (RFC 7873 5.2.2): a client cookie of 8, then nothing or a server cookie of 8-32. */
static int parse_cookie(const uint8_t *d, size_t len, struct dns_query *q)
{
	if (q->cookie || len < DNS_COOKIE_CLIENT_LEN || (len > DNS_COOKIE_CLIENT_LEN && len < 16) ||
	    len > 40)
		return -1; /* FORMERR */
	q->cookie = true;
	memcpy(q->cookie_client, d, DNS_COOKIE_CLIENT_LEN);
	q->cookie_server_len = len - DNS_COOKIE_CLIENT_LEN;
	memcpy(q->cookie_server, d + DNS_COOKIE_CLIENT_LEN, q->cookie_server_len);
	return 0;
}

static int parse_opt(const uint8_t *pkt, size_t o, size_t rdlen, uint16_t class, uint32_t ttl,
		     struct dns_query *q)
{
	size_t end = o + rdlen;

	if (q->edns)
		return -1; /* one OPT at most */
	q->edns = true;
	q->edns_udp = class < DNS_UDP_MIN ? DNS_UDP_MIN : class;
	q->edns_version = (ttl >> 16) & 0xff;
	q->edns_do = ttl & DNS_EDNS_DO;
	while (o < end) {
		uint16_t code, olen;

		if (o + 4 > end)
			return -1;
		code = xp_get16(pkt + o);
		olen = xp_get16(pkt + o + 2);
		o += 4;
		if (o + olen > end)
			return -1;
		if (code == DNS_OPT_ECS && parse_ecs(pkt + o, olen, q))
			return -1;
		if (code == DNS_OPT_COOKIE && parse_cookie(pkt + o, olen, q))
			return -1;
		if (code == DNS_OPT_NSID)
			q->nsid = true; /* RFC 5001 2.3: any payload of a query is ignored */
		o += olen;
	}
	return 0;
}

int dns_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q)
{
	uint16_t qdcount, ancount, nscount, arcount;
	size_t o = DNS_HDR_LEN;

	memset(q, 0, offsetof(struct dns_query, name));
	if (len < DNS_HDR_LEN)
		return DNS_DROP;
	q->id = xp_get16(pkt);
	q->flags = xp_get16(pkt + 2);
	if (q->flags & DNS_FLAG_QR)
		return DNS_DROP; /* never answer a response */
	q->opcode = (q->flags >> 11) & 0xf;
	qdcount = xp_get16(pkt + 4);
	ancount = xp_get16(pkt + 6);
	nscount = xp_get16(pkt + 8);
	arcount = xp_get16(pkt + 10);
	if (qdcount != 1)
		return q->opcode ? DNS_NOTIMP : DNS_FORMERR;
	if (parse_qname(pkt, len, &o, q) || o + 4 > len)
		return q->opcode ? DNS_NOTIMP : DNS_FORMERR;
	q->qtype = xp_get16(pkt + o);
	q->qclass = xp_get16(pkt + o + 2);
	o += 4;
	q->question_end = o;
	q->question_ok = true;
	if (q->opcode)
		return DNS_NOTIMP;
	if (ancount || nscount)
		return DNS_FORMERR;
	for (int i = 0; i < arcount; i++) {
		size_t name_at = o;
		uint16_t type, class, rdlen;
		uint32_t ttl;

		if (skip_name(pkt, len, &o) || o + 10 > len)
			return DNS_FORMERR;
		type = xp_get16(pkt + o);
		class = xp_get16(pkt + o + 2);
		ttl = (uint32_t)xp_get16(pkt + o + 4) << 16 | xp_get16(pkt + o + 6);
		rdlen = xp_get16(pkt + o + 8);
		o += 10;
		if (o + rdlen > len)
			return DNS_FORMERR;
		if (type == DNS_T_OPT &&
		    (pkt[name_at] != 0 || parse_opt(pkt, o, rdlen, class, ttl, q)))
			return DNS_FORMERR;
		o += rdlen;
	}
	if (q->edns && q->edns_version > 0)
		return DNS_BADVERS;
	return 0;
}

bool dns_label_is(const struct dns_query *q, int i, const char *s)
{
	size_t n = strlen(s);

	return i >= 0 && i < q->labels && q->label_len[i] == n &&
	       !memcmp(q->name + q->label_off[i], s, n);
}

/* The OPT record's size with the options that are sent. */
static size_t opt_size(const struct dns_query *q, const struct dns_opt_out *o, bool ecs, bool nsid,
		       bool cookie)
{
	return OPT_LEN + (ecs ? 8 + (q->ecs_source + 7) / 8 : 0) +
	       (nsid && o && o->nsid && q->nsid ? 4 + o->nsid_len : 0) +
	       (cookie && o && o->cookie ? COOKIE_OUT : 0);
}

void dns_msg_start(struct dns_msg *m, uint8_t *buf, size_t limit, const struct dns_query *q,
		   const uint8_t *pkt, const struct dns_opt_out *opt)
{
	uint16_t flags = DNS_FLAG_QR | (q->flags & DNS_OPCODE_MASK);

	/* AA, RD and CD mean something only for QUERY: other opcodes get none of them */
	if (!q->opcode)
		flags |= DNS_FLAG_AA | (q->flags & (DNS_FLAG_RD | DNS_FLAG_CD));
	m->buf = buf;
	m->limit = limit;
	m->tc = false;
	m->opt = opt;
	memset(m->count, 0, sizeof(m->count));
	/* room for the OPT record (with its options, ECS at its largest) is kept from the start */
	m->reserve = q->edns ? opt_size(q, opt, false, true, true) + (q->ecs ? ECS_MAX : 0) : 0;
	m->len = m->qend = 0;
	if (limit < DNS_HDR_LEN)
		return; /* no room for a header: dns_msg_finish sends nothing */
	xp_put16(buf, q->id);
	xp_put16(buf + 2, flags);
	memset(buf + 4, 0, 8);
	m->len = DNS_HDR_LEN;
	if (q->question_ok && q->question_end + m->reserve <= limit) {
		memcpy(buf + DNS_HDR_LEN, pkt + DNS_HDR_LEN, q->question_end - DNS_HDR_LEN);
		m->len = q->question_end;
		xp_put16(buf + 4, 1);
	}
	m->qend = m->len;
}

int dns_msg_rr(struct dns_msg *m, enum dns_section sec, uint16_t owner, const uint8_t *owner_wire,
	       size_t owner_len, uint16_t type, uint16_t class, uint32_t ttl, const void *rdata,
	       size_t rdlen)
{
	size_t name_len = owner == DNS_OWNER_WIRE ? owner_len : 2;
	size_t need = name_len + 10 + rdlen;
	uint8_t *p = m->buf + m->len;

	if (m->len + need + m->reserve > m->limit)
		return -ENOSPC;
	/* sections are filled in order: answers, authority, additional */
	if (owner == DNS_OWNER_WIRE)
		memcpy(p, owner_wire, owner_len);
	else
		xp_put16(p, 0xc000 | owner);
	p += name_len;
	xp_put16(p, type);
	xp_put16(p + 2, class);
	xp_put32(p + 4, ttl);
	xp_put16(p + 8, rdlen);
	memcpy(p + 10, rdata, rdlen);
	m->len += need;
	m->count[sec]++;
	return 0;
}

void dns_msg_drop_answers(struct dns_msg *m, size_t answers_start)
{
	m->len = answers_start;
	memset(m->count, 0, sizeof(m->count));
	m->tc = true;
}

void dns_msg_not_authoritative(struct dns_msg *m)
{
	if (m->limit >= DNS_HDR_LEN)
		m->buf[2] &= ~(DNS_FLAG_AA >> 8);
}

/* Appends one EDNS option at p: its length. */
static size_t put_option(uint8_t *p, uint16_t code, const void *data, size_t len)
{
	xp_put16(p, code);
	xp_put16(p + 2, len);
	memcpy(p + 4, data, len);
	return 4 + len;
}

size_t dns_msg_finish(struct dns_msg *m, const struct dns_query *q, int rcode)
{
	const struct dns_opt_out *o = m->opt;
	bool ecs = q->ecs, nsid = true, cookie = true;
	uint8_t *b = m->buf;

	if (m->limit < DNS_HDR_LEN)
		return 0;
	/*
	 * The builder checks its own end, whatever the caller reserved: when the OPT record does
	 * not fit after the records, they go (TC: the client retries over TCP); when it does not
	 * fit after the question, the ECS option goes, then NSID, then COOKIE, then the record.
	 */
	if (q->edns && m->len + opt_size(q, o, ecs, nsid, cookie) > m->limit && m->len > m->qend)
		dns_msg_drop_answers(m, m->qend);
	if (q->edns && m->len + opt_size(q, o, ecs, nsid, cookie) > m->limit)
		ecs = false;
	if (q->edns && m->len + opt_size(q, o, ecs, nsid, cookie) > m->limit)
		nsid = false;
	if (q->edns && m->len + opt_size(q, o, ecs, nsid, cookie) > m->limit)
		cookie = false;
	b[3] = (b[3] & 0xf0) | (rcode & 0xf);
	if (m->tc)
		b[2] |= DNS_FLAG_TC >> 8;
	xp_put16(b + 6, m->count[DNS_AN]);
	xp_put16(b + 8, m->count[DNS_NS]);
	xp_put16(b + 10, m->count[DNS_AR]);
	if (q->edns && m->len + opt_size(q, o, ecs, nsid, cookie) <= m->limit) {
		uint8_t *p = b + m->len;
		size_t rdlen = 0;

		p[0] = 0;
		xp_put16(p + 1, DNS_T_OPT);
		xp_put16(p + 3, DNS_UDP_MAX);
		xp_put32(p + 5, (uint32_t)(rcode >> 4) << 24 | (q->edns_do ? DNS_EDNS_DO : 0));
		if (ecs) {
			uint8_t e[4 + 16];
			size_t alen = (q->ecs_source + 7) / 8;

			xp_put16(e, q->ecs_family);
			e[2] = q->ecs_source;
			e[3] = o ? o->ecs_scope : 0;
			memcpy(e + 4, q->ecs_addr, alen);
			rdlen += put_option(p + OPT_LEN + rdlen, DNS_OPT_ECS, e, 4 + alen);
		}
		if (nsid && o && o->nsid && q->nsid)
			rdlen += put_option(p + OPT_LEN + rdlen, DNS_OPT_NSID, o->nsid, o->nsid_len);
		if (cookie && o && o->cookie)
			rdlen += put_option(p + OPT_LEN + rdlen, DNS_OPT_COOKIE, o->cookie_data,
					    sizeof(o->cookie_data));
		xp_put16(p + 9, rdlen);
		m->len += OPT_LEN + rdlen;
		xp_put16(b + 10, m->count[DNS_AR] + 1);
	}
	return m->len;
}

int dns_name_to_wire(const char *dotted, uint8_t *wire, size_t cap)
{
	size_t o = 0;
	const char *p = dotted;

	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (l == 0 || l > 63 || o + l + 2 > cap || o + l + 2 > 255)
			return -EINVAL;
		wire[o++] = l;
		for (size_t i = 0; i < l; i++)
			wire[o++] = p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i];
		p += l;
		if (*p == '.')
			p++;
	}
	if (o + 1 > cap)
		return -EINVAL;
	wire[o++] = 0;
	return o;
}

size_t dns_msg_truncate(uint8_t *msg, size_t len)
{
	size_t o = DNS_HDR_LEN;

	if (len < DNS_HDR_LEN)
		return 0;
	if (xp_get16(msg + 4) == 1 && !skip_name(msg, len, &o) && o + 4 <= len)
		o += 4;
	else
		o = DNS_HDR_LEN, xp_put16(msg + 4, 0);
	msg[2] |= DNS_FLAG_TC >> 8;
	memset(msg + 6, 0, 6);
	return o;
}
