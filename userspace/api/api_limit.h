/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* api_limit.h - requests per minute by key (a client's address, an account): token buckets. */
#ifndef API_LIMIT_H
#define API_LIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define API_LIMIT_SLOTS 4096 /* keys tracked at once: memory is fixed, whatever the traffic */
#define API_LIMIT_KEY	48

struct api_limit_slot {
	char key[API_LIMIT_KEY];
	double tokens;
	int64_t last_ms;
};

struct api_limit {
	pthread_mutex_t lock;
	double per_minute; /* the rate */
	double burst;	   /* the most a key holds (and the most it may owe) */
	struct api_limit_slot *slots;
	uint64_t refused;
};

int api_limit_init(struct api_limit *l, double per_minute);
/* A bucket whose burst differs from its rate a minute (failures per hour: rate/60, burst). */
int api_limit_init_burst(struct api_limit *l, double per_minute, double burst);
void api_limit_free(struct api_limit *l);
/*
 * Takes one request for key at now_ms: true when allowed. When the table is full the key idle
 * longest is forgotten (it had the most tokens back); *retry_s (may be NULL) is when the next
 * one is allowed.
 */
bool api_limit_take(struct api_limit *l, const char *key, int64_t now_ms, int *retry_s);
/* Takes n requests from key at now_ms, at most a burst into debt (a cost after the fact). */
void api_limit_charge(struct api_limit *l, const char *key, double n, int64_t now_ms);
/* Would key be allowed one now? Takes nothing; *retry_s (may be NULL) as api_limit_take's. */
bool api_limit_ready(struct api_limit *l, const char *key, int64_t now_ms, int *retry_s);
/* The key for a client address: an IPv4 address, or an IPv6 address's /64. */
void api_limit_addr_key(const char *addr, char key[API_LIMIT_KEY]);

#endif
