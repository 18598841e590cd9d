// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* pool_rules.c - the pool's rules that are more than a comparison. */
#include "pool_rules.h"

/* A library is at least one object: the rules above are inline, their home is here. */
bool pool_listed_default(bool enabled, long long netspeed, double score)
{
	return pool_listed(enabled, netspeed, score, POOL_MIN_SCORE);
}
