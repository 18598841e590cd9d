// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_cookie.c - DNS Cookies (RFC 7873) with RFC 9018's interoperable server cookie. */
#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "dns_cookie.h"
#include "xp_bytes.h"

_Static_assert(crypto_shorthash_siphash24_KEYBYTES == DNS_COOKIE_SECRET_LEN, "SipHash-2-4 key");
_Static_assert(crypto_shorthash_siphash24_BYTES == 8, "SipHash-2-4 output");

/* SipHash-2-4 over client | version, reserved, time (the 8 octets given) | address. */
static void hash(const uint8_t secret[DNS_COOKIE_SECRET_LEN], const uint8_t client[8],
		 const uint8_t head[8], int family, const uint8_t *addr, uint8_t out[8])
{
	uint8_t in[8 + 8 + 16];
	size_t alen = family == 4 ? 4 : 16;

	memcpy(in, client, 8);
	memcpy(in + 8, head, 8);
	memcpy(in + 16, addr, alen);
	crypto_shorthash_siphash24(out, in, 16 + alen, secret);
}

void dns_cookie_make(const uint8_t secret[DNS_COOKIE_SECRET_LEN], const uint8_t client[8],
		     int family, const uint8_t *addr, uint32_t now, uint8_t out[16])
{
	out[0] = 1; /* version */
	out[1] = out[2] = out[3] = 0;
	xp_put32(out + 4, now);
	hash(secret, client, out, family, addr, out + 8);
}

bool dns_cookie_valid(const uint8_t secret[DNS_COOKIE_SECRET_LEN], const uint8_t *secret_prev,
		      const uint8_t client[8], const uint8_t *server, size_t len, int family,
		      const uint8_t *addr, uint32_t now)
{
	uint8_t h[8];
	/* serial arithmetic: the timestamp wraps in 2106 */
	int32_t age = (int32_t)(now - xp_get32(server + 4));

	if (len != 16 || server[0] != 1)
		return false;
	if (age > DNS_COOKIE_LIFETIME || age < -DNS_COOKIE_SKEW)
		return false;
	hash(secret, client, server, family, addr, h);
	if (!sodium_memcmp(h, server + 8, 8))
		return true;
	if (!secret_prev)
		return false;
	hash(secret_prev, client, server, family, addr, h);
	return !sodium_memcmp(h, server + 8, 8);
}

int dns_cookie_parse_secret(const char *hex, uint8_t out[DNS_COOKIE_SECRET_LEN])
{
	size_t bin_len = 0;

	if (strlen(hex) != 2 * DNS_COOKIE_SECRET_LEN ||
	    sodium_hex2bin(out, DNS_COOKIE_SECRET_LEN, hex, strlen(hex), NULL, &bin_len, NULL) ||
	    bin_len != DNS_COOKIE_SECRET_LEN)
		return -EINVAL;
	return 0;
}
