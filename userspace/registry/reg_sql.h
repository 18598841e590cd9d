/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* reg_sql.h - the registry's SQLite calls, each checked and reported (registry-internal). */
#ifndef REG_SQL_H
#define REG_SQL_H

#include <stddef.h>
#include <sqlite3.h>

/* SQLite's message, with the system's reason when there is one (a full disk, a read-only file). */
const char *reg_why(sqlite3 *db);
/* Formats err (may be NULL) and returns ret. */
int reg_fail(char *err, size_t n, int ret, const char *fmt, const char *arg);
/* Runs SQL without results: 0 or -EIO, reported. */
int reg_exec(sqlite3 *db, const char *sql);
/* Prepares a statement: 0 or -EIO (*st NULL), reported. */
int reg_prep(sqlite3 *db, const char *sql, sqlite3_stmt **st);
/* A bind's result (OR them): 0 or -EIO, reported. */
int reg_bound(sqlite3 *db, int rc);
/* The end of a SELECT loop: SQLITE_DONE, or a read error reported (never taken as the end). */
int reg_rows_done(sqlite3 *db, int rc);
/* Steps a write to its end and finalizes it: 0, -EEXIST on a constraint, or -EIO. */
int reg_step_done(sqlite3 *db, sqlite3_stmt *st, char *err, size_t n);

#endif
