/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* reg_db.h - the pool registry in SQLite: servers, monitor scores, history, snapshot export. */
#ifndef REG_DB_H
#define REG_DB_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <sqlite3.h>

#define REG_DB_DEFAULT	   "/var/lib/xpool/registry.db"
#define REG_SCHEMA_VERSION 2
#define REG_ACTIVE_SECS	   (20 * 60) /* monitors counted for the DNS score */

/* Opens (creating and migrating the schema), WAL mode, a busy timeout for concurrent writers. */
int reg_open(const char *path, sqlite3 **db);
void reg_close(sqlite3 *db);

/* Each returns 0, or -EINVAL / -EEXIST / -ENOENT with a message for the operator in err. */
int reg_server_add(sqlite3 *db, const char *ip, long netspeed, const char *country,
		   const char *owner, bool enabled, char *err, size_t errlen);
int reg_server_remove(sqlite3 *db, const char *ip, char *err, size_t errlen);
/* field: netspeed, country, owner, enabled */
int reg_server_set(sqlite3 *db, const char *ip, const char *field, const char *value, char *err,
		   size_t errlen);
int reg_server_list(sqlite3 *db, FILE *f, time_t now);
int reg_server_show(sqlite3 *db, const char *ip, FILE *f, time_t now, char *err, size_t errlen);

/* For the monitor: every server (id, address), one callback each. */
int reg_each_server(sqlite3 *db, int (*cb)(void *ctx, long id, const char *ip), void *ctx);
/* The monitor's previous score for a server (0 for a new server). */
double reg_score_get(sqlite3 *db, long id, const char *monitor);
int reg_record(sqlite3 *db, long id, const char *monitor, double score, double step,
	       double offset, const char *note, time_t now);

/* The DNS score: median over monitors seen in the last 20 minutes (NAN when none). */
double reg_dns_score(sqlite3 *db, long id, time_t now);

/* Writes the snapshot for xpool-dns atomically (temporary file, then rename). */
int reg_export(sqlite3 *db, const char *path, time_t now, char *err, size_t errlen);

#endif
