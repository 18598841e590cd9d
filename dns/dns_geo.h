/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dns_geo.h - client location from an mmdb (MaxMind GeoIP2/GeoLite2 or ip-location-db). */
#ifndef DNS_GEO_H
#define DNS_GEO_H

#include <stdbool.h>
#include <stdint.h>

#define DNS_GEO_CACHE 4096

struct dns_geo;

struct dns_geo_res {
	int cc;		/* country index (dns_cc.h), or -1 */
	uint8_t prefix; /* length of the matched network, in the address's own family */
};

/* Opens path (mmap). 0 or -errno / -EINVAL with a message on stderr. */
int dns_geo_open(const char *path, struct dns_geo **g);
void dns_geo_close(struct dns_geo *g);

/* family 4 or 6; addr 4 or 16 bytes. Thread-safe (libmaxminddb reads are). */
void dns_geo_lookup(struct dns_geo *g, int family, const uint8_t *addr, struct dns_geo_res *r);

/*
 * A per-thread cache in front of lookups, keyed by IPv4 /24 and IPv6 /48: an entry is kept
 * only when the matched network is no longer than that, so every cached answer is exact.
 */
struct dns_geo_cache {
	struct {
		uint8_t key[8]; /* family byte + /24 or /48 */
		struct dns_geo_res res;
		bool valid;
	} e[DNS_GEO_CACHE];
	uint64_t hits, misses;
};

void dns_geo_cached(struct dns_geo *g, struct dns_geo_cache *c, int family, const uint8_t *addr,
		    struct dns_geo_res *r);

#endif
