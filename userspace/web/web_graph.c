// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* web_graph.c - a server's score graph as plain SVG, drawn the way the pool's site draws it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool_rules.h"
#include "web_graph.h"
#include "xp_vec.h"

#define W	 900
#define H	 340
#define X0	 70 /* the plot area */
#define X1	 820
#define Y0	 30
#define Y1	 290
#define SCORE_HI 20.0
#define BAND	 0.025 /* |offset| <= 25 ms: a full step (+1) */

static const char *const colours[] = {"#1f77b4", "#2ca02c", "#9467bd", "#8c564b",
				      "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};

static double xpos(time_t t, time_t from, time_t to)
{
	return X0 + (double)(t - from) * (X1 - X0) / (double)(to > from ? to - from : 1);
}

static double ypos(double v, double lo, double hi)
{
	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	return Y1 - (v - lo) * (Y1 - Y0) / (hi - lo);
}

/* The offset axis: the smallest of these spans that holds every offset (seconds). */
static double offset_span(const struct reg_hist_row *rows, size_t n)
{
	static const double spans[] = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5};
	double m = 0;

	for (size_t i = 0; i < n; i++)
		if (!isnan(rows[i].offset) && fabs(rows[i].offset) > m)
			m = fabs(rows[i].offset);
	for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++)
		if (m <= spans[i])
			return spans[i];
	return spans[sizeof(spans) / sizeof(spans[0]) - 1];
}

static int monitor_index(char names[][65], int *n, const char *m)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(names[i], m))
			return i;
	if (*n == WEB_GRAPH_MONITORS)
		return WEB_GRAPH_MONITORS - 1; /* more: they share the last colour */
	snprintf(names[*n], 65, "%s", m);
	return (*n)++;
}

