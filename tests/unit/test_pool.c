// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_pool.c - the pool's scoring table, the registry (writers, migrations, input), export. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>
#include <sqlite3.h>

#include "dns_data.h"
#include "mon_ntp.h"
#include "xt_tmp.h"
#include "mon_score.h"
#include "reg_be.h"
#include "reg_db.h"
#include "xt_pg.h"

static double step_for(enum mon_result r, double offset, int stratum)
{
	struct mon_sample s = { r, offset, stratum };

	return mon_step(&s);
}

Test(pool_score, step_table)
{
	cr_expect_float_eq(step_for(MON_OK, 0.010, 2), 1, 1e-12, "<= 25 ms");
	cr_expect_float_eq(step_for(MON_OK, -0.025, 2), 1, 1e-12, "exactly 25 ms");
	cr_expect_float_eq(step_for(MON_OK, 0.050, 2), -6.667 * 0.05 + 1.167, 1e-12, "25-100 ms");
	cr_expect_float_eq(step_for(MON_OK, 0.100, 2), -6.667 * 0.1 + 1.167, 1e-12, "100 ms");
	cr_expect_float_eq(step_for(MON_OK, -0.300, 2), -2.308 * 0.3 + 0.731, 1e-12, "100-750 ms");
	cr_expect_float_eq(step_for(MON_OK, 0.800, 2), -2, 1e-12, "> 750 ms");
	cr_expect_float_eq(step_for(MON_OK, 3.5, 2), -4, 1e-12, "> 3 s");
	cr_expect_float_eq(step_for(MON_OK, 0.001, 8), -4, 1e-12, "stratum >= 8");
	cr_expect_float_eq(step_for(MON_NO_RESPONSE, NAN, 0), -5, 1e-12);
	cr_expect_float_eq(step_for(MON_KOD_RATE, NAN, 0), -3.5, 1e-12);
	cr_expect_float_eq(step_for(MON_KOD_DENY, NAN, 0), -10, 1e-12);
	cr_expect_float_eq(step_for(MON_STRATUM0, NAN, 0), -2, 1e-12);
	cr_expect_float_eq(step_for(MON_ERROR, 0.001, 2), -4, 1e-12);
}

Test(pool_score, updates_and_caps)
{
	struct mon_sample good = { MON_OK, 0.001, 2 }, far = { MON_OK, 5.0, 2 };
	struct mon_sample deny = { MON_KOD_DENY, NAN, 0 }, s0 = { MON_STRATUM0, NAN, 0 };
	double s = 0;

	cr_expect_float_eq(mon_score(0, &good), 1, 1e-12, "new servers start at 0");
	cr_expect_float_eq(mon_score(10, &good), 10.5, 1e-12, "1 + 0.95 * 10");
	cr_expect_float_eq(mon_score(20, &good), 20, 1e-12, "at most 20");
	cr_expect_float_eq(mon_score(10, &far), -20, 1e-12, "> 3 s: min(-4 + 9.5, -20)");
	cr_expect_float_eq(mon_score(-30, &far), -4 - 28.5, 1e-12, "below the cap already");
	far.offset = -5.0; /* a server 5 s behind is as far off as one 5 s ahead */
	cr_expect_float_eq(mon_step(&far), -4, 1e-12, "-5 s: step -4");
	cr_expect_float_eq(mon_score(10, &far), -20, 1e-12, "-5 s: the same cap of -20");
	far.offset = 5.0;
	cr_expect_float_eq(mon_score(10, &deny), -50, 1e-12, "DENY: min(-10 + 9.5, -50)");
	cr_expect_float_eq(mon_score(20, &s0), 5, 1e-12, "stratum 0: min(-2 + 19, 5)");
	cr_expect_float_eq(mon_score(0, &s0), -2, 1e-12);
	for (int i = 0; i < 14; i++)
		s = mon_score(s, &good);
	cr_expect(s >= 10 && s < 10.3, "14 good checks from 0 reach 10 (%.4f)", s);
}

