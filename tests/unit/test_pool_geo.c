// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_pool_geo.c - the geo lookup: both mmdb layouts, addresses in text, the per-thread cache. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "pool_geo.h"
#include "xp_cc.h"
#include "xp_log.h"

Test(pool_geo, both_geo_layouts)
{
	const char *mm = getenv("XPOOL_GEO_TEST");
	char ipl[512];
	struct pool_geo *a, *b;
	static const char *const probes[] = {"10.203.1.7", "10.203.2.7", "198.18.70.1", "8.8.8.8"};

	cr_assert_not_null(mm);
	snprintf(ipl, sizeof(ipl), "%.*s-ipl.mmdb", (int)(strlen(mm) - 5), mm);
	cr_assert_eq(pool_geo_open(mm, &a), 0);
	cr_assert_eq(pool_geo_open(ipl, &b), 0, "%s", ipl);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		struct pool_geo_res ra, rb;
		uint8_t addr[4];

		inet_pton(AF_INET, probes[i], addr);
		pool_geo_lookup(a, 4, addr, &ra);
		pool_geo_lookup(b, 4, addr, &rb);
		cr_expect_eq(ra.cc, rb.cc, "%s: country.iso_code and country_code agree",
			     probes[i]);
		cr_expect_eq(ra.prefix, rb.prefix);
	}
	{
		struct pool_geo_res r;
		uint8_t addr[4];

		inet_pton(AF_INET, "198.18.70.1", addr);
		pool_geo_lookup(a, 4, addr, &r);
		cr_expect_eq(r.cc, xp_cc_index("us", 2));
		cr_expect_eq(r.prefix, 20, "an IPv4 network's own prefix length");
	}
	pool_geo_close(a);
	pool_geo_close(b);
}

/* The API's question: the country of a server's address in text; no database, no country. */
Test(pool_geo, country_of_an_address_in_text)
{
	const char *mm = getenv("XPOOL_GEO_TEST");
	struct pool_geo *g;
	struct pool_geo_res r;
	uint8_t a4[4] = {10, 203, 1, 7};

	cr_assert_not_null(mm);
	cr_assert_eq(pool_geo_open(mm, &g), 0);
	cr_expect_eq(pool_geo_country(g, "10.203.1.7"), xp_cc_index("de", 2));
	cr_expect_eq(pool_geo_country(g, "10.203.3.1"), xp_cc_index("jp", 2));
	cr_expect_eq(pool_geo_country(g, "2001:db8:de::1"), xp_cc_index("de", 2));
	cr_expect_eq(pool_geo_country(g, "2001:db8:f5::1"), xp_cc_index("fr", 2), "in the /44");
	cr_expect_eq(pool_geo_country(g, "8.8.8.8"), -1, "not in the database");
	cr_expect_eq(pool_geo_country(g, "not an address"), -1);
	cr_expect_eq(pool_geo_country(g, ""), -1);
	cr_expect_eq(pool_geo_country(NULL, "10.203.1.7"), -1, "geoip off");
	pool_geo_lookup(NULL, 4, a4, &r);
	cr_expect(r.cc == -1 && r.prefix == 0, "geoip off: unknown");
	pool_geo_close(g);
	pool_geo_close(NULL);
	xp_log_init("test", XP_LOG_QUIET);
	cr_expect_eq(pool_geo_open("/nonexistent/geo.mmdb", &g), -EINVAL);
}

/* The cache answers what a lookup answers; one lookup per /24 (IPv4) or /48 (IPv6). */
Test(pool_geo, cache_is_exact_per_network)
{
	static struct pool_geo_cache c;
	static const char *const v4[] = {"10.203.1.7",	"10.203.1.200", "10.203.2.7", "198.18.70.1",
					 "198.18.70.9", "8.8.8.8",	"8.8.8.4"};
	static const char *const v6[] = {"2001:db8:de::1", "2001:db8:de:1::1", "2001:db8:f1::1"};
	const char *mm = getenv("XPOOL_GEO_TEST");
	struct pool_geo *g;

	cr_assert_not_null(mm);
	cr_assert_eq(pool_geo_open(mm, &g), 0);
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
			struct pool_geo_res want, got;
			uint8_t a[4];

			inet_pton(AF_INET, v4[i], a);
			pool_geo_lookup(g, 4, a, &want);
			pool_geo_cached(g, &c, 4, a, &got);
			cr_expect(want.cc == got.cc && want.prefix == got.prefix, "%s", v4[i]);
		}
		for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
			struct pool_geo_res want, got;
			uint8_t a[16];

			inet_pton(AF_INET6, v6[i], a);
			pool_geo_lookup(g, 6, a, &want);
			pool_geo_cached(g, &c, 6, a, &got);
			cr_expect(want.cc == got.cc && want.prefix == got.prefix, "%s", v6[i]);
		}
	}
	/* 6 networks (3 IPv4 /24s with a known country, 8.8.8.0/24, 2 IPv6 /48s), 20 lookups */
	cr_expect_eq(c.misses, 6, "%lu misses", (unsigned long)c.misses);
	cr_expect_eq(c.hits, 14, "%lu hits", (unsigned long)c.hits);
	pool_geo_close(g);
}
