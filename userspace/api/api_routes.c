// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* api_routes.c - xpool-api's routes: accounts, tokens, a volunteer's servers, scores, webhook. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "api.h"
#include "api_hook.h"
#include "reg_acct.h"
#include "reg_view.h"
#include "xp_addr.h"
#include "xp_cc.h"
#include "pool_geo.h"
#include "xp_log.h"
#include "xp_parse.h"
#include "xp_ntp.h"
#include "xp_time.h"

#define API_CHECK_FAIL_COST 10 /* requests of the account's rate a failed check costs */
#define HASH_WAIT_S	    10 /* a login waits this long for a hash slot, then 503 */

#define CHECKS_SHOWN 100 /* recent checks in a server's scores */

struct ctx {
	struct api *a;
	const struct api_req *q;
	struct api_resp *r;
	char ip[64]; /* the {ip} of the path */
	long account;
	json_t *body;
	struct reg *db; /* a connection of the pool, while held */
};

static void reply(struct ctx *c, int status, json_t *j)
{
	static const char none[] = "{\"error\":\"the answer could not be encoded\"}";

	c->r->status = status;
	free(c->r->body);
	c->r->body = NULL;
	c->r->len = 0;
	if (status == 204)
		goto out;
	c->r->body = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
	/* every answer but 204 has a JSON body, whatever failed on the way */
	if (!c->r->body && status >= 400) {
		c->r->status = status;
		c->r->body = strdup(none);
	} else if (!c->r->body) {
		c->r->status = 500;
		c->r->body = strdup(none);
	}
	c->r->len = c->r->body ? strlen(c->r->body) : 0;
out:
	json_decref(j);
}

static void fail(struct ctx *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct ctx *c, int status, const char *fmt, ...)
{
	char msg[512], clean[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	xp_utf8_clean(msg, clean, sizeof(clean));
	reply(c, status, json_pack("{s:s}", "error", clean));
}

/* A registry error as the client sees it: the engine's message goes to the log only. */
static void fail_registry(struct ctx *c, int ret)
{
	atomic_fetch_add(&c->a->registry_errors, 1);
	if (c->db)
		xp_err("registry: %s (%s)", reg_why(c->db), strerror(-ret));
	/* every connection of the pool reconnects before its next use (this one too) */
	if (ret == -ENOTCONN)
		api_db_lost(&c->a->db);
	c->r->retry_after = 1;
	fail(c, 503, "the registry is unavailable; try again shortly");
}

/* A registry connection of the pool for this request (kept until its end): 0, or a 503. */
static int db_take(struct ctx *c)
{
	if (c->db)
		return 0;
	if (!api_db_take(&c->a->db, &c->db))
		return 0;
	atomic_fetch_add(&c->a->registry_errors, 1);
	c->r->retry_after = 1;
	fail(c, 503, "the registry is busy; try again shortly");
	return -EBUSY;
}

/* Gives the connection back before a long wait (a hash, a check) or at the request's end. */
static void db_give(struct ctx *c)
{
	api_db_give(&c->a->db, c->db);
	c->db = NULL;
}

/*
 * The body: a JSON object whose fields are among allowed (a NULL-terminated list), with those
 * in required present. 0, or a 400 with the reason.
 */
static int parse_body(struct ctx *c, const char *const *allowed, const char *const *required)
{
	json_error_t e;
	const char *k;
	json_t *v;

	if (c->q->too_big) {
		fail(c, 413, "the body is over %ld bytes", c->a->max_body);
		return -EINVAL;
	}
	c->body = json_loadb(c->q->body ? c->q->body : "", c->q->len,
			     JSON_REJECT_DUPLICATES, &e);
	if (!c->body) {
		fail(c, 400, "malformed JSON: %s (line %d, column %d)", e.text, e.line, e.column);
		return -EINVAL;
	}
	if (!json_is_object(c->body)) {
		fail(c, 400, "the body must be a JSON object");
		return -EINVAL;
	}
	json_object_foreach(c->body, k, v) {
		bool ok = false;

		for (int i = 0; allowed[i]; i++)
			ok |= !strcmp(k, allowed[i]);
		if (!ok) {
			char list[128] = "";

			for (int i = 0; allowed[i]; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 i ? ", " : "", allowed[i]);
			fail(c, 400, "unknown field '%.64s' (this call takes: %s)", k, list);
			return -EINVAL;
		}
	}
	for (int i = 0; required && required[i]; i++)
		if (!json_object_get(c->body, required[i])) {
			fail(c, 400, "missing field '%s'", required[i]);
			return -EINVAL;
		}
	return 0;
}

/* A string field of the body: its text, or NULL after a 400. */
static const char *str_field(struct ctx *c, const char *name)
{
	json_t *v = json_object_get(c->body, name);

	if (!json_is_string(v)) {
		fail(c, 400, "%s: expected a string", name);
		return NULL;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		fail(c, 400, "%s: a NUL character in the string", name);
		return NULL;
	}
	return json_string_value(v);
}

/* netspeed: an integer 0..100000000 (kbit/s; 0 = monitored, never in DNS). */
static int netspeed_field(struct ctx *c, long *out)
{
	json_t *v = json_object_get(c->body, "netspeed");

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 100000000) {
		fail(c, 400, "netspeed: an integer from 0 (monitor only) to 100000000 kbit/s");
		return -EINVAL;
	}
	*out = (long)json_integer_value(v);
	return 0;
}

