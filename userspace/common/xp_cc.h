/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_cc.h - ISO 3166 country codes and their continents, as the pool zones them. */
#ifndef XP_CC_H
#define XP_CC_H

#define XP_N_CONTINENTS 7
#define XP_N_COUNTRIES	250

/* Index of a two-letter code (any case; "uk" is "gb"), or -1. */
int xp_cc_index(const char *cc, int len);
/* Lowercase code of index i. */
const char *xp_cc_code(int i);
/* Continent (0..6) of country i. */
int xp_cc_continent(int i);
/* Continent index of a zone label ("europe"), or -1. */
int xp_continent_index(const char *name, int len);
/* Zone label of continent c: "europe". */
const char *xp_continent_name(int c);

#endif
