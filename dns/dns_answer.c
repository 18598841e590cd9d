// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_answer.c - the pool's answers: a query in, a response out, no I/O and no allocation. */
#include <string.h>
#include <time.h>
#include <strings.h>

#include "dns_answer.h"
#include "dns_cookie.h"
#include "dns_wire.h"

#define SOA_TTL	     3600
#define NEG_TTL	     60 /* SOA minimum: RFC 2308 negative caching */
#define QNAME_OFFSET 12

enum kind { K_NXDOMAIN, K_POOL, K_NODATA };

/* Where a name under the apex leads. */
struct target {
	enum kind kind;
	int zone;   /* for K_POOL */
	int number; /* 0-3, or -1 for the whole zone */
	int geo;    /* apex, N. and vendor names: the client's location picks the zone */
	int apex;
};

static int digit(const struct dns_query *q, int i)
{
	if (q->label_len[i] != 1)
		return -1;
	return q->name[q->label_off[i]] >= '0' && q->name[q->label_off[i]] <= '3'
		       ? q->name[q->label_off[i]] - '0'
		       : -1;
}

static int is_vendor(const struct dns_config *cfg, const struct dns_query *q, int i)
{
	for (int k = 0; k < cfg->n_vendors; k++)
		if (dns_label_is(q, i, cfg->vendors[k]))
			return 1;
	return 0;
}

/* A zone label: a country (uk is gb) or a continent; -1 if neither. */
static int zone_label(const struct dns_query *q, int i)
{
	return pool_zone_by_label((const char *)q->name + q->label_off[i], q->label_len[i]);
}

static int is_ns_host(const struct dns_config *cfg, const struct dns_query *q, int rel)
{
	char name[256];
	size_t o = 0;

	for (int i = 0; i < q->labels && o < sizeof(name) - 64; i++) {
		memcpy(name + o, q->name + q->label_off[i], q->label_len[i]);
		o += q->label_len[i];
		name[o++] = i + 1 < q->labels ? '.' : 0;
	}
	for (int k = 0; rel && k < cfg->n_ns; k++)
		if (!strcasecmp(cfg->ns[k], name))
			return 1;
	return 0;
}

static struct target classify(const struct dns_config *cfg, const struct dns_query *q, int rel)
{
	struct target t = { .kind = K_NXDOMAIN, .zone = POOL_ZONE_GLOBAL, .number = -1 };
	int n, z;

	if (rel == 0) {
		t = (struct target){ K_POOL, POOL_ZONE_GLOBAL, -1, 1, 1 };
	} else if (rel == 1) {
		n = digit(q, 0);
		z = zone_label(q, 0);
		if (n >= 0)
			t = (struct target){ K_POOL, POOL_ZONE_GLOBAL, n, 1, 0 };
		else if (z >= 0)
			t = (struct target){ K_POOL, z, -1, 0, 0 };
		else if (is_vendor(cfg, q, 0))
			t = (struct target){ K_POOL, POOL_ZONE_GLOBAL, -1, 1, 0 };
		else if (is_ns_host(cfg, q, rel))
			t.kind = K_NODATA;
	} else if (rel == 2 && (n = digit(q, 0)) >= 0) {
		z = zone_label(q, 1);
		if (z >= 0)
			t = (struct target){ K_POOL, z, n, 0, 0 };
		else if (is_vendor(cfg, q, 1))
			t = (struct target){ K_POOL, POOL_ZONE_GLOBAL, n, 1, 0 };
	} else if (is_ns_host(cfg, q, rel)) {
		t.kind = K_NODATA;
	}
	return t;
}

