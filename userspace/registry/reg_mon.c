// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* reg_mon.c - monitors as registry entries: active ones make the DNS score, testing ones are shown.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reg_be.h"

static const char *const statuses[] = {"active", "testing", "paused"};

/* A monitor's name: 1-64 of [A-Za-z0-9._-] (it names a database role on PostgreSQL, too). */
static int valid_name(const char *n)
{
	size_t len = strlen(n);

	if (!len || len > 64)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
		      (n[i] >= '0' && n[i] <= '9') || n[i] == '.' || n[i] == '_' || n[i] == '-'))
			return 0;
	return 1;
}

/*
 * The monitor's database role (PostgreSQL), inside the caller's transaction: made or dropped,
 * or the SQL for a superuser printed to note. 0, or -errno with err set.
 */
static int role(struct reg *r, const char *name, bool add, FILE *note, char *err, size_t errlen)
{
	char msg[2048];
	int ret;

	if (!r->ops->monitor_role)
		return 0; /* SQLite: the file's permissions are the access control */
	ret = r->ops->monitor_role(r, name, add, msg, sizeof(msg));
	if (ret < 0)
		return reg_fail(err, errlen, ret, "%s", msg);
	if (note && ret)
		fprintf(note, "%s", msg);
	else if (note && add)
		fprintf(
		    note,
		    "database role xpool_mon_%s: reads the servers' public columns, writes this "
		    "monitor's checks "
		    "(LOGIN without a password: give it one with ALTER ROLE, or a peer or cert "
		    "rule in pg_hba.conf)\n",
		    name);
	return 0;
}

int reg_monitor_add(struct reg *r, const char *name, FILE *note, char *err, size_t errlen)
{
	int ret;

	if (!valid_name(name))
		return reg_fail(err, errlen, -EINVAL,
				"monitor name '%s': 1-64 letters, digits, '.', '_' or '-'", name);
	ret = reg_begin(r, REG_TX_WRITE);
	if (!ret)
		ret = reg_run(
		    r, "INSERT INTO monitors (name, status, created) VALUES ($1, 'testing', $2)",
		    (struct reg_arg[]){RA_TEXT(name), RA_INT(time(NULL))}, 2, NULL);
	if (ret == -EEXIST)
		reg_fail(err, errlen, ret, "monitor '%s' is already registered", name);
	else if (ret)
		reg_fail_io(r, err, errlen, ret);
	/* its database role, in the same transaction: both or neither (unless printed instead) */
	if (!ret)
		ret = role(r, name, true, note, err, errlen);
	if (!ret && (ret = reg_commit(r)))
		reg_fail_io(r, err, errlen, ret);
	if (ret)
		reg_rollback(r);
	return ret;
}

int reg_monitor_set(struct reg *r, const char *name, const char *status, char *err, size_t errlen)
{
	long changed = 0;
	int ret, known = 0;

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		known |= !strcmp(status, statuses[i]);
	if (!known)
		return reg_fail(err, errlen, -EINVAL,
				"status: expected active, testing or paused, got '%s'", status);
	ret = reg_run(r, "UPDATE monitors SET status = $2 WHERE name = $1",
		      (struct reg_arg[]){RA_TEXT(name), RA_TEXT(status)}, 2, &changed);
	if (ret)
		return reg_fail_io(r, err, errlen, ret);
	return changed ? 0 : reg_fail(err, errlen, -ENOENT, "no monitor named '%s'", name);
}

int reg_monitor_remove(struct reg *r, const char *name, FILE *note, char *err, size_t errlen)
{
	long changed = 0;
	int ret = reg_begin(r, REG_TX_WRITE);

	/* its scores go with it: a removed monitor must not keep moving a median */
	if (!ret)
		ret = reg_run(r, "DELETE FROM monitors WHERE name = $1",
			      (struct reg_arg[]){RA_TEXT(name)}, 1, &changed);
	if (!ret)
		ret = reg_run(r, "DELETE FROM scores WHERE monitor = $1",
			      (struct reg_arg[]){RA_TEXT(name)}, 1, NULL);
	if (ret)
		reg_fail_io(r, err, errlen, ret);
	else if (!changed)
		ret = reg_fail(err, errlen, -ENOENT, "no monitor named '%s'", name);
	if (!ret)
		ret = role(r, name, false, note, err, errlen);
	if (!ret && (ret = reg_commit(r)))
		reg_fail_io(r, err, errlen, ret);
	if (ret)
		reg_rollback(r);
	return ret;
}

int reg_monitor_status(struct reg *r, const char *name, enum reg_mon_status *status)
{
	struct reg_res *res;
	int ret = reg_select(r, "SELECT status FROM monitors WHERE name = $1",
			     (struct reg_arg[]){RA_TEXT(name)}, 1, &res);

	if (ret)
		return ret;
	ret = reg_next(r, res);
	if (ret > 0) {
		const char *s = reg_text(r, res, 0);

		*status = !strcmp(s, "active")	 ? REG_MON_ACTIVE
			  : !strcmp(s, "paused") ? REG_MON_PAUSED
						 : REG_MON_TESTING;
		ret = 0;
	} else if (!ret) {
		ret = -ENOENT;
	}
	reg_done(r, res);
	return ret;
}

/* Mean |score - median of the active monitors| over the servers name scored in 20 minutes. */
static int distance(struct reg *r, const char *name, time_t now, long *n, double *mean)
{
	struct reg_res *res;
	double sum = 0;
	int ret = reg_select(
	    r, "SELECT server_id, score FROM scores WHERE monitor = $1 AND updated >= $2",
	    (struct reg_arg[]){RA_TEXT(name), RA_INT(now - REG_ACTIVE_SECS)}, 2, &res);

	*n = 0;
	*mean = NAN;
	if (ret)
		return ret;
	while ((ret = reg_next(r, res)) > 0) {
		double median = reg_dns_score(r, reg_int(r, res, 0), now);

		if (isnan(median))
			continue; /* no active monitor for that server yet */
		sum += fabs(reg_real(r, res, 1) - median);
		(*n)++;
	}
	reg_done(r, res);
	*mean = *n ? sum / *n : NAN;
	return ret;
}

int reg_monitor_list(struct reg *r, FILE *f, time_t now)
{
	struct reg_res *res;
	int ret = reg_select(r, "SELECT name, status, last_report FROM monitors ORDER BY name",
			     NULL, 0, &res);

	if (ret)
		return ret;
	fprintf(f, "%-24s %-8s %-20s %8s %12s\n", "monitor", "status", "last report (UTC)",
		"servers", "from median");
	while ((ret = reg_next(r, res)) > 0) {
		const char *name = reg_text(r, res, 0);
		time_t t = reg_int(r, res, 2);
		char ts[32] = "never";
		double mean;
		long n;

		if (t)
			strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", gmtime(&t));
		ret = distance(r, name, now, &n, &mean);
		if (ret)
			break;
		fprintf(f, "%-24s %-8s %-20s %8ld ", name, reg_text(r, res, 1), ts, n);
		if (isnan(mean))
			fprintf(f, "%12s\n", "-");
		else
			fprintf(f, "%12.2f\n", mean);
	}
	reg_done(r, res);
	return ret;
}
