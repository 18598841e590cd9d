// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_metrics.c - the one Prometheus text writer: a family's HELP and TYPE once, then samples. */
#include <stdarg.h>
#include <string.h>

#include "xp_metrics.h"

void xp_metrics_init(struct xp_metrics *m, FILE *f)
{
	memset(m, 0, sizeof(*m));
	m->f = f;
}

void xp_metrics_escape(FILE *f, const char *s, int help)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && !help)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

static int seen(struct xp_metrics *m, const char *name)
{
	for (int i = 0; i < m->n_seen; i++)
		if (!strcmp(m->seen[i], name))
			return 1;
	if (m->n_seen < XP_METRICS_FAMILIES)
		m->seen[m->n_seen++] = name;
	return 0;
}

void xp_metrics_family(struct xp_metrics *m, const char *name, const char *type, const char *help)
{
	m->family = name;
	if (seen(m, name))
		return;
	fprintf(m->f, "# HELP %s ", name);
	xp_metrics_escape(m->f, help, 1);
	fprintf(m->f, "\n# TYPE %s %s\n", name, type);
}

static void name_labels(struct xp_metrics *m, const char *suffix, const struct xp_label *l, int n)
{
	fputs(m->family, m->f);
	if (suffix)
		fputs(suffix, m->f);
	for (int i = 0; i < n; i++) {
		fprintf(m->f, "%c%s=\"", i ? ',' : '{', l[i].name);
		xp_metrics_escape(m->f, l[i].value, 0);
		fputc('"', m->f);
	}
	if (n)
		fputc('}', m->f);
	fputc(' ', m->f);
}

void xp_metrics_samplef(struct xp_metrics *m, const char *suffix, const struct xp_label *labels,
			int n, const char *fmt, ...)
{
	va_list ap;

	name_labels(m, suffix, labels, n);
	va_start(ap, fmt);
	vfprintf(m->f, fmt, ap);
	va_end(ap);
	fputc('\n', m->f);
}

void xp_metrics_u64(struct xp_metrics *m, uint64_t v)
{
	xp_metrics_samplef(m, NULL, NULL, 0, "%llu", (unsigned long long)v);
}

void xp_metrics_u64_l(struct xp_metrics *m, const char *label, const char *value, uint64_t v)
{
	struct xp_label l = {label, value};

	xp_metrics_samplef(m, NULL, &l, 1, "%llu", (unsigned long long)v);
}
