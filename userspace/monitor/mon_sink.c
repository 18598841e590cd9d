// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* mon_sink.c - checks on their way to the registry: batched, and kept while it is away. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "mon_sink.h"
#include "xp_log.h"

#define BATCH	    256	 /* checks per transaction */
#define FLUSH_MS    1000 /* a partial batch waits at most this */
#define BACKOFF_MIN 500
#define BACKOFF_MAX 30000

/* the pool's landmarks: well out, out, the listing threshold of 10, the top */
const double mon_sink_bounds[MON_SINK_BUCKETS] = {-50, -20, 0, 5, 10, 15, 20};

static long ms_since(const struct timespec *a)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - a->tv_sec) * 1000 + (now.tv_nsec - a->tv_nsec) / 1000000;
}

int mon_sink_init(struct mon_sink *s, struct reg *db, const char *name, long max)
{
	memset(s, 0, sizeof(*s));
	s->db = db;
	s->name = name;
	s->max = max;
	/* calloc'd pages stay untouched (not resident) until checks pile up */
	s->q = calloc(max, sizeof(*s->q));
	s->qs = calloc(max, sizeof(*s->qs));
	if (!s->q || !s->qs ||
	    getrandom(&s->next_id, sizeof(s->next_id), 0) != sizeof(s->next_id)) {
		mon_sink_free(s);
		return -ENOMEM;
	}
	s->next_id &= 0x3fffffffffffffffLL; /* positive, far from the top: ids only go up */
	clock_gettime(CLOCK_MONOTONIC, &s->last_flush);
	return 0;
}

void mon_sink_free(struct mon_sink *s)
{
	free(s->q);
	free(s->qs);
	s->q = NULL;
	s->qs = NULL;
}

static double score_of(double prev, const struct reg_check *c, void *ctx)
{
	(void)ctx;
	return mon_score(prev, c->arg);
}

/* The start of an outage, logged once however many calls fail during it. */
static void away_start(struct mon_sink *s)
{
	if (s->away)
		return;
	s->away = true;
	clock_gettime(CLOCK_MONOTONIC, &s->away_since);
	s->away_kept = s->n;
	s->away_dropped = s->dropped;
	s->away_lost = 0;
	xp_warn("registry away (%s): checks are kept (up to max-pending, %ld) and written when it "
		"is back",
		reg_why(s->db), s->max);
}

/* After a failure: the next try after the current backoff, which doubles (0, 500 ms ... 30 s). */
static void schedule(struct mon_sink *s)
{
	clock_gettime(CLOCK_MONOTONIC, &s->retry_at);
	s->retry_at.tv_sec += s->backoff_ms / 1000;
	s->retry_at.tv_nsec += (s->backoff_ms % 1000) * 1000000L;
	if (s->retry_at.tv_nsec >= 1000000000L) {
		s->retry_at.tv_sec++;
		s->retry_at.tv_nsec -= 1000000000L;
	}
	s->backoff_ms = !s->backoff_ms			  ? BACKOFF_MIN
			: s->backoff_ms * 2 > BACKOFF_MAX ? BACKOFF_MAX
							  : s->backoff_ms * 2;
}

void mon_sink_answered(struct mon_sink *s)
{
	if (!s->away || s->n || s->down)
		return;
	s->away = false;
	s->backoff_ms = 0; /* the outage is over: the next one is retried at once */
	if (s->away_lost)
		xp_warn("registry back after %ld s: of the %lu check(s) kept while it was away, %lu "
			"were not recorded (this monitor was paused or removed meanwhile)",
			(ms_since(&s->away_since) + 500) / 1000, (unsigned long)s->away_kept,
			(unsigned long)s->away_lost);
	else
		xp_info("registry back after %ld s: the %lu check(s) kept while it was away are "
			"written%s",
			(ms_since(&s->away_since) + 500) / 1000, (unsigned long)s->away_kept,
			s->dropped > s->away_dropped ? "; newer ones were dropped past max-pending"
						     : "");
	if (s->dropped > s->away_dropped)
		xp_warn(
		    "registry outage: %lu check(s) dropped past max-pending (raise max-pending to "
		    "keep more)",
		    (unsigned long)(s->dropped - s->away_dropped));
}

