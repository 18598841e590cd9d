/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* pool_geo.h - where an address is: its country, from an mmdb (MaxMind or ip-location-db). */
#ifndef POOL_GEO_H
#define POOL_GEO_H

#include <stdbool.h>
#include <stdint.h>

#define POOL_GEO_CACHE 4096

struct pool_geo;

struct pool_geo_res {
	int cc;		/* country index (xp_cc.h), or -1 */
	uint8_t prefix; /* length of the matched network, in the address's own family */
};

/*
 * Opens path (memory-mapped): 0, -ENOMEM, or -EINVAL after logging the path, the reason and the
 * remedy (the package xpool-geoip or make install for the built-in one, geoip FILE or geoip off).
 */
int pool_geo_open(const char *path, struct pool_geo **g);
void pool_geo_close(struct pool_geo *g);

/*
 * The country of an address: family 4 or 6; addr 4 or 16 bytes. A MaxMind database's
 * country.iso_code (else registered_country.iso_code), an ip-location-db one's country_code.
 * g NULL: unknown. Thread-safe (libmaxminddb reads are).
 */
void pool_geo_lookup(struct pool_geo *g, int family, const uint8_t *addr, struct pool_geo_res *r);
/* The country (xp_cc index) of an address in text, IPv4 or IPv6, or -1 (g NULL: -1). */
int pool_geo_country(struct pool_geo *g, const char *ip);

/*
 * A per-thread cache in front of lookups, keyed by IPv4 /24 and IPv6 /48: an entry is kept
 * only when the matched network is no longer than that, so every cached answer is exact.
 */
struct pool_geo_cache {
	struct {
		uint8_t key[8]; /* family byte + /24 or /48 */
		struct pool_geo_res res;
		bool valid;
	} e[POOL_GEO_CACHE];
	uint64_t hits, misses;
};

void pool_geo_cached(struct pool_geo *g, struct pool_geo_cache *c, int family, const uint8_t *addr,
		     struct pool_geo_res *r);

#endif
