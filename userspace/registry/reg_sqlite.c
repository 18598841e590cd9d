// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* reg_sqlite.c - the registry's SQLite backend: one file, WAL, migrations on open. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "reg_be.h"
#include "xp_log.h"

/* Migrations: entry i takes the schema from version i to i + 1, in one transaction. */
static const char *const migrations[REG_SCHEMA_VERSION] = {
    "CREATE TABLE servers (id INTEGER PRIMARY KEY, ip TEXT NOT NULL UNIQUE,"
    " netspeed INTEGER NOT NULL DEFAULT 10000, country TEXT NOT NULL,"
    " owner TEXT NOT NULL DEFAULT '', enabled INTEGER NOT NULL DEFAULT 1,"
    " created INTEGER NOT NULL, updated INTEGER NOT NULL);"
    "CREATE TABLE scores (server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,"
    " monitor TEXT NOT NULL, score REAL NOT NULL, updated INTEGER NOT NULL,"
    " PRIMARY KEY (server_id, monitor));",
    /* 2: a history of checks, for 'xpoolctl server show' */
    "CREATE TABLE history (server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,"
    " monitor TEXT NOT NULL, ts INTEGER NOT NULL, offset REAL, step REAL NOT NULL,"
    " score REAL NOT NULL, note TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX history_server ON history (server_id, ts);",
    /* 3: monitors are registry entries; those that reported before keep counting (active) */
    "CREATE TABLE monitors (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " status TEXT NOT NULL DEFAULT 'testing' CHECK (status IN ('active', 'testing', 'paused')),"
    " created INTEGER NOT NULL, last_report INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO monitors (name, status, created, last_report)"
    " SELECT monitor, 'active', min(updated), max(updated) FROM scores GROUP BY monitor;",
    /* 4: each check has an id from its monitor: a write replayed after a lost connection is
     * recognised (older rows have none; NULLs never collide) */
    "ALTER TABLE history ADD COLUMN check_id INTEGER;"
    "CREATE UNIQUE INDEX history_check ON history (monitor, check_id);",
    /* 5: volunteers' accounts and tokens, servers they own (deleted ones kept for a retention
     * period), and the alerts state */
    "CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE,"
    " pwhash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,"
    " webhook_url TEXT NOT NULL DEFAULT '', webhook_secret TEXT NOT NULL DEFAULT '',"
    " created INTEGER NOT NULL);"
    "CREATE TABLE tokens (id INTEGER PRIMARY KEY,"
    " account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " hash TEXT NOT NULL UNIQUE, created INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"
    "ALTER TABLE servers ADD COLUMN account_id INTEGER REFERENCES accounts(id);"
    "ALTER TABLE servers ADD COLUMN deleted INTEGER;"
    "CREATE TABLE alerts (server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,"
    " kind TEXT NOT NULL, state INTEGER NOT NULL, since INTEGER NOT NULL,"
    " PRIMARY KEY (server_id, kind));"
    "CREATE TABLE alerts_sent (server_id INTEGER NOT NULL REFERENCES servers(id)"
    " ON DELETE CASCADE, kind TEXT NOT NULL, state INTEGER NOT NULL, sent INTEGER NOT NULL,"
    " PRIMARY KEY (server_id, kind, state));",
    /* 6: nothing here (PostgreSQL narrowed its monitor roles' grants) */
    "",
};

struct reg_res {
	struct reg *r;
	sqlite3_stmt *st;
};

/* A user's name for messages: from the password database, or the number. */
static void user_name(uid_t uid, char *out, size_t n)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(out, n, "%s", pw->pw_name);
	else
		snprintf(out, n, "%u", (unsigned)uid);
}

/*
 * How to hand WHAT to the pool's user: a file (the registry, its -wal or -shm) by itself; a
 * directory recursively only when it is the pool's own (named xpool), never a system directory
 * such as /var/lib or ".".
 */
static void give(char *out, size_t n, const char *what, bool is_dir)
{
	const char *base = strrchr(what, '/');

	base = base ? base + 1 : what;
	if (!is_dir)
		snprintf(out, n,
			 "give %.256s to the user that runs the pool's programs (chown xpool:xpool "
			 "%.256s)",
			 what, what);
	else if (!strcmp(base, "xpool"))
		snprintf(out, n,
			 "give %.256s to the user that runs the pool's programs (chown -R "
			 "xpool:xpool %.256s)",
			 what, what);
	else
		snprintf(out, n,
			 "keep the registry in a directory of its own, owned by the user that runs "
			 "the pool's programs (install -d -o xpool -g xpool /var/lib/xpool; --db "
			 "/var/lib/xpool/registry.db)");
}

