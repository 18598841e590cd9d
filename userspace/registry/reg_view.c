// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* reg_view.c - read-only views of the registry for graphs and the status site. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reg_be.h"
#include "reg_view.h"

int reg_view_servers(struct reg *r, time_t now,
		     int (*fn)(void *ctx, const struct reg_server_row *s), void *ctx)
{
	struct reg_res *res;
	int ret = reg_select(r,
			     "SELECT id, ip, country, netspeed, enabled, owner FROM servers"
			     " WHERE deleted IS NULL ORDER BY country, ip",
			     NULL, 0, &res);

	if (ret)
		return ret;
	while ((ret = reg_next(r, res)) > 0) {
		struct reg_server_row s = {.id = (long)reg_int(r, res, 0),
					   .netspeed = reg_int(r, res, 3),
					   .enabled = reg_int(r, res, 4) != 0};

		snprintf(s.ip, sizeof(s.ip), "%s", reg_text(r, res, 1));
		snprintf(s.country, sizeof(s.country), "%s", reg_text(r, res, 2));
		snprintf(s.owner, sizeof(s.owner), "%s", reg_text(r, res, 5));
		ret = reg_dns_score_read(r, s.id, now, &s.score);
		if (ret || fn(ctx, &s))
			break;
	}
	reg_done(r, res);
	return ret < 0 ? ret : 0;
}

int reg_view_history(struct reg *r, long id, time_t since, int limit,
		     int (*fn)(void *ctx, const struct reg_hist_row *h), void *ctx)
{
	struct reg_res *res;
	int ret = limit > 0
		      ? reg_select(r,
				   "SELECT ts, monitor, \"offset\", step, score, note FROM history"
				   " WHERE server_id = $1 ORDER BY ts DESC, rowid DESC LIMIT $2",
				   (struct reg_arg[]){RA_INT(id), RA_INT(limit)}, 2, &res)
		      : reg_select(r,
				   "SELECT ts, monitor, \"offset\", step, score, note FROM history"
				   " WHERE server_id = $1 AND ts >= $2 ORDER BY ts, rowid",
				   (struct reg_arg[]){RA_INT(id), RA_INT(since)}, 2, &res);

	if (ret)
		return ret;
	while ((ret = reg_next(r, res)) > 0) {
		struct reg_hist_row h = {.ts = (time_t)reg_int(r, res, 0),
					 .offset = reg_null(r, res, 2) ? NAN : reg_real(r, res, 2),
					 .step = reg_real(r, res, 3),
					 .score = reg_real(r, res, 4)};

		snprintf(h.monitor, sizeof(h.monitor), "%s", reg_text(r, res, 1));
		snprintf(h.note, sizeof(h.note), "%s", reg_text(r, res, 5));
		if (fn(ctx, &h))
			break;
	}
	reg_done(r, res);
	return ret < 0 ? ret : 0;
}

int reg_view_scores(struct reg *r, long id, int (*fn)(void *ctx, const struct reg_score_row *s),
		    void *ctx)
{
	struct reg_res *res;
	int ret = reg_select(r,
			     "SELECT s.monitor, COALESCE(m.status, '-'), s.score, s.updated"
			     " FROM scores s LEFT JOIN monitors m ON m.name = s.monitor"
			     " WHERE s.server_id = $1 ORDER BY s.monitor",
			     (struct reg_arg[]){RA_INT(id)}, 1, &res);

	if (ret)
		return ret;
	while ((ret = reg_next(r, res)) > 0) {
		struct reg_score_row s = {.score = reg_real(r, res, 2),
					  .updated = (time_t)reg_int(r, res, 3)};

		snprintf(s.monitor, sizeof(s.monitor), "%s", reg_text(r, res, 0));
		snprintf(s.status, sizeof(s.status), "%s", reg_text(r, res, 1));
		if (fn(ctx, &s))
			break;
	}
	reg_done(r, res);
	return ret < 0 ? ret : 0;
}

int reg_view_server_id(struct reg *r, const char *ip, long *id)
{
	char addr[64];
	struct reg_res *res;
	int ret;

	if (reg_canon_ip(ip, addr, sizeof(addr)))
		return -EINVAL;
	ret = reg_select(r, "SELECT id FROM servers WHERE ip = $1 AND deleted IS NULL",
			 (struct reg_arg[]){RA_TEXT(addr)}, 1, &res);
	if (ret)
		return ret;
	ret = reg_next(r, res);
	if (ret > 0)
		*id = (long)reg_int(r, res, 0);
	reg_done(r, res);
	return ret > 0 ? 0 : ret < 0 ? ret : -ENOENT;
}
