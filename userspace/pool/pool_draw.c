// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* pool_draw.c - the pool's weighted draw: servers by netspeed, without replacement, in O(1). */
#include <errno.h>
#include <stdlib.h>

#include "pool_draw.h"

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t pool_rng_next(struct pool_rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

void pool_rng_seed(struct pool_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++) { /* splitmix64 */
		uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		r->s[i] = z ^ (z >> 31);
	}
}

uint64_t pool_below(struct pool_rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)pool_rng_next(r) * n) >> 64);
}

/*
 * Vose's construction: bucket i holds w_i * n out of n * total; each small bucket is topped up
 * from a large one, so that a draw (a uniform bucket, then a uniform point in [0, total)) lands
 * on i with probability exactly w_i / total. Integers throughout: no rounding.
 */
int pool_set_index(struct pool_set *set)
{
	uint32_t n = set->n, *small = malloc(n * sizeof(*small) + 1),
		 *large = malloc(n * sizeof(*large) + 1);
	uint64_t *p = malloc(n * sizeof(*p) + 1);
	uint32_t ns = 0, nl = 0;

	if (!small || !large || !p) {
		free(small);
		free(large);
		free(p);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		p[i] = set->s[i].weight * (uint64_t)n;
		if (p[i] < set->total)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns && nl) {
		uint32_t l = small[--ns], g = large[nl - 1];

		set->alias[l] = (struct pool_alias){.keep = p[l], .alias = g};
		p[g] -= set->total - p[l];
		if (p[g] < set->total) {
			nl--;
			small[ns++] = g;
		}
	}
	while (nl) { /* full buckets */
		uint32_t g = large[--nl];

		set->alias[g] = (struct pool_alias){.keep = set->total, .alias = g};
	}
	while (ns) { /* only from rounding in real arithmetic: none in integers, but be total */
		uint32_t l = small[--ns];

		set->alias[l] = (struct pool_alias){.keep = set->total, .alias = l};
	}
	free(small);
	free(large);
	free(p);
	return 0;
}

uint32_t pool_draw(const struct pool_set *set, struct pool_rng *r)
{
	uint32_t i = (uint32_t)pool_below(r, set->n);

	return pool_below(r, set->total) < set->alias[i].keep ? i : set->alias[i].alias;
}

int pool_pick(const struct pool_set *set, int k, struct pool_rng *r, uint32_t *out)
{
	int got = 0;

	if (k > (int)set->n)
		k = set->n;
	while (got < k && set->total) {
		uint64_t taken = 0, x;
		int tries;

		/* rejection of repeats keeps each draw proportional among the rest */
		for (tries = 0; tries < 16; tries++) {
			uint32_t i = pool_draw(set, r);
			int dup = 0;

			for (int j = 0; j < got; j++)
				dup |= out[j] == i;
			if (!dup) {
				out[got++] = i;
				break;
			}
		}
		if (tries < 16)
			continue;
		/* heavy weights already drawn: an exact draw over what is left */
		for (int j = 0; j < got; j++)
			taken += set->s[out[j]].weight;
		if (set->total == taken)
			break;
		x = pool_below(r, set->total - taken);
		for (uint32_t i = 0; i < set->n; i++) {
			int dup = 0;

			for (int j = 0; j < got; j++)
				dup |= out[j] == i;
			if (dup)
				continue;
			if (x < set->s[i].weight) {
				out[got++] = i;
				break;
			}
			x -= set->s[i].weight;
		}
	}
	return got;
}
