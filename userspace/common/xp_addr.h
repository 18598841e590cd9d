/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_addr.h - which addresses may be a pool server: global unicast, test ranges behind a flag. */
#ifndef XP_ADDR_H
#define XP_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum xp_addr_kind {
	XP_ADDR_GLOBAL,	 /* global unicast: a pool server may have it */
	XP_ADDR_TEST,	 /* documentation, private, shared (CGNAT), benchmarking, ULA: labs only */
	XP_ADDR_INVALID, /* never a server: unspecified, loopback, multicast, broadcast, link-local,
			  * reserved, IPv4-mapped or -compatible IPv6 */
};

/* Parses text (IPv4 or IPv6) into addr (16 bytes, IPv4 in the first 4): 0, or -EINVAL. */
int xp_addr_parse(const char *text, uint8_t addr[16], bool *v6);

/* The canonical text of an address xp_addr_parse read (n >= 46). */
void xp_addr_text(bool v6, const uint8_t addr[16], char *out, size_t n);

/*
 * Classifies an address (4 bytes for IPv4, 16 for IPv6). *why, when given, names the range
 * ("loopback", "documentation (RFC 5737)" ...) for XP_ADDR_TEST and XP_ADDR_INVALID.
 */
enum xp_addr_kind xp_addr_classify(bool is_v6, const uint8_t *addr, const char **why);

/*
 * May addr be a pool server? 0, or -EINVAL with the reason in err (the address, its kind): every
 * XP_ADDR_INVALID, and XP_ADDR_TEST unless allow_test. remedy names how the caller's program
 * admits test addresses ("add --test-addresses"), for the message of an XP_ADDR_TEST refusal.
 */
int xp_addr_check_server(bool v6, const uint8_t *addr, bool allow_test, const char *remedy,
			 char *err, size_t n);

/*
 * The one 16-byte key for an address of either family, as the XDP maps, the ACL tries and RRL
 * use it: IPv6 as is, IPv4 mapped into ::ffff:0:0/96. family: 4 or 6.
 */
static inline void xp_addr_key(int family, const uint8_t *addr, uint8_t key[16])
{
	if (family == 4) {
		memset(key, 0, 10);
		key[10] = key[11] = 0xff;
		memcpy(key + 12, addr, 4);
	} else {
		memcpy(key, addr, 16);
	}
}

#endif
