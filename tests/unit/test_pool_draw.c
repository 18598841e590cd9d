// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_pool_draw.c - the weighted draw: first picks match the weights, no first-entry bias. */
#include <string.h>
#include <criterion/criterion.h>

#include "pool_draw.h"

#define PICKS 100000

static void make_set(struct pool_set *s, struct pool_host *h, struct pool_alias *alias,
		     const uint32_t *w, int n)
{
	s->n = n;
	s->s = h;
	s->alias = alias;
	s->total = 0;
	for (int i = 0; i < n; i++) {
		memset(h[i].addr, 0, 16);
		h[i].addr[3] = i;
		h[i].weight = w[i];
		s->total += w[i];
	}
	cr_assert_eq(pool_set_index(s), 0);
}

/* Pearson's chi-square of observed first picks against w_i / sum(w). */
static double chi_square(const struct pool_set *s, int k, struct pool_rng *rng, int *distinct_ok)
{
	uint64_t count[32] = {0};
	double chi = 0;

	*distinct_ok = 1;
	for (int i = 0; i < PICKS; i++) {
		uint32_t out[16];
		int n = pool_pick(s, k, rng, out);

		*distinct_ok &= n == (k < (int)s->n ? k : (int)s->n);
		for (int a = 0; a < n; a++)
			for (int b = a + 1; b < n; b++)
				*distinct_ok &= out[a] != out[b];
		count[out[0]]++;
	}
	for (uint32_t i = 0; i < s->n; i++) {
		double expect = (double)PICKS * s->s[i].weight / s->total;

		chi += (count[i] - expect) * (count[i] - expect) / expect;
	}
	return chi;
}

Test(pool_draw, first_pick_follows_weights)
{
	static const uint32_t w[10] = {1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000};
	struct pool_host h[10];
	struct pool_alias alias[10];
	struct pool_set s;
	struct pool_rng rng;
	int ok;
	double chi;

	pool_rng_seed(&rng, 12345);
	make_set(&s, h, alias, w, 10);
	chi = chi_square(&s, 4, &rng, &ok);
	/* 9 degrees of freedom: p = 0.001 at 27.88 */
	cr_expect_lt(chi, 27.88, "chi-square %.2f: first picks do not follow the weights", chi);
	cr_expect(ok, "4 distinct servers per answer");
}

Test(pool_draw, no_first_entry_bias)
{
	uint32_t w[20];
	struct pool_host h[20];
	struct pool_alias alias[20];
	struct pool_set s;
	struct pool_rng rng;
	int ok;
	double chi;

	for (int i = 0; i < 20; i++)
		w[i] = 10000;
	pool_rng_seed(&rng, 777);
	make_set(&s, h, alias, w, 20);
	chi = chi_square(&s, 4, &rng, &ok);
	/* 19 degrees of freedom: p = 0.001 at 43.82 */
	cr_expect_lt(chi, 43.82, "chi-square %.2f: equal weights must give equal first picks", chi);
	cr_expect(ok);
}

Test(pool_draw, heavy_weights_and_small_sets)
{
	static const uint32_t w[5] = {1000000, 1, 1, 1, 1};
	struct pool_host h[5];
	struct pool_alias alias[5];
	struct pool_set s;
	struct pool_rng rng;
	uint32_t out[16];

	pool_rng_seed(&rng, 9);
	make_set(&s, h, alias, w, 5);
	for (int i = 0; i < 1000; i++) {
		int n = pool_pick(&s, 4, &rng, out);

		cr_assert_eq(n, 4, "the exact fallback finds the light ones");
		for (int a = 0; a < n; a++)
			for (int b = a + 1; b < n; b++)
				cr_assert_neq(out[a], out[b]);
	}
	make_set(&s, h, alias, w, 2);
	cr_expect_eq(pool_pick(&s, 4, &rng, out), 2, "never more than the set");
	make_set(&s, h, alias, w, 0);
	cr_expect_eq(pool_pick(&s, 4, &rng, out), 0);
}