/* "user U may not VERB WHAT (owner O, mode M): run PROG as O, or ..." */
static void denied(char *out, size_t n, const char *verb, const char *what, const struct stat *st,
		   const char *extra)
{
	char me[64], owner[64], remedy[640];

	user_name(geteuid(), me, sizeof(me));
	user_name(st->st_uid, owner, sizeof(owner));
	give(remedy, sizeof(remedy), what, S_ISDIR(st->st_mode));
	if (st->st_uid == 0)
		snprintf(out, n,
			 ": user %s may not %s %s (owner root, mode %04o)%s: run %s as root, or %s",
			 me, verb, what, (unsigned)(st->st_mode & 07777), extra,
			 program_invocation_short_name, remedy);
	else
		snprintf(out, n,
			 ": user %s may not %s %s (owner %s, mode %04o)%s: run %s as %s (runuser -u "
			 "%s -- %s ...), or %s",
			 me, verb, what, owner, (unsigned)(st->st_mode & 07777), extra,
			 program_invocation_short_name, owner, owner, program_invocation_short_name,
			 remedy);
}

/*
 * Why SQLite could not open path, from the file system: a missing directory, or a directory,
 * file, -wal or -shm this user may not use, with the command that mends it ("" when none of
 * these is the cause). write: the registry is opened read-write (SQLite then keeps its -wal and
 * -shm files beside it, in the directory).
 */
static void access_hint(const char *path, enum reg_open_mode mode, char *out, size_t n)
{
	bool write = mode != REG_OPEN_READONLY;
	const char *slash = strrchr(path, '/');
	char dir[300], side[320];
	struct stat st, fst;
	bool have_file;

	out[0] = 0;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if (stat(dir, &st)) {
		if (errno == ENOENT && mode == REG_OPEN_CREATE)
			snprintf(
			    out, n,
			    ": the directory %.256s does not exist (create it for the user that "
			    "runs the pool's programs: install -d -o xpool -g xpool %.256s)",
			    dir, dir);
		else if (errno == ENOENT)
			snprintf(
			    out, n,
			    ": the directory %.256s does not exist (create it for the user that "
			    "runs the pool's programs: install -d -o xpool -g xpool %.256s; then "
			    "xpoolctl --db %.256s init)",
			    dir, dir, path);
		else if (errno == EACCES)
			snprintf(
			    out, n,
			    ": a directory above %.256s may not be searched by this user (run "
			    "%s as the user that runs the pool's programs: runuser -u xpool -- "
			    "%s ...)",
			    dir, program_invocation_short_name, program_invocation_short_name);
		return;
	}
	if (access(dir, X_OK)) {
		denied(out, n, "enter the directory", dir, &st, "");
		return;
	}
	have_file = !stat(path, &fst);
	if (have_file && access(path, write ? R_OK | W_OK : R_OK)) {
		denied(out, n, write ? "write" : "read", path, &fst, "");
		return;
	}
	if (!write)
		return;
	for (int i = 0; have_file && i < 2; i++) {
		snprintf(side, sizeof(side), "%s-%s", path, i ? "shm" : "wal");
		if (!stat(side, &fst) && access(side, R_OK | W_OK)) {
			denied(out, n, "write", side, &fst, "");
			return;
		}
	}
	snprintf(side, sizeof(side), "%s-wal", path);
	if (access(dir, W_OK) && (!have_file || access(side, F_OK)))
		denied(out, n, "write the directory", dir, &st,
		       ", where SQLite keeps the registry's -wal and -shm files");
}

/* SQLite's message, with the system's reason when there is one (a full disk, a read-only file). */
static int fail(struct reg *r, int rc)
{
	sqlite3 *db = r->h;
	int e = sqlite3_system_errno(db);

	if (e)
		reg_set_why(r, "%s (%s)", sqlite3_errmsg(db), strerror(e));
	else
		reg_set_why(r, "%s", sqlite3_errmsg(db));
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return -EEXIST;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return -ESRCH;
	}
	return (rc & 0xff) == SQLITE_READONLY ? -EACCES : -EIO;
}

