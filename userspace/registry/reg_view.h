/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* reg_view.h - read-only views of the registry for graphs and the status site. */
#ifndef REG_VIEW_H
#define REG_VIEW_H

#include <stdbool.h>
#include <time.h>

#include "reg_db.h"

struct reg_server_row {
	long id;
	char ip[64];
	char country[3];
	long long netspeed;
	bool enabled;
	double score; /* the DNS score (median of active monitors); NAN when none */
	char owner[REG_OWNER_MAX + 1];
};

struct reg_hist_row {
	time_t ts;
	char monitor[65];
	double offset; /* seconds; NAN when the check measured none */
	double step, score;
	char note[96];
};

struct reg_score_row {
	char monitor[65];
	char status[8];
	double score;
	time_t updated;
};

/* Each calls fn per row (a non-zero return stops it) and returns 0 or -errno (a read error,
 * the DNS score's included, is never taken as the end of the rows). */
int reg_view_servers(struct reg *r, time_t now,
		     int (*fn)(void *ctx, const struct reg_server_row *s), void *ctx);
/* A server's checks since a time, oldest first, or its last limit checks newest first. */
int reg_view_history(struct reg *r, long id, time_t since, int limit,
		     int (*fn)(void *ctx, const struct reg_hist_row *h), void *ctx);
/* Each monitor's current score for a server, with the monitor's status. */
int reg_view_scores(struct reg *r, long id, int (*fn)(void *ctx, const struct reg_score_row *s),
		    void *ctx);
/* A server's id from its address (any spelling): 0, -ENOENT or -errno. */
int reg_view_server_id(struct reg *r, const char *ip, long *id);

#endif
