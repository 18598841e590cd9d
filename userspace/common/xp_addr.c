// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_addr.c - which addresses may be a pool server: global unicast, test ranges behind a flag. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xp_addr.h"

struct range {
	uint8_t prefix[16];
	uint8_t len; /* bits */
	enum xp_addr_kind kind;
	const char *why;
};

/* IPv4 (RFC 6890 special-purpose registry, the parts that matter for a server) */
static const struct range v4[] = {
    {{0}, 8, XP_ADDR_INVALID, "\"this network\" (0.0.0.0/8)"},
    {{127}, 8, XP_ADDR_INVALID, "loopback"},
    {{169, 254}, 16, XP_ADDR_INVALID, "link-local"},
    {{224}, 4, XP_ADDR_INVALID, "multicast"},
    {{255, 255, 255, 255}, 32, XP_ADDR_INVALID, "broadcast"},
    {{240}, 4, XP_ADDR_INVALID, "reserved (240.0.0.0/4)"},
    {{10}, 8, XP_ADDR_TEST, "private (RFC 1918)"},
    {{172, 16}, 12, XP_ADDR_TEST, "private (RFC 1918)"},
    {{192, 168}, 16, XP_ADDR_TEST, "private (RFC 1918)"},
    {{100, 64}, 10, XP_ADDR_TEST, "shared address space (RFC 6598)"},
    {{192, 0, 0}, 24, XP_ADDR_TEST, "IETF protocol assignments (RFC 6890)"},
    {{192, 0, 2}, 24, XP_ADDR_TEST, "documentation (RFC 5737)"},
    {{198, 51, 100}, 24, XP_ADDR_TEST, "documentation (RFC 5737)"},
    {{203, 0, 113}, 24, XP_ADDR_TEST, "documentation (RFC 5737)"},
    {{198, 18}, 15, XP_ADDR_TEST, "benchmarking (RFC 2544)"},
};

static const struct range v6[] = {
    {{0}, 96, XP_ADDR_INVALID, "IPv4-compatible, loopback or unspecified (::/96)"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96, XP_ADDR_INVALID, "IPv4-mapped"},
    {{0, 0x64, 0xff, 0x9b}, 96, XP_ADDR_INVALID, "NAT64 (64:ff9b::/96)"},
    {{0xfe, 0x80}, 10, XP_ADDR_INVALID, "link-local"},
    {{0xfe, 0xc0}, 10, XP_ADDR_INVALID, "site-local (deprecated)"},
    {{0xff}, 8, XP_ADDR_INVALID, "multicast"},
    {{0x20, 0x02}, 16, XP_ADDR_INVALID, "6to4 (2002::/16)"},
    {{0x20, 0x01, 0, 0}, 32, XP_ADDR_INVALID, "Teredo (2001::/32)"},
    {{0x20, 0x01, 0x0d, 0xb8}, 32, XP_ADDR_TEST, "documentation (RFC 3849)"},
    {{0xfc}, 7, XP_ADDR_TEST, "unique local (RFC 4193)"},
    {{0x20, 0x01, 0, 0x02, 0, 0}, 48, XP_ADDR_TEST, "benchmarking (RFC 5180)"},
};

static bool in_range(const uint8_t *a, const struct range *r)
{
	int full = r->len / 8, rest = r->len % 8;

	if (memcmp(a, r->prefix, full))
		return false;
	return !rest || ((a[full] ^ r->prefix[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

enum xp_addr_kind xp_addr_classify(bool is_v6, const uint8_t *addr, const char **why)
{
	const struct range *t = is_v6 ? v6 : v4;
	size_t n = is_v6 ? sizeof(v6) / sizeof(v6[0]) : sizeof(v4) / sizeof(v4[0]);

	for (size_t i = 0; i < n; i++)
		if (in_range(addr, &t[i])) {
			if (why)
				*why = t[i].why;
			return t[i].kind;
		}
	/* IPv6 global unicast is 2000::/3; the rest is unassigned or special */
	if (is_v6 && (addr[0] & 0xe0) != 0x20) {
		if (why)
			*why = "not global unicast (2000::/3)";
		return XP_ADDR_INVALID;
	}
	if (why)
		*why = "global unicast";
	return XP_ADDR_GLOBAL;
}

int xp_addr_parse(const char *text, uint8_t addr[16], bool *is_v6)
{
	memset(addr, 0, 16);
	*is_v6 = strchr(text, ':') != NULL;
	return inet_pton(*is_v6 ? AF_INET6 : AF_INET, text, addr) == 1 ? 0 : -EINVAL;
}

void xp_addr_text(bool v6, const uint8_t addr[16], char *out, size_t n)
{
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, addr, out, (socklen_t)n) && n)
		out[0] = 0;
}

int xp_addr_check_server(bool is_v6, const uint8_t *addr, bool allow_test, const char *remedy,
			 char *err, size_t n)
{
	const char *why = NULL;
	enum xp_addr_kind k = xp_addr_classify(is_v6, addr, &why);
	char text[64];

	if (k == XP_ADDR_GLOBAL || (k == XP_ADDR_TEST && allow_test))
		return 0;
	xp_addr_text(is_v6, addr, text, sizeof(text));
	if (!err)
		return -EINVAL;
	if (k == XP_ADDR_TEST)
		snprintf(err, n,
			 "%s: %s address: not global unicast; only a test pool lists it (%s)", text,
			 why, remedy ? remedy : "its test-addresses setting");
	else
		snprintf(err, n, "%s: %s address: not global unicast, never a pool server's", text,
			 why);
	return -EINVAL;
}
