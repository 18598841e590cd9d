// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* pool_geo.c - where an address is: its country, from an mmdb (MaxMind or ip-location-db). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <maxminddb.h>

#include "pool_geo.h"
#include "xp_cc.h"
#include "xp_geo.h"
#include "xp_log.h"

struct pool_geo {
	MMDB_s db;
	bool v6_tree;
};

static int open_db(const char *path, MMDB_s *db)
{
	int ret = MMDB_open(path, MMDB_MODE_MMAP, db), err = errno;

	bool io = ret == MMDB_FILE_OPEN_ERROR || ret == MMDB_IO_ERROR;

	if (ret == MMDB_SUCCESS)
		return 0;
	if (io && access(path, R_OK)) /* the reason itself, whatever the library did after it */
		err = errno;
	if (io && err == ENOENT && !strcmp(path, XP_GEOIP_INSTALLED))
		xp_err("%s: the built-in GeoIP database is not installed: install the package "
		       "xpool-geoip (from the source tree: make deps, then make install), or set "
		       "'geoip FILE' (another mmdb) or 'geoip off'",
		       path);
	else if (io)
		xp_err(
		    "%s: cannot open the GeoIP database: %s: set 'geoip FILE' to a readable mmdb "
		    "file, or 'geoip off'",
		    path, strerror(err));
	else
		xp_err("%s: not a GeoIP database: %s: set 'geoip FILE' to a MaxMind or "
		       "ip-location-db mmdb file, or 'geoip off'",
		       path, MMDB_strerror(ret));
	return -EINVAL;
}

int pool_geo_open(const char *path, struct pool_geo **out)
{
	struct pool_geo *g = calloc(1, sizeof(*g));
	int ret;

	if (!g)
		return -ENOMEM;
	ret = open_db(path, &g->db);
	if (ret) {
		free(g);
		return ret;
	}
	g->v6_tree = g->db.metadata.ip_version == 6;
	*out = g;
	return 0;
}

void pool_geo_close(struct pool_geo *g)
{
	if (!g)
		return;
	MMDB_close(&g->db);
	free(g);
}

/* MaxMind: country.iso_code; ip-location-db: country_code. */
static int entry_country(MMDB_entry_s *e)
{
	MMDB_entry_data_s d;

	if ((MMDB_get_value(e, &d, "country_code", NULL) == MMDB_SUCCESS && d.has_data) ||
	    (MMDB_get_value(e, &d, "country", "iso_code", NULL) == MMDB_SUCCESS && d.has_data) ||
	    (MMDB_get_value(e, &d, "registered_country", "iso_code", NULL) == MMDB_SUCCESS &&
	     d.has_data)) {
		if (d.type == MMDB_DATA_TYPE_UTF8_STRING)
			return xp_cc_index(d.utf8_string, d.data_size);
	}
	return -1;
}

void pool_geo_lookup(struct pool_geo *g, int family, const uint8_t *addr, struct pool_geo_res *r)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
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
	r->prefix =
	    family == 4 && g->v6_tree ? (res.netmask > 96 ? res.netmask - 96 : 0) : res.netmask;
	if (res.found_entry)
		r->cc = entry_country(&res.entry);
}

int pool_geo_country(struct pool_geo *g, const char *ip)
{
	int gai = 0, err = 0;
	MMDB_lookup_result_s res;

	if (!g)
		return -1;
	res = MMDB_lookup_string(&g->db, ip, &gai, &err);
	if (gai || err != MMDB_SUCCESS || !res.found_entry)
		return -1;
	return entry_country(&res.entry);
}

void pool_geo_cached(struct pool_geo *g, struct pool_geo_cache *c, int family, const uint8_t *addr,
		     struct pool_geo_res *r)
{
	uint8_t key[8] = {(uint8_t)family};
	int bytes = family == 4 ? 3 : 6;
	uint32_t h = 2166136261u;
	unsigned slot;

	memcpy(key + 1, addr, bytes);
	for (int i = 0; i < 8; i++)
		h = (h ^ key[i]) * 16777619u;
	slot = h % POOL_GEO_CACHE;
	if (c->e[slot].valid && !memcmp(c->e[slot].key, key, 8)) {
		c->hits++;
		*r = c->e[slot].res;
		return;
	}
	c->misses++;
	pool_geo_lookup(g, family, addr, r);
	if (r->prefix <= bytes * 8) {
		memcpy(c->e[slot].key, key, 8);
		c->e[slot].res = *r;
		c->e[slot].valid = true;
	}
}
