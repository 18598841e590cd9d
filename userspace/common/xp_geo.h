/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_geo.h - the country of an address from an mmdb (MaxMind GeoIP2/GeoLite2 or ip-location-db). */
#ifndef XP_GEO_H
#define XP_GEO_H

#include <maxminddb.h>

#ifndef XPOOL_LOCALSTATEDIR /* the Makefile's LOCALSTATEDIR */
#define XPOOL_LOCALSTATEDIR "/var/lib"
#endif
/* where make install puts the built-in database */
#define XP_GEOIP_FILE	   "geo-whois-asn-country.mmdb"
#define XP_GEOIP_INSTALLED XPOOL_LOCALSTATEDIR "/xpool/" XP_GEOIP_FILE

/* Opens path (memory-mapped): 0, or -EINVAL after logging the reason. */
int xp_geo_open(const char *path, MMDB_s *db);
/* The country of a found entry (xp_cc index), or -1. */
int xp_geo_entry_country(MMDB_entry_s *e);
/* The country of an address in text (xp_cc index), or -1. */
int xp_geo_country(MMDB_s *db, const char *ip);

#endif
