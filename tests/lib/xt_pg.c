// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xt_pg.c - registry tests on PostgreSQL: a fresh database per test on the server a script started.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libpq-fe.h>

#include "reg_db.h"
#include "xt_pg.h"
#include "xt_tmp.h"

int xt_pg_on(void)
{
	const char *admin = getenv("XPOOL_TEST_PG");

	return admin && *admin;
}

struct reg *xt_reg_fresh(char *where, size_t n)
{
	char path[XT_TMP_PATH];
	struct reg *db;

	if (xt_pg_on()) {
		if (xt_pg_fresh(where, n))
			return NULL;
	} else {
		xt_tmp_name("reg", "db", path);
		snprintf(where, n, "%s", path);
	}
	return reg_open(where, REG_OPEN_CREATE, &db) ? NULL : db;
}

void xt_reg_drop(struct reg *db, const char *where)
{
	static const char *const ext[] = {"", "-wal", "-shm"};
	char p[600];

	reg_close(db);
	for (size_t i = 0; !xt_pg_on() && i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", where, ext[i]);
		unlink(p);
	}
}

int xt_pg_fresh(char *uri, size_t n)
{
	static unsigned seq;
	const char *admin = getenv("XPOOL_TEST_PG");
	const char *q;
	char name[64], sql[128];
	PGconn *c;
	PGresult *r;
	int ret = 0;

	if (!xt_pg_on())
		return -ENOENT;
	snprintf(name, sizeof(name), "xt_%d_%u", (int)getpid(), seq++);
	c = PQconnectdb(admin);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "xt_pg: %s: %s", admin, PQerrorMessage(c));
		PQfinish(c);
		return -ENOTCONN;
	}
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "xt_pg: %s: %s", sql, PQresultErrorMessage(r));
		ret = -EIO;
	}
	PQclear(r);
	/* the admin URI names its database after the last '/', before any '?' */
	q = strchr(admin, '?');
	if (!ret) {
		const char *slash = q ? q : admin + strlen(admin);

		while (slash > admin && slash[-1] != '/')
			slash--;
		slash--;
		snprintf(uri, n, "%.*s%s%s", (int)(slash - admin + 1), admin, name, q ? q : "");
	}
	PQfinish(c);
	return ret;
}
