/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_addr.h - which addresses may be a pool server: global unicast, test ranges behind a flag. */
#ifndef XP_ADDR_H
#define XP_ADDR_H

#include <stdbool.h>
#include <stdint.h>

enum xp_addr_kind {
	XP_ADDR_GLOBAL,	 /* global unicast: a pool server may have it */
	XP_ADDR_TEST,	 /* documentation, private, shared (CGNAT), benchmarking, ULA: labs only */
	XP_ADDR_INVALID, /* never a server: unspecified, loopback, multicast, broadcast, link-local,
			  * reserved, IPv4-mapped or -compatible IPv6 */
};

/*
 * Classifies an address (4 bytes for IPv4, 16 for IPv6). *why, when given, names the range
 * ("loopback", "documentation (RFC 5737)" ...) for XP_ADDR_TEST and XP_ADDR_INVALID.
 */
enum xp_addr_kind xp_addr_classify(bool v6, const uint8_t *addr, const char **why);

/* Parses text (IPv4 or IPv6) into addr (16 bytes, IPv4 in the first 4): 0, or -EINVAL. */
int xp_addr_parse(const char *text, uint8_t addr[16], bool *v6);

/*
 * May addr be a pool server? 0, or -EINVAL with the reason in err: every XP_ADDR_INVALID,
 * and XP_ADDR_TEST unless allow_test.
 */
int xp_addr_check_server(bool v6, const uint8_t *addr, bool allow_test, char *err, size_t n);

#endif
