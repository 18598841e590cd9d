/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* reg_db.h - the pool registry (SQLite or PostgreSQL): servers, monitors, scores, history, export.
 */
#ifndef REG_DB_H
#define REG_DB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define REG_DB_DEFAULT	   "/var/lib/xpool/registry.db"
#define REG_SCHEMA_VERSION 6
#define REG_ACTIVE_SECS	   (20 * 60) /* monitors counted for the DNS score */

#define REG_OWNER_MAX 128

enum reg_open_mode {
	REG_OPEN_EXISTING, /* read-write; a missing file is an error (-ENOENT), never created */
	REG_OPEN_CREATE,   /* read-write, created when missing (init, server add) */
	REG_OPEN_READONLY, /* list, show, export: works on a file this process cannot write */
};

struct reg; /* a registry connection, on either backend */

/*
 * Opens the registry at where: a SQLite file path, or a postgresql:// URI (libpq). Read-write
 * ones are migrated to the current schema (SQLite: WAL mode and a busy timeout for concurrent
 * writers); a read-only one must already have it. 0 or -errno, with the reason on stderr.
 */
int reg_open(const char *where, enum reg_open_mode mode, struct reg **r);
void reg_close(struct reg *r);
bool reg_is_uri(const char *where);
/* After -ENOTCONN: a new connection (PostgreSQL); 0 or -ENOTCONN. */
int reg_reconnect(struct reg *r);
/* The engine's last error message. */
const char *reg_why(struct reg *r);
/*
 * For the monitor's stream of checks: on SQLite no fsync per check (a power cut may lose the
 * last few, never the registry's consistency); operators' edits keep a fsync each. 0 or -EIO.
 */
int reg_checks_durability(struct reg *r);

#define REG_F_DISABLED	     1u /* server add: listed as disabled */
#define REG_F_TEST_ADDRESSES 2u /* server add: documentation and private ranges (test pools) */

/*
 * Each returns 0, or -EINVAL / -EEXIST / -ENOENT / -EIO with a message for the operator in err.
 * A server's address must be global unicast (xp_addr), its owner printable text.
 */
int reg_server_add(struct reg *r, const char *ip, long netspeed, const char *country,
		   const char *owner, unsigned flags, char *err, size_t errlen);
int reg_server_remove(struct reg *r, const char *ip, char *err, size_t errlen);
/* field: netspeed, country, owner, enabled */
int reg_server_set(struct reg *r, const char *ip, const char *field, const char *value, char *err,
		   size_t errlen);
/* Lists every server (control characters in owners escaped); 0 or -EIO on a read error. */
int reg_server_list(struct reg *r, FILE *f, time_t now);
int reg_server_show(struct reg *r, const char *ip, FILE *f, time_t now, char *err, size_t errlen);

/*
 * The servers one at a time, for a round that pulls them as it has room (memory bounded
 * whatever the registry's size). next: 1 and id/ip, 0 at the end, -EIO on a read error.
 */
struct reg_cursor;
int reg_servers_open(struct reg *r, struct reg_cursor **c);
int reg_servers_next(struct reg_cursor *c, long *id, char ip[64]);
void reg_servers_close(struct reg_cursor *c);

/* The monitor's previous score for a server (0 for a new server). */
double reg_score_get(struct reg *r, long id, const char *monitor);

/* One check by a monitor, as the registry records it. */
struct reg_check {
	long server_id;
	long long check_id; /* unique for the monitor: a replayed write is recognised */
	time_t ts;
	double offset; /* seconds; NAN when the check measured none */
	double step;
	char note[96];
	const void *arg; /* the caller's, for its score function */
	double score;	 /* out: the score written */
	int state;	 /* out: 0 written, 1 recorded before (a replay), -ESRCH server removed */
};

/* The new score from the one stored before the check (0 for a new server). */
typedef double (*reg_score_fn)(double prev, const struct reg_check *c, void *ctx);

/*
 * Records checks by a registered monitor in one transaction, each scored by fn from the score
 * stored before it, so that checks written late (the registry was away) still score in order.
 * A check whose check_id is recorded already is skipped: replaying a batch whose commit was lost
 * with the connection writes nothing twice. 0; -ENOENT (unknown or paused: nothing written);
 * -ENOTCONN (connection lost: reconnect and replay); -EACCES or -EIO.
 */
int reg_record_checks(struct reg *r, const char *monitor, struct reg_check *c, size_t n,
		      reg_score_fn fn, void *ctx);
/* One check with a given score (a random check_id): 0, -ENOENT or -errno. */
int reg_record(struct reg *r, long id, const char *monitor, double score, double step,
	       double offset, const char *note, time_t now);

/* Monitors (reg_mon.c). A new one is testing: recorded and shown, not in the DNS score. */
enum reg_mon_status { REG_MON_ACTIVE, REG_MON_TESTING, REG_MON_PAUSED };
/*
 * On PostgreSQL, add also makes the monitor's database role (xpool_mon_NAME: it reads the
 * servers' public columns and writes its own checks, nothing else) and remove drops it; what was
 * done, or the SQL for a superuser when this connection may not make roles, goes to note (may be
 * NULL).
 */
int reg_monitor_add(struct reg *r, const char *name, FILE *note, char *err, size_t errlen);
int reg_monitor_set(struct reg *r, const char *name, const char *status, char *err, size_t errlen);
int reg_monitor_remove(struct reg *r, const char *name, FILE *note, char *err, size_t errlen);
/* Each monitor: status, last report, servers scored in 20 minutes, mean distance from the median.
 */
int reg_monitor_list(struct reg *r, FILE *f, time_t now);
/* 0 and *status, -ENOENT when not registered, or -EIO. */
int reg_monitor_status(struct reg *r, const char *name, enum reg_mon_status *status);

/* The DNS score: median over monitors seen in the last 20 minutes (NAN when none). */
double reg_dns_score(struct reg *r, long id, time_t now);

/*
 * Writes the snapshot for xpool-dns atomically (temporary file, then rename), from one read
 * transaction; any read error writes nothing and returns -EIO. With sk (an Ed25519 secret
 * key, xp_sign), a detached signature goes to path.sig.
 */
int reg_export(struct reg *r, const char *path, time_t now, const uint8_t *sk, char *err,
	       size_t errlen);

#endif
