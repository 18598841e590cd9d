// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_dns_answer.c - the pool's names, geo fallback, numbered zones and every protocol rule. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "dns_answer.h"
#include "dns_wire.h"
#include "xt_dns.h"

static struct dns_config cfg;
static struct dns_data *data;
static struct pool_geo *geo;
static struct dns_worker w;
static struct dns_view view;

/* ip, country, score, monitor-only (netspeed 0), disabled */
static const struct {
	const char *ip, *cc;
	double score;
	int monitor_only, disabled;
} servers[] = {
	{ "192.0.2.1", "de", 19, 0, 0 },    { "192.0.2.2", "de", 19, 0, 0 },
	{ "192.0.2.3", "de", 19, 0, 0 },    { "192.0.2.4", "de", 5, 0, 0 },
	{ "192.0.2.5", "fr", 19, 0, 0 },    { "192.0.2.6", "fr", 19, 0, 1 },
	{ "192.0.2.7", "fr", 19, 1, 0 },    { "2001:db8::de", "de", 19, 0, 0 },
	{ "192.0.2.9", "us", 19, 0, 0 },
};

static void load(void)
{
	struct dns_snapshot snap = { 0 };
	const char *mmdb = getenv("XPOOL_GEO_TEST");

	dns_config_defaults(&cfg);
	strcpy(cfg.zone, "pool.ntp.test");
	cfg.n_vendors = 1;
	strcpy(cfg.vendors[0], "myvendor");
	cr_assert_eq(dns_config_finish(&cfg), 0);
	snap.n = sizeof(servers) / sizeof(servers[0]) + 12;
	snap.e = calloc(snap.n, sizeof(*snap.e));
	for (size_t i = 0; i < snap.n; i++) {
		struct dns_snap_entry *e = &snap.e[i];

		if (i < sizeof(servers) / sizeof(servers[0])) {
			e->v6 = strchr(servers[i].ip, ':') != NULL;
			inet_pton(e->v6 ? AF_INET6 : AF_INET, servers[i].ip, e->addr);
			e->cc = xp_cc_index(servers[i].cc, 2);
			e->score = servers[i].score;
			e->netspeed = servers[i].monitor_only ? 0 : 10000;
			e->enabled = !servers[i].disabled;
		} else { /* twelve in Japan, for the numbered split */
			char ip[32];

			snprintf(ip, sizeof(ip), "198.51.100.%zu", i);
			inet_pton(AF_INET, ip, e->addr);
			e->cc = xp_cc_index("jp", 2);
			e->score = 15;
			e->netspeed = 1000 * i;
			e->enabled = true;
		}
	}
	data = dns_data_build(&snap, cfg.min_score, 42, 7);
	cr_assert_not_null(data);
	dns_snapshot_free(&snap);
	cr_assert_not_null(mmdb, "XPOOL_GEO_TEST names the test mmdb (make check sets it)");
	cr_assert_eq(pool_geo_open(mmdb, &geo), 0);
	memset(&w, 0, sizeof(w));
	pool_rng_seed(&w.rng, 1);
	view = (struct dns_view){ &cfg, data, geo };
}

static void unload(void)
{
	dns_data_free(data);
	pool_geo_close(geo);
}

TestSuite(dns_answer, .init = load, .fini = unload);

/* Asks from a client address; returns the parsed response and its raw bytes. */
static size_t ask(const struct xt_q *q, const char *from, struct xt_r *r, uint8_t *out, int tcp)
{
	uint8_t in[600];
	size_t n = xt_dns_query(q, 0xbeef, in), len;
	struct dns_client cl = { .family = strchr(from, ':') ? 6 : 4 };

	inet_pton(cl.family == 4 ? AF_INET : AF_INET6, from, cl.addr);
	len = dns_answer(&view, &w, in, n, &cl, tcp, out, 65535);
	cr_assert_gt(len, 0);
	cr_assert_eq(xt_dns_read(out, len, r), 0);
	cr_expect_eq(r->id, 0xbeef);
	return len;
}

static int all_in(const struct xt_r *r, const char *prefix)
{
	for (int i = 0; i < r->n_addr; i++)
		if (strncmp(r->addr[i], prefix, strlen(prefix)))
			return 0;
	return r->n_addr > 0;
}

static uint8_t out[65536];

