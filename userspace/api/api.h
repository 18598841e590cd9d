/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* api.h - xpool-api's state and its requests: what the HTTP glue, routes and alerts share. */
#ifndef API_H
#define API_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "api_check.h"
#include "api_db.h"
#include "api_limit.h"
#include "pool_geo.h"
#include "reg_db.h"

#define API_MAX_PROXIES	  8
#define API_BACKOFF_SLOTS 1024 /* accounts whose receivers failed, remembered at once */

/* An account none of whose channels took its last alert: when to try it again. */
struct api_backoff {
	long account; /* 0: free */
	int failures;
	time_t next;
};

struct api {
	/* configuration (the directive table in api_main.c) */
	char db_path[512], listen[64], metrics[64], geoip[256], sendmail[256], mail_from[128];
	char proxies[API_MAX_PROXIES][64];
	int n_proxies;
	long max_servers, account_rate, signup_rate, max_body, max_connections;
	long max_per_address, request_timeout, db_connections;
	long check_tries, check_timeout_ms, check_workers, check_target_rate, check_failures;
	long retention_days, alert_interval, alert_budget, alert_account_budget;
	long webhook_timeout_ms;
	bool test_addresses, no_alerts, test_mode;
	long test_check_port;	 /* test-mode only: the port the pre-check asks (123) */
	bool test_webhook_local; /* test-mode only: webhooks may reach local addresses */

	/* running */
	struct api_db db;	    /* the request threads' registry connections */
	struct api_checks checks;   /* the checks before listing, off the connection threads */
	api_probe_fn probe;	    /* xp_ntp_probe (a test's stand-in) */
	atomic_bool stopping;	    /* SIGTERM: the alert pass and its deliveries end now */
	struct api_backoff backoff[API_BACKOFF_SLOTS]; /* the alert thread's own */
	struct pool_geo *geo; /* NULL: geoip off */
	struct api_limit by_account, by_addr;
	struct api_limit check_fails; /* failed checks an hour, by account and by client address */
	sem_t hash_slots; /* argon2id runs at once (64 MiB each) */
	atomic_ulong requests[6]; /* by status class: 1xx..5xx, [0] other */
	atomic_ulong checks_passed, checks_refused;
	atomic_ulong alerts_sent[2], alerts_failed[2], alerts_suppressed; /* [0] webhook [1] email */
	atomic_ulong alerts_deferred, webhooks_refused;
	atomic_ulong registry_errors;
	atomic_ulong conns_refused, conns_reaped; /* over the limit per address; too slow */
};

struct api_req {
	const char *method, *path;
	const char *body;
	size_t len;
	bool too_big;	   /* the body passed max-body: refused unread */
	const char *auth;  /* the Authorization header, or NULL */
	char client[64];   /* the client's address (from a trusted proxy's X-Real-IP) */
};

struct api_resp {
	int status;
	char *body; /* malloc'd JSON, or NULL */
	size_t len;
	char allow[64];	   /* 405: the methods the path takes */
	int retry_after;   /* 429: seconds */
	bool authenticate; /* 401: WWW-Authenticate: Bearer */
};

/* Answers one request (api_routes.c): never fails to set a status. */
void api_handle(struct api *a, const struct api_req *q, struct api_resp *r);
/* The 413 for a body declared over max-body, refused before it is read. */
void api_too_big(struct api *a, struct api_resp *r);
/* The routes the daemon serves, one "METHOD PATH" per line (for the OpenAPI check). */
void api_routes_print(FILE *f);

#endif
