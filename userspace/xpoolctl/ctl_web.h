/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ctl_web.h - the pool's status site as static files: zones, servers, graphs; swapped in whole. */
#ifndef CTL_WEB_H
#define CTL_WEB_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "reg_view.h"

/* A server's graph over the last days days (SVG) to f: 0 or -errno. */
int ctl_graph_write(struct reg *r, long id, const char *title, time_t now, int days, FILE *f);

/*
 * Writes the status site to a new directory beside dir and swaps it into place in one rename
 * (renameat2 RENAME_EXCHANGE), then removes the old one: index.html (zones: global, continents,
 * countries, with servers, servers in DNS and their netspeed; every server with its score) and
 * servers/ADDR.html with ADDR.svg (its graph, score, monitors' scores and last checks). Plain
 * HTML and SVG, no script. 0, or -errno with err set (nothing replaced).
 */
int ctl_web_export(struct reg *r, const char *dir, time_t now, int days, char *err, size_t n);

#endif
