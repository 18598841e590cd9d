/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* api_check.h - the check before a server is listed, on a bounded pool of threads of its own. */
#ifndef API_CHECK_H
#define API_CHECK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "api_limit.h"
#include "xp_ntp.h"

#define API_CHECK_MAX 64

/* xp_ntp_probe's signature: the check itself (a test's stand-in may take its place). */
typedef int (*api_probe_fn)(const char *ip, uint16_t port, int tries, int timeout_ms,
			    struct xp_ntp_reply *out, char *why, size_t n);

struct api_check_job {
	long account; /* 0: the slot is free */
	char addr[64];
	bool queued, done, abandoned;
	int ret;
	struct xp_ntp_reply rep;
	char why[200];
};

struct api_checks {
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct api_check_job jobs[API_CHECK_MAX];
	pthread_t threads[API_CHECK_MAX];
	int n; /* workers, one job slot each */
	bool stop;
	uint16_t port;
	int tries, timeout_ms;
	api_probe_fn probe;
	struct api_limit by_target; /* probes of one address (IPv6: /64) a minute, whoever asks */
	atomic_ulong deferred[3];   /* by enum api_check_busy */
};

enum api_check_busy { API_CHECK_ACCOUNT, API_CHECK_WORKERS, API_CHECK_TARGET };

/*
 * Starts workers threads (1..API_CHECK_MAX) that run probe(addr, port, tries, timeout_ms), and
 * lets one address be probed target_per_minute times a minute: 0 or -errno.
 */
int api_checks_start(struct api_checks *k, int workers, long target_per_minute, uint16_t port,
		     int tries, int timeout_ms, api_probe_fn probe);
/* Wakes every waiting caller (-ECANCELED) and ends the workers that are idle. */
void api_checks_stop(struct api_checks *k);

/*
 * The check of addr for account, run on a worker while the caller waits at most the check's
 * own deadline: 0 and *rep; -EALREADY (this account has a check in flight), -EBUSY (every
 * worker is busy), -EAGAIN (addr, or its /64, was probed target_per_minute times in the last
 * minute): with
 * *retry_s; -ECANCELED (stopping); or the check's -errno with the reason in why.
 */
int api_check_run(struct api_checks *k, long account, const char *addr, struct xp_ntp_reply *rep,
		  char *why, size_t n, int *retry_s);

#endif