Test(dns_answer, country_zone_by_source)
{
	struct xt_r r;

	ask(&(struct xt_q){ .name = "pool.ntp.test" }, "10.203.1.9", &r, out, 0);
	cr_expect_eq(r.rcode, DNS_NOERROR);
	cr_expect(r.flags & 0x0400, "authoritative");
	cr_expect_eq(r.n_addr, 3, "de has three listed servers (one scores 5)");
	cr_expect(all_in(&r, "192.0.2."));
	for (int i = 0; i < r.n_addr; i++) {
		cr_expect_neq(strcmp(r.addr[i], "192.0.2.4"), 0, "score below 10 is not listed");
		cr_expect_eq(r.an_ttl[i], 150);
	}
	cr_expect(!r.has_opt, "no OPT without one in the query");
}

Test(dns_answer, fallback_to_continent_then_global)
{
	struct xt_r r;

	/* fr: one listed server (one disabled, one netspeed 0) < min-servers 2: europe */
	ask(&(struct xt_q){ .name = "pool.ntp.test" }, "10.203.2.9", &r, out, 0);
	cr_expect_eq(r.n_addr, 4, "europe: three in de, one in fr");
	for (int i = 0; i < r.n_addr; i++)
		cr_expect(strcmp(r.addr[i], "192.0.2.6") && strcmp(r.addr[i], "192.0.2.7"));
	/* nz: no server in oceania: the global zone (max-hosts 4 of 17) */
	ask(&(struct xt_q){ .name = "pool.ntp.test" }, "10.203.4.9", &r, out, 0);
	cr_expect_eq(r.n_addr, 4);
	/* unknown client: global */
	ask(&(struct xt_q){ .name = "pool.ntp.test" }, "203.0.113.5", &r, out, 0);
	cr_expect_eq(r.n_addr, 4);
	cr_expect_eq(w.stats.country[XP_N_COUNTRIES], 1, "counted as unknown");
}

/* a country with exactly min-servers listed answers itself (>=, not >); one fewer: continent */
Test(dns_answer, country_with_exactly_min_servers)
{
	int old = cfg.min_servers;
	struct xt_r r;

	cfg.min_servers = 3; /* de lists exactly three */
	ask(&(struct xt_q){ .name = "pool.ntp.test" }, "10.203.1.9", &r, out, 0);
	cr_expect_eq(r.n_addr, 3, "de answers with its three");
	for (int i = 0; i < r.n_addr; i++)
		cr_expect_neq(strcmp(r.addr[i], "192.0.2.5"), 0, "fr's server: europe answered");
	cfg.min_servers = 4;
	ask(&(struct xt_q){ .name = "pool.ntp.test" }, "10.203.1.9", &r, out, 0);
	cr_expect_eq(r.n_addr, 4, "three in de < 4: europe (de and fr)");
	cfg.min_servers = old;
}

Test(dns_answer, ecs_overrides_the_source)
{
	struct xt_r r;

	/* from a German resolver, for a client in 198.18.0.0/18 (de): scope is the network's /18 */
	ask(&(struct xt_q){ .name = "pool.ntp.test", .edns = 1, .ecs_family = 1, .ecs_source = 24,
			    .ecs_addr = "198.18.1.0" },
	    "10.203.3.1", &r, out, 0);
	cr_expect(all_in(&r, "192.0.2."), "de servers, not jp");
	cr_expect_eq(r.ecs_scope, 18);
	/* source prefix 0: the client opted out; the resolver's location, scope 0 */
	ask(&(struct xt_q){ .name = "pool.ntp.test", .edns = 1, .ecs_family = 1, .ecs_source = 0,
			    .ecs_addr = "0.0.0.0" },
	    "10.203.3.1", &r, out, 0);
	cr_expect(all_in(&r, "198.51.100."), "the resolver is in jp");
	cr_expect_eq(r.ecs_scope, 0);
	/* IPv6 ECS */
	ask(&(struct xt_q){ .name = "pool.ntp.test", .edns = 1, .ecs_family = 2, .ecs_source = 56,
			    .ecs_addr = "2001:db8:de::" },
	    "10.203.3.1", &r, out, 0);
	cr_expect(all_in(&r, "192.0.2."));
	cr_expect_eq(r.ecs_scope, 48);
}

