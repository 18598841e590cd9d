// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* reg_acct.c - volunteers in the registry: accounts, API tokens, their servers and alert state. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <sodium.h>

#include "reg_acct.h"
#include "pool_rules.h"
#include "reg_be.h"
#include "xp_ntp.h"

int reg_email_check(const char *email, char out[REG_EMAIL_MAX + 1], char *err, size_t n)
{
	const char *at = strchr(email, '@');
	size_t len = strlen(email), i;

	if (!len || len > REG_EMAIL_MAX)
		return reg_fail(err, n, -EINVAL, "%s", "email: 1 to 254 characters");
	if (!at || at == email || !at[1] || strchr(at + 1, '@') || email[0] == '-')
		return reg_fail(err, n, -EINVAL, "email: not an address: '%s'", email);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)email[i];
		bool domain = email + i > at;

		/* what a mail header and a sendmail argument can carry without quoting */
		if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"'`|", c) ||
		    (domain && !isalnum(c) && c != '.' && c != '-'))
			return reg_fail(err, n, -EINVAL, "%s",
					"email: letters, digits and .-_+=!#$%&*/?^{}~ in the local "
					"part; letters, digits, dots and hyphens in the domain");
		out[i] = (char)tolower(c);
	}
	out[len] = 0;
	return 0;
}

/* argon2id's cost: libsodium's interactive limits (64 MiB); only a fuzzer lowers it */
static unsigned long long pw_ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
static size_t pw_mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;

void reg_password_fuzz_cost(void)
{
	pw_ops = crypto_pwhash_OPSLIMIT_MIN;
	pw_mem = crypto_pwhash_MEMLIMIT_MIN;
}

int reg_password_hash(const char *password, char out[REG_PWHASH_MAX], char *err, size_t n)
{
	size_t len = strlen(password);

	if (len < REG_PASSWORD_MIN || len > REG_PASSWORD_MAX)
		return reg_fail(err, n, -EINVAL, "%s", "password: 10 to 256 characters");
	if (sodium_init() < 0 ||
	    crypto_pwhash_str_alg(out, password, len, pw_ops, pw_mem, crypto_pwhash_ALG_ARGON2ID13))
		return reg_fail(err, n, -ENOMEM, "%s", "password hashing ran out of memory");
	return 0;
}

static char dummy[crypto_pwhash_STRBYTES];

static void dummy_init(void)
{
	if (crypto_pwhash_str_alg(dummy, "xpool-dummy-password", 20, pw_ops, pw_mem,
				  crypto_pwhash_ALG_ARGON2ID13))
		dummy[0] = 0;
}

bool reg_password_verify(const char *hash, const char *password)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	if (sodium_init() < 0)
		return false;
	if (!hash) {
		/* an unknown address costs what a wrong password costs: no hint of which it was */
		pthread_once(&once, dummy_init);
		if (dummy[0] && crypto_pwhash_str_verify(dummy, password, strlen(password)) == 0)
			return false; /* the dummy's own password: still no account */
		return false;
	}
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

int reg_account_add(struct reg *r, const char *email, const char *pwhash, long *id)
{
	struct reg_account a;
	int ret = reg_run(r, "INSERT INTO accounts (email, pwhash, created) VALUES ($1, $2, $3)",
			  (struct reg_arg[]){RA_TEXT(email), RA_TEXT(pwhash), RA_INT(time(NULL))},
			  3, NULL);

	if (!ret)
		ret = reg_account_by_email(r, email, &a);
	if (!ret && id)
		*id = a.id;
	return ret;
}

static int account_row(struct reg *r, const char *where, struct reg_arg arg, struct reg_account *a)
{
	char sql[256];
	struct reg_res *res;
	int ret;

	snprintf(sql, sizeof(sql),
		 "SELECT id, email, pwhash, disabled, webhook_url, webhook_secret FROM accounts"
		 " WHERE %s = $1",
		 where);
	ret = reg_select(r, sql, &arg, 1, &res);
	if (ret)
		return ret;
	ret = reg_next(r, res);
	if (ret > 0) {
		a->id = (long)reg_int(r, res, 0);
		snprintf(a->email, sizeof(a->email), "%s", reg_text(r, res, 1));
		snprintf(a->pwhash, sizeof(a->pwhash), "%s", reg_text(r, res, 2));
		a->disabled = reg_int(r, res, 3) != 0;
		snprintf(a->webhook_url, sizeof(a->webhook_url), "%s", reg_text(r, res, 4));
		snprintf(a->webhook_secret, sizeof(a->webhook_secret), "%s", reg_text(r, res, 5));
	}
	reg_done(r, res);
	return ret > 0 ? 0 : ret < 0 ? ret : -ENOENT;
}

