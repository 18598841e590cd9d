/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* rsp_report.h - the responder's figures, for the Prometheus endpoint and xpoolctl. */
#ifndef RSP_REPORT_H
#define RSP_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "xp_metrics.h"
#include "xpool_shared.h"

struct rsp_report {
	uint64_t stats[XPOOL_STAT__MAX];
	bool have_clock;  /* clock data ever written */
	double age_s;	  /* of the clock data */
	double stale_s;	  /* the limit after which XDP steps aside */
	bool synced;
	int stratum, leap;
};

/* From the stats map and the clock map (read by fd: a copy, fine for display). */
int rsp_report_collect(int stats_fd, int clock_fd, struct rsp_report *r);
/* The figures as Prometheus families, through the scrape's writer. */
void rsp_report_prometheus(const struct rsp_report *r, struct xp_metrics *m);
void rsp_report_text(const struct rsp_report *r, FILE *f);

#endif
