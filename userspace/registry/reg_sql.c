// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* reg_sql.c - the registry's SQLite calls, each checked and reported (registry-internal). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "reg_sql.h"
#include "xp_log.h"

/* SQLite's message, with the system's reason when there is one (a full disk, a read-only file). */
const char *reg_why(sqlite3 *db)
{
	static __thread char buf[256];
	int e = sqlite3_system_errno(db);

	if (!e)
		return sqlite3_errmsg(db);
	snprintf(buf, sizeof(buf), "%s (%s)", sqlite3_errmsg(db), strerror(e));
	return buf;
}

int reg_fail(char *err, size_t n, int ret, const char *fmt, const char *arg)
{
	if (err)
		snprintf(err, n, fmt, arg);
	return ret;
}

int reg_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		xp_err("registry: %s", sqlite3_system_errno(db) ? reg_why(db)
				       : msg			? msg
								: sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

/* Every statement is prepared here: a failure is reported with the database's message. */
int reg_prep(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);

	if (rc != SQLITE_OK) {
		xp_err("registry: %s", reg_why(db));
		*st = NULL;
		return -EIO;
	}
	return 0;
}

/* A bind's result, reported (binds only fail on a wrong index or out of memory). */
int reg_bound(sqlite3 *db, int rc)
{
	if (rc == SQLITE_OK)
		return 0;
	xp_err("registry: bind: %s", reg_why(db));
	return -EIO;
}

/* The end of a SELECT loop: SQLITE_DONE, or a read error reported (never taken as the end). */
int reg_rows_done(sqlite3 *db, int rc)
{
	if (rc == SQLITE_DONE)
		return 0;
	xp_err("registry: read failed: %s", reg_why(db));
	return -EIO;
}

int reg_step_done(sqlite3 *db, sqlite3_stmt *st, char *err, size_t n)
{
	int rc = sqlite3_step(st), ret = 0;

	if (rc == SQLITE_CONSTRAINT)
		ret = reg_fail(err, n, -EEXIST, "%s", "that address is already registered");
	else if (rc != SQLITE_DONE)
		ret = reg_fail(err, n, -EIO, "registry: %s", reg_why(db));
	sqlite3_finalize(st);
	return ret;
}