int reg_account_by_email(struct reg *r, const char *email, struct reg_account *a)
{
	return account_row(r, "email", RA_TEXT(email), a);
}

int reg_account_get(struct reg *r, long id, struct reg_account *a)
{
	return account_row(r, "id", RA_INT(id), a);
}

int reg_account_set_disabled(struct reg *r, const char *email, bool disabled)
{
	long changed = 0;
	int ret = reg_begin(r, REG_TX_WRITE);

	if (!ret)
		ret = reg_run(r, "UPDATE accounts SET disabled = $1 WHERE email = $2",
			      (struct reg_arg[]){RA_INT(disabled), RA_TEXT(email)}, 2, &changed);
	if (!ret && !changed)
		ret = -ENOENT;
	if (!ret && disabled)
		ret = reg_run(r,
			      "UPDATE tokens SET revoked = 1 WHERE account_id ="
			      " (SELECT id FROM accounts WHERE email = $1)",
			      (struct reg_arg[]){RA_TEXT(email)}, 1, NULL);
	if (!ret)
		return reg_commit(r);
	reg_rollback(r);
	return ret;
}

int reg_account_list(struct reg *r, FILE *f)
{
	struct reg_res *res;
	int ret = reg_select(r,
			     "SELECT a.email, a.disabled, a.created, CASE WHEN a.webhook_url <> '' THEN 1 ELSE 0 END,"
			     " (SELECT count(*) FROM servers s WHERE s.account_id = a.id"
			     " AND s.deleted IS NULL) FROM accounts a ORDER BY a.id",
			     NULL, 0, &res);

	if (ret)
		return ret;
	fprintf(f, "%-40s %-8s %7s %-7s %s\n", "email", "state", "servers", "webhook", "created");
	while ((ret = reg_next(r, res)) > 0) {
		time_t t = (time_t)reg_int(r, res, 2);
		char when[32];

		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		fprintf(f, "%-40s %-8s %7lld %-7s %s\n", reg_text(r, res, 0),
			reg_int(r, res, 1) ? "disabled" : "enabled", reg_int(r, res, 4),
			reg_int(r, res, 3) ? "yes" : "no", when);
	}
	reg_done(r, res);
	return ret < 0 ? ret : 0;
}

static void random_hex(char *out, size_t bytes)
{
	unsigned char b[32];

	randombytes_buf(b, bytes);
	sodium_bin2hex(out, bytes * 2 + 1, b, bytes);
}

int reg_account_webhook(struct reg *r, long id, const char *url,
			char secret_out[REG_SECRET_LEN + 1])
{
	long changed = 0;
	int ret;

	secret_out[0] = 0;
	if (sodium_init() < 0)
		return -ENOMEM;
	if (url[0])
		random_hex(secret_out, REG_SECRET_LEN / 2);
	ret = reg_run(r, "UPDATE accounts SET webhook_url = $1, webhook_secret = $2 WHERE id = $3",
		      (struct reg_arg[]){RA_TEXT(url), RA_TEXT(secret_out), RA_INT(id)}, 3,
		      &changed);
	return ret ? ret : changed ? 0 : -ENOENT;
}

/* Tokens are random (256 bits): a SHA-256 of one is as good as a slow hash, and indexable. */
static void token_hash(const char *token, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(out, 65, h, sizeof(h));
}

int reg_token_new(struct reg *r, long account, char out[REG_TOKEN_LEN + 1])
{
	char hash[65];

	if (sodium_init() < 0)
		return -ENOMEM;
	memcpy(out, "xpt_", 4);
	random_hex(out + 4, 32);
	token_hash(out, hash);
	return reg_run(r, "INSERT INTO tokens (account_id, hash, created) VALUES ($1, $2, $3)",
		       (struct reg_arg[]){RA_INT(account), RA_TEXT(hash), RA_INT(time(NULL))}, 3,
		       NULL);
}

