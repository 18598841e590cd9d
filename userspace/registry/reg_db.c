// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* reg_db.c - the pool registry in SQLite: servers, monitor scores, history, snapshot export. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "reg_db.h"
#include "reg_sql.h"
#include "xp_addr.h"
#include "xp_cc.h"
#include "xp_log.h"
#include "xp_sign.h"

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
};

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (!reg_prep(db, "PRAGMA user_version", &st) && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else
		xp_err("registry: cannot read the schema version: %s", reg_why(db));
	sqlite3_finalize(st);
	return v;
}

/*
 * Read-only: for list, show and export on a registry this process may not write (a copy, a
 * read-only mount). SQLite's WAL mode needs a writable -shm file beside the database; where
 * none can be made, the file is opened as immutable (nothing can write it through us either).
 */
static int open_readonly(const char *path, sqlite3 **out)
{
	char uri[4200];
	sqlite3 *db = NULL;
	int rc, v = -1;

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
		sqlite3_stmt *st;

		if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (v < 0) {
		xp_err("registry %s: cannot open read-only: %s", path,
			db ? reg_why(db) : sqlite3_errstr(rc));
		goto fail;
	}
	if (v != REG_SCHEMA_VERSION) {
		xp_err("registry %s: schema version %d, this program reads %d (%s)", path, v,
			REG_SCHEMA_VERSION,
			v < REG_SCHEMA_VERSION ? "open it read-write once to migrate it" : "newer");
		goto fail;
	}
	*out = db;
	return 0;
fail:
	sqlite3_close(db);
	return -EIO;
}

