/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* pool_rules.h - what the pool is: the rule for a server to be listed in DNS, once. */
#ifndef POOL_RULES_H
#define POOL_RULES_H

#include <math.h>
#include <stdbool.h>

/* The pool's threshold: a server is in DNS from this score up (xpool-dns's min-score default). */
#define POOL_MIN_SCORE 10.0
#define POOL_MIN_SCORE_TEXT "10"

/*
 * The pool's rule for a server in DNS: enabled, netspeed > 0 and a known score >= min_score.
 * Every reader of the rule (xpool-dns, the registry's views, the alerts, the status pages)
 * asks here.
 */
static inline bool pool_listed(bool enabled, long long netspeed, double score, double min_score)
{
	return enabled && netspeed > 0 && !isnan(score) && score >= min_score;
}

/* pool_listed with the pool's own threshold */
bool pool_listed_default(bool enabled, long long netspeed, double score);

#endif
