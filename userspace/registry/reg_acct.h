/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* reg_acct.h - volunteers in the registry: accounts, API tokens, their servers and alert state. */
#ifndef REG_ACCT_H
#define REG_ACCT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "reg_db.h"

#define REG_EMAIL_MAX	  254
#define REG_PASSWORD_MIN  10
#define REG_PASSWORD_MAX  256
#define REG_PWHASH_MAX	  128 /* crypto_pwhash_STRBYTES */
#define REG_TOKEN_LEN	  68  /* "xpt_" and 64 hex digits */
#define REG_SECRET_LEN	  64  /* a webhook secret: 64 hex digits (32 random bytes) */
#define REG_URL_MAX	  512

/* Checks an address's form (lower-cased into out): 0 or -EINVAL with the reason in err. */
int reg_email_check(const char *email, char out[REG_EMAIL_MAX + 1], char *err, size_t n);
/* Checks a password's length and hashes it (argon2id, libsodium): 0, -EINVAL or -ENOMEM. */
int reg_password_hash(const char *password, char out[REG_PWHASH_MAX], char *err, size_t n);
/* For the API's fuzz target only (no setting reaches it): argon2id at its minimum cost. */
void reg_password_fuzz_cost(void);
/* Does password match hash? Takes the same time for a NULL hash (an unknown address). */
bool reg_password_verify(const char *hash, const char *password);

struct reg_account {
	long id;
	char email[REG_EMAIL_MAX + 1];
	char pwhash[REG_PWHASH_MAX];
	bool disabled;
	char webhook_url[REG_URL_MAX + 1];
	char webhook_secret[REG_SECRET_LEN + 1];
};

/* A new account (email already checked, pwhash from reg_password_hash): 0, -EEXIST or -EIO. */
int reg_account_add(struct reg *r, const char *email, const char *pwhash, long *id);
/* By address or by id: 0, -ENOENT or -errno. */
int reg_account_by_email(struct reg *r, const char *email, struct reg_account *a);
int reg_account_get(struct reg *r, long id, struct reg_account *a);
/* Disabling also revokes every token of the account. 0, -ENOENT or -errno. */
int reg_account_set_disabled(struct reg *r, const char *email, bool disabled);
/* Every account: address, state, servers, webhook. 0 or -errno. */
int reg_account_list(struct reg *r, FILE *f);
/* Sets the webhook (url "" removes it) with a new secret (secret_out, "" when removed). */
int reg_account_webhook(struct reg *r, long id, const char *url,
			char secret_out[REG_SECRET_LEN + 1]);

/* A new API token for the account: shown once (out), stored as its SHA-256. 0 or -errno. */
int reg_token_new(struct reg *r, long account, char out[REG_TOKEN_LEN + 1]);
/* The account of a live token of an enabled account: 0, -EACCES or -errno. */
int reg_token_account(struct reg *r, const char *token, long *account);
/* Revokes one token: 0, -ENOENT or -errno. */
int reg_token_revoke(struct reg *r, const char *token);

struct reg_owned {
	long id;
	char ip[64];
	char country[3];
	long long netspeed;
	bool enabled;
	double score; /* the DNS score; NAN when no active monitor has scored it */
	bool in_dns;  /* enabled, netspeed > 0 and score >= POOL_MIN_SCORE (pool_rules.h) */
	time_t created;
};

/* An account's live servers; fn's non-zero return stops. 0 or -errno. */
int reg_owned_list(struct reg *r, long account, time_t now,
		   int (*fn)(void *ctx, const struct reg_owned *s), void *ctx);
/* How many live servers the account has: 0 and *n, or -errno. */
int reg_owned_count(struct reg *r, long account, long *n);
/* One of them by address (any spelling): 0, -ENOENT (not the account's, or none) or -errno. */
int reg_owned_get(struct reg *r, long account, const char *ip, time_t now, struct reg_owned *s);
/*
 * Adds a server for the account (address and country already checked) unless it has max
 * servers already: 0, -EEXIST (registered), -EDQUOT (the limit) or -errno. A deleted server's
 * row holding the address (its history kept for the retention period) is purged first.
 */
int reg_owned_add(struct reg *r, long account, const char *ip, long netspeed, const char *cc,
		  long max);
/* netspeed < 0 and enabled < 0 leave those as they are: 0, -ENOENT or -errno. */
int reg_owned_set(struct reg *r, long account, const char *ip, long netspeed, int enabled);
/* Out of DNS at once; the row and its history stay until reg_purge_deleted. 0, -ENOENT. */
int reg_owned_delete(struct reg *r, long account, const char *ip, time_t now);
/* Removes servers deleted before a time, with their history: 0 and *n, or -errno. */
int reg_purge_deleted(struct reg *r, time_t before, long *n);

/* Alerts: per server and kind, the state last seen and when each state was last told. */
enum reg_alert_kind { REG_ALERT_DNS, REG_ALERT_LEAP };
struct reg_alert_row {
	long server_id;
	char ip[64];
	long account;
	bool watched;	  /* enabled with netspeed > 0: DNS changes are the volunteer's news */
	bool in_dns;	  /* the listing rule above */
	double score;
	bool leap_wrong;  /* an active monitor's newest check saw a leap second on the wrong day */
	int state[2];	  /* stored, by kind; -1 when none yet */
};
/* Live servers with an account; fn's non-zero return stops. 0 or -errno. */
int reg_alert_scan(struct reg *r, time_t now, int (*fn)(void *ctx, const struct reg_alert_row *a),
		   void *ctx);
int reg_alert_state_set(struct reg *r, long server, enum reg_alert_kind k, int state, time_t now);
/* When state was last told for the server (0 never): 0 or -errno. */
int reg_alert_sent_get(struct reg *r, long server, enum reg_alert_kind k, int state, time_t *t);
int reg_alert_sent_set(struct reg *r, long server, enum reg_alert_kind k, int state, time_t t);

#endif
