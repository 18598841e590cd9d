// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_web.c - the score graph (SVG) and the status site, from rows and from a registry. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "reg_db.h"
#include "web_graph.h"
#include "web_site.h"
#include "xt_pg.h"
#include "xt_tmp.h"

#define NOW 1796000000

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, what)); p++)
		n++;
	return n;
}

/* The graph of rows, as text. */
static char *graph(const struct reg_hist_row *rows, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(web_graph_svg(f, "192.0.2.1", rows, n, NOW - 86400, NOW), 0);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

Test(web_graph, lines_points_crosses_and_the_threshold)
{
	static struct reg_hist_row rows[100];
	size_t offsets = 0;
	char *svg;

	for (int i = 0; i < 100; i++) {
		rows[i] = (struct reg_hist_row){.ts = NOW - 86400 + i * 600,
						.offset = i % 10 == 3 ? NAN : 0.001 * (i % 5),
						.step = 1,
						.score = i / 5.0};
		snprintf(rows[i].monitor, sizeof(rows[i].monitor), "%s", i % 2 ? "nyc1" : "fra1");
		offsets += !isnan(rows[i].offset);
	}
	svg = graph(rows, 100);
	cr_expect(!strncmp(svg, "<svg", 4) || strstr(svg, "<svg "), "an SVG document");
	cr_expect_eq(count(svg, "<polyline"), 2, "a score line per monitor");
	cr_expect_eq(count(svg, "<circle"), offsets, "a point per check with an offset");
	cr_expect(strstr(svg, ">10: in DNS above<"), "the listing threshold, labelled");
	cr_expect(strstr(svg, ">fra1<") && strstr(svg, ">nyc1<"), "a legend");
	cr_expect(!strstr(svg, "<script") && !strstr(svg, "href"), "nothing active or external");
	cr_expect(!strstr(svg, "no checks in this period"));
	free(svg);
	svg = graph(NULL, 0);
	cr_expect(strstr(svg, "no checks in this period"), "an empty period says so");
	free(svg);
}

Test(web_graph, a_write_error_is_reported)
{
	FILE *f = fopen("/dev/full", "w");
	struct reg_hist_row row = {.ts = NOW - 60, .monitor = "fra1", .score = 5};

	cr_assert_not_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	cr_expect_eq(web_graph_svg(f, "192.0.2.1", &row, 1, NOW - 86400, NOW), -1);
	fclose(f);
}

static char *slurp(const char *dir, const char *name)
{
	char path[600], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	cr_assert_eq(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* The site from a registry: zones summed by the pool's zones, a page and a graph per server. */
Test(web_site, export_and_replace)
{
	char where[512], dir[XT_TMP_PATH], cmd[XT_TMP_PATH + 16], err[256], *index, *page, *svg,
	    *v6;
	struct reg *db = xt_reg_fresh(where, sizeof(where));
	time_t now = time(NULL);
	long id = 0;

	cr_assert_not_null(db);
	cr_assert_eq(reg_server_add(db, "192.0.2.1", 10000, "de", "", REG_F_TEST_ADDRESSES, err,
				    sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(reg_server_add(db, "2001:db8::5", 500, "fr", "", REG_F_TEST_ADDRESSES, err,
				    sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(
	    reg_server_add(db, "192.0.2.9", 1000, "us", "", REG_F_TEST_ADDRESSES, err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(reg_monitor_add(db, "fra1", NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(reg_monitor_set(db, "fra1", "active", err, sizeof(err)), 0, "%s", err);
	{
		struct reg_cursor *c;
		char ip[64];
		long sid;

		cr_assert_eq(reg_servers_open(db, &c), 0);
		while (reg_servers_next(c, &sid, ip) > 0)
			if (!strcmp(ip, "192.0.2.1"))
				id = sid;
	}
	cr_assert_gt(id, 0);
	cr_assert_eq(reg_record(db, id, "fra1", 15, 1, 0.002, "", now - 60), 0);
	xt_tmp_name("site", "d", dir);
	cr_assert_eq(web_site_export(db, dir, now, 3, err, sizeof(err)), 0, "%s", err);
	index = slurp(dir, "index.html");
	cr_assert_not_null(index);
	cr_expect(strstr(index, "<tr><td>global</td><td>3</td><td>1</td><td>10000</td></tr>"), "%s",
		  index);
	cr_expect(strstr(index, "<tr><td>europe</td><td>2</td><td>1</td><td>10000</td></tr>"));
	cr_expect(strstr(index, "<tr><td>north-america</td><td>1</td><td>0</td><td>0</td></tr>"));
	cr_expect(strstr(index, "<tr><td>de</td><td>1</td><td>1</td><td>10000</td></tr>"));
	cr_expect(strstr(index, "<tr><td>fr</td><td>1</td><td>0</td><td>0</td></tr>"));
	cr_expect(!strstr(index, "<td>asia</td>"), "no row for an empty zone");
	cr_expect(strstr(index, "a score of 10 or more"), "the rule, with the pool's threshold");
	cr_expect(strstr(index, "europe</td>") < strstr(index, "north-america</td>") &&
		      strstr(index, "north-america</td>") < strstr(index, "<td>de</td>"),
		  "global, continents, countries");
	page = slurp(dir, "servers/192.0.2.1.html");
	svg = slurp(dir, "servers/192.0.2.1.svg");
	cr_expect(page && strstr(page, "id=\"score\">15.00<"), "%s", page ? page : "no page");
	cr_expect(svg && strstr(svg, "<polyline"), "the graph has the check");
	v6 = slurp(dir, "servers/2001-db8--5.html");
	cr_expect(v6 && strstr(v6, "<h1>2001:db8::5</h1>"),
		  "the IPv6 server's page, no colon in its name");
	/* a second export replaces the first whole */
	cr_assert_eq(reg_server_remove(db, "192.0.2.9", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(web_site_export(db, dir, now, 3, err, sizeof(err)), 0, "%s", err);
	free(index);
	index = slurp(dir, "index.html");
	cr_expect(strstr(index, "<tr><td>global</td><td>2</td><td>1</td><td>10000</td></tr>"));
	cr_expect(access(dir, F_OK) == 0 && slurp(dir, "servers/192.0.2.9.html") == NULL,
		  "the old site is gone");
	/* nowhere to write: an error with the reason, nothing replaced */
	cr_expect_neq(web_site_export(db, "/nonexistent/dir/site", now, 3, err, sizeof(err)), 0);
	cr_expect(strstr(err, "/nonexistent/dir/site"), "%s", err);
	free(index);
	free(page);
	free(svg);
	free(v6);
	xt_reg_drop(db, where);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}
