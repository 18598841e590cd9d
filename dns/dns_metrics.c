// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_metrics.c - xpool-dns counters as Prometheus text, summed over every thread. */
#include <string.h>
#include <time.h>
#include <urcu.h>

#include "dns_server.h"

static const char *const qtypes[QT_N] = { "A", "AAAA", "SOA", "NS", "ANY", "TXT", "other" };
static const char *const rcodes[17] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
					"REFUSED", "6", "7", "8", "9", "10", "11", "12", "13",
					"14", "15", "BADVERS" };

void dns_server_metrics(struct dns_server *s, FILE *f)
{
	static struct dns_stats sum;
	const struct dns_data *d;
	uint64_t hits = 0, misses = 0;
	time_t generated;
	uint32_t listed;

	memset(&sum, 0, sizeof(sum));
	for (int t = 0; t < s->n_workers; t++) {
		const uint64_t *src = (const uint64_t *)&s->workers[t].stats;
		uint64_t *dst = (uint64_t *)&sum;

		/* every field is a u64: racy reads of counters are fine on 64-bit machines */
		for (size_t i = 0; i < sizeof(sum) / sizeof(uint64_t); i++)
			dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
		hits += s->workers[t].geo_cache.hits;
		misses += s->workers[t].geo_cache.misses;
	}
	rcu_read_lock();
	d = rcu_dereference(s->data);
	generated = d ? d->generated : 0;
	listed = d ? d->listed : 0;
	rcu_read_unlock();

	fprintf(f, "# HELP xpool_dns_queries_total Pool answers by the zone they came from.\n"
		   "# TYPE xpool_dns_queries_total counter\n");
	for (int z = 0; z < POOL_N_ZONES; z++)
		if (sum.zone[z])
			fprintf(f, "xpool_dns_queries_total{zone=\"%s\"} %lu\n", pool_zone_name(z),
				(unsigned long)sum.zone[z]);
	fprintf(f, "# HELP xpool_dns_client_country_total Located clients by country.\n"
		   "# TYPE xpool_dns_client_country_total counter\n");
	for (int c = 0; c <= XP_N_COUNTRIES; c++)
		if (sum.country[c])
			fprintf(f, "xpool_dns_client_country_total{country=\"%s\"} %lu\n",
				c < XP_N_COUNTRIES ? xp_cc_code(c) : "unknown",
				(unsigned long)sum.country[c]);
	fprintf(f, "# HELP xpool_dns_qtype_total Queries by type.\n"
		   "# TYPE xpool_dns_qtype_total counter\n");
	for (int q = 0; q < QT_N; q++)
		fprintf(f, "xpool_dns_qtype_total{qtype=\"%s\"} %lu\n", qtypes[q],
			(unsigned long)sum.qtype[q]);
	fprintf(f, "# HELP xpool_dns_responses_total Responses by rcode.\n"
		   "# TYPE xpool_dns_responses_total counter\n");
	for (int r = 0; r < 17; r++)
		if (sum.rcode[r] || r <= 5)
			fprintf(f, "xpool_dns_responses_total{rcode=\"%s\"} %lu\n", rcodes[r],
				(unsigned long)sum.rcode[r]);
	fprintf(f,
		"# HELP xpool_dns_received_total Queries received by transport.\n"
		"# TYPE xpool_dns_received_total counter\n"
		"xpool_dns_received_total{transport=\"udp\"} %lu\n"
		"xpool_dns_received_total{transport=\"tcp\"} %lu\n"
		"# HELP xpool_dns_dropped_total Messages not answered (responses, too short, too long, from port 0).\n"
		"# TYPE xpool_dns_dropped_total counter\nxpool_dns_dropped_total %lu\n"
		"# HELP xpool_dns_rrl_total Response rate limiting actions.\n"
		"# TYPE xpool_dns_rrl_total counter\n"
		"xpool_dns_rrl_total{action=\"drop\"} %lu\nxpool_dns_rrl_total{action=\"slip\"} %lu\n"
		"# HELP xpool_dns_tcp_closed_total TCP connections closed by the server's policy.\n"
		"# TYPE xpool_dns_tcp_closed_total counter\n"
		"xpool_dns_tcp_closed_total{reason=\"per_client_limit\"} %lu\n"
		"xpool_dns_tcp_closed_total{reason=\"evicted\"} %lu\n"
		"xpool_dns_tcp_closed_total{reason=\"timeout\"} %lu\n"
		"# HELP xpool_dns_cookies_total Queries with a DNS Cookie, by the server cookie's state.\n"
		"# TYPE xpool_dns_cookies_total counter\n"
		"xpool_dns_cookies_total{server_cookie=\"none\"} %lu\n"
		"xpool_dns_cookies_total{server_cookie=\"valid\"} %lu\n"
		"xpool_dns_cookies_total{server_cookie=\"invalid\"} %lu\n"
		"# HELP xpool_dns_reloads_total Snapshot reloads.\n"
		"# TYPE xpool_dns_reloads_total counter\n"
		"xpool_dns_reloads_total{result=\"ok\"} %lu\n"
		"xpool_dns_reloads_total{result=\"failed\"} %lu\n"
		"xpool_dns_reloads_total{result=\"too_few_servers\"} %lu\n"
		"# HELP xpool_dns_snapshot_age_seconds Age of the snapshot in service (its generated).\n"
		"# TYPE xpool_dns_snapshot_age_seconds gauge\nxpool_dns_snapshot_age_seconds %ld\n"
		"# HELP xpool_dns_servers_listed Servers in DNS answers.\n"
		"# TYPE xpool_dns_servers_listed gauge\nxpool_dns_servers_listed %u\n"
		"# HELP xpool_dns_geo_cache_total Per-thread location cache.\n"
		"# TYPE xpool_dns_geo_cache_total counter\n"
		"xpool_dns_geo_cache_total{result=\"hit\"} %lu\n"
		"xpool_dns_geo_cache_total{result=\"miss\"} %lu\n",
		(unsigned long)sum.udp, (unsigned long)sum.tcp, (unsigned long)sum.dropped,
		(unsigned long)sum.rrl_drop, (unsigned long)sum.rrl_slip,
		(unsigned long)sum.tcp_refused, (unsigned long)sum.tcp_evicted,
		(unsigned long)sum.tcp_timeout, (unsigned long)sum.cookie[DNS_COOKIE_CLIENT_ONLY],
		(unsigned long)sum.cookie[DNS_COOKIE_GOOD], (unsigned long)sum.cookie[DNS_COOKIE_BAD],
		(unsigned long)s->reloads_ok, (unsigned long)s->reloads_failed,
		(unsigned long)s->reloads_refused_small,
		generated ? (long)(time(NULL) - generated) : -1L, listed, (unsigned long)hits,
		(unsigned long)misses);
	if (!s->xdp)
		return;
	fprintf(f,
		"# HELP xpool_dns_xdp_queries_total Frames through the AF_XDP path, by outcome.\n"
		"# TYPE xpool_dns_xdp_queries_total counter\n"
		"xpool_dns_xdp_queries_total{result=\"received\"} %lu\n"
		"xpool_dns_xdp_queries_total{result=\"malformed\"} %lu\n"
		"xpool_dns_xdp_queries_total{result=\"bad_source\"} %lu\n"
		"# HELP xpool_dns_xdp_tx_waits_total Batches that waited for the TX ring.\n"
		"# TYPE xpool_dns_xdp_tx_waits_total counter\nxpool_dns_xdp_tx_waits_total %lu\n",
		(unsigned long)sum.xdp, (unsigned long)sum.xdp_bad,
		(unsigned long)sum.xdp_bad_source, (unsigned long)sum.xdp_tx_wait);
	dns_xdp_metrics(s->xdp, f);
}
