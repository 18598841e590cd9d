// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_api.c - volunteers: accounts, tokens, owned servers, alert states and the alert pass. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "api.h"
#include "api_alert.h"
#include "api_hook.h"
#include "api_limit.h"
#include "reg_acct.h"
#include "reg_be.h"
#include "reg_view.h"
#include "xt_pg.h"
#include "xt_tmp.h"

static char db_path[512];

/* On SQLite, and on PostgreSQL under t_registry_pg (XPOOL_TEST_PG): the registry/ tests. */
static struct reg *fresh_db(void)
{
	struct reg *db = xt_reg_fresh(db_path, sizeof(db_path));

	cr_assert_not_null(db, "a fresh registry at %s", db_path);
	return db;
}

static long account(struct reg *db, const char *email)
{
	char hash[REG_PWHASH_MAX];
	long id = 0;

	cr_assert_eq(reg_password_hash("correct horse", hash, NULL, 0), 0);
	cr_assert_eq(reg_account_add(db, email, hash, &id), 0, "%s", reg_why(db));
	return id;
}

Test(api_accounts, addresses_and_passwords)
{
	static const char *const bad[] = {"", "no-at", "@x", "a@", "a@@b", "-a@b", "a b@c",
					  "a@b c", "a\n@b", "<a>@b", "a@b_c", "a\"b@c", "a@b;c"};
	char out[REG_EMAIL_MAX + 1], hash[REG_PWHASH_MAX], err[160], longest[300];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(reg_email_check(bad[i], out, err, sizeof(err)), -EINVAL, "'%s'",
			     bad[i]);
	cr_expect_eq(reg_email_check("Vol+pool@Example.ORG", out, err, sizeof(err)), 0);
	cr_expect_str_eq(out, "vol+pool@example.org");
	memset(longest, 'a', 250);
	strcpy(longest + 250, "@b.c");
	cr_expect_eq(reg_email_check(longest, out, err, sizeof(err)), 0, "254 characters");
	strcpy(longest + 250, "@bb.c");
	cr_expect_eq(reg_email_check(longest, out, err, sizeof(err)), -EINVAL, "255 characters");
	cr_expect_eq(reg_password_hash("123456789", hash, err, sizeof(err)), -EINVAL, "9 bytes");
	cr_assert_eq(reg_password_hash("1234567890", hash, err, sizeof(err)), 0, "10 bytes");
	cr_expect_eq(strncmp(hash, "$argon2id$", 10), 0, "argon2id: %s", hash);
	cr_expect(reg_password_verify(hash, "1234567890"));
	cr_expect(!reg_password_verify(hash, "1234567891"));
	cr_expect(!reg_password_verify(NULL, "1234567890"), "no account: never verified");
}

Test(registry, accounts_and_tokens, .timeout = 60)
{
	struct reg *db = fresh_db();
	char tok[REG_TOKEN_LEN + 1], tok2[REG_TOKEN_LEN + 1], secret[REG_SECRET_LEN + 1];
	char hash[REG_PWHASH_MAX];
	struct reg_account a;
	long id = account(db, "vol@pool.test"), got = 0;

	cr_assert_eq(reg_password_hash("another horse", hash, NULL, 0), 0);
	cr_expect_eq(reg_account_add(db, "vol@pool.test", hash, NULL), -EEXIST);
	cr_assert_eq(reg_account_by_email(db, "vol@pool.test", &a), 0);
	cr_expect_eq(a.id, id);
	cr_expect(reg_password_verify(a.pwhash, "correct horse"), "the first hash is kept");
	cr_expect_eq(reg_account_by_email(db, "nobody@pool.test", &a), -ENOENT);
	cr_assert_eq(reg_token_new(db, id, tok), 0);
	cr_assert_eq(reg_token_new(db, id, tok2), 0);
	cr_expect_eq(strlen(tok), REG_TOKEN_LEN);
	cr_expect_neq(strcmp(tok, tok2), 0);
	cr_expect_eq(reg_token_account(db, tok, &got), 0);
	cr_expect_eq(got, id);
	tok[10] ^= 1;
	cr_expect_eq(reg_token_account(db, tok, &got), -EACCES, "one digit changed");
	tok[10] ^= 1;
	cr_expect_eq(reg_token_account(db, "xpt_short", &got), -EACCES);
	cr_expect_eq(reg_token_revoke(db, tok), 0);
	cr_expect_eq(reg_token_revoke(db, tok), -ENOENT, "revoked already");
	cr_expect_eq(reg_token_account(db, tok, &got), -EACCES, "revoked");
	cr_expect_eq(reg_token_account(db, tok2, &got), 0, "the other token lives");
	cr_assert_eq(reg_account_webhook(db, id, "https://hooks.pool.test/x", secret), 0);
	cr_expect_eq(strlen(secret), REG_SECRET_LEN);
	cr_assert_eq(reg_account_get(db, id, &a), 0);
	cr_expect_str_eq(a.webhook_url, "https://hooks.pool.test/x");
	cr_expect_str_eq(a.webhook_secret, secret);
	cr_assert_eq(reg_account_webhook(db, id, "", secret), 0);
	cr_expect_str_eq(secret, "");
	cr_assert_eq(reg_account_set_disabled(db, "vol@pool.test", true), 0);
	cr_expect_eq(reg_token_account(db, tok2, &got), -EACCES, "disabling revokes");
	cr_assert_eq(reg_account_set_disabled(db, "vol@pool.test", false), 0);
	cr_expect_eq(reg_token_account(db, tok2, &got), -EACCES, "enabling revives no token");
	cr_expect_eq(reg_account_set_disabled(db, "nobody@pool.test", true), -ENOENT);
	xt_reg_drop(db, db_path);
}

