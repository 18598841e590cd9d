/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* reg_db.h - the pool registry in SQLite: servers, monitor scores, history, snapshot export. */
#ifndef REG_DB_H
#define REG_DB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <sqlite3.h>

#define REG_DB_DEFAULT	   "/var/lib/xpool/registry.db"
#define REG_SCHEMA_VERSION 3
#define REG_ACTIVE_SECS	   (20 * 60) /* monitors counted for the DNS score */

#define REG_OWNER_MAX 128

enum reg_open_mode {
	REG_OPEN_EXISTING, /* read-write; a missing file is an error (-ENOENT), never created */
	REG_OPEN_CREATE,   /* read-write, created when missing (init, server add) */
	REG_OPEN_READONLY, /* list, show, export: works on a file this process cannot write */
};

/*
 * Opens the registry: read-write ones are migrated to the current schema (WAL mode, a busy
 * timeout for concurrent writers); a read-only one must already have it. 0 or -errno, with the
 * reason on stderr.
 */
int reg_open(const char *path, enum reg_open_mode mode, sqlite3 **db);
void reg_close(sqlite3 *db);
/*
 * For the monitor's stream of checks: no fsync per check (a power cut may lose the last few,
 * never the registry's consistency); operators' edits keep a fsync each. 0 or -EIO.
 */
int reg_checks_durability(sqlite3 *db);

#define REG_F_DISABLED	     1u /* server add: listed as disabled */
#define REG_F_TEST_ADDRESSES 2u /* server add: documentation and private ranges (test pools) */

/*
 * Each returns 0, or -EINVAL / -EEXIST / -ENOENT / -EIO with a message for the operator in err.
 * A server's address must be global unicast (xp_addr), its owner printable text.
 */
int reg_server_add(sqlite3 *db, const char *ip, long netspeed, const char *country,
		   const char *owner, unsigned flags, char *err, size_t errlen);
int reg_server_remove(sqlite3 *db, const char *ip, char *err, size_t errlen);
/* field: netspeed, country, owner, enabled */
int reg_server_set(sqlite3 *db, const char *ip, const char *field, const char *value, char *err,
		   size_t errlen);
/* Lists every server (control characters in owners escaped); 0 or -EIO on a read error. */
int reg_server_list(sqlite3 *db, FILE *f, time_t now);
int reg_server_show(sqlite3 *db, const char *ip, FILE *f, time_t now, char *err, size_t errlen);

/*
 * The servers one at a time, for a round that pulls them as it has room (memory bounded
 * whatever the registry's size). next: 1 and id/ip, 0 at the end, -EIO on a read error.
 */
struct reg_cursor;
int reg_servers_open(sqlite3 *db, struct reg_cursor **c);
int reg_servers_next(struct reg_cursor *c, long *id, char ip[64]);
void reg_servers_close(struct reg_cursor *c);

/* The monitor's previous score for a server (0 for a new server). */
double reg_score_get(sqlite3 *db, long id, const char *monitor);
/* Records a check by a registered monitor: 0, -ENOENT (unknown or paused) or -EIO. */
int reg_record(sqlite3 *db, long id, const char *monitor, double score, double step,
	       double offset, const char *note, time_t now);

/* Monitors (reg_mon.c). A new one is testing: recorded and shown, not in the DNS score. */
enum reg_mon_status { REG_MON_ACTIVE, REG_MON_TESTING, REG_MON_PAUSED };
int reg_monitor_add(sqlite3 *db, const char *name, char *err, size_t errlen);
int reg_monitor_set(sqlite3 *db, const char *name, const char *status, char *err, size_t errlen);
int reg_monitor_remove(sqlite3 *db, const char *name, char *err, size_t errlen);
/* Each monitor: status, last report, servers scored in 20 minutes, mean distance from the median. */
int reg_monitor_list(sqlite3 *db, FILE *f, time_t now);
/* 0 and *status, -ENOENT when not registered, or -EIO. */
int reg_monitor_status(sqlite3 *db, const char *name, enum reg_mon_status *status);

/* The DNS score: median over monitors seen in the last 20 minutes (NAN when none). */
double reg_dns_score(sqlite3 *db, long id, time_t now);

/*
 * Writes the snapshot for xpool-dns atomically (temporary file, then rename), from one read
 * transaction; any read error writes nothing and returns -EIO. With sk (an Ed25519 secret
 * key, xp_sign), a detached signature goes to path.sig.
 */
int reg_export(sqlite3 *db, const char *path, time_t now, const uint8_t *sk, char *err,
	       size_t errlen);

#endif
