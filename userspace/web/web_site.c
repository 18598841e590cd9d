// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* web_site.c - the pool's status site as static files: zones, servers, graphs; swapped in whole. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pool_rules.h"
#include "pool_zone.h"
#include "web_graph.h"
#include "web_site.h"

/* A file name for an address: IPv6 colons are not welcome in every URL path. */
static void page_name(const char *ip, char *out, size_t n)
{
	snprintf(out, n, "%s", ip);
	for (char *p = out; *p; p++)
		if (*p == ':')
			*p = '-';
}

struct zone_sum {
	long servers, listed;
	long long netspeed;
};

struct site {
	struct reg *r;
	const char *dir;
	time_t now;
	int days;
	struct zone_sum zone[POOL_N_ZONES]; /* pool_zone numbers */
	FILE *list; /* the index's server table, built as the servers go by */
	char *list_buf;
	size_t list_len;
	int err;
};

static FILE *open_in(const char *dir, const char *name)
{
	char path[4400];

	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	f = fopen(path, "w");
	/* readable by the web server whatever our umask */
	if (f)
		fchmod(fileno(f), 0644);
	return f;
}

static const char *const head = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
				"<title>%s</title><style>body{font-family:sans-serif;margin:2em}"
				"table{border-collapse:collapse}td,th{border:1px solid #ccc;"
				"padding:2px 8px;text-align:right}th{background:#f4f4f4}"
				".bad{color:#d62728}.good{color:#2ca02c}</style></head><body>\n";

static int score_row(void *ctx, const struct reg_score_row *s)
{
	char ts[32];

	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", gmtime(&s->updated));
	fprintf(ctx, "<tr><td>%s</td><td>%s</td><td>%.2f</td><td>%s</td></tr>\n", s->monitor,
		s->status, s->score, ts);
	return 0;
}

static int check_row(void *ctx, const struct reg_hist_row *h)
{
	char ts[32], off[32] = "-";

	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", gmtime(&h->ts));
	if (!isnan(h->offset))
		snprintf(off, sizeof(off), "%+.3f ms", h->offset * 1e3);
	fprintf(ctx, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%+.3f</td><td>%.2f</td></tr>\n", ts,
		h->monitor, off, h->step, h->score);
	return 0;
}

static void add(struct zone_sum *z, bool listed, long long netspeed)
{
	z->servers++;
	z->listed += listed;
	z->netspeed += listed ? netspeed : 0;
}

/* One server: its page and its graph; its sums into the zones. */
static int server(void *ctx, const struct reg_server_row *s)
{
	struct site *st = ctx;
	int zones[POOL_ZONES_OF_MAX], nz = pool_zone_of(xp_cc_index(s->country, 2), zones);
	bool listed = pool_listed_default(s->enabled, s->netspeed, s->score);
	double score = isnan(s->score) ? 0 : s->score;
	char name[80], file[96];
	FILE *f;

	if (!nz) /* a country the pool does not know: the global zone's only */
		zones[nz++] = POOL_ZONE_GLOBAL;
	for (int k = 0; k < nz; k++)
		add(&st->zone[zones[k]], listed, s->netspeed);
	page_name(s->ip, name, sizeof(name));
	fprintf(st->list,
		"<tr><td><a href=\"servers/%s.html\">%s</a></td><td>%s</td><td>%lld</td>"
		"<td class=\"%s\">%.2f</td><td>%s</td></tr>\n",
		name, s->ip, s->country, s->netspeed, listed ? "good" : "bad", score,
		listed ? "yes" : "no");
	snprintf(file, sizeof(file), "servers/%s.svg", name);
	f = open_in(st->dir, file);
	if (!f || web_graph_write(st->r, s->id, s->ip, st->now, st->days, f))
		st->err = -EIO;
	if (f && fclose(f))
		st->err = -EIO;
	snprintf(file, sizeof(file), "servers/%s.html", name);
	f = open_in(st->dir, file);
	if (!f) {
		st->err = -errno;
		return 1;
	}
	fprintf(f, head, s->ip);
	fprintf(f,
		"<p><a href=\"../index.html\">pool status</a></p><h1>%s</h1>\n"
		"<p>Country %s, netspeed %lld kbit/s, %s. Score <b class=\"%s\" id=\"score\">%.2f"
		"</b> (median of active monitors): %s DNS.</p>\n"
		"<img src=\"%s.svg\" alt=\"score and offset graph of %s\" width=\"900\" "
		"height=\"340\">\n<h2>Monitors</h2>\n<table><tr><th>monitor</th><th>status</th>"
		"<th>score</th><th>last check (UTC)</th></tr>\n",
		s->ip, s->country, s->netspeed, s->enabled ? "enabled" : "disabled",
		listed ? "good" : "bad", score, listed ? "in" : "not in", name, s->ip);
	if (reg_view_scores(st->r, s->id, score_row, f))
		st->err = -EIO;
	fputs("</table>\n<h2>Last checks</h2>\n<table><tr><th>time (UTC)</th><th>monitor</th>"
	      "<th>offset</th><th>step</th><th>score</th></tr>\n",
	      f);
	if (reg_view_history(st->r, s->id, 0, 20, check_row, f))
		st->err = -EIO;
	fputs("</table>\n</body></html>\n", f);
	if (fclose(f))
		st->err = -EIO;
	return st->err ? 1 : 0;
}

