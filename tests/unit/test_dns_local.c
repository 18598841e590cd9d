// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_dns_local.c - the host's addresses and directed broadcasts the AF_XDP path never answers.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <string.h>
#include <criterion/criterion.h>

#include "dns_local.h"

/* One interface address for a hand-made getifaddrs list. */
struct ent {
	struct ifaddrs ifa;
	struct sockaddr_storage addr, mask, brd;
};

static void ent4(struct ent *e, const char *addr, int prefix, const char *brd, struct ent *next)
{
	struct sockaddr_in *a = (void *)&e->addr, *m = (void *)&e->mask, *b = (void *)&e->brd;

	memset(e, 0, sizeof(*e));
	a->sin_family = m->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &a->sin_addr);
	m->sin_addr.s_addr = prefix ? htonl(~0u << (32 - prefix)) : 0;
	e->ifa.ifa_addr = (void *)a;
	e->ifa.ifa_netmask = (void *)m;
	e->ifa.ifa_flags = IFF_UP | (brd ? IFF_BROADCAST : 0);
	if (brd) {
		b->sin_family = AF_INET;
		inet_pton(AF_INET, brd, &b->sin_addr);
		e->ifa.ifa_broadaddr = (void *)b;
	}
	e->ifa.ifa_next = next ? &next->ifa : NULL;
}

static void ent6(struct ent *e, const char *addr, struct ent *next)
{
	struct sockaddr_in6 *a = (void *)&e->addr;

	memset(e, 0, sizeof(*e));
	a->sin6_family = AF_INET6;
	inet_pton(AF_INET6, addr, &a->sin6_addr);
	e->ifa.ifa_addr = (void *)a;
	e->ifa.ifa_next = next ? &next->ifa : NULL;
}

static struct xpool_dns_ip key(const char *text)
{
	struct xpool_dns_ip k = {{0}};

	if (inet_pton(AF_INET6, text, k.addr) != 1) {
		k.addr[10] = k.addr[11] = 0xff;
		cr_assert_eq(inet_pton(AF_INET, text, k.addr + 12), 1, "%s", text);
	}
	return k;
}

Test(dns_local, addresses_and_directed_broadcasts)
{
	static const char *const want[] = {
	    "127.0.0.1",    "127.255.255.255",			/* lo, /8 */
	    "10.201.0.1",   "10.201.0.4",      "10.201.0.255",	/* /24, twice, broadcast once */
	    "192.0.2.8",    "192.0.2.9",			/* /31: no broadcast */
	    "198.51.100.1",					/* /32 */
	    "203.0.113.5",  "203.0.113.7",     "203.0.113.200", /* /30, and brd set apart */
	    "fd00:201::1",  "fe80::1",
	};
	static const char *const not [] = {"10.201.0.0",  "10.201.0.2", "192.0.2.10",
					   "203.0.113.4", "0.0.0.0",	"::ffff:0.0.0.0"};
	struct ent e[12];
	struct ifaddrs pkt = {0};
	struct xpool_dns_ip out[32];
	bool more;
	int n;

	ent4(&e[0], "127.0.0.1", 8, NULL, &e[1]);
	ent4(&e[1], "10.201.0.1", 24, "10.201.0.255", &e[2]);
	ent4(&e[2], "10.201.0.4", 24, "10.201.0.255", &e[3]);
	ent4(&e[3], "192.0.2.8", 31, NULL, &e[4]);
	ent4(&e[4], "192.0.2.9", 31, NULL, &e[5]);
	ent4(&e[5], "198.51.100.1", 32, NULL, &e[6]);
	ent4(&e[6], "203.0.113.5", 30, "203.0.113.200", &e[7]);
	ent4(&e[7], "10.201.0.1", 24, "0.0.0.0", &e[8]); /* a repeat, "no broadcast" */
	ent6(&e[8], "fd00:201::1", &e[9]);
	ent6(&e[9], "fe80::1", &e[10]);
	ent6(&e[10], "fd00:201::1", NULL);
	e[10].ifa.ifa_next = &pkt; /* an entry without an address (as getifaddrs gives) */
	n = dns_local_keys(&e[0].ifa, out, 32, &more);
	cr_expect_not(more);
	cr_assert_eq(n, (int)(sizeof(want) / sizeof(want[0])), "%d keys", n);
	for (int i = 1; i < n; i++)
		cr_expect_lt(memcmp(&out[i - 1], &out[i], 16), 0, "sorted, no duplicates");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct xpool_dns_ip k = key(want[i]);

		cr_expect(dns_local_has(out, n, &k), "%s", want[i]);
	}
	for (size_t i = 0; i < sizeof(not ) / sizeof(not [0]); i++) {
		struct xpool_dns_ip k = key(not [i]);

		cr_expect_not(dns_local_has(out, n, &k), "%s", not [i]);
	}
	/* more than fit: said, and what fits is still a sorted set */
	n = dns_local_keys(&e[0].ifa, out, 4, &more);
	cr_expect(more);
	cr_expect_eq(n, 4);
	for (int i = 1; i < n; i++)
		cr_expect_lt(memcmp(&out[i - 1], &out[i], 16), 0);
	cr_expect_eq(dns_local_keys(NULL, out, 32, &more), 0);
	cr_expect_not(more);
}
