// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* reg_db.c - the pool registry's servers: add, change, list, show, and the snapshot export. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "reg_be.h"
#include "reg_view.h"
#include "xp_addr.h"
#include "xp_cc.h"
#include "xp_log.h"
#include "xp_sign.h"

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

int reg_server_add(struct reg *r, const char *ip, long netspeed, const char *country,
		   const char *owner, unsigned flags, char *err, size_t errlen)
{
	char addr[64], cc[3], why[200];
	uint8_t a[16];
	time_t now = time(NULL);
	bool v6;
	int ret;

	if (xp_addr_parse(ip, a, &v6))
		return reg_fail(err, errlen, -EINVAL, "not an IPv4 or IPv6 address: '%s'", ip);
	if (xp_addr_check_server(v6, a, flags & REG_F_TEST_ADDRESSES,
				 "xpoolctl server add ... --test-addresses", why, sizeof(why)))
		return reg_fail(err, errlen, -EINVAL, "%s", why);
	if (owner && !valid_owner(owner))
		return reg_fail(
		    err, errlen, -EINVAL, "%s",
		    "owner: printable text of at most 128 bytes, no control characters");
	if (!valid_country(country))
		return reg_fail(err, errlen, -EINVAL,
				"unknown country code: '%s' (ISO 3166 alpha-2)",
				country ? country : "");
	if (netspeed < 0 || netspeed > 100000000)
		return reg_fail(err, errlen, -EINVAL, "%s", "netspeed: 0 to 100000000 kbit/s");
	reg_canon_ip(ip, addr, sizeof(addr));
	strcpy(cc, xp_cc_code(xp_cc_index(country, 2)));
	ret =
	    reg_run(r,
		    "INSERT INTO servers (ip, netspeed, country, owner, enabled, created, updated)"
		    " VALUES ($1, $2, $3, $4, $5, $6, $7)",
		    (struct reg_arg[]){RA_TEXT(addr), RA_INT(netspeed), RA_TEXT(cc),
				       RA_TEXT(owner ? owner : ""),
				       RA_INT(!(flags & REG_F_DISABLED)), RA_INT(now), RA_INT(now)},
		    7, NULL);
	return ret ? reg_fail_io(r, err, errlen, ret) : 0;
}

int reg_server_remove(struct reg *r, const char *ip, char *err, size_t errlen)
{
	char addr[64];
	long changed = 0;
	int ret;

	reg_canon_ip(ip, addr, sizeof(addr));
	ret = reg_run(r, "DELETE FROM servers WHERE ip = $1", (struct reg_arg[]){RA_TEXT(addr)}, 1,
		      &changed);
	if (ret)
		return reg_fail_io(r, err, errlen, ret);
	return changed ? 0 : reg_fail(err, errlen, -ENOENT, "no server with address '%s'", ip);
}

int reg_server_set(struct reg *r, const char *ip, const char *field, const char *value, char *err,
		   size_t errlen)
{
	char addr[64], sql[128], *end;
	struct reg_arg a[3];
	long v = 0, changed = 0;
	int ret;

	if (!strcmp(field, "netspeed")) {
		v = strtol(value, &end, 10);
		if (*end || end == value || v < 0 || v > 100000000)
			return reg_fail(err, errlen, -EINVAL,
					"netspeed: expected 0-100000000, got '%s'", value);
	} else if (!strcmp(field, "enabled")) {
		if (strcmp(value, "yes") && strcmp(value, "no"))
			return reg_fail(err, errlen, -EINVAL,
					"enabled: expected yes or no, got '%s'", value);
		v = !strcmp(value, "yes");
	} else if (!strcmp(field, "country")) {
		if (!valid_country(value))
			return reg_fail(err, errlen, -EINVAL, "unknown country code: '%s'", value);
		value = xp_cc_code(xp_cc_index(value, 2));
	} else if (!strcmp(field, "owner")) {
		if (!valid_owner(value))
			return reg_fail(
			    err, errlen, -EINVAL, "%s",
			    "owner: printable text of at most 128 bytes, no control characters");
	} else {
		return reg_fail(err, errlen, -EINVAL,
				"unknown field '%s' (netspeed, country, owner, enabled)", field);
	}
	reg_canon_ip(ip, addr, sizeof(addr));
	/* field is one of the four names above, never the caller's text */
	snprintf(sql, sizeof(sql),
		 "UPDATE servers SET %s = $1, updated = $2 WHERE ip = $3 AND deleted IS NULL", field);
	a[0] = !strcmp(field, "netspeed") || !strcmp(field, "enabled") ? RA_INT(v) : RA_TEXT(value);
	a[1] = RA_INT(time(NULL));
	a[2] = RA_TEXT(addr);
	ret = reg_run(r, sql, a, 3, &changed);
	if (ret)
		return reg_fail_io(r, err, errlen, ret);
	return changed ? 0 : reg_fail(err, errlen, -ENOENT, "no server with address '%s'", ip);
}

