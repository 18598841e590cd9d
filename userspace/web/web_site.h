/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* web_site.h - the pool's status site as static files: zones, servers, graphs; swapped in whole. */
#ifndef WEB_SITE_H
#define WEB_SITE_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "reg_view.h"

/*
 * Writes the status site to a new directory beside dir and swaps it into place in one rename
 * (renameat2 RENAME_EXCHANGE), then removes the old one: index.html (zones: global, continents,
 * countries, with servers, servers in DNS and their netspeed; every server with its score) and
 * servers/ADDR.html with ADDR.svg (its graph, score, monitors' scores and last checks). Plain
 * HTML and SVG, no script. 0, or -errno with err set (nothing replaced).
 */
int web_site_export(struct reg *r, const char *dir, time_t now, int days, char *err, size_t n);

#endif