/* Labels before the apex, or -1 when the name is not in our zone. */
static int relative_labels(const struct dns_config *cfg, const struct dns_query *q,
			   size_t *apex_off)
{
	int rel = q->labels - cfg->zone_labels;
	size_t o = 0;

	if (rel < 0)
		return -1;
	for (int i = 0, w = 0; i < q->labels; i++) {
		if (i >= rel) {
			if (cfg->zone_wire[w] != q->label_len[i] ||
			    memcmp(cfg->zone_wire + w + 1, q->name + q->label_off[i],
				   q->label_len[i]))
				return -1;
			w += 1 + q->label_len[i];
		} else {
			o += 1 + q->label_len[i];
		}
	}
	*apex_off = QNAME_OFFSET + o;
	return rel;
}

static enum dns_qtype_bucket bucket(uint16_t qtype)
{
	switch (qtype) {
	case DNS_T_A:
		return QT_A;
	case DNS_T_AAAA:
		return QT_AAAA;
	case DNS_T_SOA:
		return QT_SOA;
	case DNS_T_NS:
		return QT_NS;
	case DNS_T_ANY:
		return QT_ANY;
	case DNS_T_TXT:
		return QT_TXT;
	}
	return QT_OTHER;
}

static int add_soa(struct dns_msg *m, const struct dns_view *v, enum dns_section sec,
		   size_t apex_off)
{
	const struct dns_config *c = v->cfg;
	uint8_t rd[600];
	uint32_t nums[5] = { v->data ? v->data->serial : 1, 3600, 600, 1209600, NEG_TTL };
	int o = dns_name_to_wire(c->ns[0], rd, 256), r;

	if (o < 0)
		o = 0, rd[o++] = 0;
	rd[o++] = 10;
	memcpy(rd + o, "hostmaster", 10);
	o += 10;
	memcpy(rd + o, c->zone_wire, c->zone_wire_len);
	o += c->zone_wire_len;
	for (int i = 0; i < 5; i++, o += 4) {
		rd[o] = nums[i] >> 24;
		rd[o + 1] = nums[i] >> 16;
		rd[o + 2] = nums[i] >> 8;
		rd[o + 3] = nums[i];
	}
	/* negative answers: TTL = min(SOA TTL, minimum), RFC 2308 */
	r = dns_msg_rr(m, sec, apex_off, NULL, 0, DNS_T_SOA, DNS_C_IN,
		       sec == DNS_NS ? NEG_TTL : SOA_TTL, rd, o);
	return r;
}

static int add_ns(struct dns_msg *m, const struct dns_view *v, size_t apex_off)
{
	for (int i = 0; i < v->cfg->n_ns; i++) {
		uint8_t rd[256];
		int n = dns_name_to_wire(v->cfg->ns[i], rd, sizeof(rd));

		if (n > 0 && dns_msg_rr(m, DNS_AN, apex_off, NULL, 0, DNS_T_NS, DNS_C_IN, SOA_TTL, rd,
					n))
			return -1;
	}
	return 0;
}

/* The zone a located client is served from: country, else continent, else global. */
static int geo_zone(const struct dns_view *v, struct dns_worker *w, const struct dns_query *q,
		    const struct dns_client *cl, int fam, uint8_t *scope)
{
	struct pool_geo_res g;
	int family = cl->family, zone, cont, min = v->cfg->min_servers;
	const uint8_t *addr = cl->addr;

	if (q->ecs && q->ecs_source > 0) {
		family = q->ecs_family == 1 ? 4 : 6;
		addr = q->ecs_addr;
	}
	pool_geo_cached(v->geo, &w->geo_cache, family, addr, &g);
	if (q->ecs)
		*scope = q->ecs_source ? g.prefix : 0;
	w->stats.country[g.cc >= 0 ? g.cc : XP_N_COUNTRIES]++;
	if (g.cc < 0)
		return POOL_ZONE_GLOBAL;
	zone = POOL_ZONE_CC(g.cc);
	if ((int)v->data->zones[zone].all[fam].n >= min)
		return zone;
	cont = POOL_ZONE_CONT(xp_cc_continent(g.cc));
	if ((int)v->data->zones[cont].all[fam].n >= min)
		return cont;
	return POOL_ZONE_GLOBAL;
}