/* The median over active monitors seen in the last 20 minutes: 0 and *out (NAN if none). */
int reg_dns_score_read(struct reg *r, long id, time_t now, double *out)
{
	struct reg_res *res;
	double s[64];
	int n = 0, ret;

	*out = NAN;
	/* the pool's rule: active monitors only (testing ones are recorded and shown) */
	ret = reg_select(r,
			 "SELECT s.score FROM scores s JOIN monitors m ON m.name = s.monitor"
			 " WHERE s.server_id = $1 AND s.updated >= $2 AND m.status = 'active'"
			 " ORDER BY s.score",
			 (struct reg_arg[]){RA_INT(id), RA_INT(now - REG_ACTIVE_SECS)}, 2, &res);
	if (ret)
		return ret;
	/* more than 64 monitors: the median of the 64 lowest (never more than a handful) */
	while (n < 64 && (ret = reg_next(r, res)) > 0)
		s[n++] = reg_real(r, res, 0);
	reg_done(r, res);
	if (ret < 0)
		return ret;
	if (n)
		*out = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	return 0;
}

double reg_dns_score(struct reg *r, long id, time_t now)
{
	double s;

	return reg_dns_score_read(r, id, now, &s) ? NAN : s;
}

static int list_row(void *ctx, const struct reg_server_row *s)
{
	FILE *f = ctx;

	fprintf(f, "%-40s %-7s %10lld %-7s %7.2f  ", s->ip, s->country, s->netspeed,
		s->enabled ? "yes" : "no", isnan(s->score) ? 0.0 : s->score);
	put_safe(f, (const unsigned char *)s->owner);
	fputc('\n', f);
	return 0;
}

int reg_server_list(struct reg *r, FILE *f, time_t now)
{
	fprintf(f, "%-40s %-7s %10s %-7s %7s  %s\n", "address", "country", "netspeed", "enabled",
		"score", "owner");
	return reg_view_servers(r, now, list_row, f);
}

int reg_server_show(struct reg *r, const char *ip, FILE *f, time_t now, char *err, size_t errlen)
{
	char addr[64], num[32];
	struct reg_res *res = NULL;
	long id = -1;
	double score;
	int ret;

	reg_canon_ip(ip, addr, sizeof(addr));
	ret = reg_select(r,
			 "SELECT id, country, netspeed, enabled, owner, created FROM servers"
			 " WHERE ip = $1 AND deleted IS NULL",
			 (struct reg_arg[]){RA_TEXT(addr)}, 1, &res);
	if (ret)
		goto io;
	ret = reg_next(r, res);
	if (ret > 0) {
		id = reg_int(r, res, 0);
		fprintf(f, "%s: country %s, netspeed %lld kbit/s, %s, owner '", addr,
			reg_text(r, res, 1), reg_int(r, res, 2),
			reg_int(r, res, 3) ? "enabled" : "disabled");
		put_safe(f, (const unsigned char *)reg_text(r, res, 4));
		fputs("'\n", f);
	}
	reg_done(r, res);
	res = NULL;
	if (ret < 0)
		goto io;
	if (id < 0)
		return reg_fail(err, errlen, -ENOENT, "no server with address '%s'", ip);
	ret = reg_dns_score_read(r, id, now, &score);
	if (ret)
		goto io;
	fprintf(f, "DNS score (median of active monitors): %.2f\n", score);
	ret = reg_select(r,
			 "SELECT ts, monitor, \"offset\", step, score, note FROM history"
			 " WHERE server_id = $1 ORDER BY ts DESC, rowid DESC LIMIT 20",
			 (struct reg_arg[]){RA_INT(id)}, 1, &res);
	if (ret)
		goto io;
	fprintf(f, "%-20s %-12s %12s %8s %8s  %s\n", "time (UTC)", "monitor", "offset", "step",
		"score", "note");
	while ((ret = reg_next(r, res)) > 0) {
		time_t t = reg_int(r, res, 0);
		char ts[32];

		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", gmtime(&t));
		fprintf(f, "%-20s ", ts);
		put_safe(f, (const unsigned char *)reg_text(r, res, 1));
		if (reg_null(r, res, 2))
			snprintf(num, sizeof(num), "-");
		else
			snprintf(num, sizeof(num), "%+.6f", reg_real(r, res, 2));
		fprintf(f, " %12s %8.3f %8.2f  ", num, reg_real(r, res, 3), reg_real(r, res, 4));
		put_safe(f, (const unsigned char *)reg_text(r, res, 5));
		fputc('\n', f);
	}
	reg_done(r, res);
	if (ret < 0)
		goto io;
	return 0;
io:
	return reg_fail_io(r, err, errlen, ret);
}