Test(pool_score, leap_days)
{
	char path[XT_TMP_PATH];

	/* 3692217600 = 2017-01-01 00:00:00 UTC in NTP seconds: the leap of 2016-12-31 */
	cr_assert_eq(xt_tmp_file("leap", "# test list\n3692217600\t37\t# 1 Jan 2017\n", 0, path), 0);
	cr_expect(mon_leap_legitimate(1483185600, path), "2016-12-31 12:00 with a leap scheduled");
	cr_expect(!mon_leap_legitimate(1483099200, path), "2016-12-30: the wrong day");
	cr_expect(!mon_leap_legitimate(1467288000, path), "2016-06-30: no leap scheduled then");
	unlink(path);
}

/* the tests use documentation addresses: a test pool */
#define TEST_ADDR REG_F_TEST_ADDRESSES

/* The registry tests run on SQLite, and on PostgreSQL under tests/pg_unit.sh (XPOOL_TEST_PG). */
static char db_path[512];

static struct reg *fresh_db(void)
{
	struct reg *db = xt_reg_fresh(db_path, sizeof(db_path));

	cr_assert_not_null(db, "a fresh registry at %s", db_path);
	return db;
}

/* One number from the registry (tests only: a COUNT). */
static long count(struct reg *db, const char *sql)
{
	struct reg_res *res;
	long n = -1;

	cr_assert_eq(reg_select(db, sql, NULL, 0, &res), 0, "%s", reg_why(db));
	if (reg_next(db, res) > 0)
		n = reg_int(db, res, 0);
	reg_done(db, res);
	return n;
}

Test(registry, invalid_input)
{
	struct reg *db = fresh_db();
	char err[256];

	cr_expect_eq(reg_server_add(db, "192.0.2.1", 10000, "de", "a", TEST_ADDR, err, 256), 0);
	cr_expect_eq(reg_server_add(db, "192.0.2.1", 10000, "fr", "b", TEST_ADDR, err, 256), -EEXIST);
	cr_expect_str_eq(err, "that address is already registered");
	cr_expect_eq(reg_server_add(db, "2001:DB8:0::1", 1, "de", "", TEST_ADDR, err, 256), 0);
	cr_expect_eq(reg_server_add(db, "2001:db8::1", 1, "de", "", TEST_ADDR, err, 256), -EEXIST,
		     "the same address in another spelling");
	cr_expect_eq(reg_server_add(db, "192.0.2.300", 1, "de", "", TEST_ADDR, err, 256), -EINVAL);
	cr_expect_eq(reg_server_add(db, "192.0.2.2", 1, "xx", "", TEST_ADDR, err, 256), -EINVAL);
	cr_expect(strstr(err, "unknown country code") != NULL);
	cr_expect_eq(reg_server_add(db, "192.0.2.2", -1, "de", "", TEST_ADDR, err, 256), -EINVAL);
	cr_expect_eq(reg_server_set(db, "192.0.2.1", "netspeed", "x", err, 256), -EINVAL);
	cr_expect_eq(reg_server_set(db, "192.0.2.1", "colour", "red", err, 256), -EINVAL);
	cr_expect_eq(reg_server_set(db, "192.0.2.9", "owner", "x", err, 256), -ENOENT);
	cr_expect_eq(reg_server_set(db, "192.0.2.1", "country", "UK", err, 256), 0);
	cr_expect_eq(reg_server_remove(db, "192.0.2.9", err, 256), -ENOENT);
	cr_expect_eq(reg_server_remove(db, "192.0.2.1", err, 256), 0);
	reg_close(db);
	unlink(db_path);
}

