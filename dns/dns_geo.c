// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_geo.c - client location from an mmdb (MaxMind GeoIP2/GeoLite2 or ip-location-db). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <maxminddb.h>

#include "xp_geo.h"
#include "dns_geo.h"
#include "xp_log.h"

struct dns_geo {
	MMDB_s db;
	bool v6_tree;
};

int dns_geo_open(const char *path, struct dns_geo **out)
{
	struct dns_geo *g = calloc(1, sizeof(*g));
	int ret;

	if (!g)
		return -ENOMEM;
	ret = xp_geo_open(path, &g->db);
	if (ret) {
		free(g);
		return ret;
	}
	g->v6_tree = g->db.metadata.ip_version == 6;
	*out = g;
	return 0;
}

void dns_geo_close(struct dns_geo *g)
{
	if (!g)
		return;
	MMDB_close(&g->db);
	free(g);
}

void dns_geo_lookup(struct dns_geo *g, int family, const uint8_t *addr, struct dns_geo_res *r)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	MMDB_lookup_result_s res;
	int err;

	r->cc = -1;
	r->prefix = 0;
	if (!g)
		return;
	if (family == 4) {
		memcpy(&sin.sin_addr, addr, 4);
		res = MMDB_lookup_sockaddr(&g->db, (struct sockaddr *)&sin, &err);
	} else {
		memcpy(&sin6.sin6_addr, addr, 16);
		res = MMDB_lookup_sockaddr(&g->db, (struct sockaddr *)&sin6, &err);
	}
	if (err != MMDB_SUCCESS)
		return;
	/* IPv4 in an IPv6 tree sits under ::/96: report the prefix in IPv4 terms */
	r->prefix = family == 4 && g->v6_tree ? (res.netmask > 96 ? res.netmask - 96 : 0)
					      : res.netmask;
	if (res.found_entry)
		r->cc = xp_geo_entry_country(&res.entry);
}

void dns_geo_cached(struct dns_geo *g, struct dns_geo_cache *c, int family, const uint8_t *addr,
		    struct dns_geo_res *r)
{
	uint8_t key[8] = { (uint8_t)family };
	int bytes = family == 4 ? 3 : 6;
	uint32_t h = 2166136261u;
	unsigned slot;

	memcpy(key + 1, addr, bytes);
	for (int i = 0; i < 8; i++)
		h = (h ^ key[i]) * 16777619u;
	slot = h % DNS_GEO_CACHE;
	if (c->e[slot].valid && !memcmp(c->e[slot].key, key, 8)) {
		c->hits++;
		*r = c->e[slot].res;
		return;
	}
	c->misses++;
	dns_geo_lookup(g, family, addr, r);
	if (r->prefix <= bytes * 8) {
		memcpy(c->e[slot].key, key, 8);
		c->e[slot].res = *r;
		c->e[slot].valid = true;
	}
}
