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
	bool down;	   /* the connection is lost, or the registry refused: retried later */
	bool away;	   /* an outage: from the first failure until what it kept is written */
	struct timespec away_since;
	uint64_t away_kept, away_dropped; /* checks kept during the outage; dropped before it */
	uint64_t away_lost;		  /* of those, not recorded (the monitor paused meanwhile) */
	bool stopped;			  /* the registry said: paused or removed */
	int backoff_ms; /* 0 while the registry answers; then 500 ms doubling to 30 s */
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
/*
 * Any call to the registry failed with err (a lost connection, a lock, a refusal): an outage
 * starts, logged once with the reason; later calls are retried with backoff (500 ms doubling to
 * 30 s, reconnecting first when the connection is lost).
 */
void mon_sink_away(struct mon_sink *s, int err);
/*
 * The registry answered: when it was away and every check kept during the outage is written,
 * the outage ends, logged once with how long it lasted and how many checks were kept.
 */
void mon_sink_answered(struct mon_sink *s);

#endif
