/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* reg_be.h - the registry's backend interface: one registry over SQLite and PostgreSQL. */
#ifndef REG_BE_H
#define REG_BE_H

#include <stdbool.h>
#include <stddef.h>

#include "reg_db.h"

/*
 * The registry's logic (reg_db.c, reg_mon.c) is written once against this interface, in the SQL
 * both engines speak: parameters as $1..$N, quoted "offset", ON CONFLICT upserts. A backend
 * maps its errors onto the same codes:
 *   -EEXIST   a unique key is taken          -ESRCH    a referenced row is gone
 *   -EACCES   the role may not do that       -ENOTCONN the connection is lost (reconnect)
 *   -EIO      anything else, with the engine's message in reg_why()
 */
enum reg_arg_kind { REG_A_NULL, REG_A_INT, REG_A_REAL, REG_A_TEXT };

struct reg_arg {
	enum reg_arg_kind k;
	long long i;
	double d;
	const char *s;
};

#define RA_INT(v)  ((struct reg_arg){.k = REG_A_INT, .i = (v)})
#define RA_REAL(v) ((struct reg_arg){.k = REG_A_REAL, .d = (v)})
#define RA_TEXT(v) ((struct reg_arg){.k = REG_A_TEXT, .s = (v)})
#define RA_NULL	   ((struct reg_arg){.k = REG_A_NULL})

struct reg_res; /* the rows of one statement */

enum reg_tx { REG_TX_READ, REG_TX_WRITE };

struct reg_ops {
	const char *name;
	/* runs sql with a[0..n); a SELECT's rows come through *res (NULL: not wanted) */
	int (*query)(struct reg *r, const char *sql, const struct reg_arg *a, int n,
		     struct reg_res **res, long *changes);
	int (*next)(struct reg_res *res); /* 1: a row, 0: the end, -errno */
	long long (*col_int)(struct reg_res *res, int c);
	double (*col_real)(struct reg_res *res, int c);
	const char *(*col_text)(struct reg_res *res, int c); /* "" for NULL */
	bool (*col_null)(struct reg_res *res, int c);
	void (*done)(struct reg_res *res);
	int (*begin)(struct reg *r, enum reg_tx tx);
	int (*end)(struct reg *r, bool commit);
	bool (*in_tx)(struct reg *r);
	int (*reconnect)(struct reg *r);
	void (*close)(struct reg *r);
	/* optional: the monitor's stream of checks (SQLite: no fsync per check) */
	int (*checks_durability)(struct reg *r);
	/* optional: a monitor's database role (PostgreSQL): made, or dropped (add false) */
	int (*monitor_role)(struct reg *r, const char *name, bool add, char *err, size_t n);
	/* optional: 0 when this connection reads every row (an export needs all scores) */
	int (*reads_all)(struct reg *r);
};

struct reg {
	const struct reg_ops *ops;
	void *h;	 /* sqlite3 * or PGconn * */
	char where[256]; /* the path, or the URI without its password: for messages */
	char why[512];	 /* the engine's last error message */
};

extern const struct reg_ops reg_sqlite_ops, reg_pg_ops;

int reg_sqlite_open(const char *path, enum reg_open_mode mode, struct reg *r);
int reg_pg_open(const char *uri, enum reg_open_mode mode, struct reg *r);

/* A statement without rows: 0 or -errno; *changes (may be NULL) the rows it changed. */
int reg_run(struct reg *r, const char *sql, const struct reg_arg *a, int n, long *changes);
/* A statement with rows: step them with reg_next(), then reg_done(). */
int reg_select(struct reg *r, const char *sql, const struct reg_arg *a, int n,
	       struct reg_res **res);
int reg_next(struct reg *r, struct reg_res *res);
long long reg_int(struct reg *r, struct reg_res *res, int c);
double reg_real(struct reg *r, struct reg_res *res, int c);
const char *reg_text(struct reg *r, struct reg_res *res, int c);
bool reg_null(struct reg *r, struct reg_res *res, int c);
void reg_done(struct reg *r, struct reg_res *res);
int reg_begin(struct reg *r, enum reg_tx tx);
int reg_commit(struct reg *r);
void reg_rollback(struct reg *r);

/* The DNS score with its read errors: 0 and *out (NAN when no active monitor), or -errno. */
int reg_dns_score_read(struct reg *r, long id, time_t now, double *out);

/* Canonical text of an address, so that 2001:DB8::1 and 2001:db8:0::1 are one server: 0, or
 * -EINVAL (not an address: out is ip as given). */
int reg_canon_ip(const char *ip, char *out, size_t n);

/* Sets r->why from printf arguments (backends). */
void reg_set_why(struct reg *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Formats err (may be NULL) and returns ret. */
int reg_fail(char *err, size_t n, int ret, const char *fmt, const char *arg);
/* err from a backend error code: the message an operator reads. */
int reg_fail_io(struct reg *r, char *err, size_t n, int ret);

#endif
