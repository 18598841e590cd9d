/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* pool_zone.h - the pool's zones: global, continents, countries; which a server is in. */
#ifndef POOL_ZONE_H
#define POOL_ZONE_H

#include <stddef.h>

#include "xp_cc.h"

/* zone numbers: 0 global, 1..7 continents (xp_cc order), then countries (xp_cc indexes) */
#define POOL_ZONE_GLOBAL  0
#define POOL_ZONE_CONT(c) (1 + (c))
#define POOL_ZONE_CC(i)	  (1 + XP_N_CONTINENTS + (i))
#define POOL_N_ZONES	  (1 + XP_N_CONTINENTS + XP_N_COUNTRIES)
#define POOL_ZONES_OF_MAX 3 /* zones one server is in */

/* A zone's name, as in its DNS label and the metrics: "global", "europe", "de"; else "unknown". */
const char *pool_zone_name(int zone);
/*
 * The zones a listed server of country cc (an xp_cc index) is in, whatever its address family:
 * the global zone, its continent's (when the country has one) and its country's. Returns how
 * many (at most POOL_ZONES_OF_MAX) in out, the global zone first; 0 for an unknown country.
 */
int pool_zone_of(int cc, int out[POOL_ZONES_OF_MAX]);
/* The zone a DNS label names: a country code (any case; "uk" is "gb") or a continent; or -1. */
int pool_zone_by_label(const char *label, size_t len);

#endif