/* A/AAAA from the pool: up to max-hosts servers, weighted, without replacement. */
static int add_pool(struct dns_msg *m, const struct dns_view *v, struct dns_worker *w,
		    const struct pool_set *set, int fam)
{
	uint32_t idx[16];
	int n = pool_pick(set, v->cfg->max_hosts, &w->rng, idx);

	for (int i = 0; i < n; i++)
		if (dns_msg_rr(m, DNS_AN, QNAME_OFFSET, NULL, 0, fam ? DNS_T_AAAA : DNS_T_A,
			       DNS_C_IN, v->cfg->ttl, set->s[idx[i]].addr, fam ? 16 : 4))
			return -1;
	return 0;
}

static int chaos(const struct dns_view *v, struct dns_msg *m, const struct dns_query *q)
{
	const char *text = NULL;
	uint8_t rd[130];
	size_t n;

	if (q->qtype != DNS_T_TXT && q->qtype != DNS_T_ANY)
		return DNS_REFUSED;
	if (q->labels == 2 && ((dns_label_is(q, 0, "id") && dns_label_is(q, 1, "server")) ||
			       (dns_label_is(q, 0, "hostname") && dns_label_is(q, 1, "bind"))))
		text = v->cfg->chaos_id;
	else if (q->labels == 2 && dns_label_is(q, 0, "version") &&
		 (dns_label_is(q, 1, "bind") || dns_label_is(q, 1, "server")))
		text = v->cfg->chaos_version;
	if (!text || !text[0])
		return DNS_REFUSED;
	n = strlen(text);
	rd[0] = n;
	memcpy(rd + 1, text, n);
	dns_msg_rr(m, DNS_AN, QNAME_OFFSET, NULL, 0, DNS_T_TXT, DNS_C_CH, 0, rd, n + 1);
	return DNS_NOERROR;
}

/* 128-254: meta types and transfers (AXFR, IXFR, MAILA, MAILB, TKEY, TSIG ...) */
static int meta_qtype(uint16_t t)
{
	return (t >= 128 && t < DNS_T_ANY) || t == DNS_T_OPT;
}

static int answer_in(const struct dns_view *v, struct dns_worker *w, struct dns_msg *m,
		     const struct dns_query *q, const struct dns_client *cl, uint8_t *scope)
{
	size_t apex_off = 0, answers_start = m->len;
	int rel = relative_labels(v->cfg, q, &apex_off), fam, zone, overflow = 0;
	const struct pool_set *set;
	struct target t;

	if (rel < 0)
		return DNS_REFUSED; /* not our zone: we never recurse */
	t = classify(v->cfg, q, rel);
	if (t.kind == K_NXDOMAIN) {
		add_soa(m, v, DNS_NS, apex_off);
		return DNS_NXDOMAIN;
	}
	if (t.kind == K_NODATA)
		goto nodata;
	if (q->qtype == DNS_T_ANY) { /* RFC 8482: one small synthesized record */
		static const uint8_t hinfo[] = { 7, 'R', 'F', 'C', '8', '4', '8', '2', 0 };

		dns_msg_rr(m, DNS_AN, QNAME_OFFSET, NULL, 0, DNS_T_HINFO, DNS_C_IN, v->cfg->ttl,
			   hinfo, sizeof(hinfo));
		return DNS_NOERROR;
	}
	if (t.apex && q->qtype == DNS_T_SOA) {
		overflow = add_soa(m, v, DNS_AN, apex_off);
		goto done;
	}
	if (t.apex && q->qtype == DNS_T_NS) {
		overflow = add_ns(m, v, apex_off);
		goto done;
	}
	if (q->qtype != DNS_T_A && q->qtype != DNS_T_AAAA)
		goto nodata;
	fam = q->qtype == DNS_T_AAAA;
	/* the pool serves AAAA only under 2. names, unless told otherwise */
	if (fam && t.number != 2 && !v->cfg->aaaa_everywhere)
		goto nodata;
	zone = t.geo ? geo_zone(v, w, q, cl, fam, scope) : t.zone;
	w->stats.zone[zone]++;
	set = t.number >= 0 ? &v->data->zones[zone].num[t.number][fam]
			    : &v->data->zones[zone].all[fam];
	if (!set->n)
		goto nodata;
	overflow = add_pool(m, v, w, set, fam);
done:
	if (overflow)
		dns_msg_drop_answers(m, answers_start); /* TC: the client retries over TCP */
	return DNS_NOERROR;
nodata:
	add_soa(m, v, DNS_NS, apex_off);
	return DNS_NOERROR;
}