int reg_open(const char *path, enum reg_open_mode mode, sqlite3 **out)
{
	sqlite3 *db = NULL;
	struct stat st;
	int rc, v;
	char sql[64];

	/* a mistyped --db must not become a new, empty registry */
	if (mode != REG_OPEN_CREATE && stat(path, &st)) {
		int e = errno;

		xp_err("registry %s: %s%s", path, strerror(e),
			e == ENOENT ? ": it does not exist (xpoolctl init creates a registry)" : "");
		return e == ENOENT ? -ENOENT : -EIO;
	}
	if (mode != REG_OPEN_CREATE && !S_ISREG(st.st_mode)) {
		xp_err("registry %s: not a regular file", path);
		return -EINVAL;
	}
	if (mode == REG_OPEN_READONLY)
		return open_readonly(path, out);
	rc = sqlite3_open_v2(path, &db,
			     SQLITE_OPEN_READWRITE | (mode == REG_OPEN_CREATE ? SQLITE_OPEN_CREATE : 0),
			     NULL);
	if (rc != SQLITE_OK) {
		xp_err("registry %s: %s", path, sqlite3_errstr(rc));
		sqlite3_close(db);
		return -EIO;
	}
	sqlite3_busy_timeout(db, 10000);
	if (reg_exec(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"))
		goto fail;
	/* migrate on open, one version at a time, each in a write transaction */
	for (;;) {
		if (reg_exec(db, "BEGIN IMMEDIATE"))
			goto fail;
		v = user_version(db);
		if (v < 0 || v > REG_SCHEMA_VERSION) {
			xp_err("registry %s: schema version %d is newer than this program (%d)",
				path, v, REG_SCHEMA_VERSION);
			reg_exec(db, "ROLLBACK");
			goto fail;
		}
		if (v == REG_SCHEMA_VERSION) {
			reg_exec(db, "COMMIT");
			break;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", v + 1);
		if (reg_exec(db, migrations[v]) || reg_exec(db, sql) || reg_exec(db, "COMMIT")) {
			reg_exec(db, "ROLLBACK");
			goto fail;
		}
	}
	*out = db;
	return 0;
fail:
	sqlite3_close(db);
	return -EIO;
}

int reg_checks_durability(sqlite3 *db)
{
	/* WAL with synchronous=NORMAL: consistent after any crash; a power cut may lose the last
	 * few checks, which the next round measures again (a fsync per check halved the rate) */
	return reg_exec(db, "PRAGMA synchronous=NORMAL");
}

void reg_close(sqlite3 *db)
{
	sqlite3_close(db);
}

/* Canonical text of an address, so that 2001:DB8::1 and 2001:db8:0::1 are one server. */
static void canon(const char *ip, char *out, size_t n)
{
	unsigned char a[16];
	int fam = strchr(ip, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(fam, ip, a) != 1 || !inet_ntop(fam, a, out, n))
		snprintf(out, n, "%s", ip);
}

static int valid_country(const char *cc)
{
	return cc && strlen(cc) == 2 && xp_cc_index(cc, 2) >= 0;
}

/* An owner is free text for operators: printable, at most 128 bytes (UTF-8 allowed). */
static int valid_owner(const char *o)
{
	size_t n = 0;

	for (; o[n]; n++)
		if ((unsigned char)o[n] < 0x20 || o[n] == 0x7f)
			return 0;
	return n <= REG_OWNER_MAX;
}

/* Text from the database, shown with control characters escaped (rows older than the check). */
static void put_safe(FILE *f, const unsigned char *t)
{
	for (; t && *t; t++)
		if (*t < 0x20 || *t == 0x7f || *t == '\\')
			fprintf(f, "\\x%02x", *t);
		else
			fputc(*t, f);
}

int reg_server_add(sqlite3 *db, const char *ip, long netspeed, const char *country,
		   const char *owner, unsigned flags, char *err, size_t errlen)
{
	char addr[64], cc[3], why[160];
	uint8_t a[16];
	sqlite3_stmt *st;
	time_t now = time(NULL);
	bool v6;
	int rc = 0;

	if (xp_addr_parse(ip, a, &v6))
		return reg_fail(err, errlen, -EINVAL, "not an IPv4 or IPv6 address: '%s'", ip);
	if (xp_addr_check_server(v6, a, flags & REG_F_TEST_ADDRESSES, why, sizeof(why)))
		return reg_fail(err, errlen, -EINVAL, "%s", why);
	if (owner && !valid_owner(owner))
		return reg_fail(err, errlen, -EINVAL, "%s",
			    "owner: printable text of at most 128 bytes, no control characters");
	if (!valid_country(country))
		return reg_fail(err, errlen, -EINVAL, "unknown country code: '%s' (ISO 3166 alpha-2)",
			    country ? country : "");
	if (netspeed < 0 || netspeed > 100000000)
		return reg_fail(err, errlen, -EINVAL, "%s", "netspeed: 0 to 100000000 kbit/s");
	canon(ip, addr, sizeof(addr));
	strcpy(cc, xp_cc_code(xp_cc_index(country, 2)));
	if (reg_prep(db,
		 "INSERT INTO servers (ip, netspeed, country, owner, enabled, created, updated)"
		 " VALUES (?, ?, ?, ?, ?, ?, ?)",
		 &st))
		return reg_fail(err, errlen, -EIO, "registry: %s", reg_why(db));
	rc |= sqlite3_bind_text(st, 1, addr, -1, SQLITE_TRANSIENT);
	rc |= sqlite3_bind_int64(st, 2, netspeed);
	rc |= sqlite3_bind_text(st, 3, cc, -1, SQLITE_TRANSIENT);
	rc |= sqlite3_bind_text(st, 4, owner ? owner : "", -1, SQLITE_TRANSIENT);
	rc |= sqlite3_bind_int(st, 5, !(flags & REG_F_DISABLED));
	rc |= sqlite3_bind_int64(st, 6, now);
	rc |= sqlite3_bind_int64(st, 7, now);
	if (reg_bound(db, rc)) {
		sqlite3_finalize(st);
		return reg_fail(err, errlen, -EIO, "registry: %s", reg_why(db));
	}
	return reg_step_done(db, st, err, errlen);
}

int reg_server_remove(sqlite3 *db, const char *ip, char *err, size_t errlen)
{
	char addr[64];
	sqlite3_stmt *st;
	int ret;

	canon(ip, addr, sizeof(addr));
	if (reg_prep(db, "DELETE FROM servers WHERE ip = ?", &st) ||
	    reg_bound(db, sqlite3_bind_text(st, 1, addr, -1, SQLITE_TRANSIENT))) {
		sqlite3_finalize(st);
		return reg_fail(err, errlen, -EIO, "registry: %s", reg_why(db));
	}
	ret = reg_step_done(db, st, err, errlen);
	if (!ret && !sqlite3_changes(db))
		ret = reg_fail(err, errlen, -ENOENT, "no server with address '%s'", ip);
	return ret;
}

int reg_server_set(sqlite3 *db, const char *ip, const char *field, const char *value, char *err,
		   size_t errlen)
{
	char addr[64], sql[128], *end;
	sqlite3_stmt *st;
	long v = 0;
	int ret;

	if (!strcmp(field, "netspeed")) {
		v = strtol(value, &end, 10);
		if (*end || end == value || v < 0 || v > 100000000)
			return reg_fail(err, errlen, -EINVAL, "netspeed: expected 0-100000000, got '%s'",
				    value);
	} else if (!strcmp(field, "enabled")) {
		if (strcmp(value, "yes") && strcmp(value, "no"))
			return reg_fail(err, errlen, -EINVAL, "enabled: expected yes or no, got '%s'",
				    value);
		v = !strcmp(value, "yes");
	} else if (!strcmp(field, "country")) {
		if (!valid_country(value))
			return reg_fail(err, errlen, -EINVAL, "unknown country code: '%s'", value);
		value = xp_cc_code(xp_cc_index(value, 2));
	} else if (!strcmp(field, "owner")) {
		if (!valid_owner(value))
			return reg_fail(err, errlen, -EINVAL, "%s",
				    "owner: printable text of at most 128 bytes, no control characters");
	} else {
		return reg_fail(err, errlen, -EINVAL,
			    "unknown field '%s' (netspeed, country, owner, enabled)", field);
	}
	canon(ip, addr, sizeof(addr));
	snprintf(sql, sizeof(sql), "UPDATE servers SET %s = ?, updated = ? WHERE ip = ?", field);
	if (reg_prep(db, sql, &st))
		return reg_fail(err, errlen, -EIO, "registry: %s", reg_why(db));
	if (!strcmp(field, "netspeed") || !strcmp(field, "enabled"))
		ret = sqlite3_bind_int64(st, 1, v);
	else
		ret = sqlite3_bind_text(st, 1, value, -1, SQLITE_TRANSIENT);
	ret |= sqlite3_bind_int64(st, 2, time(NULL));
	ret |= sqlite3_bind_text(st, 3, addr, -1, SQLITE_TRANSIENT);
	if (reg_bound(db, ret)) {
		sqlite3_finalize(st);
		return reg_fail(err, errlen, -EIO, "registry: %s", reg_why(db));
	}
	ret = reg_step_done(db, st, err, errlen);
	if (!ret && !sqlite3_changes(db))
		ret = reg_fail(err, errlen, -ENOENT, "no server with address '%s'", ip);
	return ret;
}

/* The median over monitors seen in the last 20 minutes: 0 and *out (NAN when none), or -EIO. */
static int dns_score(sqlite3 *db, long id, time_t now, double *out)
{
	double s[64];
	int n = 0, rc;
	sqlite3_stmt *st;

	*out = NAN;
	/* the pool's rule: active monitors only (testing ones are recorded and shown) */
	if (reg_prep(db, "SELECT s.score FROM scores s JOIN monitors m ON m.name = s.monitor"
			 " WHERE s.server_id = ? AND s.updated >= ? AND m.status = 'active'"
			 " ORDER BY s.score",
		     &st))
		return -EIO;
	if (reg_bound(db, sqlite3_bind_int64(st, 1, id) | sqlite3_bind_int64(st, 2, now - REG_ACTIVE_SECS))) {
		sqlite3_finalize(st);
		return -EIO;
	}
	/* more than 64 monitors: the median of the 64 lowest (never more than a handful) */
	while (n < 64 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		s[n++] = sqlite3_column_double(st, 0);
	if (n < 64 && reg_rows_done(db, rc)) {
		sqlite3_finalize(st);
		return -EIO;
	}
	sqlite3_finalize(st);
	if (n)
		*out = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	return 0;
}

double reg_dns_score(sqlite3 *db, long id, time_t now)
{
	double s;

	return dns_score(db, id, now, &s) ? NAN : s;
}

int reg_server_list(sqlite3 *db, FILE *f, time_t now)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (reg_prep(db, "SELECT id, ip, country, netspeed, enabled, owner FROM servers"
		     " ORDER BY country, ip",
		 &st))
		return -EIO;
	fprintf(f, "%-40s %-7s %10s %-7s %7s  %s\n", "address", "country", "netspeed", "enabled",
		"score", "owner");
	while (!ret && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		double score;

		ret = dns_score(db, sqlite3_column_int64(st, 0), now, &score);
		fprintf(f, "%-40s %-7s %10lld %-7s %7.2f  ", sqlite3_column_text(st, 1),
			sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3),
			sqlite3_column_int(st, 4) ? "yes" : "no", isnan(score) ? 0.0 : score);
		put_safe(f, sqlite3_column_text(st, 5));
		fputc('\n', f);
	}
	if (!ret)
		ret = reg_rows_done(db, rc);
	sqlite3_finalize(st);
	return ret;
}

int reg_server_show(sqlite3 *db, const char *ip, FILE *f, time_t now, char *err, size_t errlen)
{
	char addr[64];
	sqlite3_stmt *st = NULL;
	long id = -1;
	double score;
	int rc;

	canon(ip, addr, sizeof(addr));
	if (reg_prep(db, "SELECT id, country, netspeed, enabled, owner, created FROM servers"
		     " WHERE ip = ?",
		 &st) ||
	    reg_bound(db, sqlite3_bind_text(st, 1, addr, -1, SQLITE_TRANSIENT)))
		goto io;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		fprintf(f, "%s: country %s, netspeed %lld kbit/s, %s, owner '", addr,
			sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2),
			sqlite3_column_int(st, 3) ? "enabled" : "disabled");
		put_safe(f, sqlite3_column_text(st, 4));
		fputs("'\n", f);
	} else if (reg_rows_done(db, rc)) {
		goto io;
	}
	sqlite3_finalize(st);
	if (id < 0)
		return reg_fail(err, errlen, -ENOENT, "no server with address '%s'", ip);
	if (dns_score(db, id, now, &score))
		return reg_fail(err, errlen, -EIO, "registry: %s", reg_why(db));
	fprintf(f, "DNS score (median of active monitors): %.2f\n", score);
	if (reg_prep(db, "SELECT ts, monitor, offset, step, score, note FROM history"
		     " WHERE server_id = ? ORDER BY ts DESC, rowid DESC LIMIT 20",
		 &st) ||
	    reg_bound(db, sqlite3_bind_int64(st, 1, id)))
		goto io;
	fprintf(f, "%-20s %-12s %12s %8s %8s  %s\n", "time (UTC)", "monitor", "offset", "step",
		"score", "note");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		time_t t = sqlite3_column_int64(st, 0);
		char ts[32];

		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", gmtime(&t));
		fprintf(f, "%-20s ", ts);
		put_safe(f, sqlite3_column_text(st, 1));
		fprintf(f, " %12s %8.3f %8.2f  ",
			sqlite3_column_type(st, 2) == SQLITE_NULL
				? "-"
				: (snprintf(addr, sizeof(addr), "%+.6f", sqlite3_column_double(st, 2)),
				   addr),
			sqlite3_column_double(st, 3), sqlite3_column_double(st, 4));
		put_safe(f, sqlite3_column_text(st, 5));
		fputc('\n', f);
	}
	if (reg_rows_done(db, rc))
		goto io;
	sqlite3_finalize(st);
	return 0;
