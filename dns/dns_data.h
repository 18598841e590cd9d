/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dns_data.h - the server snapshot, and the immutable per-zone sets prepared from it. */
#ifndef DNS_DATA_H
#define DNS_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "pool_draw.h"
#include "pool_rules.h"
#include "pool_zone.h"

struct dns_snap_entry {
	uint8_t addr[16]; /* IPv4 in the first 4 bytes */
	bool v6;
	uint32_t netspeed; /* kbit/s: the weight; 0 = monitor only */
	double score;
	int cc;
	bool enabled;
};

struct dns_snapshot {
	struct dns_snap_entry *e;
	size_t n;
	time_t generated; /* 0 when absent */
};

#define DNS_SNAP_TEST_ADDRESSES 1u /* documentation and private addresses (test pools) */
#define DNS_SNAP_QUIET		2u /* log nothing: the caller logs dns_snapshot_why() */

/*
 * Parses and validates a snapshot; every problem is reported as "path: servers[i].field: why".
 * Addresses must be global unicast (xp_addr) unless DNS_SNAP_TEST_ADDRESSES; generated may not
 * lie more than a day in the future. A file over max_bytes (0: no limit) is refused unread.
 */
int dns_snapshot_load(const char *path, unsigned flags, size_t max_bytes, struct dns_snapshot *out);
/* The same from a buffer (fuzzing, tests); name is used in messages. */
int dns_snapshot_parse(const char *buf, size_t len, const char *name, unsigned flags,
		       struct dns_snapshot *out);
/* Why this thread's last load or parse refused its snapshot (without the path; "" none). */
const char *dns_snapshot_why(void);
/* The pool's rule for a server in DNS (pool_rules.h), with the configured threshold. */
static inline bool dns_entry_listed(const struct dns_snap_entry *e, double min_score)
{
	return pool_listed(e->enabled, e->netspeed, e->score, min_score);
}

/* Servers the snapshot lists in DNS. */
size_t dns_snapshot_listed(const struct dns_snapshot *s, double min_score);
void dns_snapshot_free(struct dns_snapshot *s);

/* One zone's servers, per family: all of them, and the numbered subsets. */
struct dns_zone {
	struct pool_set all[2];	  /* [0] IPv4, [1] IPv6 */
	struct pool_set num[4][2]; /* 0. to 3.: disjoint shuffled subsets, or all when small */
};

struct dns_data {
	struct dns_zone zones[POOL_N_ZONES];
	time_t generated;
	uint32_t serial;
	uint32_t listed; /* servers in DNS */
	size_t n_allocs;
	void *allocs[4 * POOL_N_ZONES * 10];
};

/*
 * Listed: enabled, netspeed > 0, score >= min_score (pool_listed). Each is in the zones
 * pool_zone_of gives: the global zone, its continent's and its country's. Numbered subsets per zone and family: shuffle with seed, then
 * 4 disjoint sets of n/4, the n mod 4 leftovers one each to 0, 1, 2; below 8 servers every
 * numbered set has them all (the pool's rule).
 */
struct dns_data *dns_data_build(const struct dns_snapshot *s, double min_score, uint64_t seed,
				uint32_t serial);
void dns_data_free(struct dns_data *d);

#endif
