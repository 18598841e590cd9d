/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_parse.h - range-checked parsers for flags and config values. */
#ifndef XP_PARSE_H
#define XP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Whole decimal number in [min, max]: 0, -EINVAL (not a number) or -ERANGE. */
int xp_parse_long(const char *s, long min, long max, long *out);

/* Reference ID: a dotted IPv4 address or 1-4 ASCII characters; network order. */
int xp_parse_refid(const char *s, uint32_t *refid_be);

/*
 * "ADDR", "ADDR/LEN" (want_prefix) or "all": a 16-byte address (IPv4 mapped into ::ffff:0:0/96)
 * and the prefix length over it, host bits cleared. 0 or -EINVAL.
 */
int xp_parse_prefix(const char *s, uint8_t addr[16], uint32_t *plen, bool want_prefix);

/* Does addr (16 bytes, IPv4 mapped) fall in prefix/plen? */
bool xp_prefix_match(const uint8_t addr[16], const uint8_t prefix[16], uint32_t plen);

/*
 * The one HOST:PORT parser: a numeric address (no name lookups, so that a check of the
 * configuration and the start-up agree), as ADDR, ADDR:PORT, [IPv6] or [IPv6]:PORT, or a bare
 * IPv6 address. default_port 0 makes the port mandatory. 0 or -EINVAL.
 */
int xp_parse_hostport(const char *s, uint16_t default_port, struct sockaddr_storage *sa,
		      socklen_t *len);

/*
 * A URI or libpq connection string fit for a log line: a password in the user information
 * (scheme://user:PASSWORD@host) and every password= or sslpassword= parameter (query or
 * keyword=value, quoted or not) replaced by ***. out always ends in a NUL (n > 0).
 */
void xp_redact(const char *in, char *out, size_t n);

/*
 * Copies s into out as valid UTF-8 (for JSON): a byte that does not start or continue a whole,
 * shortest-form sequence, a surrogate, or a control character becomes '?'. out always ends in
 * a NUL (n >= 6).
 */
void xp_utf8_clean(const char *s, char *out, size_t n);

#endif
