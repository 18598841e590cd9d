/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* pool_draw.h - the pool's weighted draw: servers by netspeed, without replacement, in O(1). */
#ifndef POOL_DRAW_H
#define POOL_DRAW_H

#include <stdint.h>

/* xoshiro256**, one per thread (not for secrets: it only spreads the load) */
struct pool_rng {
	uint64_t s[4];
};

/* Seeds r from seed through splitmix64 (any seed, 0 included, gives a usable state). */
void pool_rng_seed(struct pool_rng *r, uint64_t seed);
/* The next 64 random bits. */
uint64_t pool_rng_next(struct pool_rng *r);
/* A uniform number in [0, n) (n > 0): the high half of a 128-bit product, no division. */
uint64_t pool_below(struct pool_rng *r, uint64_t n);

struct pool_host {
	uint8_t addr[16]; /* IPv4 in the first 4 bytes */
	uint32_t weight;  /* netspeed, kbit/s */
};

/* Walker's alias table: a weighted draw in O(1), exact in integers (built at load time). */
struct pool_alias {
	uint64_t keep; /* out of total: below it the draw keeps its bucket */
	uint32_t alias;
	uint32_t pad;
};

/* Servers to draw from, with their alias table and the sum of their weights. */
struct pool_set {
	uint32_t n;
	struct pool_host *s;
	struct pool_alias *alias;
	uint64_t total;
};

/* Builds set->alias (n entries, the caller allocates) from set->s and set->total: 0 or -ENOMEM. */
int pool_set_index(struct pool_set *set);
/* One draw proportional to weight, with replacement (set->total > 0): an index into set->s. */
uint32_t pool_draw(const struct pool_set *set, struct pool_rng *r);
/*
 * Draws up to k distinct servers, each draw proportional to weight among those not drawn yet
 * (successive sampling without replacement: the first pick is exactly w_i / sum w). Returns
 * how many; their indexes in out.
 */
int pool_pick(const struct pool_set *set, int k, struct pool_rng *r, uint32_t *out);

#endif
