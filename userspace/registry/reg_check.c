// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* reg_check.c - what a monitor reads and writes: the servers page by page, its checks once each. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "reg_be.h"
#include "xp_log.h"

#define PAGE 256

/* A page of servers at a time, by id: no statement held open between pages, so a round goes on
 * from the last id it saw after the connection comes back. */
struct reg_cursor {
	struct reg *r;
	long after; /* the last id handed out */
	int n, i;
	struct {
		long id;
		char ip[64];
	} page[PAGE];
};

int reg_servers_open(struct reg *r, struct reg_cursor **out)
{
	struct reg_cursor *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->r = r;
	*out = c;
	return 0;
}

static int fill(struct reg_cursor *c)
{
	struct reg_res *res;
	int ret = reg_select(c->r, "SELECT id, ip FROM servers WHERE id > $1 AND deleted IS NULL"
			     " ORDER BY id LIMIT $2",
			     (struct reg_arg[]){RA_INT(c->after), RA_INT(PAGE)}, 2, &res);

	c->n = c->i = 0;
	if (ret)
		return ret;
	while (c->n < PAGE && (ret = reg_next(c->r, res)) > 0) {
		c->page[c->n].id = reg_int(c->r, res, 0);
		snprintf(c->page[c->n].ip, 64, "%s", reg_text(c->r, res, 1));
		c->n++;
	}
	reg_done(c->r, res);
	if (ret < 0)
		c->n = 0; /* a read error is never taken as the end */
	return ret < 0 ? ret : 0;
}

int reg_servers_next(struct reg_cursor *c, long *id, char ip[64])
{
	if (c->i == c->n) {
		int ret = fill(c);

		if (ret)
			return ret;
		if (!c->n)
			return 0;
	}
	*id = c->page[c->i].id;
	memcpy(ip, c->page[c->i].ip, 64);
	c->after = *id;
	c->i++;
	return 1;
}

void reg_servers_close(struct reg_cursor *c)
{
	free(c);
}

double reg_score_get(struct reg *r, long id, const char *monitor)
{
	struct reg_res *res;
	double s = 0;

	if (reg_select(r, "SELECT score FROM scores WHERE server_id = $1 AND monitor = $2",
		       (struct reg_arg[]){RA_INT(id), RA_TEXT(monitor)}, 2, &res))
		return 0;
	if (reg_next(r, res) > 0)
		s = reg_real(r, res, 0);
	reg_done(r, res);
	return s;
}

/* One check inside the batch's transaction: 0 (c->state says what happened) or -errno. */
static int record_one(struct reg *r, const char *monitor, struct reg_check *c, reg_score_fn fn,
		      void *ctx)
{
	struct reg_res *res;
	double prev = 0;
	bool have_prev, server, recorded;
	int ret;

	ret = reg_select(
	    r,
	    "SELECT (SELECT score FROM scores WHERE server_id = $1 AND monitor = $2),"
	    " (SELECT count(*) FROM servers WHERE id = $1 AND deleted IS NULL),"
	    " (SELECT count(*) FROM history WHERE monitor = $2 AND check_id = $3)",
	    (struct reg_arg[]){RA_INT(c->server_id), RA_TEXT(monitor), RA_INT(c->check_id)}, 3,
	    &res);
	if (ret)
		return ret;
	ret = reg_next(r, res);
	if (ret <= 0) {
		reg_done(r, res);
		return ret ? ret : -EIO;
	}
	have_prev = !reg_null(r, res, 0);
	prev = have_prev ? reg_real(r, res, 0) : 0;
	server = reg_int(r, res, 1) > 0;
	recorded = reg_int(r, res, 2) > 0;
	reg_done(r, res);
	if (recorded) {
		c->state = 1; /* its commit reached the registry before the connection went */
		return 0;
	}
	if (!server) {
		c->state = -ESRCH; /* removed during the round */
		return 0;
	}
	if (fn)
		c->score = fn(prev, c, ctx);
	ret = reg_run(
	    r,
	    "INSERT INTO scores (server_id, monitor, score, updated) VALUES ($1, $2, $3, $4)"
	    " ON CONFLICT (server_id, monitor) DO UPDATE SET score = $3, updated = $4",
	    (struct reg_arg[]){RA_INT(c->server_id), RA_TEXT(monitor), RA_REAL(c->score),
			       RA_INT(c->ts)},
	    4, NULL);
	if (!ret)
		ret =
		    reg_run(r,
			    "INSERT INTO history (server_id, monitor, ts, \"offset\", step, score,"
			    " note, check_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			    (struct reg_arg[]){
				RA_INT(c->server_id), RA_TEXT(monitor), RA_INT(c->ts),
				isnan(c->offset) ? RA_NULL : RA_REAL(c->offset), RA_REAL(c->step),
				RA_REAL(c->score), RA_TEXT(c->note), RA_INT(c->check_id)},
			    8, NULL);
	c->state = 0;
	return ret;
}

int reg_record_checks(struct reg *r, const char *monitor, struct reg_check *c, size_t n,
		      reg_score_fn fn, void *ctx)
{
	time_t last = 0;
	long changed = 0;
	int ret;

	for (size_t i = 0; i < n; i++)
		last = c[i].ts > last ? c[i].ts : last;
	ret = reg_begin(r, REG_TX_WRITE);
	/* only a registered monitor that is not paused writes; its last report moves forward */
	if (!ret)
		ret =
		    reg_run(r,
			    "UPDATE monitors SET last_report = CASE WHEN last_report > $2"
			    " THEN last_report ELSE $2 END WHERE name = $1 AND status <> 'paused'",
			    (struct reg_arg[]){RA_TEXT(monitor), RA_INT(last)}, 2, &changed);
	if (!ret && !changed)
		ret = -ENOENT;
	for (size_t i = 0; !ret && i < n; i++)
		ret = record_one(r, monitor, &c[i], fn, ctx);
	if (!ret)
		ret = reg_commit(r);
	if (ret)
		reg_rollback(r);
	return ret;
}

int reg_record(struct reg *r, long id, const char *monitor, double score, double step,
	       double offset, const char *note, time_t now)
{
	struct reg_check c = {
	    .server_id = id, .ts = now, .offset = offset, .step = step, .score = score};

	if (getrandom(&c.check_id, sizeof(c.check_id), 0) != sizeof(c.check_id))
		return -errno;
	snprintf(c.note, sizeof(c.note), "%s", note ? note : "");
	return reg_record_checks(r, monitor, &c, 1, NULL, NULL);
}