static bool limited(struct ctx *c, struct api_limit *l, const char *key)
{
	if (api_limit_take(l, key, xp_mono_ms(), &c->r->retry_after))
		return false;
	fail(c, 429, "too many requests: try again in %d s", c->r->retry_after);
	return true;
}

/* A hash slot within HASH_WAIT_S (argon2id runs at most two at once: 64 MiB each): 0, or a 503. */
static int hash_slot(struct ctx *c)
{
	struct timespec end;

	clock_gettime(CLOCK_REALTIME, &end); /* sem_timedwait's clock */
	end.tv_sec += HASH_WAIT_S;
	while (sem_timedwait(&c->a->hash_slots, &end))
		if (errno != EINTR) {
			c->r->retry_after = 1;
			fail(c, 503, "too many logins at once; try again shortly");
			return -EBUSY;
		}
	return 0;
}

/* The password's hash on a slot: 0, or the response (400, 503) is set. */
static int hash_password(struct ctx *c, const char *password, char out[REG_PWHASH_MAX])
{
	char err[160];
	int ret;

	if (hash_slot(c))
		return -EBUSY;
	ret = reg_password_hash(password, out, err, sizeof(err));
	sem_post(&c->a->hash_slots);
	if (ret)
		fail(c, 400, "%s", err);
	return ret;
}

/*
 * Sign-up and login: the client address's rate, then {email, password} with the address checked
 * (lower-cased into email). 0, or the response (429, 400, 413) is set.
 */
static int credentials(struct ctx *c, char email[REG_EMAIL_MAX + 1], const char **password)
{
	static const char *const fields[] = {"email", "password", NULL};
	char key[API_LIMIT_KEY], err[160];
	const char *e;

	api_limit_addr_key(c->q->client, key);
	if (limited(c, &c->a->by_addr, key) || parse_body(c, fields, fields) ||
	    !(e = str_field(c, "email")) || !(*password = str_field(c, "password")))
		return -EINVAL;
	if (reg_email_check(e, email, err, sizeof(err))) {
		fail(c, 400, "%s", err);
		return -EINVAL;
	}
	return 0;
}

static void h_account_new(struct ctx *c)
{
	char email[REG_EMAIL_MAX + 1], hash[REG_PWHASH_MAX];
	const char *p;
	long id;
	int ret;

	if (credentials(c, email, &p))
		return;
	if (hash_password(c, p, hash))
		return;
	if (db_take(c))
		return;
	ret = reg_account_add(c->db, email, hash, &id);
	if (ret == -EEXIST)
		return fail(c, 409, "an account with this email exists");
	if (ret)
		return fail_registry(c, ret);
	xp_info("account %ld created for %s from %s", id, email, c->q->client);
	reply(c, 201, json_pack("{s:s}", "email", email));
}