void mon_sink_away(struct mon_sink *s, int err)
{
	away_start(s);
	if (err == -ENOTCONN) {
		mon_sink_connected(s, err);
		return;
	}
	/* not the connection (a lock, a statement's deadline, a refusal): the same backoff */
	if (!s->down) {
		s->down = true;
		schedule(s);
	}
}

bool mon_sink_connected(struct mon_sink *s, int err)
{
	if (err && err != -ENOTCONN)
		return true;
	if (err == -ENOTCONN && !s->down) {
		away_start(s);
		s->down = true;
		schedule(s);
		return false;
	}
	if (!s->down)
		return true;
	if (ms_since(&s->retry_at) < 0)
		return false; /* not yet */
	if (!reg_reconnect(s->db)) {
		xp_debug("registry answers again: %ld check(s) waiting", s->n);
		s->down = false;
		s->reconnects++;
		return true;
	}
	schedule(s);
	return false;
}

int mon_sink_flush(struct mon_sink *s)
{
	while (s->n && !s->stopped) {
		long n = s->n < BATCH ? s->n : BATCH;
		int ret;

		if (!mon_sink_connected(s, 0))
			return -EAGAIN;
		for (long i = 0; i < n; i++)
			s->q[i].arg = &s->qs[i];
		ret = reg_record_checks(s->db, s->name, s->q, n, score_of, NULL);
		if (ret == -ESRCH) /* a server removed between the check and the write: again */
			ret = reg_record_checks(s->db, s->name, s->q, n, score_of, NULL);
		if (ret == -ENOENT) {
			xp_warn("monitor %s was paused or removed: %ld check(s) not recorded",
				s->name, s->n);
			s->stopped = true;
			if (s->away)
				s->away_lost += (uint64_t)s->n;
			s->n = 0;
			return -ENOENT;
		}
		if (ret) {
			/* logged once, when the outage starts; retried with backoff */
			s->failures++;
			mon_sink_away(s, ret);
			return -EAGAIN;
		}
		s->failures = 0;
		for (long i = 0; i < n; i++) {
			const struct reg_check *c = &s->q[i];

			s->written += c->state == 0;
			if (c->state == 0) {
				int b = 0;

				while (b < MON_SINK_BUCKETS && c->score > mon_sink_bounds[b])
					b++;
				s->score_le[b]++;
				s->score_sum += c->score;
			}
			s->replayed += c->state == 1;
			s->gone += c->state == -ESRCH;
			if (c->state == 0)
				xp_debug(
				    "server %ld: offset %+9.3f ms  step %+6.3f  score %6.2f  (%s)",
				    c->server_id, isnan(c->offset) ? 0.0 : c->offset * 1e3, c->step,
				    c->score, c->note);
		}
		memmove(s->q, s->q + n, (s->n - n) * sizeof(*s->q));
		memmove(s->qs, s->qs + n, (s->n - n) * sizeof(*s->qs));
		s->n -= n;
		s->backoff_ms = 0; /* a write went through: the next failure is retried at once */
		mon_sink_answered(s);
	}
	clock_gettime(CLOCK_MONOTONIC, &s->last_flush);
	return s->stopped ? -ENOENT : 0;
}

void mon_sink_add(struct mon_sink *s, long id, const struct mon_check *c, time_t now)
{
	struct reg_check *rc;

	if (s->stopped)
		return;
	if (s->n == s->max) {
		if (!s->dropped++)
			xp_err("registry away too long: %ld checks kept, newer ones are dropped "
			       "(max-pending)",
			       s->max);
		return;
	}
	s->away_kept += s->away;
	rc = &s->q[s->n];
	*rc = (struct reg_check){.server_id = id,
				 .check_id = s->next_id++,
				 .ts = now,
				 .offset = c->chosen.result == MON_OK ? c->chosen.offset : NAN,
				 .step = mon_step(&c->chosen)};
	snprintf(rc->note, sizeof(rc->note), "%s", c->note);
	s->qs[s->n++] = c->chosen;
	if (s->n >= BATCH || ms_since(&s->last_flush) >= FLUSH_MS)
		mon_sink_flush(s);
}

int mon_sink_wait_ms(const struct mon_sink *s)
{
	long ms;

	if (!s->n || s->stopped)
		return -1;
	ms = s->down ? -ms_since(&s->retry_at) : FLUSH_MS - ms_since(&s->last_flush);
	return ms < 0 ? 0 : ms > BACKOFF_MAX ? BACKOFF_MAX : (int)ms;
}
