/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* mon_sink.h - checks on their way to the registry: batched, and kept while it is away. */
#ifndef MON_SINK_H
#define MON_SINK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "mon_ntp.h"
#include "reg_db.h"

struct mon_sink {
	struct reg *db;
	const char *name;      /* the monitor's */
	struct reg_check *q;   /* checks not yet written, oldest first */
	struct mon_sample *qs; /* their chosen samples, which the score is computed from */
	long n, max;
	long long next_id; /* check ids: a random start, then one by one */
	bool down;	   /* the connection is lost */
	bool stopped;	   /* the registry said: paused or removed */
	int backoff_ms;	   /* 0 while the registry answers; then 500 ms doubling to 30 s */
	struct timespec retry_at, last_flush;
	uint64_t written, replayed, gone, dropped, reconnects, failures;
	/* the scores written, as a histogram (MON_SINK_BUCKETS upper bounds, then +Inf) */
	uint64_t score_le[8];
	double score_sum;
};

#define MON_SINK_BUCKETS 7
extern const double mon_sink_bounds[MON_SINK_BUCKETS];

/* max: checks kept while the registry is away (beyond it, new checks are dropped, counted). */
int mon_sink_init(struct mon_sink *s, struct reg *db, const char *name, long max);
void mon_sink_free(struct mon_sink *s);
/* Queues a finished check; writes the queue when it holds a batch or a second has passed. */
void mon_sink_add(struct mon_sink *s, long id, const struct mon_check *c, time_t now);
/*
 * Writes what is queued, in one transaction per batch (a check already written, its commit lost
 * with the connection, is recognised and skipped). While the registry is away, the queue is
 * kept and a reconnect is tried with backoff. 0 (queue empty), -EAGAIN (kept for later), or
 * -ENOENT (this monitor is paused or removed: the queue is dropped).
 */
int mon_sink_flush(struct mon_sink *s);
/* Milliseconds until the next retry of a kept queue, -1 when nothing waits. */
int mon_sink_wait_ms(const struct mon_sink *s);
/* After an error from the registry: is the connection up (reconnecting when due)? */
bool mon_sink_connected(struct mon_sink *s, int err);

#endif