io:
	sqlite3_finalize(st);
	return reg_fail(err, errlen, -EIO, "registry: %s", reg_why(db));
}

struct reg_cursor {
	sqlite3 *db;
	sqlite3_stmt *st;
};

int reg_servers_open(sqlite3 *db, struct reg_cursor **out)
{
	struct reg_cursor *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->db = db;
	if (reg_prep(db, "SELECT id, ip FROM servers ORDER BY id", &c->st)) {
		free(c);
		return -EIO;
	}
	*out = c;
	return 0;
}

int reg_servers_next(struct reg_cursor *c, long *id, char ip[64])
{
	int rc = sqlite3_step(c->st);

	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(c->st, 0);
		snprintf(ip, 64, "%s", (const char *)sqlite3_column_text(c->st, 1));
		return 1;
	}
	return reg_rows_done(c->db, rc);
}

void reg_servers_close(struct reg_cursor *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->st);
	free(c);
}

double reg_score_get(sqlite3 *db, long id, const char *monitor)
{
	sqlite3_stmt *st;
	double s = 0;
	int rc;

	if (reg_prep(db, "SELECT score FROM scores WHERE server_id = ? AND monitor = ?", &st))
		return 0;
	if (!reg_bound(db, sqlite3_bind_int64(st, 1, id) |
			       sqlite3_bind_text(st, 2, monitor, -1, SQLITE_TRANSIENT))) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			s = sqlite3_column_double(st, 0);
		else
			reg_rows_done(db, rc); /* reported; the monitor scores from 0 */
	}
	sqlite3_finalize(st);
	return s;
}

