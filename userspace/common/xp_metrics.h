/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_metrics.h - the one Prometheus text writer: a family's HELP and TYPE once, then samples. */
#ifndef XP_METRICS_H
#define XP_METRICS_H

#include <stdint.h>
#include <stdio.h>

#define XP_METRICS_FAMILIES 128 /* families one writer remembers (HELP and TYPE once each) */

struct xp_label {
	const char *name, *value; /* value escaped as the text format asks (\\, \", \n) */
};

/* A writer of one scrape, on the caller's stack: nothing shared between threads. */
struct xp_metrics {
	FILE *f;
	const char *family; /* the family samples belong to */
	const char *seen[XP_METRICS_FAMILIES];
	int n_seen;
};

void xp_metrics_init(struct xp_metrics *m, FILE *f);

/*
 * Declares a family (type: counter, gauge, histogram...): its HELP (escaped) and TYPE lines,
 * once per writer, however often it is declared; the samples that follow belong to it.
 */
void xp_metrics_family(struct xp_metrics *m, const char *name, const char *type, const char *help);

/*
 * One sample of the family: its name and suffix (NULL, or "_bucket", "_sum", "_count"), the n
 * labels (escaped), then the value printed with fmt (a printf format for one value).
 */
void xp_metrics_samplef(struct xp_metrics *m, const char *suffix, const struct xp_label *labels,
			int n, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The common cases: an unsigned count, with no label or one. */
void xp_metrics_u64(struct xp_metrics *m, uint64_t v);
void xp_metrics_u64_l(struct xp_metrics *m, const char *label, const char *value, uint64_t v);

/* Writes s escaped as a label value (\\, \", \n) or, help != 0, as HELP text (\\, \n). */
void xp_metrics_escape(FILE *f, const char *s, int help);

#endif
