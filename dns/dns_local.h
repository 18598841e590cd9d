/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dns_local.h - the host's addresses and directed broadcasts: sources the AF_XDP path never
 * answers.
 */
#ifndef DNS_LOCAL_H
#define DNS_LOCAL_H

#include <stdbool.h>
#include <ifaddrs.h>

#include "xpool_dns_shared.h"

/*
 * The sources the kernel refuses for the socket path because they are the host's own (its
 * "martian" sources): every address in list, and for each IPv4 prefix shorter than /31 its
 * directed broadcast (host part all ones), as well as a broadcast address set explicitly.
 * IPv4 as ::ffff:a.b.c.d. Sorted, without duplicates, at most max of them: how many; *more is
 * set when some did not fit.
 */
int dns_local_keys(const struct ifaddrs *list, struct xpool_dns_ip *out, int max, bool *more);
/* key in a set dns_local_keys made? */
bool dns_local_has(const struct xpool_dns_ip *set, int n, const struct xpool_dns_ip *key);

#endif
