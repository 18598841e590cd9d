/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* api_db.h - xpool-api's registry connections: a small pool, so one slow query blocks no other. */
#ifndef API_DB_H
#define API_DB_H

#include <pthread.h>
#include <stdbool.h>

#include "reg_db.h"

#define API_DB_MAX     16
#define API_DB_WAIT_MS 5000 /* a request waits this long for a free connection, then 503 */

struct api_db {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct reg *conn[API_DB_MAX];
	bool used[API_DB_MAX];
	unsigned gen, conn_gen[API_DB_MAX]; /* a connection older than gen reconnects first */
	int n;
};

/* Opens n connections to where (1..API_DB_MAX): 0, or -errno after the registry logged why. */
int api_db_open(struct api_db *p, const char *where, int n);
void api_db_close(struct api_db *p);
/* A free connection within API_DB_WAIT_MS: 0 and *r, or -ETIMEDOUT. */
int api_db_take(struct api_db *p, struct reg **r);
/* Gives a connection back (NULL: nothing). */
void api_db_give(struct api_db *p, struct reg *r);
/*
 * One connection was lost (the registry restarted, the network failed): every connection of the
 * pool reconnects before its next use, not only the one that found out.
 */
void api_db_lost(struct api_db *p);

#endif
