/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* api_alert.h - telling volunteers: a server left DNS, came back, or announces a wrong leap. */
#ifndef API_ALERT_H
#define API_ALERT_H

#include <stdbool.h>
#include <time.h>

#include "api.h"
#include "reg_acct.h"

#define API_ALERT_EVERY	  (24 * 3600) /* at most one message per server and state in this time */
#define API_BACKOFF_FIRST 60	      /* an account whose alert nobody took waits this long, */
#define API_BACKOFF_MAX	  3600	      /* then twice as long each time, at most this */

/* DNS states: never listed yet, in DNS, out after having been in. Leap: fine, wrong day. */
enum { API_DNS_NEW = 0, API_DNS_IN = 1, API_DNS_LEFT = 2 };
enum { API_LEAP_OK = 0, API_LEAP_WRONG = 1 };

/*
 * The state a server moves to from stored (-1: none yet) given what the registry shows now,
 * and whether that change is news for its owner (an event name, or NULL). A server's first
 * sight is recorded silently unless it already announces a wrong leap; a paused or
 * monitor-only server (not watched) goes back to "new" without a word.
 */
int api_alert_next(enum reg_alert_kind k, int stored, const struct reg_alert_row *now,
		   const char **event);

/*
 * One pass over the registry (conn: the alerter's own): messages sent, states stored. At most
 * alert-budget messages a pass and alert-account-budget an account; the webhooks are called all
 * at once; an account none of whose channels took its message backs off; the rest wait for a
 * later pass. a->stopping ends it early, with nothing lost (what was not told waits).
 */
int api_alert_sweep(struct api *a, struct reg *conn, time_t now);


#endif
