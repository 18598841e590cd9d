// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_dns_metrics.c - xpool-dns's counters as Prometheus text: the families, and scrapes at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu.h>
#include <criterion/criterion.h>

#include "dns_server.h"

#define WORKERS	 64 /* as many as a big server has: each scrape sums them all */
#define SCRAPERS 4
#define SCRAPES	 1500

static struct dns_server srv;

/* Workers with counters of their own: every figure is their sum. */
static void setup(void)
{
	static struct dns_worker w[WORKERS];
	int de = xp_cc_index("de", 2);

	memset(w, 0, sizeof(w));
	for (int i = 0; i < WORKERS; i++) {
		w[i].stats.qtype[0] = i < 2 ? 1000 * (i + 1) : 0; /* A */
		w[i].stats.rcode[3] = i < 2 ? 7 : 0;		  /* NXDOMAIN */
		w[i].stats.zone[POOL_ZONE_CC(de)] = i < 2 ? 5 : 0;
		w[i].stats.country[de] = i < 2 ? 11 : 0;
		w[i].stats.udp = i < 2 ? 123456789 : 0;
		w[i].geo_cache.hits = i < 2 ? 3 : 0;
	}
	srv.workers = w;
	srv.n_workers = WORKERS;
	srv.reloads_ok = 4;
}

static char *scrape(void)
{
	struct xp_metrics m;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	xp_metrics_init(&m, f);
	dns_server_metrics(&srv, &m);
	fclose(f);
	return buf;
}

Test(dns_metrics, the_families_and_their_sums, .init = setup)
{
	char *s;

	rcu_register_thread();
	s = scrape();
	rcu_unregister_thread();
	cr_expect(strstr(s, "# HELP xpool_dns_qtype_total Queries by type.\n"
			    "# TYPE xpool_dns_qtype_total counter\n"
			    "xpool_dns_qtype_total{qtype=\"A\"} 3000\n") != NULL,
		  "%s", s);
	cr_expect(strstr(s, "xpool_dns_responses_total{rcode=\"NXDOMAIN\"} 14\n") != NULL);
	cr_expect(strstr(s, "xpool_dns_queries_total{zone=\"de\"} 10\n") != NULL, "%s", s);
	cr_expect(strstr(s, "xpool_dns_client_country_total{country=\"de\"} 22\n") != NULL);
	cr_expect(strstr(s, "xpool_dns_received_total{transport=\"udp\"} 246913578\n") != NULL);
	cr_expect(strstr(s, "xpool_dns_reloads_total{result=\"ok\"} 4\n") != NULL);
	cr_expect(strstr(s, "xpool_dns_geo_cache_total{result=\"hit\"} 6\n") != NULL);
	cr_expect(strstr(s, "# TYPE xpool_dns_snapshot_age_seconds gauge\n"
			    "xpool_dns_snapshot_age_seconds -1\n") != NULL);
	cr_expect(strstr(s, "xpool_dns_xdp") == NULL, "no AF_XDP path: no AF_XDP families");
	free(s);
}

static const char *expected;

static void *scraper(void *arg)
{
	long *bad = arg;

	rcu_register_thread();
	for (int i = 0; i < SCRAPES; i++) {
		char *s = scrape();

		if (strcmp(s, expected))
			(*bad)++;
		free(s);
	}
	rcu_unregister_thread();
	return NULL;
}

/*
 * Scrapes at once (two endpoints, or a test's) each see the true sums: the sum is each
 * scrape's own, not a static one scrapes would clear and add into together.
 */
Test(dns_metrics, scrapes_at_once_each_see_the_sums, .init = setup, .timeout = 60)
{
	pthread_t th[SCRAPERS];
	long bad[SCRAPERS] = {0};
	char *first;

	rcu_register_thread();
	first = scrape();
	rcu_unregister_thread();
	expected = first;
	for (int i = 0; i < SCRAPERS; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, scraper, &bad[i]), 0);
	for (int i = 0; i < SCRAPERS; i++) {
		pthread_join(th[i], NULL);
		cr_expect_eq(bad[i], 0, "scraper %d: %ld of %d scrapes wrong", i, bad[i], SCRAPES);
	}
	free(first);
}
