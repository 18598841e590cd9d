/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_geo.h - the country of an address from an mmdb (MaxMind GeoIP2/GeoLite2 or ip-location-db). */
#ifndef XP_GEO_H
#define XP_GEO_H

#include <maxminddb.h>

#include <stddef.h>

#ifndef XPOOL_DATADIR /* the Makefile's DATADIR */
#define XPOOL_DATADIR "/usr/share"
#endif
/* the built-in database, read-only data: where make install and the package xpool-geoip put it */
#define XP_GEOIP_FILE	   "geo-whois-asn-country.mmdb"
#define XP_GEOIP_INSTALLED XPOOL_DATADIR "/xpool/" XP_GEOIP_FILE

/*
 * The built-in database to open, in path (n bytes): XP_GEOIP_INSTALLED when it is there, else
 * the copy beside the running binary (PREFIX/share/xpool of another make install PREFIX, or a
 * build tree's build/geoip), else XP_GEOIP_INSTALLED (xp_geo_open then says how to get it).
 */
void xp_geo_default(char *path, size_t n);
/*
 * Opens path (memory-mapped): 0, or -EINVAL after logging the path, the reason and the remedy
 * (the package xpool-geoip or make install for the built-in one, geoip FILE or geoip off).
 */
int xp_geo_open(const char *path, MMDB_s *db);
/* The country of a found entry (xp_cc index), or -1. */
int xp_geo_entry_country(MMDB_entry_s *e);
/* The country of an address in text (xp_cc index), or -1. */
int xp_geo_country(MMDB_s *db, const char *ip);

#endif
