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
/* Where a test's fresh registry goes: a new database's URI on PostgreSQL runs, otherwise a new
 * SQLite file name (not yet made). 0 or -errno. */
int xt_reg_where(char *where, size_t n);
/* Is the run on PostgreSQL? */
int xt_pg_on(void);

#endif