/* A version-1 SQLite registry (no history table) is migrated on open (PostgreSQL starts at 4). */
Test(registry_sqlite, migration_from_v1)
{
	struct reg *db;
	sqlite3 *raw;

	xt_tmp_name("reg-v1", "db", db_path);
	unlink(db_path);
	cr_assert_eq(sqlite3_open(db_path, &raw), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(raw,
				  "CREATE TABLE servers (id INTEGER PRIMARY KEY, ip TEXT NOT NULL UNIQUE,"
				  " netspeed INTEGER NOT NULL DEFAULT 10000, country TEXT NOT NULL,"
				  " owner TEXT NOT NULL DEFAULT '', enabled INTEGER NOT NULL DEFAULT 1,"
				  " created INTEGER NOT NULL, updated INTEGER NOT NULL);"
				  "CREATE TABLE scores (server_id INTEGER NOT NULL, monitor TEXT NOT NULL,"
				  " score REAL NOT NULL, updated INTEGER NOT NULL,"
				  " PRIMARY KEY (server_id, monitor));"
				  "INSERT INTO servers VALUES (1, '192.0.2.7', 5000, 'de', 'old', 1, 1, 1);"
				  "PRAGMA user_version=1;",
				  NULL, NULL, NULL),
		     SQLITE_OK);
	sqlite3_close(raw);
	cr_assert_eq(reg_open(db_path, REG_OPEN_EXISTING, &db), 0);
	cr_assert_eq(reg_monitor_add(db, "m1", NULL, NULL, 0), 0, "the monitors table exists now");
	cr_expect_eq(reg_record(db, 1, "m1", 3.5, 1, 0.001, "after migration", time(NULL)), 0,
		     "the history table exists now");
	cr_expect_float_eq(reg_score_get(db, 1, "m1"), 3.5, 1e-9, "old rows kept");
	reg_close(db);
	unlink(db_path);
}

struct writer_arg {
	int base;
};

static void *writer(void *arg)
{
	struct writer_arg *w = arg;
	struct reg *db;
	char ip[32], err[256];
	int fails = 0;

	if (reg_open(db_path, REG_OPEN_EXISTING, &db))
		return (void *)1L;
	for (int i = 0; i < 100; i++) {
		snprintf(ip, sizeof(ip), "10.%d.0.%d", w->base, i + 1);
		fails += reg_server_add(db, ip, 1000, "de", "w", TEST_ADDR, err, sizeof(err)) != 0;
		fails += reg_record(db, 1, w->base % 2 ? "a" : "b", i, 1, 0.0, "", time(NULL)) != 0;
	}
	reg_close(db);
	return (void *)(long)fails;
}

/* Two monitors and four writers on separate connections at once: nothing lost. */
Test(registry, concurrent_writers, .timeout = 60)
{
	struct reg *db = fresh_db();
	char err[256];
	pthread_t t[4];
	struct writer_arg a[4] = { { 1 }, { 2 }, { 3 }, { 4 } };
	long fails = 0;
	void *r;

	cr_assert_eq(reg_server_add(db, "192.0.2.1", 1, "de", "", TEST_ADDR, err, 256), 0);
	cr_assert_eq(reg_monitor_add(db, "a", NULL, err, 256), 0, "%s", err);
	cr_assert_eq(reg_monitor_add(db, "b", NULL, err, 256), 0, "%s", err);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, writer, &a[i]);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &r);
		fails += (long)r;
	}
	cr_expect_eq(fails, 0, "every write went through");
	cr_expect_eq(count(db, "SELECT count(*) FROM servers"), 401);
	cr_expect_eq(count(db, "SELECT count(*) FROM history"), 400, "every check recorded");
	cr_expect_eq(count(db, "SELECT count(*) FROM history WHERE monitor = 'a'"), 200, "both monitors wrote");
	reg_close(db);
	unlink(db_path);
}

