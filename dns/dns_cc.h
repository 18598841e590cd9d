/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dns_cc.h - ISO 3166 country codes, their continents, and the pool's zone numbering. */
#ifndef DNS_CC_H
#define DNS_CC_H

#define DNS_N_CONTINENTS 7
#define DNS_N_COUNTRIES	 250
/* zone ids: 0 global, 1..7 continents, then countries */
#define DNS_ZONE_GLOBAL	 0
#define DNS_ZONE_CONT(c) (1 + (c))
#define DNS_ZONE_CC(i)	 (1 + DNS_N_CONTINENTS + (i))
#define DNS_N_ZONES	 (1 + DNS_N_CONTINENTS + DNS_N_COUNTRIES)

/* Index of a two-letter code (any case; "uk" is "gb"), or -1. */
int dns_cc_index(const char *cc, int len);
/* Lowercase code of index i. */
const char *dns_cc_code(int i);
/* Continent (0..6) of country i. */
int dns_cc_continent(int i);
/* Continent index of a zone label ("europe"), or -1. */
int dns_continent_index(const char *name, int len);
const char *dns_continent_name(int c);
/* Zone name for metrics: "global", "europe", "de". */
const char *dns_zone_name(int zone);
int dns_cc_count(void);

#endif