/* The options our OPT record echoes: a fresh server cookie, our NSID when asked. */
static void options(const struct dns_config *c, struct dns_worker *w, const struct dns_query *q,
		    const struct dns_client *cl, struct dns_opt_out *o)
{
	uint32_t now = w->now ? w->now : (uint32_t)time(NULL);

	if (q->cookie) {
		w->cookie_ok = dns_cookie_valid(c->cookie_secret,
						c->cookie_prev_set ? c->cookie_prev : NULL,
						q->cookie_client, q->cookie_server,
						q->cookie_server_len, cl->family, cl->addr, now);
		w->stats.cookie[w->cookie_ok ? DNS_COOKIE_GOOD
				 : q->cookie_server_len ? DNS_COOKIE_BAD
							: DNS_COOKIE_CLIENT_ONLY]++;
		o->cookie = true;
		memcpy(o->cookie_data, q->cookie_client, DNS_COOKIE_CLIENT_LEN);
		dns_cookie_make(c->cookie_secret, q->cookie_client, cl->family, cl->addr, now,
				o->cookie_data + DNS_COOKIE_CLIENT_LEN);
	}
	if (q->nsid && c->nsid_len) {
		o->nsid = c->nsid;
		o->nsid_len = c->nsid_len;
	}
}

size_t dns_answer(const struct dns_view *v, struct dns_worker *w, const uint8_t *pkt, size_t len,
		  const struct dns_client *cl, int tcp, uint8_t *out, size_t cap)
{
	struct dns_opt_out o = { 0 };
	struct dns_query q;
	struct dns_msg m;
	size_t limit;
	int rc = dns_parse_query(pkt, len, &q);

	w->cookie_ok = false;
	if (rc == DNS_DROP) {
		w->stats.dropped++;
		return 0;
	}
	if (q.edns)
		options(v->cfg, w, &q, cl, &o);
	limit = tcp ? 65535 : q.edns ? (q.edns_udp < DNS_UDP_MAX ? q.edns_udp : DNS_UDP_MAX)
				 : DNS_UDP_MIN;
	if (limit > cap)
		limit = cap;
	dns_msg_start(&m, out, limit, &q, pkt, &o);
	if (!rc) {
		w->stats.qtype[bucket(q.qtype)]++;
		if (q.qclass == DNS_C_CH)
			rc = chaos(v, &m, &q);
		else if (q.qclass != DNS_C_IN)
			rc = q.qclass == DNS_C_ANY ? DNS_NOTIMP : DNS_REFUSED;
		else if (meta_qtype(q.qtype))
			rc = q.qtype == DNS_T_OPT ? DNS_FORMERR : DNS_NOTIMP;
		else if (!v->data)
			rc = DNS_SERVFAIL;
		else
			rc = answer_in(v, w, &m, &q, cl, &o.ecs_scope);
	}
	w->stats.rcode[rc <= 16 ? rc : 16]++;
	if (rc == DNS_REFUSED || rc == DNS_NOTIMP)
		dns_msg_not_authoritative(&m); /* not authoritative for what we refuse */
	return dns_msg_finish(&m, &q, rc);
}