int reg_record(sqlite3 *db, long id, const char *monitor, double score, double step,
	       double offset, const char *note, time_t now)
{
	sqlite3_stmt *st;
	int ret = reg_exec(db, "BEGIN IMMEDIATE");

	if (ret)
		return ret;
	/* only a registered monitor that is not paused writes; its last report moves */
	ret = reg_prep(db, "UPDATE monitors SET last_report = ?2 WHERE name = ?1 AND status != 'paused'",
		       &st);
	if (!ret) {
		ret = reg_bound(db, sqlite3_bind_text(st, 1, monitor, -1, SQLITE_TRANSIENT) |
					    sqlite3_bind_int64(st, 2, now));
		ret = ret ? (sqlite3_finalize(st), ret) : reg_step_done(db, st, NULL, 0);
	}
	if (!ret && !sqlite3_changes(db))
		ret = -ENOENT;
	if (!ret)
		ret = reg_prep(db, "INSERT INTO scores (server_id, monitor, score, updated)"
		       " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (server_id, monitor)"
		       " DO UPDATE SET score = ?3, updated = ?4",
		   &st);
	if (!ret) {
		ret = reg_bound(db, sqlite3_bind_int64(st, 1, id) |
					sqlite3_bind_text(st, 2, monitor, -1, SQLITE_TRANSIENT) |
					sqlite3_bind_double(st, 3, score) | sqlite3_bind_int64(st, 4, now));
		ret = ret ? (sqlite3_finalize(st), ret) : reg_step_done(db, st, NULL, 0);
	}
	if (!ret)
		ret = reg_prep(db, "INSERT INTO history (server_id, monitor, ts, offset, step,"
			       " score, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
			   &st);
	if (!ret) {
		int rc = sqlite3_bind_int64(st, 1, id);

		rc |= sqlite3_bind_text(st, 2, monitor, -1, SQLITE_TRANSIENT);
		rc |= sqlite3_bind_int64(st, 3, now);
		rc |= isnan(offset) ? sqlite3_bind_null(st, 4) : sqlite3_bind_double(st, 4, offset);
		rc |= sqlite3_bind_double(st, 5, step);
		rc |= sqlite3_bind_double(st, 6, score);
		rc |= sqlite3_bind_text(st, 7, note ? note : "", -1, SQLITE_TRANSIENT);
		ret = reg_bound(db, rc);
		ret = ret ? (sqlite3_finalize(st), ret) : reg_step_done(db, st, NULL, 0);
	}
	reg_exec(db, ret ? "ROLLBACK" : "COMMIT");
	return ret;
}