static void h_token_new(struct ctx *c)
{
	char email[REG_EMAIL_MAX + 1], token[REG_TOKEN_LEN + 1];
	struct reg_account acct;
	const char *p;
	bool ok;
	int ret;

	if (credentials(c, email, &p))
		return;
	if (db_take(c))
		return;
	ret = reg_account_by_email(c->db, email, &acct);
	if (ret && ret != -ENOENT)
		return fail_registry(c, ret);
	db_give(c); /* not held through the hash */
	if (hash_slot(c))
		return;
	ok = reg_password_verify(ret ? NULL : acct.pwhash, p);
	sem_post(&c->a->hash_slots);
	/* one answer for an unknown address and a wrong password */
	if (!ok) {
		c->r->authenticate = true;
		return fail(c, 401, "wrong email or password");
	}
	if (acct.disabled)
		return fail(c, 403, "this account is disabled; ask the pool's administrators");
	if (db_take(c))
		return;
	ret = reg_token_new(c->db, acct.id, token);
	if (ret)
		return fail_registry(c, ret);
	reply(c, 201, json_pack("{s:s}", "token", token));
}

static void h_token_revoke(struct ctx *c)
{
	int ret;

	if (db_take(c))
		return;
	ret = reg_token_revoke(c->db, c->q->auth + 7);
	if (ret && ret != -ENOENT)
		return fail_registry(c, ret);
	reply(c, 204, NULL);
}

static json_t *server_json(const struct reg_owned *s)
{
	char when[32];

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&s->created));
	return json_pack("{s:s, s:I, s:s, s:b, s:o, s:b, s:s}", "ip", s->ip, "netspeed",
			 (json_int_t)s->netspeed, "country", s->country, "paused", !s->enabled,
			 "score", isnan(s->score) ? json_null() : json_real(s->score), "in_dns",
			 s->in_dns, "created", when);
}

static int add_server_json(void *ctx, const struct reg_owned *s)
{
	return json_array_append_new(ctx, server_json(s)) ? -ENOMEM : 0;
}

static void h_servers_list(struct ctx *c)
{
	json_t *list = json_array();
	int ret;

	if (db_take(c))
		return;
	ret = reg_owned_list(c->db, c->account, time(NULL), add_server_json, list);
	if (ret) {
		json_decref(list);
		return fail_registry(c, ret);
	}
	reply(c, 200, json_pack("{s:o}", "servers", list));
}

/* The country: the body's, or the GeoIP database's for the address; -1 after a 400. */
static int server_country(struct ctx *c, const char *ip)
{
	json_t *v = json_object_get(c->body, "country");
	const char *cc;
	int i;

	if (v) {
		if (!(cc = str_field(c, "country")))
			return -1;
		i = strlen(cc) == 2 ? xp_cc_index(cc, 2) : -1;
		if (i < 0)
			fail(c, 400, "country: not an ISO 3166 alpha-2 code: '%.8s'", cc);
		return i;
	}
	i = pool_geo_country(c->a->geo, ip);
	if (i < 0)
		fail(c, 400, "country: %s has no country in the GeoIP database; give one",
		     ip);
	return i;
}

/*
 * The check of addr: 0 and *rep, or the response is set. One check per account at a time and a
 * few probes of one address a minute (429), every worker busy (503); a failed check costs the
 * account API_CHECK_FAIL_COST requests of its rate, so that nobody probes for free.
 */
static int run_check(struct ctx *c, const char *addr, struct xp_ntp_reply *rep)
{
	char why[200], key[API_LIMIT_KEY], who[API_LIMIT_KEY];
	int64_t now = xp_mono_ms();
	int retry = 0, ret;

	/* failed checks have a slow bucket of their own, by account and by client address: many
	 * accounts from one place cannot keep the workers busy with silent addresses */
	snprintf(key, sizeof(key), "account %ld", c->account);
	api_limit_addr_key(c->q->client, who);
	if (!api_limit_ready(&c->a->check_fails, key, now, &retry) ||
	    !api_limit_ready(&c->a->check_fails, who, now, &retry)) {
		c->r->retry_after = retry;
		fail(c, 429, "too many failed checks from this account or address; try again in %d s",
		     retry);
		return -EAGAIN;
	}
	ret = api_check_run(&c->a->checks, c->account, addr, rep, why, sizeof(why), &retry);
	switch (ret) {
	case 0:
		atomic_fetch_add(&c->a->checks_passed, 1);
		return 0;
	case -EALREADY:
		c->r->retry_after = retry;
		fail(c, 429, "this account has a check in flight; try again in %d s", retry);
		return ret;
	case -EAGAIN:
		c->r->retry_after = retry;
		fail(c, 429, "%s was checked moments ago; try again in %d s", addr, retry);
		return ret;
	case -EBUSY:
		c->r->retry_after = retry;
		fail(c, 503, "every check is busy; try again in %d s", retry);
		return ret;
	case -ECANCELED:
		fail(c, 503, "the API is stopping; try again shortly");
		return ret;
	}
	atomic_fetch_add(&c->a->checks_refused, 1);
	now = xp_mono_ms();
	api_limit_charge(&c->a->by_account, key, API_CHECK_FAIL_COST, now);
	api_limit_charge(&c->a->check_fails, key, 1, now);
	api_limit_charge(&c->a->check_fails, who, 1, now);
	xp_info("server %s refused for account %ld: %s", addr, c->account, why);
	fail(c, 422, "%s did not pass the check: %s", addr, why);
	return ret;
}

