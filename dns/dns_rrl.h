/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dns_rrl.h - response rate limiting per IPv4 /24 and IPv6 /56, with slip (as Knot and NSD). */
#ifndef DNS_RRL_H
#define DNS_RRL_H

#include <stdint.h>

#include "dns_config.h"

#define DNS_RRL_BUCKETS 65536

enum dns_rrl_verdict { DNS_RRL_SEND, DNS_RRL_DROP, DNS_RRL_SLIP };

struct dns_rrl_bucket {
	uint64_t tag; /* the prefix this bucket counts */
	uint32_t sec;
	uint32_t count;
};

struct dns_rrl {
	uint32_t rate, slip;
	const struct dns_prefix *allow; /* never limited */
	int n_allow;
	struct dns_rrl_bucket b[DNS_RRL_BUCKETS];
};

/*
 * A limiter: rate responses per second per prefix (0: off), every slip-th limited response
 * truncated (0: never), the allow prefixes (kept by reference) never limited.
 */
void dns_rrl_init(struct dns_rrl *r, uint32_t rate, uint32_t slip, const struct dns_prefix *allow,
		  int n_allow);

/*
 * Counts a response to the client's prefix in 1-second windows: past the rate it is dropped,
 * except every slip-th, which goes out truncated so that a real client retries over TCP.
 * Lock-free; concurrent threads may miscount a little, never block.
 */
enum dns_rrl_verdict dns_rrl_check(struct dns_rrl *r, int family, const uint8_t *addr,
				   uint32_t now_sec);

#endif