static void zone_row(FILE *f, const char *name, const struct zone_sum *z)
{
	fprintf(f, "<tr><td>%s</td><td>%ld</td><td>%ld</td><td>%lld</td></tr>\n", name, z->servers,
		z->listed, z->netspeed);
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

int web_site_export(struct reg *r, const char *dir, time_t now, int days, char *err, size_t n)
{
	struct site st = {.r = r, .now = now, .days = days};
	char tmp[4200], sub[4300], ts[32];
	struct stat sb;
	FILE *f;
	int ret;

	snprintf(tmp, sizeof(tmp), "%s.new.XXXXXX", dir);
	if (!mkdtemp(tmp)) {
		snprintf(err, n, "cannot make a directory beside %s: %s", dir, strerror(errno));
		return -errno;
	}
	chmod(tmp, 0755);
	snprintf(sub, sizeof(sub), "%s/servers", tmp);
	st.dir = tmp;
	st.list = open_memstream(&st.list_buf, &st.list_len);
	ret = mkdir(sub, 0755) || chmod(sub, 0755) || !st.list ? -errno : 0;
	if (!ret)
		ret = reg_view_servers(r, now, server, &st);
	if (!ret)
		ret = st.err;
	if (st.list && fclose(st.list))
		ret = ret ? ret : -ENOMEM;
	st.list = NULL;
	f = ret ? NULL : open_in(tmp, "index.html");
	if (!ret && !f)
		ret = -errno;
	if (f) {
		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
		fprintf(f, head, "pool status");
		fprintf(f,
			"<h1>Pool status</h1>\n<p>Generated %s. A server is in DNS with a score "
			"of " POOL_MIN_SCORE_TEXT
			" or more, enabled, and netspeed above 0.</p>\n<h2>Zones</h2>\n<table><tr>"
			"<th>zone</th><th>servers</th><th>in DNS</th><th>netspeed (kbit/s) in DNS"
			"</th></tr>\n",
			ts);
		/* global, then continents, then countries: the zones' own order */
		for (int z = 0; z < POOL_N_ZONES; z++)
			if (z == POOL_ZONE_GLOBAL || st.zone[z].servers)
				zone_row(f, pool_zone_name(z), &st.zone[z]);
		fprintf(f,
			"</table>\n<h2>Servers</h2>\n<table><tr><th>address</th><th>country</th>"
			"<th>netspeed</th><th>score</th><th>in DNS</th></tr>\n%.*s</table>\n"
			"</body></html>\n",
			(int)st.list_len, st.list_buf ? st.list_buf : "");
		if (fclose(f))
			ret = -EIO;
	}
	free(st.list_buf);
	/* whole or not at all: the new tree takes the old one's place in one rename (a web
	 * server sees the old site or the new one, never a mix) */
	if (!ret) {
		if (!lstat(dir, &sb))
			ret = !S_ISDIR(sb.st_mode)					 ? -ENOTDIR
			      : renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) ? -errno
											 : 0;
		else
			ret = errno != ENOENT ? -errno : rename(tmp, dir) ? -errno : 0;
	}
	if (ret) {
		snprintf(err, n, "status site %s not written: %s", dir, strerror(-ret));
		nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		return ret;
	}
	nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS); /* the old site, now at tmp */
	return 0;
}
