// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* api_check.c - the check before a server is listed, on a bounded pool of threads of its own. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api_check.h"
#include "xp_log.h"
#include "xp_time.h"

#define MARGIN_MS 2000 /* a caller waits the check's deadline and this, then gives up */

static void *worker(void *arg)
{
	struct api_checks *k = arg;
	struct api_check_job *j = NULL;

	pthread_mutex_lock(&k->lock);
	for (;;) {
		j = NULL;
		for (int i = 0; i < k->n && !j; i++)
			if (k->jobs[i].queued)
				j = &k->jobs[i];
		if (!j) {
			if (k->stop)
				break;
			pthread_cond_wait(&k->work, &k->lock);
			continue;
		}
		j->queued = false;
		pthread_mutex_unlock(&k->lock);
		/* the probe has its own deadline: tries x timeout_ms */
		j->ret = k->probe(j->addr, k->port, k->tries, k->timeout_ms, &j->rep, j->why,
				  sizeof(j->why));
		pthread_mutex_lock(&k->lock);
		j->done = true;
		if (j->abandoned)
			j->account = 0; /* its caller gave up: the slot is free again */
		pthread_cond_broadcast(&k->done);
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

int api_checks_start(struct api_checks *k, int workers, long target_per_minute, uint16_t port,
		     int tries, int timeout_ms, api_probe_fn probe)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	int ret = 0;

	memset(k, 0, sizeof(*k));
	if (workers < 1 || workers > API_CHECK_MAX)
		return -EINVAL;
	k->port = port;
	k->tries = tries;
	k->timeout_ms = timeout_ms;
	k->probe = probe;
	ret = api_limit_init(&k->by_target, (double)target_per_minute);
	if (ret)
		return ret;
	pthread_mutex_init(&k->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&k->done, &ca);
	pthread_cond_init(&k->work, NULL);
	pthread_condattr_destroy(&ca);
	/* the workers take no signal: the main loop's signalfd has them all */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (; k->n < workers; k->n++) {
		ret = -pthread_create(&k->threads[k->n], NULL, worker, k);
		if (ret) {
			xp_err("cannot start check worker %d: %s", k->n, strerror(-ret));
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		api_checks_stop(k);
	return ret;
}

void api_checks_stop(struct api_checks *k)
{
	pthread_mutex_lock(&k->lock);
	k->stop = true;
	pthread_cond_broadcast(&k->work);
	pthread_cond_broadcast(&k->done);
	pthread_mutex_unlock(&k->lock);
	/* idle workers end now; one in a probe ends with it (its deadline), or with the process */
	for (int i = 0; i < k->n; i++)
		pthread_detach(k->threads[i]);
}

/* The slot of a new job, under the lock: the job, or NULL with the reason in *ret. */
static struct api_check_job *slot(struct api_checks *k, long account, const char *addr, int *ret,
				  int *retry_s)
{
	struct api_check_job *free_slot = NULL;
	char key[API_LIMIT_KEY];

	for (int i = 0; i < k->n; i++) {
		if (k->jobs[i].account == account) {
			*ret = -EALREADY;
			atomic_fetch_add(&k->deferred[API_CHECK_ACCOUNT], 1);
			*retry_s = (k->tries * k->timeout_ms + 999) / 1000;
			return NULL;
		}
		if (!k->jobs[i].account && !free_slot)
			free_slot = &k->jobs[i];
	}
	if (!free_slot) {
		*ret = -EBUSY;
		atomic_fetch_add(&k->deferred[API_CHECK_WORKERS], 1);
		*retry_s = (k->tries * k->timeout_ms + 999) / 1000;
		return NULL;
	}
	/* a target's /64 is one target: its addresses are not probed a few times a minute each */
	api_limit_addr_key(addr, key);
	if (!api_limit_take(&k->by_target, key, xp_mono_ms(), retry_s)) {
		*ret = -EAGAIN;
		atomic_fetch_add(&k->deferred[API_CHECK_TARGET], 1);
		return NULL;
	}
	return free_slot;
}

int api_check_run(struct api_checks *k, long account, const char *addr, struct xp_ntp_reply *rep,
		  char *why, size_t n, int *retry_s)
{
	int64_t deadline = xp_mono_ms() + (int64_t)k->tries * k->timeout_ms + MARGIN_MS;
	struct timespec end = {.tv_sec = deadline / 1000, .tv_nsec = deadline % 1000 * 1000000};
	struct api_check_job *j;
	int ret = 0;

	*retry_s = 0;
	why[0] = 0;
	pthread_mutex_lock(&k->lock);
	if (k->stop) {
		ret = -ECANCELED;
		goto out;
	}
	j = slot(k, account, addr, &ret, retry_s);
	if (!j)
		goto out;
	*j = (struct api_check_job){.account = account, .queued = true};
	snprintf(j->addr, sizeof(j->addr), "%s", addr);
	pthread_cond_signal(&k->work);
	while (!j->done && !k->stop && !ret)
		if (pthread_cond_timedwait(&k->done, &k->lock, &end) == ETIMEDOUT)
			ret = -ETIMEDOUT;
	if (!j->done) {
		/* the worker frees the slot when its probe ends; a queued job is simply dropped */
		if (j->queued)
			j->account = 0;
		j->abandoned = true;
		j->queued = false;
		ret = ret ?: -ECANCELED;
		snprintf(why, n, "the check did not end in time");
		goto out;
	}
	ret = j->ret;
	*rep = j->rep;
	snprintf(why, n, "%s", j->why);
	j->account = 0;
out:
	pthread_mutex_unlock(&k->lock);
	return ret;
}
