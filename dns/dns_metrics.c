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

/* A family of one counter per label value. */
static void pairs(struct xp_metrics *m, const char *name, const char *help, const char *label,
		  const char *const *values, const uint64_t *counts, int n)
{
	xp_metrics_family(m, name, "counter", help);
	for (int i = 0; i < n; i++)
		xp_metrics_u64_l(m, label, values[i], counts[i]);
}

void dns_server_metrics(struct dns_server *s, struct xp_metrics *m)
{
	struct dns_stats sum; /* this scrape's own: a scrape may run beside another */
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

	xp_metrics_family(m, "xpool_dns_queries_total", "counter",
			  "Pool answers by the zone they came from.");
	for (int z = 0; z < POOL_N_ZONES; z++)
		if (sum.zone[z])
			xp_metrics_u64_l(m, "zone", pool_zone_name(z), sum.zone[z]);
	xp_metrics_family(m, "xpool_dns_client_country_total", "counter",
			  "Located clients by country.");
	for (int c = 0; c <= XP_N_COUNTRIES; c++)
		if (sum.country[c])
			xp_metrics_u64_l(m, "country", c < XP_N_COUNTRIES ? xp_cc_code(c) : "unknown",
					 sum.country[c]);
	pairs(m, "xpool_dns_qtype_total", "Queries by type.", "qtype", qtypes, sum.qtype, QT_N);
	xp_metrics_family(m, "xpool_dns_responses_total", "counter", "Responses by rcode.");
	for (int r = 0; r < 17; r++)
		if (sum.rcode[r] || r <= 5)
			xp_metrics_u64_l(m, "rcode", rcodes[r], sum.rcode[r]);
	pairs(m, "xpool_dns_received_total", "Queries received by transport.", "transport",
	      (const char *const[]){ "udp", "tcp" }, (const uint64_t[]){ sum.udp, sum.tcp }, 2);
	xp_metrics_family(m, "xpool_dns_dropped_total", "counter",
			  "Messages not answered (responses, too short, too long, from port 0).");
	xp_metrics_u64(m, sum.dropped);
	pairs(m, "xpool_dns_rrl_total", "Response rate limiting actions.", "action",
	      (const char *const[]){ "drop", "slip" },
	      (const uint64_t[]){ sum.rrl_drop, sum.rrl_slip }, 2);
	pairs(m, "xpool_dns_tcp_closed_total", "TCP connections closed by the server's policy.",
	      "reason", (const char *const[]){ "per_client_limit", "evicted", "timeout" },
	      (const uint64_t[]){ sum.tcp_refused, sum.tcp_evicted, sum.tcp_timeout }, 3);
	pairs(m, "xpool_dns_cookies_total",
	      "Queries with a DNS Cookie, by the server cookie's state.", "server_cookie",
	      (const char *const[]){ "none", "valid", "invalid" },
	      (const uint64_t[]){ sum.cookie[DNS_COOKIE_CLIENT_ONLY], sum.cookie[DNS_COOKIE_GOOD],
				  sum.cookie[DNS_COOKIE_BAD] },
	      3);
	pairs(m, "xpool_dns_reloads_total", "Snapshot reloads.", "result",
	      (const char *const[]){ "ok", "failed", "too_few_servers" },
	      (const uint64_t[]){ s->reloads_ok, s->reloads_failed, s->reloads_refused_small }, 3);
	xp_metrics_family(m, "xpool_dns_snapshot_age_seconds", "gauge",
			  "Age of the snapshot in service (its generated).");
	xp_metrics_samplef(m, NULL, NULL, 0, "%ld",
			   generated ? (long)(time(NULL) - generated) : -1L);
	xp_metrics_family(m, "xpool_dns_servers_listed", "gauge", "Servers in DNS answers.");
	xp_metrics_samplef(m, NULL, NULL, 0, "%u", listed);
	pairs(m, "xpool_dns_geo_cache_total", "Per-thread location cache.", "result",
	      (const char *const[]){ "hit", "miss" }, (const uint64_t[]){ hits, misses }, 2);
	if (!s->xdp)
		return;
	pairs(m, "xpool_dns_xdp_queries_total", "Frames through the AF_XDP path, by outcome.",
	      "result", (const char *const[]){ "received", "malformed", "bad_source" },
	      (const uint64_t[]){ sum.xdp, sum.xdp_bad, sum.xdp_bad_source }, 3);
	xp_metrics_family(m, "xpool_dns_xdp_tx_waits_total", "counter",
			  "Batches that waited for the TX ring.");
	xp_metrics_u64(m, sum.xdp_tx_wait);
	dns_xdp_metrics(s->xdp, m);
}