/* Export: the median over active monitors, written atomically, and xpool-dns reads it. */
Test(registry, export_loads_in_xpool_dns)
{
	struct reg *db = fresh_db();
	char err[256], out[XT_TMP_PATH];
	struct dns_snapshot snap;
	time_t now = time(NULL);

	reg_server_add(db, "192.0.2.1", 10000, "de", "", TEST_ADDR, err, 256);
	reg_server_add(db, "2001:db8::1", 0, "uk", "", TEST_ADDR | REG_F_DISABLED, err, 256);
	for (int i = 0; i < 5; i++) {
		static const char *const names[] = { "m1", "m2", "m3", "stale", "tester" };

		cr_assert_eq(reg_monitor_add(db, names[i], NULL, err, 256), 0, "%s", err);
		cr_assert_eq(reg_monitor_set(db, names[i], i < 4 ? "active" : "testing", err, 256), 0);
	}
	/* a testing monitor is recorded and shown, but does not move the DNS score */
	cr_assert_eq(reg_record(db, 1, "tester", -100, 1, 0, "", now), 0);
	cr_expect_eq(reg_record(db, 1, "unknown", 20, 1, 0, "", now), -ENOENT,
		     "an unregistered monitor writes nothing");
	reg_record(db, 1, "m1", 12, 1, 0, "", now);
	reg_record(db, 1, "m2", 18, 1, 0, "", now);
	reg_record(db, 1, "m3", 15, 1, 0, "", now);
	reg_record(db, 1, "stale", -50, 1, 0, "", now - 3600);
	cr_expect_float_eq(reg_dns_score(db, 1, now), 15, 1e-9, "median of the 3 active");
	xt_tmp_name("snapshot", "json", out);
	cr_assert_eq(reg_export(db, out, now, NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(dns_snapshot_load(out, DNS_SNAP_TEST_ADDRESSES, 0, &snap), 0);
	cr_expect_eq(snap.n, 2);
	cr_expect_float_eq(snap.e[0].score, 15, 1e-9);
	cr_expect_eq(snap.e[1].netspeed, 0);
	cr_expect(!snap.e[1].enabled);
	cr_expect_eq(snap.e[1].cc, xp_cc_index("gb", 2));
	dns_snapshot_free(&snap);
	unlink(out);
	reg_close(db);
	unlink(db_path);
}

/* Removing a monitor takes its scores with it; an unknown name is -ENOENT, nothing changed. */
Test(registry, monitor_remove_takes_its_scores)
{
	struct reg *db = fresh_db();
	char err[256];
	enum reg_mon_status st;
	time_t now = time(NULL);

	reg_server_add(db, "192.0.2.1", 1000, "de", "", TEST_ADDR, err, 256);
	for (int i = 0; i < 2; i++) {
		static const char *const names[] = { "keep", "gone" };

		cr_assert_eq(reg_monitor_add(db, names[i], NULL, err, 256), 0, "%s", err);
		cr_assert_eq(reg_monitor_set(db, names[i], "active", err, 256), 0);
	}
	cr_assert_eq(reg_record(db, 1, "keep", 10, 1, 0, "", now), 0);
	cr_assert_eq(reg_record(db, 1, "gone", -50, 1, 0, "", now), 0);
	cr_expect_float_eq(reg_dns_score(db, 1, now), -20, 1e-9, "median of both");
	cr_expect_eq(reg_monitor_remove(db, "nobody", NULL, err, 256), -ENOENT);
	cr_expect(strstr(err, "nobody"), "names the monitor: %s", err);
	cr_expect_float_eq(reg_dns_score(db, 1, now), -20, 1e-9, "a failed remove changes nothing");
	cr_assert_eq(reg_monitor_remove(db, "gone", NULL, err, 256), 0, "%s", err);
	cr_expect_eq(reg_monitor_status(db, "gone", &st), -ENOENT);
	cr_expect_float_eq(reg_dns_score(db, 1, now), 10, 1e-9, "its score left the median");
	cr_expect_float_eq(reg_score_get(db, 1, "gone"), 0, 1e-12, "no score row remains");
	reg_close(db);
	unlink(db_path);
}

static double add_one(double prev, const struct reg_check *c, void *ctx)
{
	(void)c;
	(*(int *)ctx)++;
	return prev + 1;
}

/*
 * A batch replayed after its commit was lost with the connection writes nothing twice, and the
 * checks of one batch score in order, each from the score before it.
 */
Test(registry, replayed_batch_writes_nothing_twice)
{
	struct reg *db = fresh_db();
	struct reg_check c[3];
	char err[256];
	int calls = 0;

	cr_assert_eq(reg_server_add(db, "192.0.2.1", 1000, "de", "", TEST_ADDR, err, 256), 0);
	cr_assert_eq(reg_server_add(db, "192.0.2.2", 1000, "de", "", TEST_ADDR, err, 256), 0);
	cr_assert_eq(reg_monitor_add(db, "m", NULL, err, 256), 0, "%s", err);
	for (int i = 0; i < 3; i++)
		c[i] = (struct reg_check){ .server_id = 1, .check_id = 1000 + i, .ts = time(NULL),
					   .offset = NAN, .step = 1 };
	cr_assert_eq(reg_record_checks(db, "m", c, 2, add_one, &calls), 0, "%s", reg_why(db));
	cr_expect_float_eq(c[1].score, 2, 1e-12, "the second scores from the first");
	cr_expect_eq(c[0].state, 0);
	/* the replay: the first two were written, the third is new */
	cr_assert_eq(reg_record_checks(db, "m", c, 3, add_one, &calls), 0, "%s", reg_why(db));
	cr_expect_eq(c[0].state, 1, "recognised as written");
	cr_expect_eq(c[1].state, 1);
	cr_expect_eq(c[2].state, 0);
	cr_expect_eq(calls, 3, "a replayed check is not scored again");
	cr_expect_float_eq(reg_score_get(db, 1, "m"), 3, 1e-12);
	cr_expect_eq(count(db, "SELECT count(*) FROM history"), 3);
	/* a server removed before its check is written: skipped, the batch goes through */
	c[0] = (struct reg_check){ .server_id = 2, .check_id = 2000, .ts = time(NULL), .offset = 0.001 };
	c[1] = (struct reg_check){ .server_id = 1, .check_id = 2001, .ts = time(NULL), .offset = NAN };
	cr_assert_eq(reg_server_remove(db, "192.0.2.2", err, 256), 0);
	cr_assert_eq(reg_record_checks(db, "m", c, 2, add_one, &calls), 0, "%s", reg_why(db));
	cr_expect_eq(c[0].state, -ESRCH);
	cr_expect_eq(c[1].state, 0);
	cr_expect_eq(count(db, "SELECT count(*) FROM history"), 4);
	/* a paused monitor writes nothing */
	cr_assert_eq(reg_monitor_set(db, "m", "paused", err, 256), 0);
	c[0] = (struct reg_check){ .server_id = 1, .check_id = 3000, .ts = time(NULL), .offset = NAN };
	cr_expect_eq(reg_record_checks(db, "m", c, 1, add_one, &calls), -ENOENT);
	cr_expect_eq(count(db, "SELECT count(*) FROM history"), 4);
	reg_close(db);
	unlink(db_path);
}

/* The round's cursor: every server once, in id order, across pages. */
Test(registry, cursor_yields_every_server_once, .timeout = 60)
{
	struct reg *db = fresh_db();
	struct reg_cursor *cur;
	char err[256], ip[64];
	long id, last = 0;
	int n = 0, ret;

	cr_assert_eq(reg_begin(db, REG_TX_WRITE), 0);
	for (int i = 0; i < 600; i++) {
		snprintf(ip, sizeof(ip), "10.9.%d.%d", i / 250, i % 250 + 1);
		cr_assert_eq(reg_server_add(db, ip, 1000, "de", "", TEST_ADDR, err, 256), 0, "%s", err);
	}
	cr_assert_eq(reg_commit(db), 0);
	cr_assert_eq(reg_servers_open(db, &cur), 0);
	while ((ret = reg_servers_next(cur, &id, ip)) == 1) {
		cr_expect_gt(id, last, "in id order, none twice");
		last = id;
		n++;
	}
	cr_expect_eq(ret, 0);
	cr_expect_eq(n, 600);
	reg_servers_close(cur);
	reg_close(db);
	unlink(db_path);
}