static int prepare(struct reg *r, const char *sql, const struct reg_arg *a, int n,
		   sqlite3_stmt **out)
{
	/* $N, as PostgreSQL numbers its parameters, is ?N here */
	char *q = strdup(sql);
	sqlite3_stmt *st = NULL;
	int rc;

	if (!q) {
		reg_set_why(r, "out of memory");
		return -ENOMEM;
	}
	for (char *p = q; *p; p++)
		if (*p == '$')
			*p = '?';
	rc = sqlite3_prepare_v2(r->h, q, -1, &st, NULL);
	free(q);
	for (int i = 0; rc == SQLITE_OK && i < n; i++)
		switch (a[i].k) {
		case REG_A_NULL:
			rc = sqlite3_bind_null(st, i + 1);
			break;
		case REG_A_INT:
			rc = sqlite3_bind_int64(st, i + 1, a[i].i);
			break;
		case REG_A_REAL:
			rc = sqlite3_bind_double(st, i + 1, a[i].d);
			break;
		case REG_A_TEXT:
			rc = sqlite3_bind_text(st, i + 1, a[i].s, -1, SQLITE_TRANSIENT);
			break;
		}
	if (rc != SQLITE_OK) {
		rc = fail(r, rc);
		sqlite3_finalize(st);
		return rc;
	}
	*out = st;
	return 0;
}

static int sq_query(struct reg *r, const char *sql, const struct reg_arg *a, int n,
		    struct reg_res **res, long *changes)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = prepare(r, sql, a, n, &st);

	if (ret)
		return ret;
	if (res) {
		*res = malloc(sizeof(**res));
		if (!*res) {
			sqlite3_finalize(st);
			return -ENOMEM;
		}
		(*res)->r = r;
		(*res)->st = st;
		return 0;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		; /* a PRAGMA's echo */
	ret = rc == SQLITE_DONE ? 0 : fail(r, sqlite3_extended_errcode(r->h));
	if (!ret && changes)
		*changes = sqlite3_changes(r->h);
	sqlite3_finalize(st);
	return ret;
}

/* The end of a SELECT loop is SQLITE_DONE; a read error is never taken as the end. */
static int sq_next(struct reg_res *res)
{
	int rc = sqlite3_step(res->st);

	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : fail(res->r, sqlite3_extended_errcode(res->r->h));
}

static long long sq_int(struct reg_res *res, int c)
{
	return sqlite3_column_int64(res->st, c);
}

static double sq_real(struct reg_res *res, int c)
{
	return sqlite3_column_double(res->st, c);
}

static const char *sq_text(struct reg_res *res, int c)
{
	const unsigned char *t = sqlite3_column_text(res->st, c);

	return t ? (const char *)t : "";
}

static bool sq_null(struct reg_res *res, int c)
{
	return sqlite3_column_type(res->st, c) == SQLITE_NULL;
}

static void sq_done(struct reg_res *res)
{
	sqlite3_finalize(res->st);
	free(res);
}