static void h_server_add(struct ctx *c)
{
	static const char *const fields[] = {"ip", "netspeed", "country", NULL};
	static const char *const required[] = {"ip", "netspeed", NULL};
	char why[200], addr[64];
	struct xp_ntp_reply rep;
	struct reg_owned s;
	const char *ip;
	uint8_t raw[16];
	long netspeed, id, have = 0;
	bool v6;
	int cc, ret;

	if (parse_body(c, fields, required) || !(ip = str_field(c, "ip")))
		return;
	if (xp_addr_parse(ip, raw, &v6))
		return fail(c, 400, "ip: not an IPv4 or IPv6 address: '%.64s'", ip);
	if (xp_addr_check_server(v6, raw, c->a->test_addresses,
				 "the directive test-addresses in xpool-api's configuration", why,
				 sizeof(why)))
		return fail(c, 400, "ip: %s", why);
	xp_addr_text(v6, raw, addr, sizeof(addr));
	if (netspeed_field(c, &netspeed) || (cc = server_country(c, addr)) < 0)
		return;
	/* the cheap refusals first, before seconds of checking: a duplicate, the account's limit
	 * (both are checked again when the server is written) */
	if (db_take(c))
		return;
	ret = reg_view_server_id(c->db, addr, &id);
	if (ret == -ENOENT)
		ret = reg_owned_count(c->db, c->account, &have) ?: -ENOENT;
	if (!ret)
		return fail(c, 409, "%s is already in the pool", addr);
	if (ret != -ENOENT)
		return fail_registry(c, ret);
	if (have >= c->a->max_servers)
		return fail(c, 403, "this account has its limit of %ld servers", c->a->max_servers);
	/* then the check the pool makes before it lists a server, on a worker of the bounded
	 * check pool: no registry connection is held while it runs */
	db_give(c);
	if (run_check(c, addr, &rep))
		return;
	if (db_take(c))
		return;
	ret = reg_owned_add(c->db, c->account, addr, netspeed, xp_cc_code(cc),
			    c->a->max_servers);
	if (!ret)
		ret = reg_owned_get(c->db, c->account, addr, time(NULL), &s);
	if (ret == -EEXIST)
		return fail(c, 409, "%s is already in the pool", addr);
	if (ret == -EDQUOT)
		return fail(c, 403, "this account has its limit of %ld servers", c->a->max_servers);
	if (ret)
		return fail_registry(c, ret);
	xp_info("server %s added by account %ld (stratum %u, netspeed %ld)", addr, c->account,
		rep.stratum, netspeed);
	reply(c, 201, server_json(&s));
}

/* The {ip} of the path as the registry spells it: 0, or a 400. */
static int path_ip(struct ctx *c, char addr[64])
{
	uint8_t raw[16];
	bool v6;

	if (xp_addr_parse(c->ip, raw, &v6)) {
		fail(c, 400, "not an IPv4 or IPv6 address: '%.64s'", c->ip);
		return -EINVAL;
	}
	xp_addr_text(v6, raw, addr, 64);
	return 0;
}

static void not_yours(struct ctx *c, const char *addr)
{
	fail(c, 404, "no server %s in this account", addr);
}

