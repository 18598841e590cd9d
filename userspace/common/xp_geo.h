/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_geo.h - where the built-in GeoIP database is (the lookups: userspace/pool/pool_geo.h). */
#ifndef XP_GEO_H
#define XP_GEO_H

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
 * build tree's build/geoip), else XP_GEOIP_INSTALLED (pool_geo_open then says how to get it).
 */
void xp_geo_default(char *path, size_t n);

#endif