/* The alias table is exact: each server's share of the n x total draw space is w_i x n. */
Test(pool_draw, alias_table_is_exact)
{
	static uint32_t w[500];
	static struct pool_host h[500];
	static struct pool_alias alias[500];
	struct pool_rng rng;
	struct pool_set s;

	pool_rng_seed(&rng, 99);
	for (int round = 0; round < 20; round++) {
		uint32_t n = 1 + round * 25;
		uint64_t share[500] = {0};

		for (uint32_t i = 0; i < n; i++) /* skewed, some zero (monitor-only) */
			w[i] = i % 7 == 3 ? 0 : (uint32_t)(1 + (i * 2654435761u) % 100000000u);
		w[0] = w[0] ? w[0] : 1;
		make_set(&s, h, alias, w, n);
		for (uint32_t i = 0; i < n; i++) {
			cr_assert_leq(alias[i].keep, s.total);
			share[i] += alias[i].keep;
			share[alias[i].alias] += s.total - alias[i].keep;
		}
		for (uint32_t i = 0; i < n; i++)
			cr_assert_eq(share[i], (uint64_t)w[i] * n, "n %u, server %u: %lu, not %lu",
				     n, i, (unsigned long)share[i], (unsigned long)w[i] * n);
	}
}

/* splitmix64 seeding and xoshiro256** as published (values from an independent implementation). */
Test(pool_draw, rng_is_the_published_generator)
{
	static const uint64_t state0[4] = {0xe220a8397b1dcdafULL, 0x6e789e6aa1b965f4ULL,
					   0x06c45d188009454fULL, 0xf88bb8a8724c81ecULL};
	static const uint64_t first[3] = {0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL,
					  0x1a5f849d4933e6e0ULL};
	struct pool_rng r, r2;

	pool_rng_seed(&r, 0);
	for (int i = 0; i < 4; i++)
		cr_expect_eq(r.s[i], state0[i], "splitmix64(0) word %d", i);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(pool_rng_next(&r), first[i], "xoshiro256** output %d", i);
	pool_rng_seed(&r, 1);
	pool_rng_seed(&r2, 2);
	cr_expect_neq(pool_rng_next(&r), pool_rng_next(&r2), "another seed, another sequence");
}

/* pool_below: always in [0, n), every value of a small range reached about equally. */
Test(pool_draw, below_is_uniform_and_in_range)
{
	uint64_t count[7] = {0};
	struct pool_rng r;
	double chi = 0;

	pool_rng_seed(&r, 5);
	for (int i = 0; i < 70000; i++) {
		uint64_t x = pool_below(&r, 7);

		cr_assert_lt(x, 7);
		count[x]++;
	}
	for (int i = 0; i < 7; i++)
		chi += (count[i] - 10000.0) * (count[i] - 10000.0) / 10000.0;
	/* 6 degrees of freedom: p = 0.001 at 22.46 */
	cr_expect_lt(chi, 22.46, "chi-square %.2f", chi);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(pool_below(&r, 1), 0);
	for (int i = 0; i < 1000; i++)
		cr_assert_lt(pool_below(&r, UINT64_MAX), UINT64_MAX);
}

/* pool_draw (with replacement) lands on each server in proportion to its weight, never on 0. */
Test(pool_draw, single_draws_follow_weights)
{
	static const uint32_t w[6] = {0, 1000, 3000, 0, 5000, 1000};
	struct pool_host h[6];
	struct pool_alias alias[6];
	uint64_t count[6] = {0};
	struct pool_set s;
	struct pool_rng rng;
	double chi = 0;

	pool_rng_seed(&rng, 4242);
	make_set(&s, h, alias, w, 6);
	for (int i = 0; i < PICKS; i++) {
		uint32_t k = pool_draw(&s, &rng);

		cr_assert_lt(k, 6);
		count[k]++;
	}
	cr_expect_eq(count[0] + count[3], 0, "a weight of 0 is never drawn");
	for (int i = 0; i < 6; i++) {
		double expect = (double)PICKS * w[i] / s.total;

		if (w[i])
			chi += (count[i] - expect) * (count[i] - expect) / expect;
	}
	/* 3 degrees of freedom: p = 0.001 at 16.27 */
	cr_expect_lt(chi, 16.27, "chi-square %.2f", chi);
}