Test(dns_answer, numbered_zones_are_disjoint)
{
	char seen[4][16][48] = { 0 };
	int n_seen[4] = { 0 };
	struct xt_r r;

	for (int z = 0; z < 4; z++) {
		char name[64];

		snprintf(name, sizeof(name), "%d.jp.pool.ntp.test", z);
		for (int k = 0; k < 200; k++) {
			ask(&(struct xt_q){ .name = name }, "10.203.3.1", &r, out, 0);
			cr_expect_eq(r.n_addr, 3, "12 servers: 3 per numbered zone");
			for (int i = 0; i < r.n_addr; i++) {
				int found = 0;

				for (int j = 0; j < n_seen[z]; j++)
					found |= !strcmp(seen[z][j], r.addr[i]);
				if (!found && n_seen[z] < 16)
					strcpy(seen[z][n_seen[z]++], r.addr[i]);
			}
		}
	}
	for (int a = 0; a < 4; a++) {
		cr_expect_eq(n_seen[a], 3);
		for (int b = a + 1; b < 4; b++)
			for (int i = 0; i < n_seen[a]; i++)
				for (int j = 0; j < n_seen[b]; j++)
					cr_expect(strcmp(seen[a][i], seen[b][j]), "%s in %d. and %d.",
						  seen[a][i], a, b);
	}
	/* below 8 servers every numbered zone has them all */
	ask(&(struct xt_q){ .name = "3.de.pool.ntp.test" }, "10.203.3.1", &r, out, 0);
	cr_expect_eq(r.n_addr, 3);
}

Test(dns_answer, aaaa_only_under_2)
{
	struct xt_r r;

	ask(&(struct xt_q){ .name = "2.de.pool.ntp.test", .qtype = DNS_T_AAAA }, "10.203.3.1", &r,
	    out, 0);
	cr_expect_eq(r.n_addr, 1);
	cr_expect_str_eq(r.addr[0], "2001:db8::de");
	ask(&(struct xt_q){ .name = "0.de.pool.ntp.test", .qtype = DNS_T_AAAA }, "10.203.3.1", &r,
	    out, 0);
	cr_expect_eq(r.rcode, DNS_NOERROR);
	cr_expect_eq(r.an, 0, "NODATA");
	cr_expect_eq(r.ns_type, DNS_T_SOA, "NODATA carries the SOA");
	cr_expect_eq(r.ns_ttl, 60, "negative TTL: min(SOA TTL, minimum)");
	cfg.aaaa_everywhere = true;
	ask(&(struct xt_q){ .name = "de.pool.ntp.test", .qtype = DNS_T_AAAA }, "10.203.3.1", &r,
	    out, 0);
	cr_expect_eq(r.n_addr, 1, "aaaa-everywhere");
	cfg.aaaa_everywhere = false;
}

Test(dns_answer, names)
{
	static const struct {
		const char *name;
		int rcode, answers;
	} cases[] = {
		{ "de.pool.ntp.test", 0, 3 },	     { "europe.pool.ntp.test", 0, 4 },
		{ "1.europe.pool.ntp.test", 0, 4 },  { "asia.pool.ntp.test", 0, 4 },
		{ "north-america.pool.ntp.test", 0, 1 }, { "1.myvendor.pool.ntp.test", 0, 3 },
		{ "uk.pool.ntp.test", 0, 0 },	     { "gb.pool.ntp.test", 0, 0 },
		{ "ns1.pool.ntp.test", 0, 0 },	     { "foo.pool.ntp.test", 3, 0 },
		{ "4.pool.ntp.test", 3, 0 },	     { "0.xx.pool.ntp.test", 3, 0 },
		{ "a.b.c.pool.ntp.test", 3, 0 },     { "0.0.pool.ntp.test", 3, 0 },
		{ "example.com", 5, 0 },	     { "ntp.test", 5, 0 },
	};
	struct xt_r r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ask(&(struct xt_q){ .name = cases[i].name }, "10.203.3.1", &r, out, 0);
		cr_expect_eq(r.rcode, cases[i].rcode, "%s: rcode %d", cases[i].name, r.rcode);
		cr_expect_eq(r.n_addr, cases[i].answers, "%s: %d answers", cases[i].name, r.n_addr);
		if (cases[i].rcode == DNS_NXDOMAIN || (!cases[i].rcode && !cases[i].answers))
			cr_expect_eq(r.ns_type, DNS_T_SOA, "%s: SOA in authority", cases[i].name);
		if (cases[i].rcode == DNS_REFUSED)
			cr_expect(!(r.flags & 0x0400), "%s: not authoritative", cases[i].name);
	}
}

