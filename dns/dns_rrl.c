// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_rrl.c - response rate limiting per IPv4 /24 and IPv6 /56, with slip (as Knot and NSD). */
#include <string.h>

#include "dns_rrl.h"
#include "xp_addr.h"
#include "xp_parse.h"

void dns_rrl_init(struct dns_rrl *r, uint32_t rate, uint32_t slip, const struct dns_prefix *allow,
		  int n_allow)
{
	memset(r, 0, sizeof(*r));
	r->rate = rate;
	r->slip = slip;
	r->allow = allow;
	r->n_allow = n_allow;
}

static int allowed(const struct dns_rrl *r, int family, const uint8_t *addr)
{
	uint8_t a[16];

	xp_addr_key(family, addr, a);
	for (int i = 0; i < r->n_allow; i++)
		if (xp_prefix_match(a, r->allow[i].addr, r->allow[i].len))
			return 1;
	return 0;
}

enum dns_rrl_verdict dns_rrl_check(struct dns_rrl *r, int family, const uint8_t *addr,
				   uint32_t now_sec)
{
	uint64_t tag = (uint64_t)family << 56;
	struct dns_rrl_bucket *b;
	uint32_t n;

	if (!r->rate || allowed(r, family, addr))
		return DNS_RRL_SEND;
	for (int i = 0; i < (family == 4 ? 3 : 7); i++) /* /24 or /56 */
		tag |= (uint64_t)addr[i] << (8 * i);
	b = &r->b[(tag * 0x9e3779b97f4a7c15ULL) >> 48];
	if (__atomic_load_n(&b->tag, __ATOMIC_RELAXED) != tag ||
	    __atomic_load_n(&b->sec, __ATOMIC_RELAXED) != now_sec) {
		__atomic_store_n(&b->tag, tag, __ATOMIC_RELAXED);
		__atomic_store_n(&b->sec, now_sec, __ATOMIC_RELAXED);
		__atomic_store_n(&b->count, 0, __ATOMIC_RELAXED);
	}
	n = __atomic_add_fetch(&b->count, 1, __ATOMIC_RELAXED);
	if (n <= r->rate)
		return DNS_RRL_SEND;
	return r->slip && (n - r->rate) % r->slip == 0 ? DNS_RRL_SLIP : DNS_RRL_DROP;
}