static void h_server_patch(struct ctx *c)
{
	static const char *const fields[] = {"netspeed", "paused", NULL};
	struct reg_owned s;
	char addr[64];
	long netspeed = -1;
	int enabled = -1, ret;
	json_t *v;

	if (path_ip(c, addr) || parse_body(c, fields, NULL))
		return;
	if (!json_object_size(c->body))
		return fail(c, 400, "nothing to change: give netspeed or paused");
	if (json_object_get(c->body, "netspeed") && netspeed_field(c, &netspeed))
		return;
	if ((v = json_object_get(c->body, "paused"))) {
		if (!json_is_boolean(v))
			return fail(c, 400, "paused: expected true or false");
		enabled = !json_is_true(v);
	}
	if (db_take(c))
		return;
	ret = reg_owned_set(c->db, c->account, addr, netspeed, enabled);
	if (!ret)
		ret = reg_owned_get(c->db, c->account, addr, time(NULL), &s);
	if (ret == -ENOENT)
		return not_yours(c, addr);
	if (ret)
		return fail_registry(c, ret);
	reply(c, 200, server_json(&s));
}

static void h_server_delete(struct ctx *c)
{
	char addr[64];
	int ret;

	if (path_ip(c, addr))
		return;
	if (db_take(c))
		return;
	ret = reg_owned_delete(c->db, c->account, addr, time(NULL));
	if (ret == -ENOENT)
		return not_yours(c, addr);
	if (ret)
		return fail_registry(c, ret);
	xp_info("server %s deleted by account %ld", addr, c->account);
	reply(c, 204, NULL);
}

static int monitor_json(void *ctx, const struct reg_score_row *s)
{
	char when[32];

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&s->updated));
	return json_array_append_new(ctx, json_pack("{s:s, s:s, s:f, s:s}", "monitor", s->monitor,
						    "status", s->status, "score", s->score,
						    "updated", when))
		   ? -ENOMEM
		   : 0;
}

static int check_json(void *ctx, const struct reg_hist_row *h)
{
	char when[32];

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&h->ts));
	return json_array_append_new(
		   ctx, json_pack("{s:s, s:s, s:o, s:f, s:f, s:s}", "time", when, "monitor",
				  h->monitor, "offset",
				  isnan(h->offset) ? json_null() : json_real(h->offset), "step",
				  h->step, "score", h->score, "note", h->note))
		   ? -ENOMEM
		   : 0;
}

static void h_server_scores(struct ctx *c)
{
	json_t *mons = json_array(), *checks = json_array(), *out;
	struct reg_owned s;
	char addr[64];
	int ret;

	if (path_ip(c, addr) || db_take(c))
		goto out;
	ret = reg_owned_get(c->db, c->account, addr, time(NULL), &s);
	if (!ret)
		ret = reg_view_scores(c->db, s.id, monitor_json, mons);
	if (!ret)
		ret = reg_view_history(c->db, s.id, 0, CHECKS_SHOWN, check_json, checks);
	if (ret == -ENOENT) {
		not_yours(c, addr);
		goto out;
	}
	if (ret) {
		fail_registry(c, ret);
		goto out;
	}
	out = server_json(&s);
	json_object_set(out, "monitors", mons);
	json_object_set(out, "checks", checks);
	reply(c, 200, out);
out:
	json_decref(mons);
	json_decref(checks);
}

