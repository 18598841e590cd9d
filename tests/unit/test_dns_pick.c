// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_dns_pick.c - weighted picks: first picks match the weights, no first-entry bias. */
#include <string.h>
#include <criterion/criterion.h>

#include "dns_data.h"

#define PICKS 100000

static void make_set(struct dns_set *s, struct dns_host *h, struct dns_alias *alias,
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
	cr_assert_eq(dns_set_index(s), 0);
}

/* Pearson's chi-square of observed first picks against w_i / sum(w). */
static double chi_square(const struct dns_set *s, int k, struct dns_rng *rng, int *distinct_ok)
{
	uint64_t count[32] = {0};
	double chi = 0;

	*distinct_ok = 1;
	for (int i = 0; i < PICKS; i++) {
		uint32_t out[16];
		int n = dns_pick(s, k, rng, out);

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

Test(dns_pick, first_pick_follows_weights)
{
	static const uint32_t w[10] = {1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000};
	struct dns_host h[10];
	struct dns_alias alias[10];
	struct dns_set s;
	struct dns_rng rng;
	int ok;
	double chi;

	dns_rng_seed(&rng, 12345);
	make_set(&s, h, alias, w, 10);
	chi = chi_square(&s, 4, &rng, &ok);
	/* 9 degrees of freedom: p = 0.001 at 27.88 */
	cr_expect_lt(chi, 27.88, "chi-square %.2f: first picks do not follow the weights", chi);
	cr_expect(ok, "4 distinct servers per answer");
}

Test(dns_pick, no_first_entry_bias)
{
	uint32_t w[20];
	struct dns_host h[20];
	struct dns_alias alias[20];
	struct dns_set s;
	struct dns_rng rng;
	int ok;
	double chi;

	for (int i = 0; i < 20; i++)
		w[i] = 10000;
	dns_rng_seed(&rng, 777);
	make_set(&s, h, alias, w, 20);
	chi = chi_square(&s, 4, &rng, &ok);
	/* 19 degrees of freedom: p = 0.001 at 43.82 */
	cr_expect_lt(chi, 43.82, "chi-square %.2f: equal weights must give equal first picks", chi);
	cr_expect(ok);
}

Test(dns_pick, heavy_weights_and_small_sets)
{
	static const uint32_t w[5] = {1000000, 1, 1, 1, 1};
	struct dns_host h[5];
	struct dns_alias alias[5];
	struct dns_set s;
	struct dns_rng rng;
	uint32_t out[16];

	dns_rng_seed(&rng, 9);
	make_set(&s, h, alias, w, 5);
	for (int i = 0; i < 1000; i++) {
		int n = dns_pick(&s, 4, &rng, out);

		cr_assert_eq(n, 4, "the exact fallback finds the light ones");
		for (int a = 0; a < n; a++)
			for (int b = a + 1; b < n; b++)
				cr_assert_neq(out[a], out[b]);
	}
	make_set(&s, h, alias, w, 2);
	cr_expect_eq(dns_pick(&s, 4, &rng, out), 2, "never more than the set");
	make_set(&s, h, alias, w, 0);
	cr_expect_eq(dns_pick(&s, 4, &rng, out), 0);
}

/* The alias table is exact: each server's share of the n x total draw space is w_i x n. */
Test(dns_pick, alias_table_is_exact)
{
	static uint32_t w[500];
	static struct dns_host h[500];
	static struct dns_alias alias[500];
	struct dns_rng rng;
	struct dns_set s;

	dns_rng_seed(&rng, 99);
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
