// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* api_limit.c - requests per minute by key (a client's address, an account): token buckets. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_limit.h"

#define PROBE 16 /* slots looked at per key: open addressing, bounded */

int api_limit_init(struct api_limit *l, double per_minute)
{
	return api_limit_init_burst(l, per_minute, per_minute);
}

int api_limit_init_burst(struct api_limit *l, double per_minute, double burst)
{
	memset(l, 0, sizeof(*l));
	l->per_minute = per_minute;
	l->burst = burst;
	l->slots = calloc(API_LIMIT_SLOTS, sizeof(*l->slots));
	if (!l->slots)
		return -ENOMEM;
	pthread_mutex_init(&l->lock, NULL);
	return 0;
}

void api_limit_free(struct api_limit *l)
{
	if (!l->slots)
		return;
	free(l->slots);
	l->slots = NULL;
	pthread_mutex_destroy(&l->lock);
}

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* The key's slot, under the lock, its tokens brought up to now_ms. */
static struct api_limit_slot *find(struct api_limit *l, const char *key, int64_t now_ms)
{
	struct api_limit_slot *s = NULL, *oldest = NULL;
	uint32_t h = hash(key);

	for (int i = 0; i < PROBE; i++) {
		struct api_limit_slot *c = &l->slots[(h + i) % API_LIMIT_SLOTS];

		if (!strcmp(c->key, key)) {
			s = c;
			break;
		}
		if (!oldest || c->last_ms < oldest->last_ms)
			oldest = c; /* an empty slot has last_ms 0: taken first */
	}
	if (!s) {
		s = oldest;
		snprintf(s->key, sizeof(s->key), "%s", key);
		s->tokens = l->burst;
		s->last_ms = now_ms;
	}
	s->tokens = fmin(l->burst, s->tokens + (now_ms - s->last_ms) * l->per_minute / 60000.0);
	s->last_ms = now_ms;
	return s;
}

/* Is one request of key allowed at now_ms? take: and it is counted. *retry_s as the header's. */
static bool allow(struct api_limit *l, const char *key, int64_t now_ms, int *retry_s, bool take)
{
	struct api_limit_slot *s;
	bool ok;

	pthread_mutex_lock(&l->lock);
	s = find(l, key, now_ms);
	ok = s->tokens >= 1.0;
	if (ok && take)
		s->tokens -= 1.0;
	if (!ok)
		l->refused++;
	if (retry_s)
		*retry_s = ok ? 0 : (int)ceil((1.0 - s->tokens) * 60.0 / l->per_minute);
	pthread_mutex_unlock(&l->lock);
	return ok;
}

bool api_limit_take(struct api_limit *l, const char *key, int64_t now_ms, int *retry_s)
{
	return allow(l, key, now_ms, retry_s, true);
}

void api_limit_charge(struct api_limit *l, const char *key, double n, int64_t now_ms)
{
	struct api_limit_slot *s;

	pthread_mutex_lock(&l->lock);
	s = find(l, key, now_ms);
	s->tokens = fmax(-l->burst, s->tokens - n); /* at most a burst in debt */
	pthread_mutex_unlock(&l->lock);
}

bool api_limit_ready(struct api_limit *l, const char *key, int64_t now_ms, int *retry_s)
{
	return allow(l, key, now_ms, retry_s, false);
}

void api_limit_addr_key(const char *addr, char key[API_LIMIT_KEY])
{
	unsigned char a[16];

	if (strchr(addr, ':') && inet_pton(AF_INET6, addr, a) == 1) {
		memset(a + 8, 0, 8); /* one IPv6 client holds a /64 */
		inet_ntop(AF_INET6, a, key, API_LIMIT_KEY);
		strncat(key, "/64", API_LIMIT_KEY - strlen(key) - 1);
		return;
	}
	snprintf(key, API_LIMIT_KEY, "%s", addr);
}