static int sq_exec(struct reg *r, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(r->h, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		rc = fail(r, sqlite3_extended_errcode(r->h));
		if (msg && !sqlite3_system_errno(r->h))
			reg_set_why(r, "%s", msg);
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

static int sq_begin(struct reg *r, enum reg_tx tx)
{
	/* a writer takes the lock at once: no deadlock upgrading a read lock later */
	return sq_exec(r, tx == REG_TX_WRITE ? "BEGIN IMMEDIATE" : "BEGIN");
}

static int sq_end(struct reg *r, bool commit)
{
	return sq_exec(r, commit ? "COMMIT" : "ROLLBACK");
}

static bool sq_in_tx(struct reg *r)
{
	return !sqlite3_get_autocommit(r->h);
}

static int sq_reconnect(struct reg *r)
{
	(void)r;
	return 0; /* a file does not go away between calls */
}

static void sq_close(struct reg *r)
{
	sqlite3_close(r->h);
}

static int sq_checks_durability(struct reg *r)
{
	/* WAL with synchronous=NORMAL: consistent after any crash; a power cut may lose the last
	 * few checks, which the next round measures again (a fsync per check halved the rate) */
	return sq_exec(r, "PRAGMA synchronous=NORMAL");
}

const struct reg_ops reg_sqlite_ops = {
    .name = "sqlite",
    .query = sq_query,
    .next = sq_next,
    .col_int = sq_int,
    .col_real = sq_real,
    .col_text = sq_text,
    .col_null = sq_null,
    .done = sq_done,
    .begin = sq_begin,
    .end = sq_end,
    .in_tx = sq_in_tx,
    .reconnect = sq_reconnect,
    .close = sq_close,
    .checks_durability = sq_checks_durability,
};

static int user_version(struct reg *r)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(r->h, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else
		fail(r, sqlite3_extended_errcode(r->h));
	sqlite3_finalize(st);
	return v;
}

/*
 * Read-only: for list, show and export on a registry this process may not write (a copy, a
 * read-only mount). SQLite's WAL mode needs a writable -shm file beside the database; where
 * none can be made, the file is opened as immutable (nothing can write it through us either).
 */
static int open_readonly(const char *path, struct reg *r)
{
	char uri[4200];
	sqlite3 *db = NULL;
	int rc = SQLITE_OK, v = -1;

	for (int immutable = 0; immutable < 2 && v < 0; immutable++) {
		char *p = uri;

		p += snprintf(p, 16, "file:");
		/* percent-encode what a URI path may not hold */
		for (const char *c = path; *c && p < uri + sizeof(uri) - 32; c++)
			p += snprintf(p, 4, (*c == '%' || *c == '?' || *c == '#') ? "%%%02X" : "%c",
				      (unsigned char)*c);
		snprintf(p, 32, "?mode=ro%s", immutable ? "&immutable=1" : "");
		sqlite3_close(db);
		db = NULL;
		rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
		if (rc != SQLITE_OK)
			continue;
		sqlite3_busy_timeout(db, 10000);
		sqlite3_extended_result_codes(db, 1);
		r->h = db;
		v = user_version(r);
	}
	if (v < 0) {
		char hint[1536];

		access_hint(path, REG_OPEN_READONLY, hint, sizeof(hint));
		xp_err("registry %s: cannot open read-only: %s%s", path,
		       db ? r->why : sqlite3_errstr(rc), hint);
		goto fail;
	}
	if (v != REG_SCHEMA_VERSION) {
		xp_err("registry %s: schema version %d, this program reads %d (%s)", path, v,
		       REG_SCHEMA_VERSION,
		       v < REG_SCHEMA_VERSION ? "open it read-write once to migrate it" : "newer");
		goto fail;
	}
	return 0;
fail:
	sqlite3_close(db);
	return -EIO;
}

int reg_sqlite_open(const char *path, enum reg_open_mode mode, struct reg *r)
{
	sqlite3 *db = NULL;
	struct stat st;
	int rc, v;
	char sql[64], hint[1536];

	r->ops = &reg_sqlite_ops;
	snprintf(r->where, sizeof(r->where), "%s", path);
	/* a mistyped --db must not become a new, empty registry */
	if (mode != REG_OPEN_CREATE && stat(path, &st)) {
		int e = errno;

		access_hint(path, mode, hint, sizeof(hint));
		xp_err("registry %s: %s%s", path, strerror(e),
		       hint[0]	     ? hint
		       : e == ENOENT ? ": it does not exist (xpoolctl init creates a registry)"
				     : "");
		return e == ENOENT ? -ENOENT : -EIO;
	}
	if (mode != REG_OPEN_CREATE && !S_ISREG(st.st_mode)) {
		xp_err("registry %s: not a regular file", path);
		return -EINVAL;
	}
	if (mode == REG_OPEN_READONLY)
		return open_readonly(path, r);
	rc = sqlite3_open_v2(
	    path, &db, SQLITE_OPEN_READWRITE | (mode == REG_OPEN_CREATE ? SQLITE_OPEN_CREATE : 0),
	    NULL);
	if (rc != SQLITE_OK) {
		access_hint(path, mode, hint, sizeof(hint));
		xp_err("registry %s: %s%s", path, sqlite3_errstr(rc), hint);
		sqlite3_close(db);
		return -EIO;
	}
	r->h = db;
	sqlite3_busy_timeout(db, 10000);
	sqlite3_extended_result_codes(db, 1);
	if (sq_exec(r, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"))
		goto fail;
	/* migrate on open, one version at a time, each in a write transaction */
	for (;;) {
		if (sq_exec(r, "BEGIN IMMEDIATE"))
			goto fail;
		v = user_version(r);
		if (v < 0) {
			sq_exec(r, "ROLLBACK");
			goto fail;
		}
		if (v > REG_SCHEMA_VERSION) {
			xp_err("registry %s: schema version %d is newer than this program (%d)",
			       path, v, REG_SCHEMA_VERSION);
			sq_exec(r, "ROLLBACK");
			goto fail;
		}
		if (v == REG_SCHEMA_VERSION) {
			sq_exec(r, "COMMIT");
			break;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", v + 1);
		if (sq_exec(r, migrations[v]) || sq_exec(r, sql) || sq_exec(r, "COMMIT")) {
			sq_exec(r, "ROLLBACK");
			goto fail;
		}
	}
	return 0;
fail:
	access_hint(path, mode, hint, sizeof(hint));
	xp_err("registry %s: %s%s", path, r->why, hint);
	sqlite3_close(db);
	return -EIO;
}
