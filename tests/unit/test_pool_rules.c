// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_pool_rules.c - the rule for a server in DNS and its threshold, at their edges. */
#include <math.h>
#include <stdlib.h>
#include <criterion/criterion.h>

#include "pool_rules.h"

Test(pool_rules, listed_at_the_threshold_and_not_below)
{
	cr_expect(pool_listed(true, 1, 10, 10), "exactly the threshold is in DNS");
	cr_expect(!pool_listed(true, 1, nextafter(10, 0), 10), "just below is not");
	cr_expect(pool_listed(true, 100000, 20, 10));
	cr_expect(!pool_listed(false, 1000, 20, 10), "disabled");
	cr_expect(!pool_listed(true, 0, 20, 10), "netspeed 0: monitored only");
	cr_expect(!pool_listed(true, -1, 20, 10), "a negative netspeed");
	cr_expect(!pool_listed(true, 1000, NAN, 10), "no score yet");
	cr_expect(pool_listed(true, 1000, -5, -5), "another threshold: xpool-dns's min-score");
	cr_expect(!pool_listed(true, 1000, -5.5, -5));
}

Test(pool_rules, the_pools_own_threshold)
{
	cr_expect_eq(strtod(POOL_MIN_SCORE_TEXT, NULL), POOL_MIN_SCORE, "the text is the number");
	cr_expect(pool_listed_default(true, 1, POOL_MIN_SCORE));
	cr_expect(!pool_listed_default(true, 1, nextafter(POOL_MIN_SCORE, 0)));
	cr_expect(!pool_listed_default(false, 1, 20));
	cr_expect(!pool_listed_default(true, 0, 20));
	cr_expect(!pool_listed_default(true, 1, NAN));
	cr_expect(pool_listed_default(true, 1, 10), "the pool's threshold is 10");
	cr_expect(!pool_listed_default(true, 1, 9.99));
}