int reg_export(sqlite3 *db, const char *path, time_t now, const uint8_t *sk, char *err,
	       size_t errlen)
{
	json_t *root = json_object(), *servers = json_array();
	char gen[32], sig_path[4200], sig[XP_SIGN_TEXT], *text = NULL;
	sqlite3_stmt *st = NULL;
	int ret = 0, rc;

	strftime(gen, sizeof(gen), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if (!root || !servers || json_object_set_new(root, "generated", json_string(gen)) ||
	    json_object_set(root, "servers", servers)) {
		ret = reg_fail(err, errlen, -ENOMEM, "%s", "out of memory building the snapshot");
		goto out;
	}
	/* in one read transaction: the servers and their scores as of one moment */
	if (reg_exec(db, "BEGIN") ||
	    reg_prep(db, "SELECT id, ip, netspeed, country, enabled FROM servers ORDER BY id", &st)) {
		ret = reg_fail(err, errlen, -EIO, "registry: %s", reg_why(db));
		goto out;
	}
	/* every row or no snapshot: a read error is never taken as the end of the table */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		double score;

		if (dns_score(db, sqlite3_column_int64(st, 0), now, &score))
			break;
		/* not yet monitored: score 0, as the pool starts new servers */
		if (json_array_append_new(
			    servers,
			    json_pack("{s:s, s:I, s:f, s:s, s:b}", "ip", sqlite3_column_text(st, 1),
				      "netspeed", (json_int_t)sqlite3_column_int64(st, 2), "score",
				      isnan(score) ? 0.0 : score, "country",
				      sqlite3_column_text(st, 3), "enabled",
				      sqlite3_column_int(st, 4)))) {
			ret = reg_fail(err, errlen, -ENOMEM, "%s", "out of memory building the snapshot");
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = reg_fail(err, errlen, -EIO, "registry read failed, no snapshot written: %s",
			   reg_why(db));
		goto out;
	}
	text = json_dumps(root, JSON_INDENT(1));
	if (!text) {
		ret = reg_fail(err, errlen, -ENOMEM, "%s", "out of memory building the snapshot");
		goto out;
	}
	/*
	 * The signature goes next to the file, each written whole and renamed into place: the
	 * snapshot first, then its signature. A fetcher between the two renames sees a mismatch,
	 * keeps its data and takes the pair at its next poll.
	 */
	ret = xp_write_atomic(path, text, strlen(text), 0644);
	if (ret) {
		snprintf(err, errlen, "cannot write the snapshot %s: %s", path, strerror(-ret));
		goto out;
	}
	if (sk) {
		xp_sign_text(text, strlen(text), sk, sig);
		snprintf(sig_path, sizeof(sig_path), "%s.sig", path);
		ret = xp_write_atomic(sig_path, sig, strlen(sig), 0644);
		if (ret)
			snprintf(err, errlen, "cannot write the signature %s: %s", sig_path,
				 strerror(-ret));
	}
out:
	free(text);
	sqlite3_finalize(st);
	if (!sqlite3_get_autocommit(db))
		reg_exec(db, "COMMIT");
	json_decref(servers);
	json_decref(root);
	return ret;
}