static int count_owned(void *ctx, const struct reg_owned *s)
{
	(void)s;
	(*(int *)ctx)++;
	return 0;
}

static int owned(struct reg *db, long acct)
{
	int n = 0;

	cr_assert_eq(reg_owned_list(db, acct, time(NULL), count_owned, &n), 0);
	return n;
}

Test(registry, owned_servers_limits_and_deletes, .timeout = 60)
{
	struct reg *db = fresh_db();
	long a = account(db, "a@pool.test"), b = account(db, "b@pool.test"), id;
	struct reg_owned s;
	char snap[XT_TMP_PATH], err[200];
	FILE *f;
	char text[4096] = "";

	cr_assert_eq(reg_owned_add(db, a, "2001:DB8::1", 1000, "de", 2), 0, "%s", reg_why(db));
	cr_assert_eq(reg_owned_add(db, a, "192.0.2.1", 0, "nz", 2), 0);
	cr_expect_eq(reg_owned_add(db, a, "192.0.2.2", 10, "de", 2), -EDQUOT, "the limit");
	cr_expect_eq(reg_owned_add(db, b, "2001:db8:0::1", 10, "de", 2), -EEXIST, "any spelling");
	cr_expect_eq(owned(db, a), 2);
	cr_expect_eq(owned(db, b), 0);
	cr_assert_eq(reg_owned_count(db, a, &id), 0);
	cr_expect_eq(id, 2, "the count agrees with the list");
	cr_assert_eq(reg_owned_get(db, a, "2001:db8::1", time(NULL), &s), 0);
	cr_expect_str_eq(s.ip, "2001:db8::1");
	cr_expect(isnan(s.score) && !s.in_dns && s.enabled);
	cr_expect_eq(reg_owned_get(db, b, "2001:db8::1", time(NULL), &s), -ENOENT, "not b's");
	cr_expect_eq(reg_owned_set(db, b, "2001:db8::1", 5, 0), -ENOENT, "b cannot change it");
	cr_expect_eq(reg_owned_delete(db, b, "2001:db8::1", time(NULL)), -ENOENT);
	cr_assert_eq(reg_owned_set(db, a, "2001:db8::1", -1, 0), 0);
	cr_assert_eq(reg_owned_get(db, a, "2001:db8::1", time(NULL), &s), 0);
	cr_expect(!s.enabled && s.netspeed == 1000, "paused, netspeed kept");
	cr_assert_eq(reg_owned_set(db, a, "2001:db8::1", 2000, 1), 0);
	cr_assert_eq(reg_owned_get(db, a, "2001:db8::1", time(NULL), &s), 0);
	cr_expect(s.enabled && s.netspeed == 2000);
	/* a history, then a delete: out of every view and the snapshot, the rows kept */
	cr_assert_eq(reg_monitor_add(db, "m1", NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(reg_record(db, s.id, "m1", 1, 1, 0.001, "ok", time(NULL)), 0);
	cr_assert_eq(reg_owned_delete(db, a, "2001:db8::1", 1000), 0);
	cr_expect_eq(reg_owned_delete(db, a, "2001:db8::1", 1000), -ENOENT, "deleted once");
	cr_expect_eq(owned(db, a), 1);
	cr_expect_eq(reg_view_server_id(db, "2001:db8::1", &id), -ENOENT);
	xt_tmp_name("snap", "json", snap);
	cr_assert_eq(reg_export(db, snap, time(NULL), NULL, err, sizeof(err)), 0, "%s", err);
	f = fopen(snap, "r");
	cr_assert(f);
	cr_expect(fread(text, 1, sizeof(text) - 1, f) > 0);
	fclose(f);
	unlink(snap);
	cr_expect_null(strstr(text, "2001:db8::1"), "a deleted server in the snapshot: %s", text);
	cr_expect_not_null(strstr(text, "192.0.2.1"));
	{
		struct reg_res *res;

		cr_assert_eq(reg_select(db, "SELECT count(*) FROM history", NULL, 0, &res), 0);
		cr_assert_eq(reg_next(db, res), 1);
		cr_expect_eq(reg_int(db, res, 0), 1, "the history stays for the retention");
		reg_done(db, res);
	}
	/* the retention: purged by time, then the address is free; or taken over at once */
	cr_assert_eq(reg_purge_deleted(db, 999, &id), 0);
	cr_expect_eq(id, 0, "deleted at 1000: not before 999");
	cr_assert_eq(reg_owned_add(db, b, "2001:db8::1", 10, "de", 2), 0, "a new owner");
	cr_expect_eq(owned(db, b), 1);
	cr_expect_eq(owned(db, a), 1);
	cr_assert_eq(reg_owned_delete(db, b, "2001:db8::1", 1000), 0);
	cr_assert_eq(reg_purge_deleted(db, 1001, &id), 0);
	cr_expect_eq(id, 1);
	xt_reg_drop(db, db_path);
}

static int grab(void *ctx, const struct reg_alert_row *r)
{
	*(struct reg_alert_row *)ctx = *r;
	return 0;
}

Test(registry, alert_rows_and_state, .timeout = 60)
{
	struct reg *db = fresh_db();
	long a = account(db, "a@pool.test");
	struct reg_alert_row row = {0};
	struct reg_owned s;
	char err[200];
	time_t now = time(NULL), t;

	cr_assert_eq(reg_owned_add(db, a, "192.0.2.1", 1000, "de", 5), 0);
	cr_assert_eq(reg_owned_get(db, a, "192.0.2.1", now, &s), 0);
	cr_assert_eq(reg_monitor_add(db, "m1", NULL, err, sizeof(err)), 0);
	cr_assert_eq(reg_monitor_set(db, "m1", "active", err, sizeof(err)), 0);
	cr_assert_eq(reg_alert_scan(db, now, grab, &row), 0);
	cr_expect(row.server_id == s.id && row.account == a && row.watched && !row.in_dns);
	cr_expect(row.state[REG_ALERT_DNS] == -1 && row.state[REG_ALERT_LEAP] == -1);
	cr_assert_eq(reg_record(db, s.id, "m1", 12, 1, 0.001, "ok", now), 0);
	cr_assert_eq(reg_alert_state_set(db, s.id, REG_ALERT_DNS, 1, now), 0);
	cr_assert_eq(reg_alert_state_set(db, s.id, REG_ALERT_DNS, 2, now), 0);
	cr_assert_eq(reg_alert_scan(db, now, grab, &row), 0);
	cr_expect(row.in_dns && fabs(row.score - 12) < 1e-9 && !row.leap_wrong);
	cr_expect_eq(row.state[REG_ALERT_DNS], 2);
	cr_assert_eq(reg_record(db, s.id, "m1", 8, -4, 0.001,
				"leap warning (LI 1) on the wrong day", now + 1),
		     0);
	cr_assert_eq(reg_alert_scan(db, now + 1, grab, &row), 0);
	cr_expect(row.leap_wrong && !row.in_dns, "the newest check's note");
	cr_assert_eq(reg_alert_sent_get(db, s.id, REG_ALERT_DNS, 2, &t), 0);
	cr_expect_eq(t, 0);
	cr_assert_eq(reg_alert_sent_set(db, s.id, REG_ALERT_DNS, 2, now), 0);
	cr_assert_eq(reg_alert_sent_set(db, s.id, REG_ALERT_DNS, 2, now + 5), 0);
	cr_assert_eq(reg_alert_sent_get(db, s.id, REG_ALERT_DNS, 2, &t), 0);
	cr_expect_eq(t, now + 5);
	cr_assert_eq(reg_owned_set(db, a, "192.0.2.1", 0, -1), 0);
	cr_assert_eq(reg_alert_scan(db, now + 1, grab, &row), 0);
	cr_expect(!row.watched && !row.in_dns, "netspeed 0: monitored, never in DNS");
	xt_reg_drop(db, db_path);
}

/* Only active monitors' checks drive alerts, as they drive the score: a testing monitor's leap
 * note, or a paused one's, sends nothing (issue 18). */
Test(registry, alert_leap_from_active_monitors_only, .timeout = 60)
{
	static const char leap[] = "leap warning (LI 1) on the wrong day";
	struct reg *db = fresh_db();
	long a = account(db, "a@pool.test");
	struct reg_alert_row row = {0};
	struct reg_owned s;
	char err[200];
	time_t now = time(NULL);

	cr_assert_eq(reg_owned_add(db, a, "192.0.2.1", 1000, "de", 5), 0);
	cr_assert_eq(reg_owned_get(db, a, "192.0.2.1", now, &s), 0);
	cr_assert_eq(reg_monitor_add(db, "act", NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(reg_monitor_add(db, "tst", NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(reg_monitor_add(db, "pau", NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(reg_monitor_set(db, "act", "active", err, sizeof(err)), 0);
	cr_assert_eq(reg_monitor_set(db, "pau", "active", err, sizeof(err)), 0);
	cr_assert_eq(reg_record(db, s.id, "act", 12, 1, 0.001, "ok", now), 0);
	cr_assert_eq(reg_record(db, s.id, "tst", 12, 1, 0.001, leap, now + 1), 0);
	cr_assert_eq(reg_alert_scan(db, now + 1, grab, &row), 0);
	cr_expect(row.server_id == s.id && !row.leap_wrong, "a testing monitor's leap note");
	cr_assert_eq(reg_record(db, s.id, "pau", 12, 1, 0.001, leap, now + 2), 0);
	cr_assert_eq(reg_alert_scan(db, now + 2, grab, &row), 0);
	cr_expect(row.leap_wrong, "an active monitor's leap note");
	cr_assert_eq(reg_monitor_set(db, "pau", "paused", err, sizeof(err)), 0);
	cr_assert_eq(reg_alert_scan(db, now + 2, grab, &row), 0);
	cr_expect(!row.leap_wrong, "the same note once its monitor is paused");
	cr_assert_eq(reg_record(db, s.id, "act", 12, 1, 0.001, leap, now + 3), 0);
	cr_assert_eq(reg_alert_scan(db, now + 3, grab, &row), 0);
	cr_expect(row.leap_wrong, "the active monitor's newest check");
	xt_reg_drop(db, db_path);
}

Test(api_alert, state_table)
{
	struct reg_alert_row in = {.watched = true, .in_dns = true}, out = {.watched = true},
			     paused = {.watched = false}, leap = {.watched = true, .leap_wrong = true};
	const char *ev;

	cr_expect_eq(api_alert_next(REG_ALERT_DNS, -1, &in, &ev), API_DNS_IN);
	cr_expect_null(ev, "first sight in DNS: silent");
	cr_expect_eq(api_alert_next(REG_ALERT_DNS, -1, &out, &ev), API_DNS_NEW);
	cr_expect_null(ev, "first sight out of DNS: silent");
	cr_expect_eq(api_alert_next(REG_ALERT_DNS, API_DNS_NEW, &in, &ev), API_DNS_IN);
	cr_expect_null(ev, "a new server's first listing: silent");
	cr_expect_eq(api_alert_next(REG_ALERT_DNS, API_DNS_IN, &out, &ev), API_DNS_LEFT);
	cr_expect_str_eq(ev, "left_dns");
	cr_expect_eq(api_alert_next(REG_ALERT_DNS, API_DNS_LEFT, &out, &ev), API_DNS_LEFT);
	cr_expect_null(ev, "still out: told once");
	cr_expect_eq(api_alert_next(REG_ALERT_DNS, API_DNS_LEFT, &in, &ev), API_DNS_IN);
	cr_expect_str_eq(ev, "back_in_dns");
	cr_expect_eq(api_alert_next(REG_ALERT_DNS, API_DNS_IN, &paused, &ev), API_DNS_NEW);
	cr_expect_null(ev, "paused by its owner: no alert");
	cr_expect_eq(api_alert_next(REG_ALERT_DNS, API_DNS_LEFT, &paused, &ev), API_DNS_NEW);
	cr_expect_null(ev);
	cr_expect_eq(api_alert_next(REG_ALERT_LEAP, -1, &leap, &ev), API_LEAP_WRONG);
	cr_expect_str_eq(ev, "leap_wrong_day", "a wrong leap is news even at first sight");
	cr_expect_eq(api_alert_next(REG_ALERT_LEAP, API_LEAP_WRONG, &leap, &ev), API_LEAP_WRONG);
	cr_expect_null(ev);
	cr_expect_eq(api_alert_next(REG_ALERT_LEAP, API_LEAP_WRONG, &in, &ev), API_LEAP_OK);
	cr_expect_str_eq(ev, "leap_fixed");
	cr_expect_eq(api_alert_next(REG_ALERT_LEAP, -1, &in, &ev), API_LEAP_OK);
	cr_expect_null(ev);
}

Test(api_alert, signature_is_rfc4231_hmac_sha256)
{
	char sig[72];
	const char *data = "what do ya want for nothing?";

	/* RFC 4231 test case 2 */
	api_hook_sign("Jefe", data, strlen(data), sig);
	cr_expect_str_eq(sig,
			 "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/* The alert pass on a real registry, mail through a stand-in sendmail that keeps each message. */
Test(api_alert, one_message_per_server_and_state_per_day, .timeout = 60)
{
	static struct api a = {.retention_days = 90, .webhook_timeout_ms = 1000, .alert_budget = 200,
			       .alert_account_budget = 10};
	char box[XT_TMP_PATH], script[XT_TMP_PATH], body[256], err[200];
	struct reg *db = fresh_db();
	long acct = account(db, "vol@pool.test");
	struct reg_owned s;
	time_t now = time(NULL);

	xt_tmp_name("inbox", "txt", box);
	snprintf(body, sizeof(body), "#!/bin/sh\n{ echo \"ARGS $*\"; cat; } >>%s\n", box);
	cr_assert_eq(xt_tmp_file("sendmail", body, 0, script), 0);
	chmod(script, 0700);
	snprintf(a.sendmail, sizeof(a.sendmail), "%s", script);
	snprintf(a.mail_from, sizeof(a.mail_from), "alerts@pool.test");
	cr_assert_eq(reg_owned_add(db, acct, "192.0.2.1", 1000, "de", 5), 0);
	cr_assert_eq(reg_owned_get(db, acct, "192.0.2.1", now, &s), 0);
	cr_assert_eq(reg_monitor_add(db, "m1", NULL, err, sizeof(err)), 0);
	cr_assert_eq(reg_monitor_set(db, "m1", "active", err, sizeof(err)), 0);
	/* listed (silent), out (told), out (nothing), back (told), out again the same day
	 * (not told), a wrong leap (told) */
	static const struct {
		double score;
		const char *note;
		int mails;
	} steps[] = {{15, "ok", 0}, {5, "ok", 1}, {4, "ok", 1}, {12, "ok", 2},
		     {6, "ok", 2},  {12, "ok", 2}, {12, "leap warning (LI 1) on the wrong day", 3}};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char text[16384] = "", *p;
		int n = 0;
		FILE *f;

		cr_assert_eq(reg_record(db, s.id, "m1", steps[i].score, 0, 0.001, steps[i].note,
					now + (time_t)i),
			     0);
		cr_assert_eq(api_alert_sweep(&a, db, now + (time_t)i), 0, "%s", reg_why(db));
		f = fopen(box, "r");
		if (f) {
			cr_expect(fread(text, 1, sizeof(text) - 1, f) > 0);
			fclose(f);
		}
		for (p = text; (p = strstr(p, "ARGS ")); p++)
			n++;
		cr_expect_eq(n, steps[i].mails, "step %zu: %d mails\n%s", i, n, text);
		if (i == 1)
			cr_expect_not_null(strstr(text, "ARGS -oi -f alerts@pool.test -- vol@pool.test"),
					   "%s", text);
		if (i == 6)
			cr_expect_not_null(strstr(text, "X-Xpool-Event: leap_wrong_day"), "%s", text);
	}
	cr_expect_eq(atomic_load(&a.alerts_suppressed), 2, "the second 'left' and 'back' of the day");
	cr_expect_eq(atomic_load(&a.alerts_sent[1]), 3);
	unlink(box);
	unlink(script);
	xt_reg_drop(db, db_path);
}

Test(api_limit, buckets_per_key)
{
	struct api_limit l;
	char key[API_LIMIT_KEY];
	int retry = 0, ok = 0;

	cr_assert_eq(api_limit_init(&l, 6), 0);
	for (int i = 0; i < 10; i++)
		ok += api_limit_take(&l, "192.0.2.1", 1000, &retry);
	cr_expect_eq(ok, 6, "a burst of the rate");
	cr_expect_eq(retry, 10, "one token back in 10 s at 6 a minute");
	cr_expect(api_limit_take(&l, "192.0.2.2", 1000, NULL), "another key");
	cr_expect(!api_limit_take(&l, "192.0.2.1", 5000, NULL), "4 s: not yet");
	cr_expect(api_limit_take(&l, "192.0.2.1", 11000, NULL), "10 s: one more");
	cr_expect(!api_limit_take(&l, "192.0.2.1", 11000, NULL));
	/* more keys than slots: memory stays fixed, and a flood of new keys is served */
	for (int i = 0; i < 3 * API_LIMIT_SLOTS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		cr_assert(api_limit_take(&l, key, 20000 + i, NULL));
	}
	api_limit_addr_key("2001:db8:1:2:3:4:5:6", key);
	cr_expect_str_eq(key, "2001:db8:1:2::/64");
	api_limit_addr_key("192.0.2.9", key);
	cr_expect_str_eq(key, "192.0.2.9");
	api_limit_free(&l);
}

/* Routing needs no registry until a token is checked: hostile paths get a defined answer. */
Test(api_routes, hostile_paths_and_methods)
{
	static struct api a = {.max_body = 4096};
	static const struct {
		const char *method, *path;
		int status;
	} cases[] = {
	    {"GET", "/", 404},
	    {"GET", "/v1", 404},
	    {"GET", "/v1/servers/", 404},
	    {"GET", "/v1/servers//scores", 404},
	    {"GET", "/v1/servers/1.2.3.4/scores/x", 404},
	    {"GET", "/v1/servers/1.2.3.4/../../accounts", 404},
	    {"GET", "/v1/servers/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/scores", 404},
	    {"GET", "/V1/SERVERS", 404},
	    {"PUT", "/v1/servers", 405},
	    {"GET", "/v1/tokens", 405},
	    {"POST", "/v1/servers/1.2.3.4", 405},
	    {"BREW", "/v1/account", 405},
	    {"GET", "/v1/servers", 401},
	    {"GET", "/v1/servers/::1/scores", 401},
	    {"DELETE", "/v1/tokens", 401},
	};
	struct api_resp r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct api_req q = {.method = cases[i].method, .path = cases[i].path};

		api_handle(&a, &q, &r);
		cr_expect_eq(r.status, cases[i].status, "%s %s: %d %.*s", cases[i].method,
			     cases[i].path, r.status, (int)r.len, r.body ? r.body : "");
		cr_expect(r.body && strstr(r.body, "\"error\""), "a JSON reason");
		if (r.status == 405)
			cr_expect(r.allow[0], "405 names the methods (Allow)");
		if (r.status == 401)
			cr_expect(r.authenticate, "401 asks for a bearer token");
		free(r.body);
	}
}