int reg_token_account(struct reg *r, const char *token, long *account)
{
	struct reg_res *res;
	char hash[65];
	int ret;

	if (strlen(token) != REG_TOKEN_LEN || strncmp(token, "xpt_", 4) || sodium_init() < 0)
		return -EACCES;
	token_hash(token, hash);
	ret = reg_select(r,
			 "SELECT t.account_id FROM tokens t JOIN accounts a ON a.id = t.account_id"
			 " WHERE t.hash = $1 AND t.revoked = 0 AND a.disabled = 0",
			 (struct reg_arg[]){RA_TEXT(hash)}, 1, &res);
	if (ret)
		return ret;
	ret = reg_next(r, res);
	if (ret > 0)
		*account = (long)reg_int(r, res, 0);
	reg_done(r, res);
	return ret > 0 ? 0 : ret < 0 ? ret : -EACCES;
}

int reg_token_revoke(struct reg *r, const char *token)
{
	char hash[65];
	long changed = 0;
	int ret;

	if (sodium_init() < 0)
		return -ENOMEM;
	token_hash(token, hash);
	ret = reg_run(r, "UPDATE tokens SET revoked = 1 WHERE hash = $1 AND revoked = 0",
		      (struct reg_arg[]){RA_TEXT(hash)}, 1, &changed);
	return ret ? ret : changed ? 0 : -ENOENT;
}

static int owned_rows(struct reg *r, long account, const char *ip, time_t now,
		      int (*fn)(void *ctx, const struct reg_owned *s), void *ctx)
{
	struct reg_res *res;
	int ret = ip ? reg_select(r,
				  "SELECT id, ip, country, netspeed, enabled, created FROM servers"
				  " WHERE account_id = $1 AND ip = $2 AND deleted IS NULL",
				  (struct reg_arg[]){RA_INT(account), RA_TEXT(ip)}, 2, &res)
		     : reg_select(r,
				  "SELECT id, ip, country, netspeed, enabled, created FROM servers"
				  " WHERE account_id = $1 AND deleted IS NULL ORDER BY id",
				  (struct reg_arg[]){RA_INT(account)}, 1, &res);

	if (ret)
		return ret;
	while ((ret = reg_next(r, res)) > 0) {
		struct reg_owned s = {.id = (long)reg_int(r, res, 0),
				      .netspeed = reg_int(r, res, 3),
				      .enabled = reg_int(r, res, 4) != 0,
				      .created = (time_t)reg_int(r, res, 5)};

		snprintf(s.ip, sizeof(s.ip), "%s", reg_text(r, res, 1));
		snprintf(s.country, sizeof(s.country), "%s", reg_text(r, res, 2));
		ret = reg_dns_score_read(r, s.id, now, &s.score);
		if (ret)
			break;
		s.in_dns = pool_listed_default(s.enabled, s.netspeed, s.score);
		if (fn(ctx, &s))
			break;
	}
	reg_done(r, res);
	return ret < 0 ? ret : 0;
}

int reg_owned_list(struct reg *r, long account, time_t now,
		   int (*fn)(void *ctx, const struct reg_owned *s), void *ctx)
{
	return owned_rows(r, account, NULL, now, fn, ctx);
}

static int copy_one(void *ctx, const struct reg_owned *s)
{
	*(struct reg_owned *)ctx = *s;
	return 1;
}

int reg_owned_get(struct reg *r, long account, const char *ip, time_t now, struct reg_owned *s)
{
	char addr[64];
	int ret;

	reg_canon_ip(ip, addr, sizeof(addr));
	s->id = 0;
	ret = owned_rows(r, account, addr, now, copy_one, s);
	return ret ? ret : s->id ? 0 : -ENOENT;
}

int reg_owned_count(struct reg *r, long account, long *n)
{
	struct reg_res *res;
	int ret = reg_select(r,
			     "SELECT count(*) FROM servers WHERE account_id = $1 AND deleted IS NULL",
			     (struct reg_arg[]){RA_INT(account)}, 1, &res);

	if (ret)
		return ret;
	ret = reg_next(r, res);
	*n = ret > 0 ? (long)reg_int(r, res, 0) : 0;
	reg_done(r, res);
	return ret < 0 ? ret : 0;
}