int web_graph_svg(FILE *f, const char *title, const struct reg_hist_row *rows, size_t n,
		  time_t from, time_t to)
{
	char names[WEB_GRAPH_MONITORS][65];
	double lo = -20, span = offset_span(rows, n);
	int nm = 0, step_h;

	for (size_t i = 0; i < n; i++)
		if (rows[i].score < lo)
			lo = rows[i].score < -100 ? -100 : floor(rows[i].score / 10) * 10;
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n"
		"<title>%s</title>\n<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		W, H, W, H, title, W, H);
	/* the offset band (a full step) and the plot frame */
	fprintf(
	    f,
	    "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"#e6f4e6\"/>\n"
	    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n",
	    X0, ypos(BAND, -span, span), X1 - X0,
	    ypos(-BAND, -span, span) - ypos(BAND, -span, span), X0, Y0, X1 - X0, Y1 - Y0);
	/* left axis: score; the listing threshold (POOL_MIN_SCORE) dashed */
	for (double v = SCORE_HI; v >= lo - 1e-9; v -= SCORE_HI - lo <= 60 ? 10 : 20)
		fprintf(f,
			"<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n",
			X0, X1, ypos(v, lo, SCORE_HI), ypos(v, lo, SCORE_HI), X0 - 6,
			ypos(v, lo, SCORE_HI) + 4, v);
	fprintf(f,
		"<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#d62728\" "
		"stroke-dasharray=\"6,4\"/><text x=\"%d\" y=\"%.1f\" "
		"fill=\"#d62728\">" POOL_MIN_SCORE_TEXT ": in DNS above</text>\n",
		X0, X1, ypos(POOL_MIN_SCORE, lo, SCORE_HI), ypos(POOL_MIN_SCORE, lo, SCORE_HI),
		X0 + 4, ypos(POOL_MIN_SCORE, lo, SCORE_HI) - 4);
	fprintf(f,
		"<text transform=\"translate(18 %d) rotate(-90)\" text-anchor=\"middle\">score"
		"</text>\n",
		(Y0 + Y1) / 2);
	/* right axis: offset in ms */
	for (int k = -2; k <= 2; k++)
		fprintf(f, "<text x=\"%d\" y=\"%.1f\">%+g</text>\n", X1 + 6,
			ypos(span * k / 2, -span, span) + 4, span * k / 2 * 1e3);
	fprintf(f,
		"<text transform=\"translate(%d %d) rotate(90)\" text-anchor=\"middle\">offset (ms)"
		"</text>\n",
		W - 22, (Y0 + Y1) / 2);
	/* time axis: about eight ticks (every 1, 3, 12, 24 or 48 hours), dates in UTC */
	step_h = to - from <= 12 * 3600	  ? 1
		 : to - from <= 86400	  ? 3
		 : to - from <= 4 * 86400 ? 12
		 : to - from <= 8 * 86400 ? 24
					  : 48;
	for (time_t t = (from / (step_h * 3600) + 1) * step_h * 3600; t < to; t += step_h * 3600) {
		char lab[32];

		strftime(lab, sizeof(lab), "%m-%d %H:%M", gmtime(&t));
		fprintf(f,
			"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#ccc\"/>"
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
			xpos(t, from, to), xpos(t, from, to), Y1, Y1 + 5, xpos(t, from, to),
			Y1 + 18, lab);
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time (UTC)</text>\n",
		(X0 + X1) / 2, Y1 + 34);
	/* each monitor: its score as a line, its offsets as points, failures as red crosses */
	for (size_t i = 0; i < n; i++)
		monitor_index(names, &nm, rows[i].monitor);
	for (int m = 0; m < nm; m++) {
		const char *c = colours[m % (sizeof(colours) / sizeof(colours[0]))];
		int open = 0;

		for (size_t i = 0; i < n; i++) {
			if (monitor_index(names, &nm, rows[i].monitor) != m)
				continue;
			fprintf(f, "%s%.1f,%.1f",
				open++ ? " "
				       : "<polyline fill=\"none\" stroke-width=\"1.5\" points=\"",
				xpos(rows[i].ts, from, to), ypos(rows[i].score, lo, SCORE_HI));
		}
		if (open)
			fprintf(f, "\" stroke=\"%s\"/>\n", c);
		for (size_t i = 0; i < n; i++) {
			double x = xpos(rows[i].ts, from, to);

			if (monitor_index(names, &nm, rows[i].monitor) != m)
				continue;
			if (isnan(rows[i].offset))
				fprintf(f,
					"<path d=\"M%.1f %d l6 6 m0 -6 l-6 6\" stroke=\"#d62728\" "
					"stroke-width=\"1.5\"/>\n",
					x - 3, Y0 + 2);
			else
				fprintf(f,
					"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\"/>\n",
					x, ypos(rows[i].offset, -span, span), c);
		}
		fprintf(f,
			"<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
			"<text x=\"%d\" y=\"%d\">%s</text>\n",
			X0 + m * 130, 8, c, X0 + 14 + m * 130, 17, names[m]);
	}
	fprintf(f,
		"<text x=\"%d\" y=\"%d\" fill=\"#d62728\">x no usable reply</text>\n"
		"<text x=\"%d\" y=\"%d\" fill=\"#2ca02c\">band: |offset| &lt;= 25 ms</text>\n",
		X1 - 210, 17, X1 - 100, 17);
	if (!n)
		fprintf(f,
			"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no checks in this period"
			"</text>\n",
			(X0 + X1) / 2, (Y0 + Y1) / 2);
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}

struct rows {
	struct reg_hist_row *v;
	size_t n, cap;
};

static int collect(void *ctx, const struct reg_hist_row *h)
{
	struct rows *r = ctx;
	struct reg_hist_row *v = xp_vec_room(r->v, r->n, &r->cap, sizeof(*v), 1024);

	if (!v)
		return -ENOMEM;
	r->v = v;
	r->v[r->n++] = *h;
	return 0;
}

int web_graph_write(struct reg *r, long id, const char *title, time_t now, int days, FILE *f)
{
	struct rows rows = {0};
	time_t from = now - (time_t)days * 86400;
	int ret = reg_view_history(r, id, from, 0, collect, &rows);

	if (!ret && web_graph_svg(f, title, rows.v, rows.n, from, now))
		ret = -EIO;
	free(rows.v);
	return ret;
}