Test(dns_answer, case_preserved)
{
	struct xt_r r;
	uint8_t in[600];
	size_t n = xt_dns_query(&(struct xt_q){ .name = "PoOl.NtP.tEsT" }, 1, in);

	ask(&(struct xt_q){ .name = "PoOl.NtP.tEsT" }, "10.203.1.9", &r, out, 0);
	cr_expect_eq(memcmp(out + 12, in + 12, n - 12), 0, "0x20: the question is echoed as sent");
	cr_expect_eq(r.n_addr, 3);
}

Test(dns_answer, apex_records_and_any)
{
	struct xt_r r;

	ask(&(struct xt_q){ .name = "pool.ntp.test", .qtype = DNS_T_SOA }, "10.203.1.9", &r, out, 0);
	cr_expect_eq(r.an, 1);
	cr_expect_eq(r.an_type[0], DNS_T_SOA);
	ask(&(struct xt_q){ .name = "pool.ntp.test", .qtype = DNS_T_NS }, "10.203.1.9", &r, out, 0);
	cr_expect_eq(r.an_type[0], DNS_T_NS);
	ask(&(struct xt_q){ .name = "pool.ntp.test", .qtype = DNS_T_ANY }, "10.203.1.9", &r, out, 0);
	cr_expect_eq(r.an, 1, "RFC 8482: one small record for ANY");
	cr_expect_eq(r.an_type[0], DNS_T_HINFO);
	ask(&(struct xt_q){ .name = "de.pool.ntp.test", .qtype = DNS_T_TXT }, "10.203.1.9", &r, out,
	    0);
	cr_expect_eq(r.an, 0, "other types: NODATA");
	cr_expect_eq(r.ns_type, DNS_T_SOA);
}

Test(dns_answer, error_rcodes)
{
	struct xt_r r;

	ask(&(struct xt_q){ .name = "pool.ntp.test", .qtype = 252 }, "10.203.1.9", &r, out, 0);
	cr_expect_eq(r.rcode, DNS_NOTIMP, "AXFR");
	ask(&(struct xt_q){ .name = "pool.ntp.test", .qtype = 254 }, "10.203.1.9", &r, out, 0);
	cr_expect_eq(r.rcode, DNS_NOTIMP, "MAILA");
	ask(&(struct xt_q){ .name = "pool.ntp.test", .qclass = DNS_C_ANY }, "10.203.1.9", &r, out, 0);
	cr_expect_eq(r.rcode, DNS_NOTIMP, "class ANY");
	ask(&(struct xt_q){ .name = "pool.ntp.test", .qclass = 4 }, "10.203.1.9", &r, out, 0);
	cr_expect_eq(r.rcode, DNS_REFUSED, "class HS");
	ask(&(struct xt_q){ .name = "pool.ntp.test", .flags = 0x2000 }, "10.203.1.9", &r, out, 0);
	cr_expect_eq(r.rcode, DNS_NOTIMP, "opcode 4 (NOTIFY)");
	cr_expect_eq(r.qd, 1);
	ask(&(struct xt_q){ .name = "pool.ntp.test", .edns = 1, .version = 1 }, "10.203.1.9", &r, out,
	    0);
	cr_expect_eq(r.rcode, DNS_BADVERS, "BADVERS is an extended rcode in the OPT");
	cr_expect(r.has_opt);
	cr_expect_eq(r.n_addr, 0);
	ask(&(struct xt_q){ .name = "pool.ntp.test", .edns = 1, .ecs_family = 1, .ecs_source = 40,
			    .ecs_addr = "10.0.0.0" },
	    "10.203.1.9", &r, out, 0);
	cr_expect_eq(r.rcode, DNS_FORMERR, "malformed ECS");
}

Test(dns_answer, chaos)
{
	struct xt_r r;

	ask(&(struct xt_q){ .name = "version.bind", .qtype = DNS_T_TXT, .qclass = DNS_C_CH },
	    "10.203.1.9", &r, out, 0);
	cr_expect_eq(r.an, 1);
	ask(&(struct xt_q){ .name = "id.server", .qtype = DNS_T_TXT, .qclass = DNS_C_CH },
	    "10.203.1.9", &r, out, 0);
	cr_expect_eq(r.rcode, DNS_REFUSED, "no chaos-id configured");
	strcpy(cfg.chaos_id, "dns1.example");
	ask(&(struct xt_q){ .name = "id.server", .qtype = DNS_T_TXT, .qclass = DNS_C_CH },
	    "10.203.1.9", &r, out, 0);
	cr_expect_eq(r.an, 1);
}

