// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_local.c - the host's addresses and directed broadcasts: sources the AF_XDP path never
 * answers.
 */
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dns_local.h"

static int cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct xpool_dns_ip));
}

static void add(struct xpool_dns_ip *out, int max, int *n, bool *more, const void *addr, int v4)
{
	struct xpool_dns_ip k = {{0}};

	if (*n >= max) {
		*more = true;
		return;
	}
	if (v4) {
		k.addr[10] = k.addr[11] = 0xff;
		memcpy(k.addr + 12, addr, 4);
	} else {
		memcpy(k.addr, addr, 16);
	}
	out[(*n)++] = k;
}

int dns_local_keys(const struct ifaddrs *list, struct xpool_dns_ip *out, int max, bool *more)
{
	int n = 0, w = 0;

	*more = false;
	for (const struct ifaddrs *i = list; i; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET6) {
			add(out, max, &n, more,
			    &((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 0);
		} else if (i->ifa_addr->sa_family == AF_INET) {
			uint32_t a = ((const struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr, b;

			add(out, max, &n, more, &a, 1);
			/* the kernel's broadcast route of the prefix, for /30 and shorter */
			if (i->ifa_netmask && i->ifa_netmask->sa_family == AF_INET) {
				uint32_t host =
				    ~((const struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr;

				if (ntohl(host) > 1) {
					b = a | host;
					add(out, max, &n, more, &b, 1);
				}
			}
			/* brd ADDR: a broadcast route of its own */
			if ((i->ifa_flags & IFF_BROADCAST) && i->ifa_broadaddr &&
			    i->ifa_broadaddr->sa_family == AF_INET) {
				b = ((const struct sockaddr_in *)i->ifa_broadaddr)->sin_addr.s_addr;
				if (b)
					add(out, max, &n, more, &b, 1);
			}
		}
	}
	qsort(out, n, sizeof(*out), cmp);
	for (int r = 0; r < n; r++)
		if (!w || cmp(&out[w - 1], &out[r]))
			out[w++] = out[r];
	return w;
}

bool dns_local_has(const struct xpool_dns_ip *set, int n, const struct xpool_dns_ip *key)
{
	return bsearch(key, set, n, sizeof(*set), cmp) != NULL;
}
