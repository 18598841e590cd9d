// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* reg_mon.c - monitors as registry entries: active ones make the DNS score, testing ones are shown.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reg_db.h"
#include "reg_sql.h"

static const char *const statuses[] = {"active", "testing", "paused"};

/* A monitor's name: 1-64 of [A-Za-z0-9._-] (it names a database role on PostgreSQL, too). */
static int valid_name(const char *n)
{
	size_t len = strlen(n);

	if (!len || len > 64)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
		      (n[i] >= '0' && n[i] <= '9') || n[i] == '.' || n[i] == '_' || n[i] == '-'))
			return 0;
	return 1;
}

/*
 * One statement with the name as ?1 and, when the statement has a ?2, text (or num): 0, or the
 * errors of reg_step_done.
 */
static int write_named(sqlite3 *db, const char *sql, const char *name, const char *text,
		       long long num, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (reg_prep(db, sql, &st))
		return reg_fail(err, errlen, -EIO, "registry: %s", reg_why(db));
	rc = sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_bind_parameter_count(st) >= 2)
		rc |= text ? sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT)
			   : sqlite3_bind_int64(st, 2, num);
	if (reg_bound(db, rc)) {
		sqlite3_finalize(st);
		return reg_fail(err, errlen, -EIO, "registry: %s", reg_why(db));
	}
	return reg_step_done(db, st, err, errlen);
}

int reg_monitor_add(sqlite3 *db, const char *name, char *err, size_t errlen)
{
	int ret;

	if (!valid_name(name))
		return reg_fail(err, errlen, -EINVAL,
				"monitor name '%s': 1-64 letters, digits, '.', '_' or '-'", name);
	ret = write_named(db,
			  "INSERT INTO monitors (name, status, created) VALUES (?1, 'testing', ?2)",
			  name, NULL, (long long)time(NULL), err, errlen);
	if (ret == -EEXIST)
		reg_fail(err, errlen, ret, "monitor '%s' is already registered", name);
	return ret;
}

int reg_monitor_set(sqlite3 *db, const char *name, const char *status, char *err, size_t errlen)
{
	int ret, known = 0;

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		known |= !strcmp(status, statuses[i]);
	if (!known)
		return reg_fail(err, errlen, -EINVAL,
				"status: expected active, testing or paused, got '%s'", status);
	ret = write_named(db, "UPDATE monitors SET status = ?2 WHERE name = ?1", name, status, 0,
			  err, errlen);
	if (!ret && !sqlite3_changes(db))
		ret = reg_fail(err, errlen, -ENOENT, "no monitor named '%s'", name);
	return ret;
}

int reg_monitor_remove(sqlite3 *db, const char *name, char *err, size_t errlen)
{
	int ret = reg_exec(db, "BEGIN IMMEDIATE");

	if (ret)
		return reg_fail(err, errlen, ret, "registry: %s", reg_why(db));
	/* its scores go with it: a removed monitor must not keep moving a median */
	ret = write_named(db, "DELETE FROM monitors WHERE name = ?1", name, NULL, 0, err, errlen);
	if (!ret && !sqlite3_changes(db))
		ret = reg_fail(err, errlen, -ENOENT, "no monitor named '%s'", name);
	if (!ret)
		ret = write_named(db, "DELETE FROM scores WHERE monitor = ?1", name, NULL, 0, err,
				  errlen);
	reg_exec(db, ret ? "ROLLBACK" : "COMMIT");
	return ret;
}

int reg_monitor_status(sqlite3 *db, const char *name, enum reg_mon_status *status)
{
	sqlite3_stmt *st;
	int rc, ret = -ENOENT;

	if (reg_prep(db, "SELECT status FROM monitors WHERE name = ?", &st))
		return -EIO;
	if (reg_bound(db, sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT))) {
		sqlite3_finalize(st);
		return -EIO;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);

		*status = !strcmp(s, "active")	 ? REG_MON_ACTIVE
			  : !strcmp(s, "paused") ? REG_MON_PAUSED
						 : REG_MON_TESTING;
		ret = 0;
	} else if (reg_rows_done(db, rc)) {
		ret = -EIO;
	}
	sqlite3_finalize(st);
	return ret;
}

/* Mean |score - median of the active monitors| over the servers name scored in 20 minutes. */
static int distance(sqlite3 *db, const char *name, time_t now, long *n, double *mean)
{
	sqlite3_stmt *st;
	double sum = 0;
	int rc;

	*n = 0;
	if (reg_prep(db, "SELECT server_id, score FROM scores WHERE monitor = ? AND updated >= ?",
		     &st))
		return -EIO;
	if (reg_bound(db, sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT) |
			      sqlite3_bind_int64(st, 2, now - REG_ACTIVE_SECS))) {
		sqlite3_finalize(st);
		return -EIO;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		double median = reg_dns_score(db, sqlite3_column_int64(st, 0), now);

		if (isnan(median))
			continue; /* no active monitor for that server yet */
		sum += fabs(sqlite3_column_double(st, 1) - median);
		(*n)++;
	}
	sqlite3_finalize(st);
	*mean = *n ? sum / *n : NAN;
	return reg_rows_done(db, rc);
}

int reg_monitor_list(sqlite3 *db, FILE *f, time_t now)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (reg_prep(db, "SELECT name, status, last_report FROM monitors ORDER BY name", &st))
		return -EIO;
	fprintf(f, "%-24s %-8s %-20s %8s %12s\n", "monitor", "status", "last report (UTC)",
		"servers", "from median");
	while (!ret && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		time_t t = sqlite3_column_int64(st, 2);
		char ts[32] = "never";
		double mean = NAN;
		long n;

		if (t)
			strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", gmtime(&t));
		ret = distance(db, name, now, &n, &mean);
		fprintf(f, "%-24s %-8s %-20s %8ld ", name, sqlite3_column_text(st, 1), ts, n);
		if (isnan(mean))
			fprintf(f, "%12s\n", "-");
		else
			fprintf(f, "%12.2f\n", mean);
	}
	if (!ret)
		ret = reg_rows_done(db, rc);
	sqlite3_finalize(st);
	return ret;
}
