/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* web_graph.h - a server's score graph as plain SVG, drawn the way the pool's site draws it. */
#ifndef WEB_GRAPH_H
#define WEB_GRAPH_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "reg_view.h"

#define WEB_GRAPH_MONITORS 8 /* colours; more monitors share the last */

/*
 * Writes the graph of checks rows[0..n) (oldest first) between from and to: each monitor's score
 * as a line (left axis, the listing threshold POOL_MIN_SCORE dashed), each check's offset as a
 * point (right axis, ms; the full-step band of +-25 ms shaded), checks without a usable reply as
 * red crosses, a time axis in UTC and a legend. No script, no external reference. 0, or -1 on a
 * write error.
 */
int web_graph_svg(FILE *f, const char *title, const struct reg_hist_row *rows, size_t n,
		  time_t from, time_t to);

/* A server's graph over the last days days (SVG) to f, from the registry r: 0 or -errno. */
int web_graph_write(struct reg *r, long id, const char *title, time_t now, int days, FILE *f);

#endif