Test(dns_answer, sizes_and_truncation)
{
	struct xt_r r;
	size_t len;

	for (int i = 0; i < DNS_MAX_NS; i++)
		snprintf(cfg.ns[i], sizeof(cfg.ns[i]),
			 "a-rather-long-name-server-label-%d.example-operator-network.example.net", i);
	cfg.n_ns = DNS_MAX_NS;
	len = ask(&(struct xt_q){ .name = "pool.ntp.test", .qtype = DNS_T_NS }, "10.203.1.9", &r,
		  out, 0);
	cr_expect(r.flags & 0x0200, "TC without EDNS: over 512 bytes");
	cr_expect_eq(r.an, 0);
	cr_expect_leq(len, 512);
	len = ask(&(struct xt_q){ .name = "pool.ntp.test", .qtype = DNS_T_NS, .edns = 1,
				  .udp = 4096 },
		  "10.203.1.9", &r, out, 0);
	cr_expect(!(r.flags & 0x0200));
	cr_expect_eq(r.an, DNS_MAX_NS);
	cr_expect_eq(r.opt_udp, 1232, "we announce 1232");
	cr_expect_leq(len, 1232);
	len = ask(&(struct xt_q){ .name = "pool.ntp.test", .qtype = DNS_T_NS }, "10.203.1.9", &r,
		  out, 1);
	cr_expect(!(r.flags & 0x0200), "TCP has room");
	cr_expect_eq(r.an, DNS_MAX_NS);
}

/*
 * Regression (hostile-input review): an apex NS answer with an IPv6 /128 ECS option must fit
 * the client's payload size exactly: the builder checks its own end. The output buffer is
 * exactly the client's limit on the heap, so ASan (make check SANITIZE=1) sees any overrun;
 * without it, a guard byte pattern past the limit is checked.
 */
static size_t ask_exact(const struct xt_q *q, size_t limit, struct xt_r *r)
{
	uint8_t in[600], *buf = malloc(limit + 64);
	struct dns_client cl = { .family = 4, .addr = { 10, 203, 3, 1 } };
	size_t n = xt_dns_query(q, 0xbeef, in), len;

	cr_assert_not_null(buf);
	memset(buf + limit, 0xa5, 64);
	len = dns_answer(&view, &w, in, n, &cl, 0, buf, limit);
	for (int i = 0; i < 64; i++)
		cr_assert_eq(buf[limit + i], 0xa5, "byte %zu written past the %zu-byte buffer",
			     limit + i, limit);
	cr_assert_leq(len, limit);
	cr_assert_gt(len, 0);
	cr_assert_eq(xt_dns_read(buf, len, r), 0);
	free(buf);
	return len;
}

Test(dns_answer, ecs_v6_128_never_exceeds_the_limit)
{
	static const char lab[] = "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn";
	struct dns_config saved = cfg;
	struct xt_r r;

	/* eight NS names of 20, 80 and about 130 characters: up to 1232 bytes of NS records */
	for (int labels = 0; labels <= 2; labels++) {
		cfg.n_ns = 8;
		for (int i = 0; i < 8; i++) {
			char *p = cfg.ns[i];

			p += sprintf(p, "ns%d", i);
			for (int l = 0; l < labels; l++)
				p += sprintf(p, ".%.60s", lab);
			sprintf(p, ".pool-dns.example");
		}
		for (unsigned udp = 512; udp <= 1232; udp++) {
			struct xt_q q = { .name = "pool.ntp.test", .qtype = DNS_T_NS, .edns = 1,
					  .udp = udp, .ecs_family = 2, .ecs_source = 128,
					  .ecs_addr = "2001:db8:de::1" };
			size_t len = ask_exact(&q, udp, &r);

			cr_assert_leq(len, udp, "payload %u: %zu-byte reply", udp, len);
			cr_assert(r.has_opt, "payload %u: the OPT record is kept", udp);
			cr_assert(r.an == 8 || (r.flags & 0x0200), "payload %u: all NS or TC", udp);
		}
	}
	cfg = saved;
}
