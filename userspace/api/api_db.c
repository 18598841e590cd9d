// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* api_db.c - xpool-api's registry connections: a small pool, so one slow query blocks no other. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "api_db.h"

int api_db_open(struct api_db *p, const char *where, int n)
{
	pthread_condattr_t ca;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	/* deadlines on the monotonic clock: a step of the wall clock moves none of them */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->freed, &ca);
	pthread_condattr_destroy(&ca);
	if (n < 1 || n > API_DB_MAX)
		return -EINVAL;
	for (; p->n < n; p->n++) {
		ret = reg_open(where, REG_OPEN_EXISTING, &p->conn[p->n]);
		if (ret)
			break;
	}
	return ret;
}

void api_db_close(struct api_db *p)
{
	for (int i = 0; i < p->n; i++)
		reg_close(p->conn[i]);
	p->n = 0;
	pthread_cond_destroy(&p->freed);
	pthread_mutex_destroy(&p->lock);
}

int api_db_take(struct api_db *p, struct reg **r)
{
	struct timespec end;
	bool stale = false;
	int ret = 0;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += API_DB_WAIT_MS / 1000;
	*r = NULL;
	pthread_mutex_lock(&p->lock);
	while (!*r && !ret) {
		for (int i = 0; i < p->n && !*r; i++)
			if (!p->used[i]) {
				p->used[i] = true;
				*r = p->conn[i];
				stale = p->conn_gen[i] != p->gen;
				p->conn_gen[i] = p->gen;
			}
		if (!*r && pthread_cond_timedwait(&p->freed, &p->lock, &end) == ETIMEDOUT)
			ret = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&p->lock);
	/* outside the lock: a reconnection may take its connect deadline; one that fails is
	 * reported by the request's first call */
	if (stale)
		reg_reconnect(*r);
	return ret;
}

void api_db_lost(struct api_db *p)
{
	pthread_mutex_lock(&p->lock);
	p->gen++;
	pthread_mutex_unlock(&p->lock);
}

void api_db_give(struct api_db *p, struct reg *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < p->n; i++)
		if (p->conn[i] == r)
			p->used[i] = false;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
}