int reg_owned_add(struct reg *r, long account, const char *ip, long netspeed, const char *cc,
		  long max)
{
	struct reg_account a;
	char addr[64];
	time_t now = time(NULL);
	long have = 0;
	int ret;

	reg_canon_ip(ip, addr, sizeof(addr));
	ret = reg_begin(r, REG_TX_WRITE);
	/*
	 * Touching the account's row first serialises two adds for one account (PostgreSQL's row
	 * lock; SQLite's write lock): the count below cannot be passed by a concurrent add.
	 */
	if (!ret)
		ret = reg_run(r, "UPDATE accounts SET created = created WHERE id = $1",
			      (struct reg_arg[]){RA_INT(account)}, 1, NULL);
	if (!ret)
		ret = reg_account_get(r, account, &a);
	if (!ret)
		ret = reg_owned_count(r, account, &have);
	if (!ret && have >= max)
		ret = -EDQUOT;
	/* an address in its retention period after a delete: that history goes with the new add */
	if (!ret)
		ret = reg_run(r, "DELETE FROM servers WHERE ip = $1 AND deleted IS NOT NULL",
			      (struct reg_arg[]){RA_TEXT(addr)}, 1, NULL);
	if (!ret)
		ret = reg_run(r,
			      "INSERT INTO servers (ip, netspeed, country, owner, enabled, created,"
			      " updated, account_id) VALUES ($1, $2, $3, $4, 1, $5, $5, $6)",
			      (struct reg_arg[]){RA_TEXT(addr), RA_INT(netspeed), RA_TEXT(cc),
						 RA_TEXT(a.email), RA_INT(now), RA_INT(account)},
			      6, NULL);
	if (!ret)
		return reg_commit(r);
	reg_rollback(r);
	return ret;
}

int reg_owned_set(struct reg *r, long account, const char *ip, long netspeed, int enabled)
{
	char addr[64];
	long changed = 0;
	int ret;

	reg_canon_ip(ip, addr, sizeof(addr));
	ret = reg_run(r,
		      "UPDATE servers SET netspeed = CASE WHEN $1 < 0 THEN netspeed ELSE $1 END,"
		      " enabled = CASE WHEN $2 < 0 THEN enabled ELSE $2 END, updated = $3"
		      " WHERE account_id = $4 AND ip = $5 AND deleted IS NULL",
		      (struct reg_arg[]){RA_INT(netspeed), RA_INT(enabled), RA_INT(time(NULL)),
					 RA_INT(account), RA_TEXT(addr)},
		      5, &changed);
	return ret ? ret : changed ? 0 : -ENOENT;
}

int reg_owned_delete(struct reg *r, long account, const char *ip, time_t now)
{
	char addr[64];
	long changed = 0;
	int ret;

	reg_canon_ip(ip, addr, sizeof(addr));
	ret = reg_run(r,
		      "UPDATE servers SET deleted = $1, enabled = 0, updated = $1"
		      " WHERE account_id = $2 AND ip = $3 AND deleted IS NULL",
		      (struct reg_arg[]){RA_INT(now), RA_INT(account), RA_TEXT(addr)}, 3, &changed);
	return ret ? ret : changed ? 0 : -ENOENT;
}

#define PURGE_BATCH 20000 /* history rows of deleted servers one statement deletes */

int reg_purge_deleted(struct reg *r, time_t before, long *n)
{
	long gone = 0;
	int ret;

	/* the history first, in batches: each statement stays short (a statement deadline) however
	 * long the servers had been checked */
	do {
		ret = reg_run(r,
			      "DELETE FROM history WHERE rowid IN (SELECT h.rowid FROM history h"
			      " JOIN servers s ON s.id = h.server_id WHERE s.deleted IS NOT NULL"
			      " AND s.deleted < $1 LIMIT $2)",
			      (struct reg_arg[]){RA_INT(before), RA_INT(PURGE_BATCH)}, 2, &gone);
	} while (!ret && gone == PURGE_BATCH);
	return ret ? ret
		   : reg_run(r, "DELETE FROM servers WHERE deleted IS NOT NULL AND deleted < $1",
			     (struct reg_arg[]){RA_INT(before)}, 1, n);
}

#define CLOCK_SKEW_S 300 /* a monitor's clock may run this far ahead of the alerter's */

static const char *const kind_name[] = {[REG_ALERT_DNS] = "dns", [REG_ALERT_LEAP] = "leap"};

