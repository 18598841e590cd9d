/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dns_fetch.h - the snapshot over HTTP(S): conditional GETs, Ed25519 signature, no rollback, cache.
 */
#ifndef DNS_FETCH_H
#define DNS_FETCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "dns_config.h"
#include "dns_data.h"

/* Why a poll ended: every one is counted. */
#define DNS_FETCH_RESULTS(X)                                                                       \
	X(OK, "ok")			/* a new, verified snapshot */                             \
	X(NOT_MODIFIED, "not_modified") /* 304, or the same generated time */                      \
	X(NETWORK, "network")		/* no connection, reset, a truncated body */               \
	X(TIMEOUT, "timeout")		/* connect, total or low-speed deadline */                 \
	X(HTTP_STATUS, "http_status")	/* anything but 200 and 304 */                             \
	X(ENCODING, "encoding")		/* a compressed body (Content-Encoding): never inflated */ \
	X(TOO_BIG, "too_big")		/* over snapshot-max-mb */                                 \
	X(SIGNATURE, "signature")	/* missing, malformed or not by our key */                 \
	X(INVALID, "invalid")		/* signed, but not a valid snapshot */                     \
	X(ROLLBACK, "rollback")		/* older than the snapshot in service */                   \
	X(CACHE, "cache")		/* verified, but the cache could not be written */

#define DNS_FETCH_ENUM(name, label) DNS_FETCH_##name,
enum dns_fetch_result { DNS_FETCH_RESULTS(DNS_FETCH_ENUM) DNS_FETCH__MAX };
#undef DNS_FETCH_ENUM

const char *dns_fetch_label(enum dns_fetch_result r);

struct dns_fetch {
	const struct dns_config *cfg;
	char url_log[512]; /* snapshot-url for logs: a password in it replaced */
	uint8_t pk[32];
	char etag[256], last_modified[128];
	_Atomic int64_t served_generated; /* the generated time of the data in service */
	_Atomic uint64_t count[DNS_FETCH__MAX];
	enum dns_fetch_result last; /* for logging changes of state only */
	char why[1024];		    /* the last poll's reason and remedy, for its log line */
	char logged[1024];	    /* the reason logged last: a new one is logged too */
	/* the thread hands a new snapshot to the main loop */
	pthread_t thread;
	bool running;
	atomic_bool stop;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct dns_snapshot pending; /* under lock; .e NULL when none */
	int event_fd;		     /* readable when pending holds one */
};

/* Reads the public key and makes the event fd: 0, or -errno with the reason logged. */
int dns_fetch_init(struct dns_fetch *f, const struct dns_config *cfg);
void dns_fetch_free(struct dns_fetch *f);

/*
 * One poll, in the caller's thread: DNS_FETCH_OK with *out a verified, newer snapshot (the
 * cache written), or the reason nothing changed. Every wait has a deadline.
 */
enum dns_fetch_result dns_fetch_poll(struct dns_fetch *f, struct dns_snapshot *out);

/*
 * The cache, snapshot-cache: one file, the signature file's line and then the snapshot's bytes
 * as fetched, replaced with one rename, so that a crash leaves the old pair or the new one,
 * never a snapshot with another's signature. (A cache of the older layout, FILE and FILE.sig,
 * is still read.) Verified as a fetched snapshot: 0 and *out, or -errno with the reason
 * logged (a missing cache quietly: -ENOENT).
 */
int dns_fetch_load_cache(struct dns_fetch *f, struct dns_snapshot *out);

/* Polls every snapshot-poll seconds in a thread; new snapshots wait in pending. */
int dns_fetch_start(struct dns_fetch *f);
void dns_fetch_stop(struct dns_fetch *f);
/* The main loop's side: the pending snapshot, if any (0 and *out), else -EAGAIN. */
int dns_fetch_take(struct dns_fetch *f, struct dns_snapshot *out);

#endif
