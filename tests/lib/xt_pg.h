/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xt_pg.h - registry tests on PostgreSQL: a fresh database per test on the server a script started.
 */
#ifndef XT_PG_H
#define XT_PG_H

#include <stddef.h>

/*
 * XPOOL_TEST_PG holds the admin URI of a PostgreSQL server that tests/pg_unit.sh started (unset:
 * the registry tests run on SQLite). Makes a new, empty database and writes its URI to uri:
 * 0, or -errno with the reason on stderr.
 */
int xt_pg_fresh(char *uri, size_t n);
struct reg;

/*
 * A test's fresh registry, made and opened: a new database on PostgreSQL runs, otherwise a new
 * SQLite file; where receives its URI or path. NULL, with the reason on stderr, on a failure.
 */
struct reg *xt_reg_fresh(char *where, size_t n);
/* Closes it and, on SQLite, removes its files (with the WAL's). */
void xt_reg_drop(struct reg *db, const char *where);
/* Is the run on PostgreSQL? */
int xt_pg_on(void);

#endif
