/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_parse.h - range-checked parsers for flags and config values. */
#ifndef XP_PARSE_H
#define XP_PARSE_H

#include <stdint.h>

/* Whole decimal number in [min, max]: 0, -EINVAL (not a number) or -ERANGE. */
int xp_parse_long(const char *s, long min, long max, long *out);

/* Reference ID: a dotted IPv4 address or 1-4 ASCII characters; network order. */
int xp_parse_refid(const char *s, uint32_t *refid_be);

#endif