int reg_alert_scan(struct reg *r, time_t now, int (*fn)(void *ctx, const struct reg_alert_row *a),
		   void *ctx)
{
	struct reg_res *res;
	int ret = reg_select(
	    r,
	    "SELECT s.id, s.ip, s.account_id, s.enabled, s.netspeed,"
	    /* the newest check of an active monitor: testing and paused ones drive no alert, as
	     * they drive no score */
	    /* (a check dated ahead of now by more than a clock's skew is no newest check: rows a
	     * monitor dates in the future would otherwise all be read before an active one's) */
	    " (SELECT h.note FROM history h JOIN monitors m ON m.name = h.monitor"
	    "  WHERE h.server_id = s.id AND h.ts >= $1 AND h.ts <= $2 AND m.status = 'active'"
	    "  ORDER BY h.ts DESC, h.rowid DESC LIMIT 1),"
	    " (SELECT state FROM alerts WHERE server_id = s.id AND kind = 'dns'),"
	    " (SELECT state FROM alerts WHERE server_id = s.id AND kind = 'leap')"
	    " FROM servers s WHERE s.account_id IS NOT NULL AND s.deleted IS NULL ORDER BY s.id",
	    (struct reg_arg[]){RA_INT(now - REG_ACTIVE_SECS), RA_INT(now + CLOCK_SKEW_S)}, 2, &res);

	if (ret)
		return ret;
	while ((ret = reg_next(r, res)) > 0) {
		struct reg_alert_row a = {.server_id = (long)reg_int(r, res, 0),
					  .account = (long)reg_int(r, res, 2)};
		bool enabled = reg_int(r, res, 3);
		long long netspeed = reg_int(r, res, 4);

		snprintf(a.ip, sizeof(a.ip), "%s", reg_text(r, res, 1));
		a.watched = enabled && netspeed > 0;
		a.leap_wrong = !strncmp(reg_text(r, res, 5), XP_NTP_NOTE_LEAP,
					strlen(XP_NTP_NOTE_LEAP));
		a.state[REG_ALERT_DNS] = reg_null(r, res, 6) ? -1 : (int)reg_int(r, res, 6);
		a.state[REG_ALERT_LEAP] = reg_null(r, res, 7) ? -1 : (int)reg_int(r, res, 7);
		ret = reg_dns_score_read(r, a.server_id, now, &a.score);
		if (ret)
			break;
		a.in_dns = pool_listed_default(enabled, netspeed, a.score);
		if (fn(ctx, &a))
			break;
	}
	reg_done(r, res);
	return ret < 0 ? ret : 0;
}

int reg_alert_state_set(struct reg *r, long server, enum reg_alert_kind k, int state, time_t now)
{
	return reg_run(r,
		       "INSERT INTO alerts (server_id, kind, state, since) VALUES ($1, $2, $3, $4)"
		       " ON CONFLICT (server_id, kind) DO UPDATE SET state = $3, since = $4",
		       (struct reg_arg[]){RA_INT(server), RA_TEXT(kind_name[k]), RA_INT(state),
					  RA_INT(now)},
		       4, NULL);
}

int reg_alert_sent_get(struct reg *r, long server, enum reg_alert_kind k, int state, time_t *t)
{
	struct reg_res *res;
	int ret = reg_select(r,
			     "SELECT sent FROM alerts_sent WHERE server_id = $1 AND kind = $2"
			     " AND state = $3",
			     (struct reg_arg[]){RA_INT(server), RA_TEXT(kind_name[k]), RA_INT(state)},
			     3, &res);

	*t = 0;
	if (ret)
		return ret;
	ret = reg_next(r, res);
	if (ret > 0)
		*t = (time_t)reg_int(r, res, 0);
	reg_done(r, res);
	return ret < 0 ? ret : 0;
}

int reg_alert_sent_set(struct reg *r, long server, enum reg_alert_kind k, int state, time_t t)
{
	return reg_run(r,
		       "INSERT INTO alerts_sent (server_id, kind, state, sent) VALUES ($1, $2, $3, $4)"
		       " ON CONFLICT (server_id, kind, state) DO UPDATE SET sent = $4",
		       (struct reg_arg[]){RA_INT(server), RA_TEXT(kind_name[k]), RA_INT(state),
					  RA_INT(t)},
		       4, NULL);
}