/* The snapshot's JSON, from one read transaction: 0 and *text, or -errno with err set. */
static int snapshot(struct reg *r, time_t now, char **text, char *err, size_t errlen)
{
	json_t *root = json_object(), *servers = json_array();
	struct reg_res *res = NULL;
	char gen[32];
	int ret;

	strftime(gen, sizeof(gen), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if (!root || !servers || json_object_set_new(root, "generated", json_string(gen)) ||
	    json_object_set(root, "servers", servers)) {
		ret = reg_fail(err, errlen, -ENOMEM, "%s", "out of memory building the snapshot");
		goto out;
	}
	/* a snapshot from a filtered view (a monitor's role) would list wrong medians: refused */
	ret = r->ops->reads_all ? r->ops->reads_all(r) : 0;
	/* in one read transaction: the servers and their scores as of one moment */
	if (!ret)
		ret = reg_begin(r, REG_TX_READ);
	if (!ret)
		ret = reg_select(
		    r, "SELECT id, ip, netspeed, country, enabled FROM servers WHERE deleted IS NULL"
		    " ORDER BY id", NULL,
		    0, &res);
	if (ret) {
		reg_fail_io(r, err, errlen, ret);
		goto out;
	}
	/* every row or no snapshot: a read error is never taken as the end of the table */
	while ((ret = reg_next(r, res)) > 0) {
		double score;

		ret = reg_dns_score_read(r, reg_int(r, res, 0), now, &score);
		if (ret)
			break;
		/* not yet monitored: score 0, as the pool starts new servers */
		if (json_array_append_new(servers, json_pack("{s:s, s:I, s:f, s:s, s:b}", "ip",
							     reg_text(r, res, 1), "netspeed",
							     (json_int_t)reg_int(r, res, 2),
							     "score", isnan(score) ? 0.0 : score,
							     "country", reg_text(r, res, 3),
							     "enabled", (int)reg_int(r, res, 4)))) {
			ret = reg_fail(err, errlen, -ENOMEM, "%s",
				       "out of memory building the snapshot");
			goto out;
		}
	}
	if (ret) {
		ret = reg_fail(err, errlen, ret, "registry read failed, no snapshot written: %s",
			       reg_why(r));
		goto out;
	}
	*text = json_dumps(root, JSON_INDENT(1));
	if (!*text)
		ret = reg_fail(err, errlen, -ENOMEM, "%s", "out of memory building the snapshot");
out:
	reg_done(r, res);
	reg_rollback(r); /* a read: nothing to commit */
	json_decref(servers);
	json_decref(root);
	return ret;
}

int reg_export(struct reg *r, const char *path, time_t now, const uint8_t *sk, char *err,
	       size_t errlen)
{
	char sig_path[4200], sig[XP_SIGN_TEXT], *text = NULL;
	int ret = snapshot(r, now, &text, err, errlen);

	if (ret)
		return ret;
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
	return ret;
}
