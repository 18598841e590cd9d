// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* reg_db.c - the pool registry in SQLite: servers, monitor scores, history, snapshot export. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "xp_cc.h"
#include "reg_db.h"

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
};

static int fail(char *err, size_t n, int ret, const char *fmt, const char *arg)
{
	if (err)
		snprintf(err, n, fmt, arg);
	return ret;
}

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		fprintf(stderr, "registry: %s\n", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

int reg_open(const char *path, sqlite3 **out)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), v;
	char sql[64];

	if (rc != SQLITE_OK) {
		fprintf(stderr, "registry %s: %s\n", path, sqlite3_errstr(rc));
		sqlite3_close(db);
		return -EIO;
	}
	sqlite3_busy_timeout(db, 10000);
	if (exec(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"))
		goto fail;
	/* migrate on open, one version at a time, each in a write transaction */
	for (;;) {
		if (exec(db, "BEGIN IMMEDIATE"))
			goto fail;
		v = user_version(db);
		if (v < 0 || v > REG_SCHEMA_VERSION) {
			fprintf(stderr, "registry %s: schema version %d is newer than this program (%d)\n",
				path, v, REG_SCHEMA_VERSION);
			exec(db, "ROLLBACK");
			goto fail;
		}
		if (v == REG_SCHEMA_VERSION) {
			exec(db, "COMMIT");
			break;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", v + 1);
		if (exec(db, migrations[v]) || exec(db, sql) || exec(db, "COMMIT")) {
			exec(db, "ROLLBACK");
			goto fail;
		}
	}
	*out = db;
	return 0;
fail:
	sqlite3_close(db);
	return -EIO;
}

void reg_close(sqlite3 *db)
{
	sqlite3_close(db);
}

static int valid_ip(const char *ip)
{
	unsigned char a[16];

	return inet_pton(strchr(ip, ':') ? AF_INET6 : AF_INET, ip, a) == 1;
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

static int step_done(sqlite3 *db, sqlite3_stmt *st, char *err, size_t n)
{
	int rc = sqlite3_step(st), ret = 0;

	if (rc == SQLITE_CONSTRAINT)
		ret = fail(err, n, -EEXIST, "%s", "that address is already registered");
	else if (rc != SQLITE_DONE)
		ret = fail(err, n, -EIO, "registry: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return ret;
}

int reg_server_add(sqlite3 *db, const char *ip, long netspeed, const char *country,
		   const char *owner, bool enabled, char *err, size_t errlen)
{
	char addr[64], cc[3];
	sqlite3_stmt *st;
	time_t now = time(NULL);

	if (!valid_ip(ip))
		return fail(err, errlen, -EINVAL, "not an IPv4 or IPv6 address: '%s'", ip);
	if (!valid_country(country))
		return fail(err, errlen, -EINVAL, "unknown country code: '%s' (ISO 3166 alpha-2)",
			    country ? country : "");
	if (netspeed < 0 || netspeed > 100000000)
		return fail(err, errlen, -EINVAL, "%s", "netspeed: 0 to 100000000 kbit/s");
	canon(ip, addr, sizeof(addr));
	strcpy(cc, xp_cc_code(xp_cc_index(country, 2)));
	sqlite3_prepare_v2(db,
			   "INSERT INTO servers (ip, netspeed, country, owner, enabled, created, updated)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?)",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, netspeed);
	sqlite3_bind_text(st, 3, cc, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, owner ? owner : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 5, enabled);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_int64(st, 7, now);
	return step_done(db, st, err, errlen);
}

int reg_server_remove(sqlite3 *db, const char *ip, char *err, size_t errlen)
{
	char addr[64];
	sqlite3_stmt *st;
	int ret;

	canon(ip, addr, sizeof(addr));
	sqlite3_prepare_v2(db, "DELETE FROM servers WHERE ip = ?", -1, &st, NULL);
	sqlite3_bind_text(st, 1, addr, -1, SQLITE_TRANSIENT);
	ret = step_done(db, st, err, errlen);
	if (!ret && !sqlite3_changes(db))
		ret = fail(err, errlen, -ENOENT, "no server with address '%s'", ip);
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
			return fail(err, errlen, -EINVAL, "netspeed: expected 0-100000000, got '%s'",
				    value);
	} else if (!strcmp(field, "enabled")) {
		if (strcmp(value, "yes") && strcmp(value, "no"))
			return fail(err, errlen, -EINVAL, "enabled: expected yes or no, got '%s'",
				    value);
		v = !strcmp(value, "yes");
	} else if (!strcmp(field, "country")) {
		if (!valid_country(value))
			return fail(err, errlen, -EINVAL, "unknown country code: '%s'", value);
		value = xp_cc_code(xp_cc_index(value, 2));
	} else if (strcmp(field, "owner")) {
		return fail(err, errlen, -EINVAL,
			    "unknown field '%s' (netspeed, country, owner, enabled)", field);
	}
	canon(ip, addr, sizeof(addr));
	snprintf(sql, sizeof(sql), "UPDATE servers SET %s = ?, updated = ? WHERE ip = ?", field);
	sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (!strcmp(field, "netspeed") || !strcmp(field, "enabled"))
		sqlite3_bind_int64(st, 1, v);
	else
		sqlite3_bind_text(st, 1, value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, time(NULL));
	sqlite3_bind_text(st, 3, addr, -1, SQLITE_TRANSIENT);
	ret = step_done(db, st, err, errlen);
	if (!ret && !sqlite3_changes(db))
		ret = fail(err, errlen, -ENOENT, "no server with address '%s'", ip);
	return ret;
}

double reg_dns_score(sqlite3 *db, long id, time_t now)
{
	double s[64];
	int n = 0;
	sqlite3_stmt *st;

	sqlite3_prepare_v2(db, "SELECT score FROM scores WHERE server_id = ? AND updated >= ?"
			       " ORDER BY score",
			   -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now - REG_ACTIVE_SECS);
	while (n < 64 && sqlite3_step(st) == SQLITE_ROW)
		s[n++] = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	if (!n)
		return NAN;
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

int reg_server_list(sqlite3 *db, FILE *f, time_t now)
{
	sqlite3_stmt *st;

	fprintf(f, "%-40s %-7s %10s %-7s %7s  %s\n", "address", "country", "netspeed", "enabled",
		"score", "owner");
	sqlite3_prepare_v2(db, "SELECT id, ip, country, netspeed, enabled, owner FROM servers"
			       " ORDER BY country, ip",
			   -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		double score = reg_dns_score(db, sqlite3_column_int64(st, 0), now);

		fprintf(f, "%-40s %-7s %10lld %-7s %7.2f  %s\n", sqlite3_column_text(st, 1),
			sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3),
			sqlite3_column_int(st, 4) ? "yes" : "no", isnan(score) ? 0.0 : score,
			sqlite3_column_text(st, 5));
	}
	sqlite3_finalize(st);
	return 0;
}

int reg_server_show(sqlite3 *db, const char *ip, FILE *f, time_t now, char *err, size_t errlen)
{
	char addr[64];
	sqlite3_stmt *st;
	long id = -1;

	canon(ip, addr, sizeof(addr));
	sqlite3_prepare_v2(db, "SELECT id, country, netspeed, enabled, owner, created FROM servers"
			       " WHERE ip = ?",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, addr, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		fprintf(f, "%s: country %s, netspeed %lld kbit/s, %s, owner '%s'\n", addr,
			sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2),
			sqlite3_column_int(st, 3) ? "enabled" : "disabled", sqlite3_column_text(st, 4));
	}
	sqlite3_finalize(st);
	if (id < 0)
		return fail(err, errlen, -ENOENT, "no server with address '%s'", ip);
	fprintf(f, "DNS score (median of active monitors): %.2f\n", reg_dns_score(db, id, now));
	sqlite3_prepare_v2(db, "SELECT ts, monitor, offset, step, score, note FROM history"
			       " WHERE server_id = ? ORDER BY ts DESC, rowid DESC LIMIT 20",
			   -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	fprintf(f, "%-20s %-12s %12s %8s %8s  %s\n", "time (UTC)", "monitor", "offset", "step",
		"score", "note");
	while (sqlite3_step(st) == SQLITE_ROW) {
		time_t t = sqlite3_column_int64(st, 0);
		char ts[32];

		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", gmtime(&t));
		fprintf(f, "%-20s %-12s %12s %8.3f %8.2f  %s\n", ts, sqlite3_column_text(st, 1),
			sqlite3_column_type(st, 2) == SQLITE_NULL
				? "-"
				: (snprintf(addr, sizeof(addr), "%+.6f", sqlite3_column_double(st, 2)),
				   addr),
			sqlite3_column_double(st, 3), sqlite3_column_double(st, 4),
			sqlite3_column_text(st, 5));
	}
	sqlite3_finalize(st);
	return 0;
}

int reg_each_server(sqlite3 *db, int (*cb)(void *ctx, long id, const char *ip), void *ctx)
{
	sqlite3_stmt *st;
	int ret = 0;

	sqlite3_prepare_v2(db, "SELECT id, ip FROM servers ORDER BY id", -1, &st, NULL);
	while (!ret && sqlite3_step(st) == SQLITE_ROW)
		ret = cb(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return ret;
}

double reg_score_get(sqlite3 *db, long id, const char *monitor)
{
	sqlite3_stmt *st;
	double s = 0;

	sqlite3_prepare_v2(db, "SELECT score FROM scores WHERE server_id = ? AND monitor = ?", -1,
			   &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, monitor, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		s = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return s;
}

int reg_record(sqlite3 *db, long id, const char *monitor, double score, double step,
	       double offset, const char *note, time_t now)
{
	sqlite3_stmt *st;
	int ret = exec(db, "BEGIN IMMEDIATE");

	if (ret)
		return ret;
	sqlite3_prepare_v2(db, "INSERT INTO scores (server_id, monitor, score, updated)"
			       " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (server_id, monitor)"
			       " DO UPDATE SET score = ?3, updated = ?4",
			   -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, monitor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 3, score);
	sqlite3_bind_int64(st, 4, now);
	ret = step_done(db, st, NULL, 0);
	if (!ret) {
		sqlite3_prepare_v2(db, "INSERT INTO history (server_id, monitor, ts, offset, step,"
				       " score, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
				   -1, &st, NULL);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, monitor, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, now);
		if (isnan(offset))
			sqlite3_bind_null(st, 4);
		else
			sqlite3_bind_double(st, 4, offset);
		sqlite3_bind_double(st, 5, step);
		sqlite3_bind_double(st, 6, score);
		sqlite3_bind_text(st, 7, note ? note : "", -1, SQLITE_TRANSIENT);
		ret = step_done(db, st, NULL, 0);
	}
	exec(db, ret ? "ROLLBACK" : "COMMIT");
	return ret;
}

int reg_export(sqlite3 *db, const char *path, time_t now, char *err, size_t errlen)
{
	json_t *root = json_object(), *servers = json_array();
	char tmp[512], gen[32];
	sqlite3_stmt *st;
	int ret = 0;

	strftime(gen, sizeof(gen), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_object_set_new(root, "generated", json_string(gen));
	json_object_set_new(root, "servers", servers);
	sqlite3_prepare_v2(db, "SELECT id, ip, netspeed, country, enabled FROM servers ORDER BY id",
			   -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		double score = reg_dns_score(db, sqlite3_column_int64(st, 0), now);

		/* not yet monitored: score 0, as the pool starts new servers */
		json_array_append_new(
			servers,
			json_pack("{s:s, s:I, s:f, s:s, s:b}", "ip", sqlite3_column_text(st, 1),
				  "netspeed", (json_int_t)sqlite3_column_int64(st, 2), "score",
				  isnan(score) ? 0.0 : score, "country", sqlite3_column_text(st, 3),
				  "enabled", sqlite3_column_int(st, 4)));
	}
	sqlite3_finalize(st);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid());
	if (json_dump_file(root, tmp, JSON_INDENT(1)) || rename(tmp, path)) {
		ret = fail(err, errlen, -EIO, "cannot write the snapshot %s", path);
		unlink(tmp);
	}
	json_decref(root);
	return ret;
}
