/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dns_cookie.h - DNS Cookies (RFC 7873) with RFC 9018's interoperable server cookie. */
#ifndef DNS_COOKIE_H
#define DNS_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_COOKIE_SECRET_LEN 16   /* a SipHash-2-4 key */
#define DNS_COOKIE_LIFETIME   3600 /* RFC 9018 4.3: a server cookie is valid for an hour... */
#define DNS_COOKIE_SKEW	      300  /* ...and may come from up to five minutes ahead */

/*
 * The server cookie for a client: version 1, three reserved zeros, the time (Unix seconds,
 * mod 2^32), and SipHash-2-4 under secret over client cookie | version | reserved | time |
 * client address (4 bytes for IPv4, 16 for IPv6). out: 16 bytes.
 */
void dns_cookie_make(const uint8_t secret[DNS_COOKIE_SECRET_LEN], const uint8_t client[8],
		     int family, const uint8_t *addr, uint32_t now, uint8_t out[16]);

/*
 * Is server (len bytes, from the query) a cookie one of the secrets made for this client and
 * address, within its lifetime at now? The hash covers the version, reserved and time octets
 * as received. secret_prev may be NULL (no rollover in progress).
 */
bool dns_cookie_valid(const uint8_t secret[DNS_COOKIE_SECRET_LEN], const uint8_t *secret_prev,
		      const uint8_t client[8], const uint8_t *server, size_t len, int family,
		      const uint8_t *addr, uint32_t now);

/* Parses 32 hex digits into a secret: 0 or -EINVAL. */
int dns_cookie_parse_secret(const char *hex, uint8_t out[DNS_COOKIE_SECRET_LEN]);

#endif