static void h_webhook(struct ctx *c)
{
	static const char *const fields[] = {"url", NULL};
	char secret[REG_SECRET_LEN + 1];
	const char *url = "";
	json_t *v;
	int ret;

	if (parse_body(c, fields, fields))
		return;
	v = json_object_get(c->body, "url");
	if (!json_is_null(v) && !(url = str_field(c, "url")))
		return;
	if (url[0]) {
		char why[160];
		bool ok = strlen(url) <= REG_URL_MAX;

		for (const char *p = url; ok && *p; p++)
			ok = (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f;
		if (!ok)
			return fail(c, 400, "url: an http:// or https:// URL of at most %d "
					    "characters, no spaces; null or \"\" removes the webhook",
				    REG_URL_MAX);
		/* no webhook reaches inside: the host's address is checked again at each call */
		if (api_hook_url_check(url, c->a->test_webhook_local, why, sizeof(why)))
			return fail(c, 400, "url: %s", why);
	}
	if (db_take(c))
		return;
	ret = reg_account_webhook(c->db, c->account, url, secret);
	if (ret)
		return fail_registry(c, ret);
	if (!url[0])
		return reply(c, 200, json_pack("{s:n, s:n}", "url", "secret"));
	/* the secret is shown once: every call signs with HMAC-SHA256 under it */
	reply(c, 200, json_pack("{s:s, s:s}", "url", url, "secret", secret));
}

static void h_account(struct ctx *c)
{
	struct reg_account acct;
	long n = 0;
	int ret;

	if (db_take(c))
		return;
	ret = reg_account_get(c->db, c->account, &acct);
	if (!ret)
		ret = reg_owned_count(c->db, c->account, &n);
	if (ret)
		return fail_registry(c, ret);
	reply(c, 200, json_pack("{s:s, s:o, s:I, s:I}", "email", acct.email, "webhook",
				acct.webhook_url[0] ? json_string(acct.webhook_url) : json_null(),
				"servers", (json_int_t)n, "server_limit",
				(json_int_t)c->a->max_servers));
}

static const struct route {
	const char *method, *path; /* {ip}: one path segment */
	void (*fn)(struct ctx *c);
	bool auth;
} routes[] = {
    {"POST", "/v1/accounts", h_account_new, false},
    {"POST", "/v1/tokens", h_token_new, false},
    {"DELETE", "/v1/tokens", h_token_revoke, true},
    {"GET", "/v1/account", h_account, true},
    {"PUT", "/v1/account/webhook", h_webhook, true},
    {"GET", "/v1/servers", h_servers_list, true},
    {"POST", "/v1/servers", h_server_add, true},
    {"PATCH", "/v1/servers/{ip}", h_server_patch, true},
    {"DELETE", "/v1/servers/{ip}", h_server_delete, true},
    {"GET", "/v1/servers/{ip}/scores", h_server_scores, true},
};

void api_too_big(struct api *a, struct api_resp *r)
{
	struct ctx c = {.a = a, .r = r};

	memset(r, 0, sizeof(*r));
	fail(&c, 413, "the body is over %ld bytes", a->max_body);
}

void api_routes_print(FILE *f)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		fprintf(f, "%s %s\n", routes[i].method, routes[i].path);
}

/* Does path match pattern? The {ip} segment goes to ip. */
static bool match(const char *pattern, const char *path, char ip[64])
{
	const char *var = strstr(pattern, "{ip}");
	size_t pre, seg;

	if (!var)
		return !strcmp(pattern, path);
	pre = (size_t)(var - pattern);
	if (strncmp(pattern, path, pre))
		return false;
	seg = strcspn(path + pre, "/");
	if (!seg || seg >= 64 || strcmp(path + pre + seg, var + 4))
		return false;
	memcpy(ip, path + pre, seg);
	ip[seg] = 0;
	return true;
}

/* The bearer token's account: 0, or the response (401, 429, 503) is set. */
static int authenticate(struct ctx *c)
{
	const char *h = c->q->auth;
	char key[API_LIMIT_KEY];
	int ret;

	if (!h || strncmp(h, "Bearer ", 7)) {
		c->r->authenticate = true;
		fail(c, 401, "this call needs a token: Authorization: Bearer TOKEN (POST /v1/tokens)");
		return -EACCES;
	}
	if (db_take(c))
		return -EBUSY;
	ret = reg_token_account(c->db, h + 7, &c->account);
	if (ret == -EACCES) {
		c->r->authenticate = true;
		fail(c, 401, "the token is unknown, revoked, or its account disabled");
		return ret;
	}
	if (ret) {
		fail_registry(c, ret);
		return ret;
	}
	snprintf(key, sizeof(key), "account %ld", c->account);
	return limited(c, &c->a->by_account, key) ? -EAGAIN : 0;
}

void api_handle(struct api *a, const struct api_req *q, struct api_resp *r)
{
	struct ctx c = {.a = a, .q = q, .r = r};
	const struct route *hit = NULL;
	bool path_known = false;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!match(routes[i].path, q->path, c.ip))
			continue;
		path_known = true;
		snprintf(r->allow + strlen(r->allow), sizeof(r->allow) - strlen(r->allow), "%s%s",
			 r->allow[0] ? ", " : "", routes[i].method);
		if (!strcmp(routes[i].method, q->method))
			hit = &routes[i];
	}
	if (!hit) {
		if (path_known)
			fail(&c, 405, "%s is not a method of %s (allowed: %s)", q->method, q->path,
			     r->allow);
		else
			fail(&c, 404, "no such route: %s", q->path);
		goto out;
	}
	r->allow[0] = 0;
	if (hit->auth && authenticate(&c))
		goto out;
	hit->fn(&c);
out:
	db_give(&c);
	json_decref(c.body);
	if (!r->status)
		fail(&c, 500, "no answer");
}
