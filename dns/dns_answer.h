/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dns_answer.h - the pool's answers: a query in, a response out, no I/O and no allocation. */
#ifndef DNS_ANSWER_H
#define DNS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns_config.h"
#include "dns_data.h"
#include "pool_geo.h"

enum dns_qtype_bucket { QT_A, QT_AAAA, QT_SOA, QT_NS, QT_ANY, QT_TXT, QT_OTHER, QT_N };
enum dns_cookie_kind { DNS_COOKIE_CLIENT_ONLY, DNS_COOKIE_GOOD, DNS_COOKIE_BAD, DNS_COOKIE_N };

/* Per-thread counters, summed for the metrics endpoint; padded against false sharing. */
struct dns_stats {
	uint64_t zone[POOL_N_ZONES];
	uint64_t country[XP_N_COUNTRIES + 1]; /* the last: location unknown */
	uint64_t qtype[QT_N];
	uint64_t rcode[17];
	uint64_t udp, tcp, dropped, rrl_drop, rrl_slip;
	uint64_t tcp_refused, tcp_evicted, tcp_timeout; /* the TCP thread's connection policy */
	uint64_t cookie[DNS_COOKIE_N];			/* queries with a COOKIE option */
	uint64_t xdp, xdp_bad, xdp_tx_wait; /* the AF_XDP path: frames, malformed, TX full */
	uint64_t xdp_bad_source;	    /* AF_XDP: from a source no reply may go to */
} __attribute__((aligned(64)));

/* Everything a worker thread owns. */
struct dns_worker {
	struct pool_rng rng;
	struct pool_geo_cache geo_cache;
	struct dns_stats stats;
	uint32_t now;	/* Unix seconds, set per batch (0: read the clock) */
	bool cookie_ok; /* the last query carried a valid server cookie of ours */
};

/* What a response is built from: shared and read-only while queries run. */
struct dns_view {
	const struct dns_config *cfg;
	const struct dns_data *data;
	struct pool_geo *geo; /* NULL: every client is "unknown" */
};

struct dns_client {
	int family; /* 4 or 6 */
	uint8_t addr[16];
};

/*
 * Answers one query: the response's length in out (cap bytes, at least 65535 for TCP), or 0
 * to send nothing. tcp: no 512/EDNS size limit. Afterwards w->cookie_ok says whether the query
 * proved, with a server cookie of ours, that it comes from its source address (RRL exempts it).
 */
size_t dns_answer(const struct dns_view *v, struct dns_worker *w, const uint8_t *pkt, size_t len,
		  const struct dns_client *cl, int tcp, uint8_t *out, size_t cap);

#endif
